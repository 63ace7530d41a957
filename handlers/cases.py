"""The case process (ärendegång): raising a case, the case list, beredning, publishing the agenda, closing.

A case moves aktualiserat → (under_beredning, when sent back for more
preparation) → pa_dagordning → behandlat or aterremitterat → avslutat. Every
step writes a CaseEvent (the case history shown by /ärende NR) and an AuditLog
row, and tells the people concerned through the outbox. The helpers at the top
(finding a case by number) are shared by the decision, assignment and follow-up commands; the case model
(roles, statuses, fields, events) is handlers/case_model.py, choosing a meeting handlers/meeting_choice.py and
the option grammar handlers/options.py. Their names are imported here, and other modules still use them
through this one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import select

from handlers import limits
from handlers.base import Action, Context, Reply, Section, UserError
from handlers.calendar import forum_deadlines, is_working_day
from handlers.common import (
    PURPOSE_NAMES,
    choose_forum,
    coordinator_word,
    forum_label,
    genitive,
    meeting_label,
    named_forum,
    no_coming_meetings,
    person_arg,
    person_label,
    require_role,
    role_name,
)
from handlers.fmt import format_date, format_datetime, format_days
from handlers.arguments import Dates, MeetingArgs, parse_meeting_args
from handlers.registry import CASE_FORUM, CHANNEL_MEETING_ARG, command, normalise
from handlers.i18n import _, ngettext
from storage import cases as store
from storage import queries
from storage.models import Attachment, Case, Forum, Meeting
from handlers.case_edit import EditCase, OffAgenda, edit_case, read_edit, read_off_agenda, take_off_agenda
from handlers.case_model import (  # noqa: F401 - the case model, used through this module too
    DECIDERS,
    OVERVIEW,
    PREPARERS,
    PURPOSE_WORDS,
    RECORDERS,
    STATUS_HEADINGS,
    STATUS_NAMES,
    STATUS_WORDS,
    URL,
    CASE_NUMBER,
    SHORT_NUMBER,
    CaseRef,
    add_event,
    agenda_position,
    case_from_args,
    case_fields,
    case_of,
    case_title,
    check_texts as _check_texts,
    coordinators_of,
    find_case,
    may_view,
    not_yours,
    overview_forums,
    has_role,
    read_case_ref,
    read_attachments,
    read_purpose,
    refuse_if_closed,
    split_number,
    status_name,
    tell,
)
from handlers.meeting_choice import (  # noqa: F401 - choosing a meeting, used through this module too
    day_bounds,
    forum_meeting_label,
    meeting_day,
    meeting_for_phrase,
    meeting_is_over,
    next_meeting,
    read_day,
    read_day_range,
    upcoming_list,
)
from handlers.options import read_options, take_option  # noqa: F401 - read_options is used through this module too


RAISE_USAGE = (_("/anmäl ärende TITEL [; syfte: beslut] [; möte: DATUM] [; föredragande: @användarnamn] [; "
                 "beskrivning: TEXT] [; bilaga: URL]"))
BEREDNING_USAGE = (_("/beredning NR dagordning [DATUM] [; föredragande: @användarnamn]  eller  /beredning NR "
                     "åter SKÄL  eller  /beredning NR av"))


# ------------------------------------------------------------------------------------ shared helpers


# ------------------------------------------------------------------------------------ /anmäl ärende

RAISE_KEYS = {
    "syfte": "syfte", "purpose": "syfte",
    "mote": "möte", "moete": "möte", "sammantrade": "möte", "meeting": "möte",
    "foredragande": "föredragande", "presenter": "föredragande",
    "bilaga": "bilaga", "bilagor": "bilaga", "attachment": "bilaga",
    "forslag": "förslag", "forslag till beslut": "förslag", "proposal": "förslag",
    "beskrivning": "beskrivning", "bakgrund": "beskrivning",
    "forum": "forum",
}


def _raise_forum(ctx: Context, named: str | None, wished: str | None) -> Forum:
    """The forum a case is raised in: the named one (any forum of the network), or the asker's own.

    A person in several forums who names a meeting day that only one of them meets on needs not name the forum.
    """
    all_forums = list(ctx.session.scalars(select(Forum).order_by(Forum.name)))
    listing = ", ".join(f"{forum_label(f)} (forum: {f.key})" for f in all_forums)
    if named:
        wanted = normalise(named.strip().lstrip("#"))
        for forum in all_forums:
            if wanted in {normalise(forum.key), normalise(forum.short or ""), normalise(forum.name)}:
                return forum
        raise UserError(_("Det finns inget forum som heter ”{named}”. Forumen är: {listing}.", named=named, listing=listing))
    mine = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)
    if len(mine) > 1 and wished and (ctx.forum is None or ctx.forum not in mine):
        return meeting_for_phrase(ctx, mine, wished).forum
    if mine:
        return choose_forum(ctx)
    if ctx.forum is not None:
        return ctx.forum
    if len(all_forums) == 1:
        return all_forums[0]
    raise UserError(_("Ange vilket forum ärendet gäller med ”; forum: ID” sist i kommandot. Forumen "
                      "är: {listing}.",
                      listing=listing))


def raise_form(ctx: Context) -> Reply:
    """/anmäl ärende without text: Slack and Teams open a form; the terminal shows how to write it."""
    forums = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)
    return Reply(
        title=_("Anmäl ett ärende"),
        lines=[
            _("Skriv ärendet på en rad, med de tillägg du behöver, till exempel:"),
            _("/anmäl ärende Gemensam vägledning för familjecentraler; syfte: beslut; möte: 25 "
              "september; föredragande: @johan.sjo; bilaga: https://example.se/underlag.pdf"),
        ],
        fields=[
            ("TITEL", _("vad ärendet gäller (krävs)")),
            ("syfte", "information, diskussion eller beslut (annars information)"),
            ("möte", _("det möte du vill att ärendet tas upp på, till exempel ”25 september”")),
            ("föredragande", _("den som är föredragande för ärendet, som @användarnamn")),
            ("beskrivning", _("bakgrund och vad ärendet gäller; texten under punkten på dagordningen")),
            ("bilaga", _("en webbadress till underlaget; flera skiljs med mellanslag")),
            ("förslag", _("förslag till beslut, om syftet är beslut")),
            ("forum", _("forumets id, om du sitter i flera forum")),
        ],
        context=[_("Samordnaren får ärendet direkt och tar upp det på beredningen.")],
        form="case",
        form_values={
            "forum": forums[0].key if len(forums) == 1 else "",
            "forums": ",".join(f.key for f in forums),
        },
    )


@dataclass(frozen=True)
class RaiseForm:
    """/anmäl ärende with nothing after it: the form."""


@dataclass(frozen=True)
class RaiseCase:
    """/anmäl ärende TITEL [; syfte: …] [; möte: DATUM] [; föredragande: @…] [; beskrivning: …] [; bilaga: URL] …"""
    title: str
    purpose: str = "information"
    meeting: str | None = None  # the wished meeting's date phrase, read in the case's forum
    forum: str | None = None  # any forum of the network, as typed
    presenter: str | None = None
    description: str | None = None
    proposal: str | None = None
    attachments: tuple[tuple[str, str | None], ...] = ()


def parse_raise_case(args: str, dates: Dates) -> RaiseCase | RaiseForm:
    if not args.strip():
        return RaiseForm()
    head, options = read_options(args, RAISE_KEYS, usage=RAISE_USAGE)
    title = " ".join(head.split())
    if not title:
        raise UserError(_("Ärendet behöver en titel som säger vad det gäller. Skriv: {RAISE_USAGE}.",
                          RAISE_USAGE=RAISE_USAGE))
    limits.title(title, what=_("Ärendets titel"))
    _check_texts(options)
    purpose = read_purpose(options["syfte"]) if options.get("syfte") else "information"
    attachments = limits.attachments(read_attachments(options["bilaga"])) if options.get("bilaga") else []
    return RaiseCase(title=title, purpose=purpose, meeting=options.get("möte") or None,
                     forum=options.get("forum") or None, presenter=options.get("föredragande") or None,
                     description=options.get("beskrivning") or None, proposal=options.get("förslag") or None,
                     attachments=tuple(attachments))


@command(
    "anmäl ärende",
    "anmal arende",
    "nytt ärende",
    "nytt arende",
    "raise case",
    "new case",
    usage=RAISE_USAGE + " [; förslag: …] [; forum: ID]",
    help=_("anmäl (aktualisera) ett ärende; samordnaren får det direkt"),
    args=parse_raise_case,
    order=20,
)
def raise_case(ctx: Context, args: RaiseCase | RaiseForm) -> Reply:
    if isinstance(args, RaiseForm):
        return raise_form(ctx)
    title, purpose, attachments = args.title, args.purpose, args.attachments
    forum = _raise_forum(ctx, args.forum, args.meeting)
    presenter = person_arg(ctx, args.presenter, field="föredragande") if args.presenter else None
    wished: Meeting | None = None
    if args.meeting:
        wished = meeting_for_phrase(ctx, [forum], args.meeting)
        if meeting_is_over(ctx, wished):
            raise UserError(
                _("{forum} möte {starts_at} har redan varit. {ctx} Skriv ”möte: DATUM” för ett av "
                  "dem.",
                  forum=genitive(forum), starts_at=format_date(wished.starts_at, sentence=True), ctx=upcoming_list(ctx, [forum]))
            )

    case = store.create_case(
        ctx.session,
        forum=forum,
        year=ctx.today.year,
        title=title,
        purpose=purpose,
        status="aktualiserat",
        raised_by_id=ctx.person.id,
        raised_on=ctx.today,
        presenter_id=presenter.id if presenter else None,
        wished_meeting_id=wished.id if wished else None,
        description=args.description,
        proposal=args.proposal,
    )
    for url, atitle in attachments:
        case.attachments.append(Attachment(url=url, title=atitle))
    detail = _("Aktualiserat av {name} för {lower}", name=ctx.person.name, lower=PURPOSE_NAMES[purpose].lower())
    if wished:
        detail += _(", önskat möte {starts_at}", starts_at=format_date(wished.starts_at))
    add_event(ctx, case, "aktualiserat", detail + ".")
    ctx.session.flush()
    ctx.session.refresh(case)
    ctx.audit("case.raise", "case", case.id, number=case.number, forum=forum.key, title=title, purpose=purpose,
              wished_meeting=wished.starts_at if wished else None)

    notice = Reply(
        title=_("Nytt ärende {number} till {forum}", number=case.number, forum=forum_label(forum)),
        lines=[_("{name} har anmält ärende {case}.", name=ctx.person.name, case=case_title(case))],
        fields=case_fields(ctx, case),
        actions=[
            Action(_("Lägg på dagordningen"), f"beredning {case.number} dagordning", style="primary"),
            Action(_("Åter för beredning"), f"beredning {case.number} åter"),
        ],
        context=[_("Ta upp det på beredningen; /ärende {number} visar det.", number=case.number)],
    )
    told = [p.name for p in coordinators_of(ctx, forum) if tell(ctx, p, notice, kind="case_raised", key=f"c{case.id}")]

    lines = [_("Ärende {number} är anmält till {forum}: {title}.",
               number=case.number, forum=forum_label(forum), title=title)]
    if wished:
        deadlines = forum_deadlines(forum, meeting_day(wished))
        lines.append(_("Du önskar att det tas upp på mötet {wished}.", wished=meeting_label(wished, sentence=True)))
        if deadlines.agenda and deadlines.agenda < ctx.today:
            lines.append(
                _("Dagordningen skulle vara klar {agenda}; ärendet kan komma med som tillkommande "
                  "ärende om {coordinator} tar med det.",
                  agenda=format_date(deadlines.agenda, sentence=True), coordinator=coordinator_word(forum))
            )
        elif deadlines.preparation and deadlines.preparation >= ctx.today:
            lines.append(_("Beredningen inför mötet är {preparation}.", preparation=format_date(deadlines.preparation, sentence=True)))
    context = [_("{told} har fått ärendet.", told=', '.join(told)) if told else _("Du är själv {coordinator} för forumet.",
                                                                                    coordinator=role_name(forum, "coordinator"))]
    context.append(_("/ärende {number} visar hur det går för ärendet.", number=case.number))
    return Reply(title=_("Ärende {number} anmält", number=case.number), lines=lines, fields=case_fields(ctx, case), context=context)


# ------------------------------------------------------------------------------------ /ärenden


def _case_line(c: Case, follow: dict[int, list], untreated: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    parts = [f"{c.number} {c.title}", _("anmält av {raised_by}", raised_by=person_label(c.raised_by)),
             PURPOSE_NAMES.get(c.purpose, c.purpose).lower()]
    if c.meeting is not None and c.id in untreated:
        parts.append(f"ej behandlat {format_date(c.meeting.starts_at)}")
    elif c.meeting is not None:
        parts.append(_("möte {starts_at}", starts_at=format_date(c.meeting.starts_at)) + (" (tillkommande)" if c.late_addition else ""))
    elif c.wished_meeting is not None:
        parts.append(_("önskat möte {starts_at}", starts_at=format_date(c.wished_meeting.starts_at)))
    for f in follow.get(c.id, []):
        parts.append(_("återkoppling {due} ({name})", due=format_date(f.due), name=f.responsible.name))
    if c.returned_reason and c.status in ("under_beredning", "aterremitterat"):
        parts.append(_("skäl: {returned_reason}", returned_reason=c.returned_reason))
    return " – ".join(parts)


OPEN_STATUSES = tuple(s for s in STATUS_NAMES if s != "avslutat")


@dataclass(frozen=True)
class ListCases:
    """/ärenden [aktualiserade | beredning | dagordning | behandlade | återremitterade | avslutade | alla]
    [; forum: ID]: the statuses listed (the open ones unless a status or 'alla' is named)."""
    statuses: tuple[str, ...] = OPEN_STATUSES
    forum: str | None = None

    @property
    def scope(self) -> str:
        """Which cases the list holds, in words ('öppna', 'alla, även avslutade', 'behandlat')."""
        if self.statuses == OPEN_STATUSES:
            return _("öppna")
        if len(self.statuses) == 1:
            return STATUS_NAMES[self.statuses[0]]
        return _("alla, även avslutade")


def parse_list_cases(args: str, dates: Dates) -> ListCases:
    forum, rest = take_option(args, "forum")
    forum = forum.strip() if forum is not None else None
    word = normalise(rest)
    if word in ("", "oppna", "pagaende"):
        return ListCases(forum=forum)
    if word == "alla":
        return ListCases(statuses=tuple(STATUS_NAMES), forum=forum)
    if word in STATUS_WORDS:
        return ListCases(statuses=(STATUS_WORDS[word],), forum=forum)
    raise UserError(
        _("Jag känner inte igen statusen ”{rest}”. Skriv /ärenden, eller /ärenden följt av "
          "aktualiserade, beredning, dagordning, behandlade, återremitterade, avslutade "
          "eller alla.",
          rest=rest)
    )


@command(
    "ärenden",
    "arenden",
    "ärendelista",
    "arendelista",
    "cases",
    usage="/ärenden [aktualiserade | beredning | dagordning | behandlade | återremitterade | avslutade | alla]",
    help=_("ärendelistan: status, möte, återkopplingsdatum och ansvarig, grupperad efter status"),
    roles=OVERVIEW,
    doing=_("se hela ärendelistan"),
    args=parse_list_cases,
    order=21,
)
def list_cases(ctx: Context, args: ListCases) -> Reply:
    named = named_forum(ctx, args.forum)
    forums = overview_forums(ctx, named, doing=ctx.command.doing)
    statuses, scope = list(args.statuses), args.scope
    found = store.cases_of(ctx.session, forums, statuses)
    follow = store.open_follow_ups(ctx.session, found)
    from storage.agenda import undecided_on_meeting

    held = [c for c in found if c.status == "pa_dagordning" and c.meeting is not None
            and meeting_is_over(ctx, c.meeting)]
    untreated = undecided_on_meeting(ctx.session, held)
    names = ", ".join(forum_label(f) for f in forums)
    if not found:
        return Reply(title=_("Ärendelista – {names}", names=names), lines=[_("Inga ärenden ({scope}).", scope=scope)],
                     restricted=True)
    sections = []
    for forum in forums:
        for status in statuses:
            group = [c for c in found if c.status == status and c.forum_id == forum.id]
            if not group:
                continue
            heading = f"{STATUS_HEADINGS[status]} ({len(group)})"
            if len(forums) > 1:
                heading = f"{forum_label(forum)}: {heading}"
            sections.append(Section(heading=heading, lines=[_case_line(c, follow, untreated) for c in group]))
    return Reply(
        title=_("Ärendelista – {names}", names=names),
        sections=sections,
        context=[ngettext("{n} ärende ({scope}).", "{n} ärenden ({scope}).", len(found), scope=scope)
                 + " " + _("/ärende NR visar ett ärende med hela historiken.")],
        restricted=True,
    )


# ------------------------------------------------------------------------------------ /ärende NR


def agenda_history(ctx: Context, case: Case) -> list[str]:
    """Each meeting whose agenda the case has been on: 'fredag 6 mars 2020: punkt 5, inget beslut'."""
    from handlers.agenda_model import items_of_case
    from storage.models import Decision

    items = items_of_case(ctx.session, case)
    if not items:
        return []
    decided = set(ctx.session.scalars(select(Decision.item_id).where(Decision.item_id.in_([i.id for i in items]))))
    lines = []
    for item in items:
        if item.id in decided:
            outcome = "beslut"
        elif item.meeting.starts_at > ctx.now:
            outcome = _("kommande möte")
        else:
            outcome = _("inget beslut")
        late = _(" (tillkommande ärende)") if item.late_addition else ""
        lines.append(f"{format_date(item.meeting.starts_at)}: punkt {item.label}{late}, {outcome}")
    return lines


def case_reply(ctx: Context, case: Case, *, title: str | None = None, lines: Iterable[str] = ()) -> Reply:
    """A case with its decisions, follow-ups, assignments and history."""
    sections = []
    if case.decisions:
        dl = []
        for d in case.decisions:
            who = f" Ansvarig: {person_label(d.responsible)}." if d.responsible else ""
            dl.append(f"{format_date(d.decided_at)}: {'; '.join(d.text.splitlines())}.{who}")
        sections.append(Section(heading="Beslut", lines=dl))
    follow = store.follow_ups_of_case(ctx.session, case)
    if follow:
        sections.append(Section(heading=_("Återkoppling"), lines=[
            f"{format_date(f.due)}: {person_label(f.responsible)}"
            + (f" – klar {format_date(f.done_at)}" if f.done_at else "")
            for f in follow
        ]))
    assignments = store.assignments_of_case(ctx.session, case)
    if assignments:
        sections.append(Section(heading="Uppdrag", lines=[
            f"Uppdrag {a.id}: {a.title} – {person_label(a.assignee)}, senast {format_date(a.due)}"
            + (" (klart)" if a.closed_at else "")
            for a in assignments
        ]))
    placed = agenda_history(ctx, case)
    if placed:
        sections.append(Section(heading="Dagordningar", lines=placed))
    history = []
    for ev in case.events:
        who = ev.actor.name if ev.actor is not None else "Kansli"
        history.append(f"{format_datetime(ev.at)} – {who}: {ev.detail or ev.kind}")
    sections.append(Section(heading="Historik", lines=history or [_("Ingen historik ännu.")]))
    actions: list[Action] = []
    if case.status != "avslutat" and has_role(ctx, case.forum, PREPARERS):
        if case.status in ("aktualiserat", "under_beredning", "aterremitterat"):
            actions.append(Action(_("Lägg på dagordningen"), f"beredning {case.number} dagordning", style="primary"))
            actions.append(Action(_("Åter för beredning"), f"beredning {case.number} åter"))
        actions.append(Action(_("Avsluta ärendet"), f"avsluta {case.number}", style="danger"))
    return Reply(
        title=title or _("Ärende {case}", case=case_title(case)),
        lines=list(lines),
        fields=case_fields(ctx, case),
        sections=sections,
        actions=actions,
        restricted=ctx.forum is None or ctx.forum.id != case.forum_id,
    )


@dataclass(frozen=True)
class CloseCase:
    """/avsluta NR [notering], /ärende NR avsluta [notering]"""
    note: str = ""


@dataclass(frozen=True)
class ViewCase:
    """/ärende NR [avsluta [notering] | ändra; titel: …] [; forum: ID]: the case, and what to do with it (None:
    show it)."""
    case: CaseRef
    then: CloseCase | EditCase | None = None


def parse_show_case(args: str, dates: Dates) -> ViewCase:
    ref, rest = read_case_ref(args, usage="/ärende NR, till exempel /ärende 2020:7")
    word = normalise(rest)
    if word in ("avsluta", "avslutat", "stang") or word.startswith("avsluta "):
        note = rest.split(maxsplit=1)[1] if word.startswith("avsluta ") else ""
        return ViewCase(case=ref, then=CloseCase(note=" ".join(note.split())))
    if re.match(r"^(andra|rätta|ratta|edit)\b", word):
        return ViewCase(case=ref, then=read_edit(rest, ref.number))
    if word:
        raise UserError(_("Jag förstår inte ”{rest}”. Skriv /ärende {number} eller /ärende {number} "
                          "avsluta.",
                          rest=rest, number=ref.number))
    return ViewCase(case=ref)


@command(
    "ärende",
    "arende",
    "case",
    usage="/ärende NR [avsluta | ändra; titel: …]",
    help=_("ett ärende med beslut, återkoppling, uppdrag och hela historiken"),
    args=parse_show_case,
    order=22,
)
def show_case(ctx: Context, args: ViewCase) -> Reply:
    case = case_of(ctx, args.case)
    if isinstance(args.then, CloseCase):
        require_role(ctx, case.forum, RECORDERS, doing=_("avsluta ärenden"))
        return close_case(ctx, case, args.then.note)
    if isinstance(args.then, EditCase):
        return edit_case(ctx, case, args.then)
    if not may_view(ctx, case):
        raise UserError(not_yours(case.number))
    return case_reply(ctx, case)


# ------------------------------------------------------------------------------------ /beredning

AGENDA_KEYS = {
    "foredragande": "föredragande", "presenter": "föredragande",
    "forslag": "förslag", "forslag till beslut": "förslag", "proposal": "förslag",
    "forslagsstallare": "förslagsställare", "foreslas av": "förslagsställare", "proposer": "förslagsställare",
    "bilaga": "bilaga", "bilagor": "bilaga",
    "syfte": "syfte", "purpose": "syfte",
}


def _reason_prompt(number: str) -> UserError:
    message = (
        _("Skriv varför ärende {number} går åter för beredning, så att den som anmält det "
          "får veta: /beredning {number} åter SKÄL, till exempel ”/beredning {number} åter "
          "underlaget behöver förankras hos huvudmännen”.",
          number=number)
    )
    return UserError(message, reply=Reply(
        lines=[message], ok=False, form="reason",
        form_values={"command": _("beredning {number} åter", number=number), "label": _("Skäl")},
    ))


@dataclass(frozen=True)
class OnAgenda:
    """/beredning NR dagordning [DATUM] [; föredragande: @…] [; syfte: …] [; förslag: …] [; förslagsställare: …]
    [; bilaga: URL]: each option given (None: not given)."""
    meeting: str | None = None  # the date phrase as typed; None: the case's meeting, the wished one or the next
    presenter: str | None = None
    purpose: str | None = None
    proposal: str | None = None
    proposer: str | None = None
    attachments: tuple[tuple[str, str | None], ...] = ()


def read_on_agenda(text: str) -> OnAgenda:
    head, options = read_options(text, AGENDA_KEYS, usage=BEREDNING_USAGE)
    purpose = read_purpose(options["syfte"]) if options.get("syfte") else None
    _check_texts(options)
    attachments = read_attachments(options["bilaga"]) if options.get("bilaga") else []
    return OnAgenda(meeting=head.strip() or None, presenter=options.get("föredragande") or None, purpose=purpose,
                    proposal=options.get("förslag") or None, proposer=options.get("förslagsställare") or None,
                    attachments=tuple(attachments))


@dataclass(frozen=True)
class SendBack:
    """/beredning NR åter SKÄL"""
    reason: str


def read_send_back(text: str, number: str) -> SendBack:
    reason = limits.text(" ".join(text.split()), what=_("Skälet"))
    if not reason:
        raise _reason_prompt(number)
    return SendBack(reason=reason)


def put_on_agenda(ctx: Context, case: Case, args: OnAgenda) -> Reply:
    forum = case.forum
    if args.meeting is not None:
        meeting = meeting_for_phrase(ctx, [forum], args.meeting)
    else:
        meeting = case.meeting if case.status == "pa_dagordning" else case.wished_meeting
        if meeting is None or meeting.cancelled or meeting_is_over(ctx, meeting):
            meeting = next_meeting(ctx, forum)
        if meeting is None:
            raise no_coming_meetings(forum)
    if meeting_is_over(ctx, meeting):
        raise UserError(
            _("Mötet {starts_at} har redan varit. {ctx} Skriv /beredning {number} dagordning "
              "DATUM.",
              starts_at=format_date(meeting.starts_at, sentence=True), ctx=upcoming_list(ctx, [forum]), number=case.number)
        )
    changes = []
    if args.presenter:
        presenter = person_arg(ctx, args.presenter, field="föredragande")
        if presenter.id != case.presenter_id:
            case.presenter_id = presenter.id
            case.presenter = presenter
            changes.append(_("föredragande {name}", name=presenter.name))
    if args.purpose:
        if args.purpose != case.purpose:
            case.purpose = args.purpose
            changes.append(f"syfte {PURPOSE_NAMES[args.purpose].lower()}")
    if args.proposal:
        case.proposal = args.proposal
        changes.append(_("förslag till beslut"))
    if args.attachments:
        for url, atitle in limits.attachments(args.attachments, already=len(case.attachments)):
            case.attachments.append(Attachment(url=url, title=atitle))
            changes.append(f"bilaga {url}")

    from handlers.agenda_model import add_item, case_item_on, copy_case, remove_item

    item = case_item_on(ctx.session, meeting, case)
    already = case.status == "pa_dagordning" and case.meeting_id == meeting.id and item is not None
    late = meeting.agenda_published_at is not None
    if already:
        if changes:
            copy_case(item, case)  # the working agenda shows the new presenter, proposal or attachments
            if args.proposer:
                item.proposer = args.proposer
    else:
        moved_from = case.meeting if case.status == "pa_dagordning" and case.meeting_id != meeting.id else None
        if moved_from is not None and not meeting_is_over(ctx, moved_from):
            # Not held yet: the case leaves that working agenda. A meeting that was held keeps its item.
            old = case_item_on(ctx.session, moved_from, case)
            if old is not None:
                remove_item(ctx.session, old)
        if item is None:
            from handlers.agenda_model import items_of_case

            earlier = items_of_case(ctx.session, case)
            proposer = args.proposer or (earlier[-1].proposer if earlier else None)
            item = add_item(ctx.session, meeting, now=ctx.now, title=case.title, case=case, proposer=proposer)
        late = item.late_addition
        case.status = "pa_dagordning"
        case.meeting_id = meeting.id
        case.meeting = meeting
        case.agenda_order = item.number
        case.late_addition = late
        case.returned_reason = None
        detail = _("Lagt på dagordningen för {forum} möte {starts_at} som punkt {label}",
                   forum=genitive(forum), starts_at=format_date(meeting.starts_at), label=item.label)
        if moved_from is not None:
            detail += _(" (flyttat från mötet {starts_at})", starts_at=format_date(moved_from.starts_at))
        if late:
            detail += _(" som tillkommande ärende")
        if changes:
            detail += "; " + ", ".join(changes)
        add_event(ctx, case, "pa_dagordning", detail + ".")
    if already and changes:
        add_event(ctx, case, "beredning", _("Ändrat vid beredning: ") + ", ".join(changes) + ".")
    ctx.session.flush()
    ctx.audit("case.agenda", "case", case.id, number=case.number, meeting=meeting.starts_at,
              late_addition=case.late_addition, changes=changes or None)

    item = agenda_position(ctx, case)
    where = _("mötet {meeting}", meeting=meeting_label(meeting))
    if already:
        lines = [_("Ärende {case} står redan på dagordningen för {where} (punkt {item}).",
                   case=case_title(case), where=where, item=item)]
        if changes:
            lines.append(_("Ändrat: ") + ", ".join(changes) + ".")
    else:
        lines = [_("Ärende {case} står nu på dagordningen för {where} som punkt {item}.",
                   case=case_title(case), where=where, item=item)]
        if changes:
            lines.append(_("Ändrat: ") + ", ".join(changes) + ".")
    actions = []
    date_word = format_date(meeting.starts_at)
    if late:
        lines.append(
            _("Dagordningen publicerades redan {agenda_published_at}, så ärendet visas som "
              "tillkommande ärende. Publicera dagordningen igen så att forumet ser det.",
              agenda_published_at=format_date(meeting.agenda_published_at, sentence=True))
        )
        actions.append(Action("Publicera dagordningen igen",
                              f"publicera dagordning {meeting_day(meeting).isoformat()}; forum: {forum.key}",
                              style="primary"))
    else:
        deadline = forum_deadlines(forum, meeting_day(meeting)).agenda
        if deadline is not None and deadline < ctx.today:
            lines.append(_("Sista dag för dagordningen var {deadline}; publicera den så snart du kan.",
                           deadline=format_date(deadline, sentence=True)))
        elif deadline is not None:
            lines.append(f"Dagordningen ska publiceras senast {format_date(deadline)}.")
    if not already:
        notice = Reply(
            title=_("Ärende {number} är på dagordningen", number=case.number),
            lines=[_("Ärende {case} tas upp på {forum} möte {meeting}",
                     case=case_title(case), forum=genitive(forum), meeting=meeting_label(meeting, sentence=True))
                   + (_(" som tillkommande ärende.") if late else ".")],
            fields=[("Syfte", PURPOSE_NAMES.get(case.purpose, case.purpose))]
            + ([(_("Föredragande"), person_label(case.presenter))] if case.presenter is not None else []),
        )
        key = f"c{case.id}:m{meeting.id}:{ctx.now.isoformat()}"
        tell(ctx, case.raised_by, notice, kind="case_on_agenda", key=key)
        if case.presenter is not None and case.presenter_id != case.raised_by_id:
            presenter_notice = Reply(
                title=_("Du är föredragande för ärende {number}", number=case.number),
                lines=[_("Du är föredragande för ärende {case} på {forum} möte {meeting}.",
                         case=case_title(case), forum=genitive(forum), meeting=meeting_label(meeting, sentence=True))],
                fields=notice.fields,
            )
            tell(ctx, case.presenter, presenter_notice, kind="case_presenter", key=key)
    return Reply(title=_("Ärende {number} på dagordningen {date_word}", number=case.number, date_word=date_word), lines=lines,
                 fields=case_fields(ctx, case), actions=actions)


def send_back(ctx: Context, case: Case, args: SendBack) -> Reply:
    reason = args.reason
    if case.status == "behandlat":
        raise UserError(
            _("Ärende {case} är redan behandlat. Lägg det på ett nytt möte med /beredning "
              "{number} dagordning DATUM, eller avsluta det med /avsluta {number}.",
              case=case_title(case), number=case.number)
        )
    from handlers.agenda_model import case_item_on, remove_item

    was_on = case.meeting if case.status == "pa_dagordning" else None
    if was_on is not None and meeting_is_over(ctx, was_on):
        was_on = None  # a meeting that was held keeps its item: the record shows it was on that agenda
    published = was_on is not None and was_on.agenda_published_at is not None
    case.status = "under_beredning"
    case.returned_reason = reason
    if was_on is not None:
        old = case_item_on(ctx.session, was_on, case)
        if old is not None:
            remove_item(ctx.session, old)
    # The case leaves its current meeting; an item on a meeting that was held stays there.
    case.meeting_id = None
    case.meeting = None
    case.agenda_order = None
    case.late_addition = False
    detail = _("Åter för beredning: {reason}", reason=reason)
    if was_on is not None:
        detail += _(" (togs bort från dagordningen för mötet {starts_at})", starts_at=format_date(was_on.starts_at))
    add_event(ctx, case, "ater_for_beredning", detail + ".")
    ctx.session.flush()
    ctx.audit("case.return", "case", case.id, number=case.number, reason=reason,
              removed_from=was_on.starts_at if was_on else None)
    notice = Reply(
        title=_("Ärende {number} går åter för beredning", number=case.number),
        lines=[
            _("Ditt ärende {case} i {forum} går åter för vidare beredning.",
              case=case_title(case), forum=forum_label(case.forum)),
            _("Skäl: {reason}", reason=reason),
            _("Hör av dig till {name} om du har frågor.", name=ctx.person.name),
        ],
    )
    told = tell(ctx, case.raised_by, notice, kind="case_returned", key=f"c{case.id}:{ctx.now.isoformat()}")
    lines = [_("Ärende {case} går åter för beredning. Skäl: {reason}", case=case_title(case), reason=reason)]
    if told:
        lines.append(_("{name} som anmälde ärendet har fått besked med skälet.", name=case.raised_by.name))
    actions = []
    if was_on is not None:
        lines.append(_("Det togs bort från dagordningen för mötet {was_on}.", was_on=meeting_label(was_on, sentence=True)))
        if published:
            lines.append(_("Dagordningen var redan publicerad; publicera den igen så att forumet ser ändringen."))
            actions.append(Action("Publicera dagordningen igen",
                                  f"publicera dagordning {meeting_day(was_on).isoformat()}; forum: {case.forum.key}"))
    return Reply(title=_("Ärende {number} åter för beredning", number=case.number), lines=lines, actions=actions)


def parse_beredning(args: str, dates: Dates) -> OnAgenda | SendBack | OffAgenda:
    """'NR dagordning …', 'NR åter SKÄL' or 'NR av [SKÄL]', with the case's own number."""
    ref, rest = read_case_ref(args, usage=BEREDNING_USAGE)
    m = re.match(r"^(\S+?)(?=[\s;:]|$)[\s:]*(.*)$", rest, re.DOTALL)
    word = normalise(m.group(1)) if m else ""
    tail = m.group(2) if m else ""
    if word in ("dagordning", "dagordningen", "agenda", "mote"):
        return read_on_agenda(tail)
    if word in ("ater", "tillbaka", "return"):
        return read_send_back(tail, ref.number)
    if word in ("av", "bort", "off"):
        return read_off_agenda(tail)
    raise UserError(
        _("Skriv vad beredningen beslutar om ärende {number}: /beredning {number} "
          "dagordning [DATUM] för att lägga det på ett möte, eller /beredning {number} "
          "åter SKÄL för att skicka det tillbaka.",
          number=ref.number)
    )


