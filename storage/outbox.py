"""The outbox: each delivery is recorded once under a unique key.

`enqueue` inserts with ON CONFLICT DO NOTHING, so a second pass, a restart or a
second replica that computes the same key inserts nothing. `claim` marks due
rows as being sent under a fresh token in one UPDATE, so two replicas never
claim the same row. A process that sends a command's messages itself right after
the command inserts them already claimed under its own token (`enqueue(claimed_by=…)`),
so no other process takes them meanwhile and no second transaction is needed to
claim them. A row left 'sending' by a crashed process is reclaimed after
`STALE_CLAIM` (at once when the process was on this host and kansli restarts);
that is the one case where a message can repeat.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session, joinedload

from storage import built
from storage.models import Outbox

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    person_id: int | None = None,
    forum_id: int | None = None,
    claimed_by: str | None = None,
) -> int | None:
    """Insert a delivery unless one with the same key exists; return the new row id or None.

    With `claimed_by` (a `claim_token`) the row is inserted as being sent under that claim: the caller
    delivers it itself once its transaction has committed (`claimed`)."""
    stmt = built.statement(session, "enqueue", _enqueue)
    values = _enqueued(key=key, kind=kind, payload=payload, now=now, person_id=person_id, forum_id=forum_id,
                       claimed_by=claimed_by)
    return session.execute(stmt, {  # type: ignore[no-any-return]
        **{f"v_{name}": value for name, value in values.items()}, "v_now": now}).scalar()


def _enqueued(*, key: str, kind: str, payload: dict[str, Any], now: datetime, person_id: int | None,
              forum_id: int | None, claimed_by: str | None) -> dict[str, Any]:
    """The columns `enqueue` writes (_ENQUEUED), as it writes them."""
    return {"key": key[:300], "kind": kind, "payload": payload, "person_id": person_id, "forum_id": forum_id,
            "status": "sending" if claimed_by else "pending", "claimed_by": claimed_by,
            "claimed_at": now if claimed_by else None}


_ENQUEUED = ("key", "kind", "payload", "person_id", "forum_id", "status", "claimed_by", "claimed_at")


def as_inserted(row_id: int, *, key: str, kind: str, payload: dict[str, Any], now: datetime,
                person_id: int | None = None, forum_id: int | None = None, claimed_by: str | None = None) -> Outbox:
    """The row `enqueue` inserted under `row_id`, as an object of no session: what the caller that claimed it
    needs to deliver it without reading it back."""
    return Outbox(id=row_id, attempts=0, created_at=now, next_attempt_at=now,
                  **_enqueued(key=key, kind=kind, payload=payload, now=now, person_id=person_id, forum_id=forum_id,
                              claimed_by=claimed_by))


def _enqueue(insert: Any) -> Any:
    table = Outbox.__table__
    values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in _ENQUEUED}
    values |= {"attempts": 0, "created_at": bindparam("v_now"), "next_attempt_at": bindparam("v_now")}
    return insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)


def claim_token(worker: str) -> str:
    """A fresh claim of `worker` (host:pid): `release_claims` and `release_abandoned` read the worker back."""
    return f"{worker}:{uuid.uuid4().hex[:12]}"


def claimed(session: Session, *, ids: list[int], token: str) -> list[Outbox]:
    """The rows among `ids` still held under the claim `token` (inserted claimed by `enqueue`), in id order."""
    if not ids:
        return []
    return list(session.scalars(_CLAIMED, {"ids": list(ids), "token": token}))


# With its recipient, whom the deliverer reads next (`session.get` then finds them in the session).
_CLAIMED = (select(Outbox).where(Outbox.id.in_(bindparam("ids", expanding=True)),
                                 Outbox.claimed_by == bindparam("token"), Outbox.status == "sending")
            .options(joinedload(Outbox.person), joinedload(Outbox.forum))
            .order_by(Outbox.id))


def claim(session: Session, *, now: datetime, worker: str, ids: list[int] | None = None, limit: int = 200) -> list[Outbox]:
    """Take due rows for sending; returns the rows this call claimed (no other caller gets them)."""
    token = claim_token(worker)
    due = or_(
        (Outbox.status == "pending") & (Outbox.next_attempt_at <= now),
        (Outbox.status == "sending") & (Outbox.claimed_at < now - STALE_CLAIM),
    )
    # SKIP LOCKED (PostgreSQL; SQLite has one writer and ignores it): two processes claiming at once take
    # different rows instead of waiting on each other's, so concurrent claims can neither block nor deadlock.
    candidates = select(Outbox.id).where(due).order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)
    if ids is not None:
        if not ids:
            return []
        candidates = candidates.where(Outbox.id.in_(ids))
    session.execute(
        update(Outbox)
        .where(Outbox.id.in_(candidates.scalar_subquery()), due)
        .values(status="sending", claimed_by=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = select(Outbox).where(Outbox.claimed_by == token, Outbox.status == "sending").order_by(Outbox.id)
    return list(session.scalars(claimed))


def mark_sent(session: Session, row_id: int, *, now: datetime, transport: str) -> None:
    stmt = built.statement(session, "mark_sent", lambda _insert: (
        update(Outbox.__table__).where(Outbox.__table__.c.id == bindparam("v_id"))
        .values(status="sent", sent_at=bindparam("v_now"), transport=bindparam("v_transport"), last_error=None)))
    session.execute(stmt, {"v_id": row_id, "v_now": now, "v_transport": transport})


def mark_failed(session: Session, row: Outbox, *, now: datetime, error: str, permanent: bool = False,
                transport: str | None = None) -> None:
    """Keep the row pending with exponential back-off, or failed after too many tries.

    `transport` names where it did go already (a row for chat and e-mail whose e-mail failed: "slack"),
    so a retry sends only what is missing."""
    attempts = row.attempts + 1
    failed = permanent or attempts >= MAX_ATTEMPTS
    delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))
    session.execute(
        update(Outbox)
        .where(Outbox.id == row.id)
        .values(
            status="failed" if failed else "pending",
            attempts=attempts,
            next_attempt_at=now + delay,
            last_error=error[:2000],
            claimed_by=None,
            transport=transport,
        )
        .execution_options(synchronize_session=False)
    )


def mark_waiting(session: Session, row: Outbox, *, now: datetime, reason: str) -> None:
    """No way to reach the recipient yet: leave it pending and look again later, without counting a try."""
    session.execute(
        update(Outbox)
        .where(Outbox.id == row.id)
        .values(status="pending", next_attempt_at=now + timedelta(minutes=15), last_error=reason[:2000],
                claimed_by=None)
        .execution_options(synchronize_session=False)
    )


def retry_failed(session: Session, *, now: datetime) -> int:
    result = session.execute(
        update(Outbox)
        .where(Outbox.status == "failed")
        .values(status="pending", next_attempt_at=now, attempts=0)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def release_claims(session: Session, *, worker: str) -> int:
    """Hand the rows a stopping process claimed and did not finish back to 'pending'; returns how many."""
    result = session.execute(
        update(Outbox)
        .where(Outbox.status == "sending", Outbox.claimed_by.like(f"{worker}:%"))
        .values(status="pending", claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def release_abandoned(session: Session, *, host: str, alive: Callable[[int], bool]) -> int:
    """At start: hand back rows left 'sending' by processes of this host that no longer run.

    A claim is `host:pid:token`; a process that was killed, or stopped before it could hand its rows
    back, leaves them claimed. Claims of other hosts (replicas) are left to STALE_CLAIM.
    """
    rows = session.execute(
        select(Outbox.id, Outbox.claimed_by).where(Outbox.status == "sending",
                                                   Outbox.claimed_by.like(f"{host}:%"))
    ).all()
    dead = []
    for row_id, claimed_by in rows:
        parts = str(claimed_by).split(":")
        pid = parts[1] if len(parts) >= 3 and parts[0] == host else ""
        if not pid.isdigit() or not alive(int(pid)):
            dead.append(row_id)
    if not dead:
        return 0
    session.execute(
        update(Outbox)
        .where(Outbox.id.in_(dead), Outbox.status == "sending")
        .values(status="pending", claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return len(dead)


def prune_delivered(session: Session, *, before: datetime) -> int:
    """Delete rows delivered (status 'sent') before `before`; pending, sending and failed rows stay.
    Returns how many went. Reminder ledger rows are not delivery rows and are left alone."""
    result = session.execute(
        delete(Outbox).where(Outbox.status == "sent", Outbox.sent_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
