"""Helpers for the case-process tests: a snapshot of everything a command could change, and lookups."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import (
    Assignment,
    AssignmentExtension,
    Attachment,
    AuditLog,
    Case,
    CaseEvent,
    Decision,
    FollowUp,
    Forum,
    Meeting,
    Outbox,
)

TABLES = (Case, CaseEvent, Attachment, Decision, Assignment, AssignmentExtension, FollowUp, AuditLog, Outbox)


def snapshot(maker: sessionmaker[Session]) -> dict[str, Any]:
    """Row counts and the changeable fields of every case, meeting, assignment and follow-up."""
    with maker() as s:
        out: dict[str, Any] = {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}
        out["cases"] = [
            (c.number, c.status, c.meeting_id, c.presenter_id, c.late_addition, c.returned_reason, c.version)
            for c in s.scalars(select(Case).order_by(Case.id))
        ]
        out["meetings"] = [(m.id, m.agenda_published_at, m.version)
                           for m in s.scalars(select(Meeting).order_by(Meeting.id))]
        out["assignments"] = [(a.id, a.due, a.closed_at, a.version)
                              for a in s.scalars(select(Assignment).order_by(Assignment.id))]
        out["follow_ups"] = [(f.id, f.due, f.done_at) for f in s.scalars(select(FollowUp).order_by(FollowUp.id))]
    return out


def _case_query(number: str, forum: str):  # type: ignore[no-untyped-def]
    return select(Case).join(Forum, Forum.id == Case.forum_id).where(Case.number == number, Forum.key == forum)


def case(maker: sessionmaker[Session], number: str, forum: str = "lchnv") -> Case:
    with maker() as s:
        row = s.scalar(_case_query(number, forum))
        assert row is not None, f"no case {number} in {forum}"
        row.events, row.attachments, row.decisions  # load while the session is open
        return row


def events(maker: sessionmaker[Session], number: str, forum: str = "lchnv") -> list[str]:
    with maker() as s:
        c = s.scalar(_case_query(number, forum))
        return [e.kind for e in c.events]


def audit_actions(maker: sessionmaker[Session]) -> list[str]:
    with maker() as s:
        return list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def outbox_keys(maker: sessionmaker[Session]) -> list[str]:
    with maker() as s:
        return list(s.scalars(select(Outbox.key).order_by(Outbox.id)))


def flat(text: str) -> str:
    """The reply with runs of white space folded, for substring asserts across wrapped lines."""
    return " ".join(text.split())