@command(
    "beredning",
    "bered",
    "prepare",
    usage=BEREDNING_USAGE,
    help=_("beredning: lägg ett ärende på ett mötes dagordning, eller skicka det åter med "
           "skäl till den som anmält det"),
    roles=PREPARERS,
    doing=_("bereda ärenden"),
    forum=CASE_FORUM,
    args=parse_beredning,
    order=23,
)
def beredning(ctx: Context, case: Case, args: OnAgenda | SendBack | OffAgenda) -> Reply:
    refuse_if_closed(case)
    if isinstance(args, OnAgenda):
        return put_on_agenda(ctx, case, args)
    if isinstance(args, SendBack):
        return send_back(ctx, case, args)
    return take_off_agenda(ctx, case, args)


# ------------------------------------------------------------------------------------ /publicera dagordning


def working_days_between(after: date, until: date) -> int:
    """Working days in (after, until]."""
    n, d = 0, after
    while d < until:
        d += timedelta(days=1)
        if is_working_day(d):
            n += 1
    return n


def store_version(ctx: Context, meeting: Meeting):  # type: ignore[no-untyped-def]
    """Store the agenda as it is published now: the next version of the meeting's agenda."""
    from handlers.agenda_model import ensure_items, latest_version
    from handlers.publication import agenda_doc, record
    from storage.models import AgendaVersion

    ensure_items(ctx.session, meeting, now=ctx.now)
    latest = latest_version(ctx.session, meeting)
    doc = agenda_doc(ctx.session, meeting)
    doc.version = (latest.version if latest is not None else 0) + 1
    doc.published_at = ctx.now
    doc.published_by = ctx.person.name
    version = AgendaVersion(meeting_id=meeting.id, version=doc.version, published_at=ctx.now,
                            published_by_id=ctx.person.id, content=record(doc))
    ctx.session.add(version)
    ctx.session.flush()
    return version


