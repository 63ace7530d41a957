"""Open assignments with everything a list shows (storage.cases.open_assignments): each assignee, forum,
case and extension read once per list, not once per row, and the same as reading them one by one."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from storage import cases as store
from storage.models import Assignment, AssignmentExtension, Forum, Person


def _with_many(s: Session) -> Forum:
    """LCHNV with thirty more open assignments spread over its people, some extended, some with a case."""
    lchnv = s.scalar(select(Forum).where(Forum.key == "lchnv"))
    people = list(s.scalars(select(Person).order_by(Person.id)))
    case = store.create_case(s, forum=lchnv, year=2020, title="Ärende med uppdrag", raised_on=date(2020, 10, 1))
    for i in range(30):
        a = Assignment(forum_id=lchnv.id, assignee_id=people[i % len(people)].id, title=f"Uppdrag {i}",
                       due=date(2021, 1, 1 + i % 28), case_id=case.id if i % 3 == 0 else None)
        s.add(a)
        s.flush()
        if i % 4 == 0:
            s.add(AssignmentExtension(assignment_id=a.id, previous_due=a.due, new_due=date(2021, 6, 1),
                                      reason=f"skäl {i}"))
            s.add(AssignmentExtension(assignment_id=a.id, previous_due=date(2021, 6, 1), new_due=date(2021, 9, 1)))
    s.commit()
    return lchnv


def _shown(lines: list[store.AssignmentLine]) -> list[tuple[object, ...]]:
    return [(a.id, a.title, a.due, a.assignee_name, a.organisation, a.forum.key, a.case_number,
             [(x.previous_due, x.new_due, x.reason) for x in a.extensions]) for a in lines]


def test_a_long_list_reads_each_kind_of_row_once_and_shows_what_reading_row_by_row_shows(
        network: sessionmaker[Session]) -> None:
    with network() as s:
        lchnv_id = _with_many(s).id
    with network() as s:
        lchnv = s.get(Forum, lchnv_id)
        seen: list[str] = []
        event.listen(s.get_bind(), "before_cursor_execute", lambda conn, cur, statement, *rest: seen.append(statement))
        found = store.open_assignments(s, forums=[lchnv])
        shown = _shown(found)
        # The assignments with their cases, their people, their extensions: the forum was held already.
        assert len(seen) == 3, seen
        assert len(found) >= 30
    with network() as s:
        lchnv = s.get(Forum, lchnv_id)
        one_by_one = list(s.scalars(select(Assignment).where(Assignment.closed_at.is_(None),
                                                             Assignment.forum_id == lchnv.id)
                                    .order_by(Assignment.due, Assignment.id)))
        assert shown == _shown([store.line_of(a) for a in one_by_one])
        assert any(len(row[-1]) == 2 for row in shown) and any(row[-2] for row in shown)


def test_the_filters_still_choose_the_rows(network: sessionmaker[Session]) -> None:
    with network() as s:
        lchnv_id = _with_many(s).id
    with network() as s:
        lchnv = s.get(Forum, lchnv_id)
        everyone = store.open_assignments(s, forums=[lchnv])
        person = s.get(Person, everyone[0].assignee_id)
        mine = store.open_assignments(s, assignee=person)
        assert mine and {a.assignee_id for a in mine} == {person.id}
        assert [a.id for a in mine if a.forum_id == lchnv.id] == [a.id for a in everyone if a.assignee_id == person.id]
        early = store.open_assignments(s, forums=[lchnv], due_before=date(2021, 1, 10))
        assert early and all(a.due < date(2021, 1, 10) for a in early)
        assert store.open_assignments(s, forums=[]) == []
