"""Recording what the meeting decided: /beslut NR att … and återremiss.

The secretary records one or more "att …" lines on a case on the agenda (seed
002: "Länschefsnätverket beslutade: att …"), optionally with who is responsible
for carrying it out (seed 001 step 4b). The case becomes behandlat. When the
meeting reaches no consensus the case is återremitterat (seed 000 § 4) and the
person who raised it is told why.

The parsers (parse_decide, parse_remit) read the 'att …' lines, the responsible and the reason without a
database; whether the case may be decided on now is checked when the command runs. An empty decision is
refused there too, naming the case or the item it would be recorded on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import limits
from handlers.base import Action, Context, Reply, UserError
from handlers.arguments import Dates, MeetingRef
from handlers.case_model import (
    DECIDERS,
    CaseRef,
    add_event,
    case_of,
    case_title,
    read_case_ref,
    refuse_if_closed,
    status_name,
    tell,
)
from handlers.common import coordinator_word, forum_label, genitive, meeting_label, person_arg, person_label, require_command_role
from handlers.agenda_model import add_item, case_item_on
from handlers.i18n import _
from handlers.fmt import format_date, format_span
from handlers.options import named, take_option
from handlers.registry import CASE_FORUM, command, normalise
from storage.models import AgendaItem, Case, Decision, Meeting

BESLUT_USAGE = (_("/beslut NR att … [; att …] [; ansvarig: @x]  eller  /beslut NR återremiss SKÄL  "
                  "eller  /beslut punkt N [DATUM] att …"))
REMIT_USAGE = _("/återremiss NR SKÄL")
ITEM_USAGE = _("/beslut punkt N [DATUM] att … [; ansvarig: @x], till exempel /beslut punkt 2 "
               "att godkänna dagordningen")
REMIT_WORDS = ("aterremiss", "aterremittera", "aterremitteras", "aterremitterat")
DECIDABLE = ("pa_dagordning", "behandlat")


def _meeting_words(case: Case) -> str:
    return _("{forum} möte {meeting}", forum=genitive(case.forum), meeting=meeting_label(case.meeting)) if case.meeting else forum_label(case.forum)


def _refuse_unless_on_agenda(ctx: Context, case: Case, doing: str) -> AgendaItem:
    """The case's item on the meeting being held; refused before the meeting starts and after its minutes
    are sent, with the meeting's time and what to do instead."""
    refuse_if_closed(case)
    if case.status not in DECIDABLE or case.meeting is None:
        raise UserError(
            _("Ärende {case} står inte på någon dagordning (det är {case2}), så det går inte "
              "att {doing}. {coordinator} lägger det på dagordningen med /beredning {number} "
              "dagordning.",
              case=case_title(case), case2=status_name(case), doing=doing, number=case.number,
              coordinator=coordinator_word(case.forum, capital=True))
        )
    meeting = case.meeting
    refuse_unless_held(ctx, meeting, doing=doing, number=case.number)
    item = case_item_on(ctx.session, meeting, case)
    if item is None:  # a case placed on the meeting before items were stored
        item = add_item(ctx.session, meeting, now=ctx.now, title=case.title, case=case)
    return item


