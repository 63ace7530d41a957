"""The kansli data model, in SQLAlchemy 2 typed style.

Every instant is stored in UTC (timezone-aware on the way in and out); calendar
days (due dates, decision dates) are stored as plain dates. Schema changes go
through Alembic migrations in storage/migrations; a test checks that the
migrations produce exactly this metadata.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy import event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every backend.

    SQLite has no time zones, so values are normalised to UTC before writing
    and marked as UTC after reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), date: Date(), time: Time(), dict[str, Any]: JSON()}


# Roles a person can hold in a forum (network.yaml `roles:`); every member also holds "member".
ROLES = ("member", "chair", "vice_chair", "coordinator", "absence_recipient", "secretary")
PURPOSES = ("information", "diskussion", "beslut")
CASE_STATUSES = (
    "aktualiserat",
    "under_beredning",
    "pa_dagordning",
    "behandlat",
    "aterremitterat",
    "avslutat",
)
# A case status as users read it ("under beredning", not the code "under_beredning").
CASE_STATUS_TEXT = {
    "aktualiserat": "aktualiserat",
    "under_beredning": "under beredning",
    "pa_dagordning": "på dagordningen",
    "behandlat": "behandlat",
    "aterremitterat": "återremitterat",
    "avslutat": "avslutat",
}


class Organisation(Base):
    """A huvudman: a kommun or a region."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # kommun | region | other


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    slack_user_id: Mapped[str | None] = mapped_column(String(50), unique=True)
    teams_user_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    teams_aad_object_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    # The platform the person last wrote from ("slack", "teams", "cli"): notifications go there first.
    last_platform: Mapped[str | None] = mapped_column(String(20))
    # Where notifications go (/aviseringar): "chat" (default: a chat platform, e-mail when none reaches),
    # "email" (e-mail only) or "both".
    notify_via: Mapped[str | None] = mapped_column(String(10))
    erased: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation | None] = relationship()


class Forum(Base):
    """A network, steering group or chefsgrupp, with its rules of procedure."""

    __tablename__ = "forum"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    short: Mapped[str | None] = mapped_column(String(100))
    slack_channel: Mapped[str | None] = mapped_column(String(50))
    teams_channel: Mapped[str | None] = mapped_column(String(300))
    # Rules (network.yaml `rules:`); None means the forum has no such rule.
    agenda_working_days_before: Mapped[int | None] = mapped_column(Integer)
    documents_days_before: Mapped[int | None] = mapped_column(Integer)
    preparation_days_before: Mapped[int | None] = mapped_column(Integer)
    minutes_days_after: Mapped[int | None] = mapped_column(Integer)
    substitutes: Mapped[bool] = mapped_column(Boolean, default=False)
    # A substitute may come from another organisation than the absent member (rules: substitutes_other_organisation).
    substitutes_other_organisation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Keys of the forums whose meetings may decide this forum's assignment extensions (rules: extensions_by),
    # separated by commas (text, not JSON: forums are selected DISTINCT, and PostgreSQL cannot compare json).
    extensions_by: Mapped[str | None] = mapped_column(String(1000))
    min_meetings_per_year: Mapped[int | None] = mapped_column(Integer)
    reminder_time: Mapped[time] = mapped_column(Time, default=time(8, 0))
    chair_agenda_time: Mapped[time] = mapped_column(Time, default=time(7, 30))
    # The standing items of every agenda (network.yaml `rules: standing_items:`), one title a line; None means
    # seed 003's four. Text, not JSON: forums are selected with DISTINCT, which PostgreSQL's json cannot compare.
    standing_items: Mapped[str | None] = mapped_column(Text)
    # The forum's word for its members (network.yaml `rules: member_term:`): None means "representant"
    # (1 § Dalarna); "ledamot" for Örebro's seed 004. Decided in docs/ordlista.md.
    member_term: Mapped[str | None] = mapped_column(String(30))
    # The coordinator's title in this forum (`rules: coordinator_title:`, e.g. "Chef för RSS"); None: samordnare.
    coordinator_title: Mapped[str | None] = mapped_column(String(100))

    memberships: Mapped[list[Membership]] = relationship(back_populates="forum")


