"""Personal data: absence notes deleted after the retention period; a person exported or erased.

Example network, seen from 2020-02-20: LCHNV meets fredag 6 mars 2020, kl. 9.30–14.00;
maria.lind receives absence reports.
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from storage import outbox
from storage.models import Absence, AuditLog, Case, Decision, Outbox, Person
from storage.privacy import (
    ERASED_NAME,
    NOTE_REMOVED,
    erase_person,
    export_person,
    purge_absence_notes,
    scrub_messages,
    word,
)
from tests.conftest import at

NOTE = "sjukskriven efter operation"


def report(chat, handle: str = "per.ek", note: str = NOTE) -> None:  # type: ignore[no-untyped-def]
    said = chat(handle, f"/anmäl frånvaro 6 mars: {note}")
    assert said.ok, said.reply
    assert note in said.to("maria.lind")[0]


def purge(maker, now: str, days: int = 30):  # type: ignore[no-untyped-def]
    with maker() as s:
        result = purge_absence_notes(s, now=at(now), retention_days=days)
        s.commit()
    return result


def notes(maker) -> list[str | None]:  # type: ignore[no-untyped-def]
    with maker() as s:
        return [a.note for a in s.scalars(select(Absence).order_by(Absence.id))]


def payload_texts(maker) -> str:  # type: ignore[no-untyped-def]
    with maker() as s:
        return json.dumps([r.payload for r in s.scalars(select(Outbox))], ensure_ascii=False)


def test_a_note_is_kept_30_days_after_the_meeting_then_deleted_with_its_copies(chat, network) -> None:
    report(chat)
    # The meeting ends fredag 6 mars 2020 kl. 14.00; 30 days later is söndag 5 april kl. 14.00.
    assert not purge(network, "2020-04-05T13:59")
    assert notes(network) == [NOTE]

    result = purge(network, "2020-04-05T14:00")
    assert (result.notes, result.messages) == (1, 1)
    assert notes(network) == [None], "the absence itself stays; only the note goes"
    texts = payload_texts(network)
    assert NOTE not in texts and NOTE_REMOVED in texts
    with network() as s:
        [audit] = s.scalars(select(AuditLog).where(AuditLog.action == "absence_notes_purged"))
        assert audit.detail["notes"] == 1 and NOTE not in json.dumps(audit.detail)

    assert not purge(network, "2020-04-06T09:00"), "a second pass finds nothing more"


def test_the_retention_period_is_configurable(chat, network) -> None:
    report(chat)
    assert not purge(network, "2020-03-06T13:00", days=0), "not before the meeting has ended"
    assert purge(network, "2020-03-06T14:00", days=0).notes == 1


def test_the_recipient_no_longer_sees_the_note_after_it_is_deleted(chat, network) -> None:
    report(chat)
    assert NOTE in chat("maria.lind", "/frånvaro 6 mars", now="2020-03-01T09:00").reply
    purge(network, "2020-04-06T09:00")
    assert NOTE not in chat("maria.lind", "/frånvaro 6 mars", now="2020-04-06T09:00").reply


def test_export_holds_the_persons_roles_reports_and_messages(chat, network) -> None:
    report(chat)
    with network() as s:
        data = export_person(s, s.scalar(select(Person).where(Person.handle == "per.ek")))
    json.dumps(data, ensure_ascii=False)  # JSON-ready
    assert data["person"]["namn"] == "Per Ek" and data["person"]["e-post"] == "per.ek@example.se"
    assert {r["forum"] for r in data["roller"]} == {"lchnv", "styrgrupp-lchnv"}
    [absence] = data["frånvaroanmälningar"]
    assert absence["notering"] == NOTE and absence["möte"]["forum"] == "lchnv"
    with network() as s:
        maria = export_person(s, s.scalar(select(Person).where(Person.handle == "maria.lind")))
    assert [m["slag"] for m in maria["meddelanden till personen"]] == ["absence_report"]


def _decision_for(maker, handle: str) -> int:  # type: ignore[no-untyped-def]
    with maker() as s:
        person = s.scalar(select(Person).where(Person.handle == handle))
        case = s.scalar(select(Case))
        d = Decision(case_id=case.id, text="att Per Ek tar fram ett underlag till nästa möte",
                     responsible_id=person.id, decided_at=at("2020-03-06T11:00"))
        s.add(d)
        s.commit()
        return d.id


def test_erasing_keeps_decisions_and_absences_and_replaces_the_person(chat, network) -> None:
    report(chat)
    decision_id = _decision_for(network, "per.ek")
    with network() as s:
        per = s.scalar(select(Person).where(Person.handle == "per.ek"))
        pending = outbox.enqueue(s, key="test:pending:per", kind="test", payload={"lines": ["Hej Per Ek"]},
                                 now=at("2020-03-01T09:00"), person_id=per.id)
        result = erase_person(s, per, now=at("2020-04-01T09:00"), by="it-admin")
        s.commit()
        pid = per.id
    assert result.notes == 1 and result.cancelled_messages == 1
    assert result.kept["beslut"] == 1 and result.kept["frånvaroanmälningar"] == 1

    with network() as s:
        per = s.get(Person, pid)
        assert (per.name, per.email, per.title, per.erased) == (ERASED_NAME, None, None, True)
        assert per.handle == f"borttagen-{pid}" and per.organisation_id is None
        decision = s.get(Decision, decision_id)
        assert decision.text == "att Per Ek tar fram ett underlag till nästa möte", "a decision is kept as written"
        assert decision.responsible.name == ERASED_NAME
        [absence] = s.scalars(select(Absence))
        assert absence.person_id == pid and absence.note is None
        row = s.get(Outbox, pending)
        assert row.status == "failed", "nothing more is sent to an erased person"
        [audit] = s.scalars(select(AuditLog).where(AuditLog.action == "person_erased"))
        assert audit.entity_id == pid and "Per Ek" not in json.dumps(audit.detail)
    texts = payload_texts(network)
    assert "Per Ek" not in texts and NOTE not in texts and ERASED_NAME in texts

    gone = chat("per.ek", "/möten")
    assert not gone.ok and "känner inte igen dig" in gone.reply
    # The recipient's list shows the report without a name or a note.
    listing = chat("maria.lind", "/frånvaro 6 mars", now="2020-03-01T09:00").reply
    assert "Per Ek" not in listing and NOTE not in listing


def test_erasing_rewrites_the_name_in_case_history_and_audit_text(chat, network) -> None:
    raised = chat("per.ek", "/anmäl ärende Gemensam rutin för tolkar; forum: lchnv")
    assert raised.ok
    number = raised.reply.split("Ärende ", 1)[1].split()[0]
    before = chat("maria.lind", f"/ärende {number}")
    assert "Per Ek" in before.reply  # the history names who raised it
    assert chat("maria.lind", f"/uppdrag ny @per.ek Utred tolkbehovet; senast 1 april; ärende {number}").ok
    with network() as s:
        result = erase_person(s, s.scalar(select(Person).where(Person.handle == "per.ek")), now=at("2020-04-01T09:00"))
        s.commit()
    assert result.rewritten_history >= 1
    after = chat("maria.lind", f"/ärende {number}")
    assert after.ok and "Per Ek" not in after.reply and "per.ek" not in after.reply
    assert "(raderad person)" in after.reply and "Gemensam rutin för tolkar" in after.reply
    with network() as s:
        audit = json.dumps([a.detail for a in s.scalars(select(AuditLog))], ensure_ascii=False)
    assert "Per Ek" not in audit and '"per.ek"' not in audit and "(raderad person)" in audit


def test_erasing_touches_no_one_else(chat, network) -> None:
    report(chat, "per.ek")
    report(chat, "eva.strand", "barnets skolavslutning")
    with network() as s:
        counts_before = s.scalar(select(func.count()).select_from(Person))
        erase_person(s, s.scalar(select(Person).where(Person.handle == "per.ek")), now=at("2020-04-01T09:00"))
        s.commit()
    with network() as s:
        eva = s.scalar(select(Person).where(Person.handle == "eva.strand"))
        assert eva.name == "Eva Strand" and not eva.erased
        assert s.scalar(select(func.count()).select_from(Person)) == counts_before
    assert sorted(n for n in notes(network) if n) == ["barnets skolavslutning"]
    assert "Eva Strand" in payload_texts(network)


def test_names_are_replaced_as_whole_words_only() -> None:
    pattern, new = word("Per Ek", ERASED_NAME)
    assert pattern.sub(new, "Per Ek och Per Ekström") == f"{ERASED_NAME} och Per Ekström"
    pattern, new = word("per.ek", ERASED_NAME)
    assert pattern.sub(new, "per.ek, per.ekman") == f"{ERASED_NAME}, per.ekman"


def test_scrubbing_reaches_nested_payloads(network) -> None:
    with network() as s:
        outbox.enqueue(s, key="nested", kind="test", now=at("2020-02-20T09:00"),
                       payload={"sections": [{"lines": ["Notering: ont i ryggen"], "fields": [["a", "ont i ryggen"]]}]})
        from storage.privacy import literal

        assert scrub_messages(s, [literal("ont i ryggen", NOTE_REMOVED)], since=at("2020-02-20T09:00")
                              - timedelta(days=1)) == 1
        s.commit()
    assert "ont i ryggen" not in payload_texts(network)