def refuse_unless_held(ctx: Context, meeting: Meeting, *, doing: str, number: str = "NR") -> None:
    """Decisions are recorded from the meeting's start until its minutes are sent.

    The meeting is read afresh under its row lock (PostgreSQL), so minutes being sent at this moment are
    either sent first (and the decision refused) or wait for this command (and hold its decision)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.refresh(meeting, with_for_update=True)
    span = _("{forum} möte {starts_at}",
             forum=genitive(meeting.forum), starts_at=format_span(meeting.starts_at, meeting.ends_at))
    if meeting.starts_at > ctx.now:
        raise UserError(
            _("Det går inte att {doing} före mötet: {span} har inte börjat. Beslut förs in "
              "från mötets början tills minnesanteckningarna är skickade; skriv /beslut "
              "{number} att … under mötet.",
              doing=doing, span=span, number=number)
        )
    if meeting.minutes_sent_at is not None:
        raise UserError(
            _("Det går inte att {doing} längre: minnesanteckningarna från {span} skickades "
              "{minutes_sent_at} och ändras inte. Ta upp frågan på ett kommande möte "
              "(/beredning {number} dagordning DATUM), eller rätta under Föregående "
              "minnesanteckningar där.",
              doing=doing, span=span, minutes_sent_at=format_date(meeting.minutes_sent_at, sentence=True), number=number)
        )


RESPONSIBLE_NAMES = ("ansvarig", "ansvariga", "responsible")


@dataclass(frozen=True)
class DecisionText:
    """What the meeting decided: the 'att …' lines as they go into the minutes, and who is responsible for
    carrying it out ('@x' as typed)."""
    lines: tuple[str, ...] = ()
    responsible: str | None = None


def read_decision(text: str) -> DecisionText:
    """'att A; att B; ansvarig: @x' (or one line each) → the lines 'att A', 'att B.' and '@x'; a line that does
    not begin with 'att' is refused."""
    lines: list[str] = []
    responsible: str | None = None
    for segment in re.split(r"[;\n]", text):
        segment = " ".join(segment.split())
        if not segment:
            continue
        found = named(segment, RESPONSIBLE_NAMES)
        if found is not None:
            responsible = found[1]
            continue
        if not normalise(segment).startswith("att "):
            raise UserError(
                _("Varje beslut ska börja med ”att”, som i minnesanteckningarna: ”{segment}” gör "
                  "inte det. Skriv till exempel /beslut 2020:8 att utse Ulf Björnfot till "
                  "ordförande; ansvarig: @maria.lind.",
                  segment=segment)
            )
        lines.append(segment)
    if lines and lines[-1][-1] not in ".!?":
        lines[-1] += "."  # as in the minutes (seed 002): the last "att …" line ends the sentence
    return DecisionText(lines=tuple(lines), responsible=responsible)


def read_remit_reason(text: str, number: str, *, command: str) -> str:
    """Why the meeting sends case `number` back; refused, with the reason form, when there is none. `command`
    is what the form runs with the reason after it ('beslut 2020:8 återremiss')."""
    reason = limits.text(" ".join(text.split()), what=_("Skälet"))
    if not reason:
        message = (
            _("Skriv varför ärende {number} återremitteras, så att den som anmält det får "
              "veta: /beslut {number} återremiss SKÄL, till exempel ”underlaget ska "
              "kompletteras”.",
              number=number)
        )
        raise UserError(message, reply=Reply(lines=[message], ok=False, form="reason",
                                             form_values={"command": command, "label": _("Skäl")}))
    return reason


def record_decision(ctx: Context, case: Case, decided: DecisionText, item: AgendaItem) -> Reply:
    lines, responsible_text = list(decided.lines), decided.responsible
    if not lines:
        raise UserError(_("Skriv vad mötet beslutade om ärende {number}: {BESLUT_USAGE}.",
                          number=case.number, BESLUT_USAGE=BESLUT_USAGE))
    responsible = person_arg(ctx, responsible_text, field="ansvarig") if responsible_text else None
    decision = Decision(
        case_id=case.id,
        meeting_id=item.meeting_id,
        item_id=item.id,
        text=limits.text("\n".join(lines), what="Beslutstexten"),
        responsible_id=responsible.id if responsible else None,
        recorded_by_id=ctx.person.id,
        decided_at=ctx.now,
    )
    ctx.session.add(decision)
    case.status = "behandlat"
    case.returned_reason = None
    detail = _("Beslut vid mötet {starts_at}: ", starts_at=format_date(case.meeting.starts_at)) + "; ".join(lines).rstrip(".") + "."
    if responsible:
        detail += f" Ansvarig: {responsible.name}."
    add_event(ctx, case, "beslut", detail)
    ctx.session.flush()
    ctx.audit("case.decision", "case", case.id, number=case.number, decision_id=decision.id, text=decision.text,
              responsible=responsible.handle if responsible else None, meeting=case.meeting.starts_at)

    heading = _("{forum} beslutade i ärende {case}:", forum=forum_label(case.forum), case=case_title(case))
    if responsible is not None:
        tell(ctx, responsible, Reply(
            title=_("Du är ansvarig för ett beslut i ärende {number}", number=case.number),
            lines=[heading, *lines, _("Beslutet fattades på {case}.", case=_meeting_words(case))],
        ), kind="decision_responsible", key=f"d{decision.id}")
    if case.raised_by is not None and case.raised_by_id != (responsible.id if responsible else None):
        tell(ctx, case.raised_by, Reply(
            title=_("Ditt ärende {number} är behandlat", number=case.number),
            lines=[heading, *lines] + ([f"Ansvarig: {person_label(responsible)}."] if responsible else []),
        ), kind="decision_sender", key=f"d{decision.id}")
    reply_lines = [_("Beslutet är infört för {case}.", case=_meeting_words(case)), heading, *lines]
    if responsible is not None:
        reply_lines.append(f"Ansvarig: {person_label(responsible)}"
                           + (_(", som har fått besked.") if responsible.id != ctx.person.id else "."))
    return Reply(
        title=_("Beslut i ärende {number}", number=case.number),
        lines=reply_lines,
        context=[
            _("Ska ärendet återkopplas? Skriv /återkoppling {number} DATUM @användarnamn. Uppdrag: "
              "/uppdrag ny @användarnamn TITEL; senast DATUM; ärende {number}.",
              number=case.number)
        ],
        actions=[Action(_("Avsluta ärendet"), f"avsluta {case.number}")],
    )


def remit(ctx: Context, case: Case, reason: str, item: AgendaItem) -> Reply:
    """Send the case back to its sender with the reason (read by the parser: not empty)."""
    meeting = case.meeting
    decision = Decision(
        case_id=case.id,
        meeting_id=case.meeting_id,
        item_id=item.id,
        text=_("att återremittera ärendet ({reason})", reason=reason),
        recorded_by_id=ctx.person.id,
        decided_at=ctx.now,
    )
    ctx.session.add(decision)
    case.status = "aterremitterat"
    case.returned_reason = reason
    add_event(ctx, case, "aterremitterat", _("Återremitterat vid mötet {starts_at}: {reason}.",
                                             starts_at=format_date(meeting.starts_at), reason=reason))
    ctx.session.flush()
    ctx.audit("case.remit", "case", case.id, number=case.number, reason=reason, meeting=meeting.starts_at)
    notice = Reply(
        title=_("Ärende {number} återremitterades", number=case.number),
        lines=[
            _("{forum} återremitterade ditt ärende {case} på mötet {meeting}, och det går tillbaka till dig.",
              forum=forum_label(case.forum), case=case_title(case), meeting=meeting_label(meeting, sentence=True)),
            _("Skäl: {reason}", reason=reason),
            _("{coordinator} kan lägga det på ett kommande möte när det är kompletterat.",
              coordinator=coordinator_word(case.forum, capital=True)),
        ],
    )
    told = tell(ctx, case.raised_by, notice, kind="case_remitted", key=f"c{case.id}:{ctx.now.isoformat()}")
    lines = [_("Ärende {case} återremitterades på mötet {meeting}.",
               case=case_title(case), meeting=meeting_label(meeting, sentence=True)), _("Skäl: {reason}", reason=reason)]
    if told:
        lines.append(_("{name} som anmälde ärendet har fått besked.", name=case.raised_by.name))
    return Reply(title=_("Ärende {number} återremitterat", number=case.number), lines=lines)


def decide_on_item(ctx: Context, args: DecideItem) -> Reply:
    """A decision on any item of the meeting being held, standing items included ('att godkänna dagordningen')."""
    from handlers.common import my_forums, named_forum
    from handlers.items import find_item
    from handlers.meeting_choice import meeting_for_phrase
    from storage import queries

    label, phrase = args.label, args.meeting.phrase
    named = named_forum(ctx, args.meeting.forum)
    mine = [named] if named else ([f for f in my_forums(ctx) if ctx.roles_in(f) & ctx.command.roles] or my_forums(ctx))
    if phrase is not None:
        meeting = meeting_for_phrase(ctx, mine, phrase)
    else:  # the latest meeting that has started in the secretary's forums
        held = queries.meetings_before(ctx.session, mine, ctx.now, limit=1)
        if not held:
            raise UserError(_("{forum_label} har inte haft något möte ännu. Skriv: {ITEM_USAGE}.",
                              forum_label=forum_label(mine[0]), ITEM_USAGE=ITEM_USAGE))
        meeting = held[0]
    forum = meeting.forum
    require_command_role(ctx, forum)
    refuse_unless_held(ctx, meeting, doing=_("föra in beslut"), number=f"punkt {label}")
    item = find_item(ctx, meeting, label, usage=ITEM_USAGE)
    if item.id is None:  # standing items not stored yet
        from handlers.agenda_model import ensure_items

        ensure_items(ctx.session, meeting, now=ctx.now)
        item = find_item(ctx, meeting, label, usage=ITEM_USAGE)
    if item.case is not None:
        return record_decision(ctx, item.case, args.decision, item)
    lines, responsible_text = list(args.decision.lines), args.decision.responsible
    if not lines:
        raise UserError(_("Skriv vad mötet beslutade under punkt {label}: {ITEM_USAGE}.",
                          label=item.label, ITEM_USAGE=ITEM_USAGE))
    responsible = person_arg(ctx, responsible_text, field="ansvarig") if responsible_text else None
    decision = Decision(case_id=None, meeting_id=meeting.id, item_id=item.id, text="\n".join(lines),
                        responsible_id=responsible.id if responsible else None, recorded_by_id=ctx.person.id,
                        decided_at=ctx.now)
    ctx.session.add(decision)
    ctx.session.flush()
    ctx.audit("item.decision", "meeting", meeting.id, item=item.label, decision_id=decision.id, text=decision.text)
    return Reply(
        title=f"Beslut under punkt {item.label}",
        lines=[_("Beslutet är infört under punkt {label} {title} för {forum} möte {meeting}.",
                 label=item.label, title=item.title, forum=genitive(forum), meeting=meeting_label(meeting, sentence=True)), f"{forum_label(forum)} beslutade:", *lines],
    )


@dataclass(frozen=True)
class DecideCase:
    """/beslut NR att … [; att …] [; ansvarig: @x]"""
    case: CaseRef
    decision: DecisionText


@dataclass(frozen=True)
class RemitCase:
    """/beslut NR återremiss SKÄL"""
    case: CaseRef
    reason: str


@dataclass(frozen=True)
class DecideItem:
    """/beslut punkt N [DATUM] att … [; ansvarig: @x] [; forum: ID]: the meeting is the one the date names, else
    the latest held in the forum named or the secretary's forums."""
    label: str
    meeting: MeetingRef
    decision: DecisionText


