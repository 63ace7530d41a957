"""kansli import: idempotent, updates in place, refuses bad files whole with named errors."""
from __future__ import annotations

import copy
from datetime import date, datetime, timezone

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import (
    Absence,
    Assignment,
    Case,
    Forum,
    Meeting,
    Membership,
    Outbox,
    Person,
)
from storage.network import NetworkFileError, apply
from tests.conftest import EXAMPLE, at


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def counts(s: Session) -> dict[str, int]:
    return {
        m.__name__: s.scalar(select(func.count()).select_from(m)) or 0
        for m in (Person, Forum, Membership, Meeting, Case, Assignment, Absence, Outbox)
    }


def test_importing_the_example_twice_changes_nothing(db: sessionmaker[Session]) -> None:
    with db() as s:
        first = apply(s, example(), now=at("2020-01-01T09:00"))
        s.commit()
        before = counts(s)
        second = apply(s, example(), now=at("2020-01-02T09:00"))
        s.commit()
        assert first.changed and not second.changed
        assert counts(s) == before
        assert before["Person"] == 6 and before["Meeting"] == 5 and before["Case"] == 1


def test_the_example_meeting_is_stored_in_utc_and_shown_in_stockholm_time(db: sessionmaker[Session]) -> None:
    with db() as s:
        apply(s, example(), now=at("2020-01-01T09:00"))
        m = s.scalar(select(Meeting).order_by(Meeting.starts_at).offset(1))
        assert m.starts_at == datetime(2020, 3, 6, 8, 30, tzinfo=timezone.utc)
        assert m.place == "Myntgatan 2, Falun, lokal Siljan"


def test_a_changed_file_updates_in_place_and_keeps_recorded_absences_and_deliveries(
    db: sessionmaker[Session],
) -> None:
    with db() as s:
        apply(s, example(), now=at("2020-01-01T09:00"))
        meeting = s.scalar(select(Meeting).where(Meeting.place == "Skype").order_by(Meeting.starts_at))
        per = s.scalar(select(Person).where(Person.handle == "per.ek"))
        now = at("2020-05-01T09:00")
        s.add(Absence(meeting_id=meeting.id, person_id=per.id, reported_at=now, updated_at=now))
        s.add(Outbox(key="x", kind="test", payload={}, created_at=now, next_attempt_at=now, person_id=per.id))
        s.commit()

        data = example()
        data["people"][3]["title"] = "Socialdirektör"
        data["forums"][0]["meetings"][1]["place"] = "Teams"
        data["forums"][0]["meetings"][1]["start"] = "2020-06-12T10:00"  # same day, new time: the meeting moves
        data["forums"][0]["members"] = [m for m in data["forums"][0]["members"] if m["person"] != "eva.strand"]
        summary = apply(s, data, now=now)
        s.commit()
        assert summary.changed
        s.refresh(meeting)
        assert meeting.place == "Teams"
        assert meeting.starts_at == datetime(2020, 6, 12, 8, 0, tzinfo=timezone.utc)
        assert s.scalar(select(func.count()).select_from(Absence)) == 1
        assert s.scalar(select(func.count()).select_from(Outbox)) == 1
        assert s.scalar(select(Person.title).where(Person.handle == "per.ek")) == "Socialdirektör"
        eva = s.scalar(select(Person).where(Person.handle == "eva.strand"))
        lchnv = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        assert not s.scalar(select(Membership).where(Membership.person_id == eva.id,
                                                     Membership.forum_id == lchnv.id))


def test_the_imported_assignment_keeps_its_extension_history(db: sessionmaker[Session]) -> None:
    with db() as s:
        apply(s, example(), now=at("2020-01-01T09:00"))
        a = s.scalar(select(Assignment))
        assert a.due == date(2021, 10, 31)
        assert [(x.previous_due, x.new_due) for x in a.extensions] == [(date(2021, 2, 7), date(2021, 10, 31))]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["forums"][0]["members"].append({"person": "okand.person"}),
         "forums[0] (lchnv) members[5]: okänd person 'okand.person'"),
        (lambda d: d["people"].append(copy.deepcopy(d["people"][1])),
         "people[6] (lars.holm): handle 'lars.holm' förekommer två gånger"),
        (lambda d: d["forums"][0]["members"][3].update(roles=["kassör"]),
         "forums[0] (lchnv) members[3]: okänd roll 'kassör'"),
        (lambda d: d["forums"][0]["meetings"][0].update(start="2020-02-30T09:30"),
         "forums[0] (lchnv) meetings[0]: 'start: 2020-02-30T09:30' är ingen giltig tidpunkt"),
        (lambda d: d["forums"][1]["meetings"][0].update(end="2020-02-21T12:00"),
         "forums[1] (styrgrupp-lchnv) meetings[0]: mötet slutar innan det börjar"),
        (lambda d: d["assignments"][0].update(due="i morgon"),
         "assignments[0]: 'due: i morgon' är inget giltigt datum"),
        (lambda d: d["forums"][0]["rules"].update(agenda_deadline={"working_days_before": "fem"}),
         "forums[0] (lchnv) rules: 'agenda_deadline.working_days_before' ska vara ett heltal"),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_entry_and_field_named(
    db: sessionmaker[Session], mutate, expected: str  # type: ignore[no-untyped-def]
) -> None:
    data = example()
    mutate(data)
    with db() as s:
        with pytest.raises(NetworkFileError) as info:
            apply(s, data, now=at("2020-01-01T09:00"))
        s.rollback()
        assert any(e.startswith(expected) for e in info.value.errors), info.value.errors
        assert counts(s)["Person"] == 0, "nothing may be written from a refused file"


def test_every_problem_in_a_file_is_listed_at_once(db: sessionmaker[Session]) -> None:
    data = example()
    data["forums"][0]["members"].append({"person": "nobody"})
    data["forums"][0]["meetings"][0]["end"] = "2020-03-06T08:00"
    with db() as s, pytest.raises(NetworkFileError) as info:
        apply(s, data, now=at("2020-01-01T09:00"))
    assert len(info.value.errors) == 2


def test_the_import_summary_agrees_with_its_numbers() -> None:
    from storage.network import ImportSummary

    summary = ImportSummary(created={"case": 1, "extension": 2}, updated={"organisation": 1})
    assert summary.lines() == ["Nya: 1 ärende, 2 förlängningar", "Ändrade: 1 huvudman"]