class Membership(Base):
    """One role of one person in one forum, optionally limited in time (chair rotation)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("forum_id", "person_id", "role", "valid_from", name="uq_membership_role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    forum: Mapped[Forum] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("forum_id", "starts_at", name="uq_meeting_forum_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    place: Mapped[str | None] = mapped_column(String(300))
    dnr: Mapped[str | None] = mapped_column(String(50))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_published_at: Mapped[datetime | None]
    minutes_sent_at: Mapped[datetime | None]
    minutes_text: Mapped[str | None] = mapped_column(Text)
    # The minutes exactly as sent (structure, and the plain text whose SHA-256 the page shows); set once.
    minutes_record: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    minutes_sent_text: Mapped[str | None] = mapped_column(Text)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The calendar feed's SEQUENCE: raised each time the event itself (time, place, cancellation) changes.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # What the e-mailed invitation (kallelse) last said: "SEQUENCE:digest" of time, place, state and
    # publication (handlers.kallelse), so a change by any path is noticed and sent once.
    invited_state: Mapped[str | None] = mapped_column(String(200))

    forum: Mapped[Forum] = relationship()

    __mapper_args__ = {"version_id_col": version}


# What a calendar client shows of a meeting: a change to any of these raises the feed's SEQUENCE.
MEETING_EVENT_FIELDS = ("starts_at", "ends_at", "place", "cancelled")


@event.listens_for(Meeting, "before_update")
def _raise_meeting_sequence(mapper: Any, connection: Any, target: Meeting) -> None:
    """However a meeting is moved (chat, import, a script), subscribed calendars see a newer event."""
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in MEETING_EVENT_FIELDS):
        target.sequence = (target.sequence or 0) + 1


class Case(Base):
    """An ärende, numbered ÅÅÅÅ:N within its forum."""

    __tablename__ = "case_item"
    __table_args__ = (
        UniqueConstraint("forum_id", "number", name="uq_case_forum_number"),
        Index("ix_case_forum_status", "forum_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"))
    number: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    purpose: Mapped[str] = mapped_column(String(20), default="information")
    status: Mapped[str] = mapped_column(String(30), default="aktualiserat")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    raised_on: Mapped[date]
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The meeting the sender wished for, and the meeting whose agenda holds the case.
    wished_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    agenda_order: Mapped[int | None] = mapped_column(Integer)
    late_addition: Mapped[bool] = mapped_column(Boolean, default=False)  # tillkommande ärende
    description: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)  # förslag till beslut
    returned_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    forum: Mapped[Forum] = relationship()
    raised_by: Mapped[Person | None] = relationship(foreign_keys=[raised_by_id])
    presenter: Mapped[Person | None] = relationship(foreign_keys=[presenter_id])
    meeting: Mapped[Meeting | None] = relationship(foreign_keys=[meeting_id])
    wished_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[wished_meeting_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    decisions: Mapped[list[Decision]] = relationship(back_populates="case", order_by="Decision.id")

    __mapper_args__ = {"version_id_col": version}


class Attachment(Base):
    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(String(300))

    case: Mapped[Case] = relationship(back_populates="attachments")


class AgendaItem(Base):
    """One item of one meeting's föredragningslista: a standing item, a case, or an item without a case.

    A case comes back at many meetings, each time as a new item; decisions, assignments, extensions and
    follow-ups taken at a meeting belong to its item there. The item keeps the case's title, presenter,
    text, proposal and attachments as they were put on that meeting's agenda.
    """

    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_meeting_number", "meeting_id", "number", "sub_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    number: Mapped[int] = mapped_column(Integer)
    sub_number: Mapped[int | None] = mapped_column(Integer)  # 4.1, 10.1–10.4 (seed 002)
    title: Mapped[str] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_item.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(String(20))
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)  # "1. att … 2. att …"
    proposer: Mapped[str | None] = mapped_column(String(200))  # "Styrgruppen" (föreslår)
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{"url": …, "title": …}]
    late_addition: Mapped[bool] = mapped_column(Boolean, default=False)  # tillkommande ärende
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship()
    case: Mapped[Case | None] = relationship()
    presenter: Mapped[Person | None] = relationship()

    @property
    def label(self) -> str:
        """'6' or '4.1'."""
        return f"{self.number}.{self.sub_number}" if self.sub_number else str(self.number)


class AgendaVersion(Base):
    """A published agenda exactly as it was published: version 1, 2 … of a meeting's agenda."""

    __tablename__ = "agenda_version"
    __table_args__ = (UniqueConstraint("meeting_id", "version", name="uq_agenda_version_meeting_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)

    published_by: Mapped[Person | None] = relationship()


class CaseEvent(Base):
    """The history of a case: every step of the ärendegång, who took it and when."""

    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()


class Decision(Base):
    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a decision on an item without a case ("att godkänna dagordningen").
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_item.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # one or more "att …" lines
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime]

    case: Mapped[Case | None] = relationship(back_populates="decisions")
    item: Mapped[AgendaItem | None] = relationship()
    responsible: Mapped[Person | None] = relationship(foreign_keys=[responsible_id])


class Assignment(Base):
    """An uppdrag with a due date; extensions keep the history."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_open_due", "closed_at", "due"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_item.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    decided_on: Mapped[date | None]
    due: Mapped[date]
    report_back: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    forum: Mapped[Forum] = relationship()
    case: Mapped[Case | None] = relationship()
    assignee: Mapped[Person] = relationship(foreign_keys=[assignee_id])
    extensions: Mapped[list[AssignmentExtension]] = relationship(
        back_populates="assignment", order_by="AssignmentExtension.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class AssignmentExtension(Base):
    __tablename__ = "assignment_extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    previous_due: Mapped[date]
    new_due: Mapped[date]
    decided_on: Mapped[date | None]
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[Assignment] = relationship(back_populates="extensions")


class FollowUp(Base):
    """An återkoppling: who reports back on a case, and by when."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_open_due", "done_at", "due"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    due: Mapped[date]
    responsible_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    done_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    responsible: Mapped[Person] = relationship()


class Absence(Base):
    """A reported absence from a whole meeting or a part of it."""

    __tablename__ = "absence"
    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id", name="uq_absence_meeting_person"),
        # The scheduler looks for notes to delete on every pass: only absences that still hold one are
        # indexed, so the look-up stays small however many absences the years bring.
        Index("ix_absence_with_note", "meeting_id", sqlite_where=text("note IS NOT NULL"),
              postgresql_where=text("note IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # Part: None for the whole meeting; items "4-6"; or times (until / from).
    item_from: Mapped[int | None] = mapped_column(Integer)
    item_to: Mapped[int | None] = mapped_column(Integer)
    time_from: Mapped[time | None] = mapped_column(Time)
    time_to: Mapped[time | None] = mapped_column(Time)
    # Personal, possibly health data: shown only to absence recipients and the reporter.
    note: Mapped[str | None] = mapped_column(Text)
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reported_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    substitute: Mapped[Person | None] = relationship(foreign_keys=[substitute_id])


class Outbox(Base):
    """Every message kansli sends, recorded once under a unique key.

    The key names the kind, subject, recipient and occasion, so a second pass,
    a restart or a second replica finds the row and does not send again.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forum.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    transport: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person | None] = relationship()
    forum: Mapped[Forum | None] = relationship()


class ReminderLedger(Base):
    """Each single reminder (kind, subject, recipient, occasion) recorded once under its unique key.

    A reminder is never sent by itself: the reminders a person gets in one pass go out as one combined
    outbox row (`delivery_id`), written in the same transaction, so a second pass, a restart or a
    second replica that computes the same reminder finds its key and records nothing. The row outlives
    its delivery row (pruned after KANSLI_OUTBOX_RETENTION_DAYS; the link then becomes NULL)."""

    __tablename__ = "reminder_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]


class ConversationRef(Base):
    """Where kansli can reach a person or a forum channel proactively (Teams, Slack DM channel)."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "scope", "scope_id", name="uq_conversation_ref_scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))  # person | forum | conversation
    scope_id: Mapped[str] = mapped_column(String(300))  # person id, forum id or conversation id
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Platform event ids already handled (Slack Events API retries, Teams redeliveries)."""

    __tablename__ = "processed_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(300), unique=True)
    at: Mapped[datetime]


class AuditLog(Base):
    """Who changed what, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