def parse_decide_on_item(text: str, dates: Dates) -> DecideItem:
    """'N [DATUM] att … [; ansvarig: @x] [; forum: ID]' (after '/beslut punkt')."""
    forum, text = take_option(text, "forum")
    label, __, rest = text.strip().partition(" ")
    when, body = dates.split(rest) if rest.strip() and not normalise(rest).startswith("att ") else (None, rest)
    phrase = rest[: len(rest) - len(body)].strip() if when is not None else None
    return DecideItem(label=label, meeting=MeetingRef(phrase=phrase, forum=forum.strip() if forum else None),
                      decision=read_decision(body))


def parse_decide(text: str, dates: Dates) -> DecideCase | RemitCase | DecideItem:
    if normalise(text).startswith("punkt "):
        return parse_decide_on_item(text.strip()[6:], dates)
    ref, rest = read_case_ref(text, usage=BESLUT_USAGE)
    first, __, tail = rest.partition(" ")
    if normalise(first).rstrip(":") in REMIT_WORDS:
        return RemitCase(case=ref, reason=read_remit_reason(
            tail, ref.number, command=_("beslut {number} återremiss", number=ref.number)))
    return DecideCase(case=ref, decision=read_decision(rest))


@command(
    "beslut",
    "decision",
    usage=BESLUT_USAGE,
    help=_("för in mötets beslut (”att …”-satser) på ett ärende, eller återremiss med skäl"),
    roles=DECIDERS,
    doing=_("föra in beslut"),
    args=parse_decide,
    order=30,
)
def decide(ctx: Context, args: DecideCase | RemitCase | DecideItem) -> Reply:
    if isinstance(args, DecideItem):
        return decide_on_item(ctx, args)
    case = case_of(ctx, args.case)
    require_command_role(ctx, case.forum)
    if isinstance(args, RemitCase):
        item = _refuse_unless_on_agenda(ctx, case, _("återremittera det"))
        return remit(ctx, case, args.reason, item)
    item = _refuse_unless_on_agenda(ctx, case, _("föra in beslut"))
    return record_decision(ctx, case, args.decision, item)


@dataclass(frozen=True)
class Remit:
    """/återremiss NR SKÄL"""
    reason: str


def parse_remit(text: str, dates: Dates) -> Remit:
    """'NR SKÄL', with the case's own number (the registry has found the case)."""
    ref, rest = read_case_ref(text, usage=REMIT_USAGE)
    return Remit(reason=read_remit_reason(rest, ref.number, command=_("beslut {number} återremiss", number=ref.number)))


@command(
    "återremiss",
    "aterremiss",
    "återremittera",
    "aterremittera",
    usage=REMIT_USAGE,
    help=_("mötet återremitterar ärendet: det går tillbaka till den som anmält det, med skälet"),
    roles=DECIDERS,
    doing=_("återremittera ärenden"),
    forum=CASE_FORUM,
    args=parse_remit,
    order=31,
)
def remit_command(ctx: Context, case: Case, args: Remit) -> Reply:
    item = _refuse_unless_on_agenda(ctx, case, _("återremittera det"))
    return remit(ctx, case, args.reason, item)
