"""Who is asking, read once per command (storage.queries.identify): the asker's forums and roles, and the
officers of the forum whose channel the command came from; whole rosters are read when asked for."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from storage import queries
from storage.models import Forum


def _forum(session: Session, key: str) -> Forum:
    forum = queries.forum_by_key(session, key)
    assert forum is not None
    return forum


def _statements(session: Session) -> list[str]:
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_from_a_forums_channel_its_officers_come_with_the_asker(network: sessionmaker[Session]) -> None:
    with network() as s:
        queries.for_turn(s)
        lchnv, styrgrupp = _forum(s, "lchnv"), _forum(s, "styrgrupp-lchnv")
        s.commit()
        seen = _statements(s)
        per = queries.identify(s, handle="per.ek", channel="C01LCHNV")
        assert per is not None
        asked = len(seen)
        # Per sits in both forums; his forums, his roles and who holds an office in the channel's forum
        # need no further query.
        assert {f.key for f in queries.forums_of(s, per)} == {"lchnv", "styrgrupp-lchnv"}
        assert queries.roles_of(s, per, lchnv)
        officers = {role: [p.handle for p in queries.people_with_role(s, lchnv, role)]
                    for role in ("chair", "vice_chair", "coordinator", "absence_recipient")}
        assert len(seen) == asked
        # The same answers as from the whole roster, read when a command asks for it (one query).
        roster = queries.roster(s, lchnv)
        assert roster is not None and len(roster) == 10
        assert len(seen) == asked + 1
        assert officers == {role: [m.person.handle for m in roster if m.role == role]
                            for role in ("chair", "vice_chair", "coordinator", "absence_recipient")}
        assert all(officers.values())
        # The other forum's roster is read when a command asks for it, and it is the whole roster.
        other = queries.roster(s, styrgrupp)
        assert other is not None and len(other) == 9
        assert len(seen) == asked + 2
        assert {m.person.handle for m in other} >= {"per.ek", "maria.lind"}


def test_without_a_channel_no_roster_is_read_up_front_and_the_asker_is_the_same(
        network: sessionmaker[Session]) -> None:
    with network() as s:
        queries.for_turn(s)
        lchnv = _forum(s, "lchnv")
        s.commit()
        seen = _statements(s)
        per = queries.identify(s, handle="@Per.Ek")
        assert per is not None and per.handle == "per.ek"
        assert {f.key for f in queries.forums_of(s, per)} == {"lchnv", "styrgrupp-lchnv"}
        asked = len(seen)
        roster = queries.roster(s, lchnv)
        assert roster is not None and len(roster) == 10
        assert len(seen) == asked + 1


def test_an_unknown_or_erased_person_is_nobody(network: sessionmaker[Session]) -> None:
    with network() as s:
        queries.for_turn(s)
        assert queries.identify(s, handle="ingen.alls", channel="C01LCHNV") is None
        assert queries.identify(s, slack_user_id="U0NOBODY") is None
        assert queries.identify(s, teams_user_id=None, teams_aad_object_id=None) is None
        per = queries.identify(s, handle="per.ek")
        assert per is not None
        per.erased = True
        s.flush()
        assert queries.identify(s, handle="per.ek", channel="C01LCHNV") is None