PublishAgenda = MeetingArgs  # /publicera dagordning [DATUM] [; forum: ID]


@command(
    "publicera dagordning",
    "publicera dagordningen",
    "publish agenda",
    usage="/publicera dagordning [DATUM] [; forum: ID]",
    help=_("publicera dagordningen i forumets kanal (efter sista dagen går det också, men "
           "svaret säger hur sent)"),
    roles=PREPARERS,
    doing=_("publicera dagordningen"),
    meeting=CHANNEL_MEETING_ARG,
    args=parse_meeting_args,
    order=24,
)
def publish_agenda(ctx: Context, meeting: Meeting, args: PublishAgenda) -> Reply:
    from handlers import kallelse
    from handlers.agenda_model import agenda_cases, agenda_reply

    forum = meeting.forum
    if meeting_is_over(ctx, meeting):
        raise UserError(
            _("Mötet {starts_at} har redan varit; dess dagordning kan inte publiceras nu. {ctx}",
              starts_at=format_date(meeting.starts_at, sentence=True), ctx=upcoming_list(ctx, [forum]))
        )
    again = meeting.agenda_published_at is not None
    meeting.agenda_published_at = ctx.now
    version = store_version(ctx, meeting)
    items = agenda_cases(ctx.session, meeting)
    for case in items:
        if case.status == "pa_dagordning" and case.meeting_id == meeting.id:
            add_event(ctx, case, "dagordning_publicerad",
                      _("Dagordningen för mötet {starts_at} publicerades", starts_at=format_date(meeting.starts_at))
                      + (_(" på nytt (version {version}).", version=version.version) if again else "."))
    ctx.session.flush()
    agenda = agenda_reply(ctx.session, meeting, now=ctx.now)
    ctx.notify_forum(forum, agenda, kind="agenda", key=f"m{meeting.id}:{ctx.now.isoformat()}")
    kallelse.send_kallelse(ctx, meeting)  # the e-mailed kallelse with its invitation, when e-mail is on

    day = meeting_day(meeting)
    deadline = forum_deadlines(forum, day).agenda
    lines = [
        _("Dagordningen för {forum} möte {meeting} är ",
          forum=genitive(forum), meeting=meeting_label(meeting, sentence=True))
        + (_("publicerad på nytt som version {version}", version=version.version) if again else "publicerad")
        + " " + ngettext("i forumets kanal, med {n} ärende.", "i forumets kanal, med {n} ärenden.", len(items))
    ]
    if again:
        lines.append(_("Tidigare versioner finns kvar att läsa på mötets webbsida; ärenden som "
                       "tillkommit sedan första publiceringen står under Tillkommande ärenden."))
    late_days = 0
    if deadline is not None:
        if ctx.today > deadline:
            late_days = working_days_between(deadline, ctx.today)
            calendar_days = (ctx.today - deadline).days
            lines.append(
                ngettext("Dagordningen är försenad: sista dag enligt arbetsordningen var {deadline}, och den "
                         "publiceras {n} arbetsdag ({days}) för sent.",
                         "Dagordningen är försenad: sista dag enligt arbetsordningen var {deadline}, och den "
                         "publiceras {n} arbetsdagar ({days}) för sent.",
                         late_days, deadline=format_date(deadline, sentence=True), days=format_days(calendar_days))
            )
        else:
            lines.append(_("Sista dag enligt arbetsordningen är {deadline}; den är i tid.", deadline=format_date(deadline, sentence=True)))
    ctx.audit("agenda.publish", "meeting", meeting.id, forum=forum.key, meeting=meeting.starts_at,
              republished=again, version=version.version, cases=[c.number for c in items],
              late_working_days=late_days)
    return Reply(
        title=f"Dagordningen publicerad – {forum_label(forum)} {format_date(meeting.starts_at)}",
        lines=lines,
        sections=agenda.sections,
        context=[f"Publicerad {format_datetime(ctx.now)}."],
    )


