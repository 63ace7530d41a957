"""What kansli publishes: the data behind the forum page, the agenda and the minutes documents.

Everything here is platform-free and returns plain dataclasses (no ORM objects), so the
web pages, the chat replies and the DOCX/PDF exports render the same content, and the
data can leave the database session that built it.

Publication rules (checked by the tests):
- what the public sees of an agenda is the latest published version (AgendaVersion), stored as it was
  published; a change after publication reaches the public only when published again;
- minutes are shown only once sent, and then from what was stored when they were sent
  (Meeting.minutes_record), never rebuilt;
- absence notes (Absence.note) are never part of anything built here.

`record()` turns the documents into JSON for the store and `*_from_record()` reads them back; agendas
published and minutes sent before versions were stored (revision 0003) are rendered from their items.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.agenda import agenda_items, latest_version, versions_of
from handlers.common import PURPOSE_NAMES, forum_label, person_label
from handlers.fmt import STOCKHOLM, format_date, format_datetime, format_time, local
from storage.models import AgendaItem, AgendaVersion, Forum, Meeting
from handlers.i18n import _

SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


# ------------------------------------------------------------------------------------ meetings


@dataclass
class MeetingInfo:
    """A meeting as a reader sees it."""

    id: int
    forum_key: str
    forum_name: str
    forum_label: str
    slug: str  # the last part of the page address: 2020-03-06 (or 2020-03-06-1330 for a second meeting that day)
    day: date
    starts_at: datetime
    ends_at: datetime | None
    date_text: str  # "fredag 6 mars 2020"
    time_text: str  # "kl. 09.30–14.00"
    place: str | None
    dnr: str | None
    cancelled: bool
    agenda_published: date | None
    minutes_sent: date | None
    version: int

    @property
    def path(self) -> str:
        return f"/forum/{self.forum_key}/mote/{self.slug}"

    @property
    def iso_day(self) -> str:
        return self.day.isoformat()

    @property
    def iso_start(self) -> str:
        """The start as Stockholm wall-clock ISO time, for <time datetime=…>."""
        return local(self.starts_at).isoformat(timespec="minutes")


def time_text(meeting: Meeting) -> str:
    start = local(meeting.starts_at)
    if meeting.ends_at is None:
        return format_time(start)
    end = local(meeting.ends_at)
    if end.date() != start.date():
        return f"{format_time(start)} – {format_date(end)} {format_time(end)}"
    return f"{format_time(start)}–{end.hour:02d}.{end.minute:02d}"


def meeting_slug(meeting: Meeting, same_day: list[Meeting] | None = None) -> str:
    """The day, plus the start time when the forum has an earlier meeting the same day."""
    start = local(meeting.starts_at)
    slug = start.date().isoformat()
    if same_day and any(m.id != meeting.id and m.starts_at < meeting.starts_at for m in same_day):
        slug += f"-{start.hour:02d}{start.minute:02d}"
    return slug


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM)
    end = start + timedelta(days=1)
    return start, datetime(end.year, end.month, end.day, tzinfo=STOCKHOLM)


def meetings_on_day(session: Session, forum: Forum, day: date, *, cancelled: bool = True) -> list[Meeting]:
    lo, hi = day_bounds(day)
    stmt = select(Meeting).where(Meeting.forum_id == forum.id, Meeting.starts_at >= lo, Meeting.starts_at < hi)
    if not cancelled:
        stmt = stmt.where(Meeting.cancelled.is_(False))
    return list(session.scalars(stmt.order_by(Meeting.starts_at)))


def meeting_info(session: Session, meeting: Meeting, *, siblings: list[Meeting] | None = None) -> MeetingInfo:
    """`siblings`: the forum's meetings if the caller has them already (saves a query per meeting)."""
    day = local(meeting.starts_at).date()
    if siblings is None:
        same_day = meetings_on_day(session, meeting.forum, day)
    else:
        same_day = [m for m in siblings if local(m.starts_at).date() == day]
    return MeetingInfo(
        id=meeting.id,
        forum_key=meeting.forum.key,
        forum_name=meeting.forum.name,
        forum_label=forum_label(meeting.forum),
        slug=meeting_slug(meeting, same_day),
        day=day,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        date_text=format_date(day),
        time_text=time_text(meeting),
        place=meeting.place,
        dnr=meeting.dnr,
        cancelled=meeting.cancelled,
        agenda_published=local(meeting.agenda_published_at).date() if meeting.agenda_published_at else None,
        minutes_sent=local(meeting.minutes_sent_at).date() if meeting.minutes_sent_at else None,
        version=meeting.version or 1,
    )


_SLUG = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d{2})(\d{2}))?$")


