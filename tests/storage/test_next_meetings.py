"""The next meeting of each forum (storage.queries.next_meeting_per_forum), which /anmäl frånvaro and
/återkalla frånvaro read for "nästa möte": the same meeting as the first of all coming meetings, read as
one row per forum."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from storage import queries
from storage.models import Forum, Meeting
from tests.conftest import at


def _firsts(meetings: list[Meeting]) -> dict[int, int]:
    firsts: dict[int, int] = {}
    for m in meetings:
        firsts.setdefault(m.forum_id, m.id)
    return firsts


def test_each_forums_next_meeting_is_the_first_of_its_coming_meetings(network: sessionmaker[Session]) -> None:
    with network() as s:
        forums = list(s.query(Forum).order_by(Forum.id))
        meetings = list(s.query(Meeting).order_by(Meeting.starts_at))
        assert len(forums) >= 2 and len(meetings) >= 4
        # Before, between, during and after the network's meetings.
        moments = [at("2019-12-01T09:00")] + [m.starts_at + timedelta(minutes=30) for m in meetings] \
            + [meetings[-1].starts_at + timedelta(days=400)]
        for now in moments:
            every = queries.upcoming_meetings(s, forums, now=now)
            nexts = queries.next_meeting_per_forum(s, forums, now=now)
            assert {m.forum_id: m.id for m in nexts} == _firsts(every), now
            assert len(nexts) == len({m.forum_id for m in nexts})
            assert [m.starts_at for m in nexts] == sorted(m.starts_at for m in nexts)


def test_a_cancelled_meeting_is_passed_over_and_among_limits_the_choice(network: sessionmaker[Session]) -> None:
    with network() as s:
        forums = list(s.query(Forum).order_by(Forum.id))
        now = at("2019-12-01T09:00")
        first = queries.next_meeting_per_forum(s, forums, now=now)[0]
        same_forum = [m for m in queries.upcoming_meetings(s, forums, now=now) if m.forum_id == first.forum_id]
        assert len(same_forum) >= 2
        first.cancelled = True
        s.flush()
        assert {m.id for m in queries.next_meeting_per_forum(s, forums, now=now)
                if m.forum_id == first.forum_id} == {same_forum[1].id}
        s.rollback()
        later = same_forum[-1]
        assert [m.id for m in queries.next_meeting_per_forum(s, forums, now=now, among={later.id})] == [later.id]
        assert queries.next_meeting_per_forum(s, forums, now=now, among=set()) == []
        assert queries.next_meeting_per_forum(s, [], now=now) == []


def test_one_query_reads_one_meeting_per_forum(network: sessionmaker[Session]) -> None:
    with network() as s:
        forums = list(s.query(Forum).order_by(Forum.id))
        now = at("2019-12-01T09:00")
        seen: list[str] = []
        event.listen(s.get_bind(), "before_cursor_execute", lambda conn, cur, statement, *rest: seen.append(statement))
        nexts = queries.next_meeting_per_forum(s, forums, now=now)
        assert len(seen) == 1
        assert len(nexts) == len({m.forum_id for m in queries.upcoming_meetings(s, forums, now=now)})