# ------------------------------------------------------------------------------------ closing a case


def close_case(ctx: Context, case: Case, note: str) -> Reply:
    """Close the case (the caller has checked that the asker may)."""
    refuse_if_closed(case)
    note = " ".join(note.split())
    open_follow = store.open_follow_ups(ctx.session, [case]).get(case.id, [])
    for f in open_follow:
        f.done_at = ctx.now
    case.status = "avslutat"
    case.closed_at = ctx.now
    detail = _("Ärendet avslutades") + (f": {note}" if note else "")
    if open_follow:
        detail += ngettext("; {n} öppen återkoppling stängdes", "; {n} öppna återkopplingar stängdes",
                           len(open_follow))
    add_event(ctx, case, "avslutat", detail + ".")
    ctx.session.flush()
    ctx.audit("case.close", "case", case.id, number=case.number, note=note or None,
              follow_ups_closed=len(open_follow))
    lines = [_("Ärende {case} är avslutat {now}.", case=case_title(case), now=format_date(ctx.now, sentence=True))]
    if open_follow:
        lines.append(_("Öppen återkoppling stängdes: ") + "; ".join(
            f"{format_date(f.due)} ({f.responsible.name})" for f in open_follow) + ".")
    still = [a for a in store.assignments_of_case(ctx.session, case) if a.closed_at is None]
    if still:
        lines.append(_("Uppdrag som fortfarande är öppna: ") + "; ".join(
            f"uppdrag {a.id} ({a.assignee.name}, senast {format_date(a.due)})" for a in still)
            + _(". Stäng dem med /uppdrag klar ID när de är klara."))
    notice = Reply(title=_("Ärende {number} är avslutat", number=case.number),
                   lines=[_("Ditt ärende {case} i {forum} är avslutat.", case=case_title(case), forum=forum_label(case.forum))]
                   + ([f"Notering: {note}"] if note else []))
    tell(ctx, case.raised_by, notice, kind="case_closed", key=f"c{case.id}")
    return Reply(title=_("Ärende {number} avslutat", number=case.number), lines=lines)


def parse_close_case(args: str, dates: Dates) -> CloseCase:
    """'NR [notering]'."""
    __, note = read_case_ref(args, usage="/avsluta NR [notering]")
    return CloseCase(note=" ".join(note.split()))


@command(
    "avsluta",
    "avsluta ärende",
    "avsluta arende",
    "close case",
    usage="/avsluta NR [notering]",
    help=_("avsluta ett ärende när det är klart (stänger dess öppna återkoppling)"),
    roles=RECORDERS,
    doing=_("avsluta ärenden"),
    forum=CASE_FORUM,
    args=parse_close_case,
    order=29,
)
def close_command(ctx: Context, case: Case, args: CloseCase) -> Reply:
    return close_case(ctx, case, args.note)