def meeting_by_slug(session: Session, forum: Forum, slug: str) -> Meeting | None:
    """The meeting behind a page address; None for anything that is not one."""
    m = _SLUG.match(slug)
    if not m:
        return None
    try:
        day = date.fromisoformat(m.group(1))
    except ValueError:
        return None
    found = meetings_on_day(session, forum, day)
    if not found:
        return None
    if m.group(2) is None:
        return found[0]
    hour, minute = int(m.group(2)), int(m.group(3))
    for meeting in found:
        start = local(meeting.starts_at)
        if (start.hour, start.minute) == (hour, minute):
            return meeting
    return None


def forum_meetings(session: Session, forum: Forum) -> list[Meeting]:
    """Every meeting of the forum, past and coming, cancelled ones included, earliest first."""
    return list(session.scalars(select(Meeting).where(Meeting.forum_id == forum.id).order_by(Meeting.starts_at)))


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    stmt = (
        select(Meeting)
        .where(
            Meeting.forum_id == meeting.forum_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.cancelled.is_(False),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    return session.scalar(stmt)


# ------------------------------------------------------------------------------------ items


@dataclass
class Link:
    label: str
    url: str

    @property
    def safe(self) -> bool:
        """Only web and mail addresses become links on the page; anything else is shown as text."""
        return bool(SAFE_LINK.match(self.url))


@dataclass
class ItemDoc:
    """One numbered item of an agenda or of the minutes."""

    number: int
    title: str
    case_number: str | None = None
    purpose: str | None = None
    presenter: str | None = None
    description: str | None = None
    attachments: list[Link] = field(default_factory=list)
    proposal: str | None = None
    late_addition: bool = False
    sub: int | None = None
    item_id: int | None = None
    proposer: str | None = None  # "Styrgruppen" föreslår
    standing: bool = False
    # The coordinator's draft only: "ny" or "ändrad" since the latest published version.
    change: str | None = None
    # Minutes only.
    notes: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    returned: bool = False

    @property
    def label(self) -> str:
        return f"{self.number}.{self.sub}" if self.sub else str(self.number)

    @property
    def heading(self) -> str:
        return f"{self.label} {self.title}" if self.sub else f"{self.number}. {self.title}"

    @property
    def anchor(self) -> str:
        return self.label.replace(".", "-")


def paragraphs(text: str | None) -> list[str]:
    """Free text split into paragraphs at blank lines (single line breaks are kept inside)."""
    if not text:
        return []
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def item_doc(item: AgendaItem) -> ItemDoc:
    """An agenda item as readers see it."""
    return ItemDoc(
        number=item.number,
        sub=item.sub_number,
        title=item.title,
        case_number=item.case.number if item.case is not None else None,
        purpose=PURPOSE_NAMES.get(item.purpose, item.purpose) if item.purpose else None,
        presenter=person_label(item.presenter) if item.presenter is not None else None,
        description=item.text,
        attachments=[Link(label=a.get("title") or a["url"], url=a["url"]) for a in item.attachments or []],
        proposal=item.proposal or None,
        proposer=item.proposer or None,
        late_addition=bool(item.late_addition),
        item_id=item.id,
        standing=bool(item.standing),
    )


@dataclass
class AgendaDoc:
    meeting: MeetingInfo
    items: list[ItemDoc]
    published: bool
    version: int | None = None  # the published version this is; None for the working draft
    published_at: datetime | None = None
    published_by: str | None = None

    @property
    def published_text(self) -> str:
        """'Version 2, publicerad fredag 28 februari 2020 kl. 10.15 av Anna Berg.'"""
        if self.published_at is None:
            return ""
        text = f"publicerad {format_datetime(self.published_at)}" + (f" av {self.published_by}"
                                                                       if self.published_by else "")
        return (f"Version {self.version}, {text}." if self.version else text[:1].upper() + text[1:] + ".")


def agenda_doc(session: Session, meeting: Meeting) -> AgendaDoc:
    """The working draft of the föredragningslista, from the meeting's items (published or not)."""
    items = [item_doc(item) for item in agenda_items(session, meeting)]
    return AgendaDoc(meeting=meeting_info(session, meeting), items=items,
                     published=meeting.agenda_published_at is not None)


# ------------------------------------------------------------------------------------ records


def record(value: Any) -> Any:
    """A document (dataclasses, lists, dates) as JSON-ready data, for storing it as it is now."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: record(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [record(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _when(value: str | None, kind: type) -> Any:
    if value is None:
        return None
    return datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def meeting_from_record(data: dict[str, Any]) -> MeetingInfo:
    values = _fields(MeetingInfo, data)
    for key in ("day", "agenda_published", "minutes_sent"):
        values[key] = _when(values.get(key), date)
    for key in ("starts_at", "ends_at"):
        values[key] = _when(values.get(key), datetime)
    return MeetingInfo(**values)


def item_from_record(data: dict[str, Any]) -> ItemDoc:
    values = _fields(ItemDoc, data)
    values["attachments"] = [Link(**a) for a in values.get("attachments") or []]
    return ItemDoc(**values)


def agenda_from_record(data: dict[str, Any]) -> AgendaDoc:
    return AgendaDoc(meeting=meeting_from_record(data["meeting"]),
                     items=[item_from_record(i) for i in data["items"]], published=True,
                     version=data.get("version"), published_at=_when(data.get("published_at"), datetime),
                     published_by=data.get("published_by"))


def version_doc(version: AgendaVersion) -> AgendaDoc:
    return agenda_from_record(version.content)


def published_agenda(session: Session, meeting: Meeting) -> AgendaDoc | None:
    """What the public sees: the latest published version, exactly as published; None before publication.

    An agenda published before versions were stored is rendered from its items."""
    version = latest_version(session, meeting)
    if version is not None:
        return version_doc(version)
    if meeting.agenda_published_at is not None:
        doc = agenda_doc(session, meeting)
        doc.published_at = meeting.agenda_published_at
        return doc
    return None


def earlier_versions(session: Session, meeting: Meeting) -> list[AgendaDoc]:
    """Every published version but the latest, newest first (the meeting page shows them)."""
    return [version_doc(v) for v in reversed(versions_of(session, meeting)[:-1])]


def mark_changes(draft: AgendaDoc, published: AgendaDoc | None) -> list[ItemDoc]:
    """Mark the draft's items new or changed since the published version; return the published items the
    draft no longer has."""
    if published is None:
        return []
    before = {i.item_id: i for i in published.items if i.item_id}
    for item in draft.items:
        old = before.pop(item.item_id, None) if item.item_id else None
        if old is None:
            item.change = "ny"
        elif record(dataclasses.replace(old, late_addition=False, change=None)) != record(
                dataclasses.replace(item, late_addition=False, change=None)):
            item.change = "ändrad"
    return list(before.values())


# ------------------------------------------------------------------------------------ forum page


@dataclass
class ForumPage:
    key: str
    name: str
    label: str
    upcoming: list[MeetingInfo]
    agendas: list[MeetingInfo]  # published agendas, newest first
    minutes: list[MeetingInfo]  # sent minutes, newest first


def forum_page(session: Session, forum: Forum, *, now: datetime) -> ForumPage:
    today = local(now).date()
    meetings = forum_meetings(session, forum)
    infos = [meeting_info(session, m, siblings=meetings) for m in meetings]
    return ForumPage(
        key=forum.key,
        name=forum.name,
        label=forum_label(forum),
        upcoming=[i for i in infos if i.day >= today],
        agendas=[i for i in reversed(infos) if i.agenda_published and not i.cancelled],
        minutes=[i for i in reversed(infos) if i.minutes_sent and not i.cancelled],
    )


# ------------------------------------------------------------------------------------ blocks


@dataclass
class Block:
    """One line or paragraph of an item, tagged with what it is so each renderer can style it.

    kinds: presenter, purpose, late, text, attachment (with link), proposal_heading, proposal,
    decided_by, decision, meta.
    """

    kind: str
    text: str
    link: Link | None = None

    @property
    def bold(self) -> bool:
        return self.kind in ("decided_by", "decision", "proposal_heading")

    @property
    def italic(self) -> bool:
        return self.kind in ("presenter", "late")


def item_blocks(item: ItemDoc, *, decided_by: str | None = None, minutes: bool = False) -> list[Block]:
    """The parts of an item in seed 003's order: presenter, text, attachments, purpose, proposal; then, in the
    minutes, what was decided on that proposal."""
    blocks: list[Block] = []
    if item.late_addition and not minutes:
        blocks.append(Block("late", _("Tillkommande ärende")))
    if item.presenter:
        blocks.append(Block("presenter", _("Föredragande: {presenter}", presenter=item.presenter)))
    blocks += [Block("text", p) for p in paragraphs(item.description)]
    blocks += [Block("text", p) for p in item.notes]
    blocks += [Block("attachment", f"Bilaga: {a.label}", link=a) for a in item.attachments]
    if item.purpose and not minutes:
        blocks.append(Block("purpose", f"Syfte: {item.purpose}"))
    if item.proposal:
        if minutes:
            heading = _("{proposer} föreslog:", proposer=item.proposer) if item.proposer else _("Förslag till beslut:")
        else:
            heading = _("{proposer} föreslår:", proposer=item.proposer) if item.proposer else _("Förslag till beslut")
        blocks.append(Block("proposal_heading", heading))
        blocks += [Block("proposal", p) for p in paragraphs(item.proposal)]
    if item.decisions:
        blocks.append(Block("decided_by", decided_by or "Beslut:"))
        blocks += [Block("decision", d) for d in item.decisions]
    blocks += [Block("meta", f"Ansvarig: {r}") for r in item.responsible]
    if item.returned:
        blocks.append(Block("meta", _("Ärendet återremitterades för fortsatt beredning.")))
    blocks += [Block("meta", f"Uppdrag: {a}") for a in item.assignments]
    blocks += [Block("meta", _("Återkoppling: {f}", f=f)) for f in item.follow_ups]
    return blocks
