"""The case process's model below its commands: who may do what, the statuses and purposes, a case's
fields and events. The case commands (cases, case_edit, decisions, followups, assignments, items) sit on top.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import limits
from handlers.base import Context, Reply, UserError
from handlers.agenda_model import current_item
from handlers.common import (
    PURPOSE_NAMES,
    channel_forum_of_asker,
    forum_label,
    meeting_label,
    my_forums,
    named_forum,
    person_label,
    pop_forum_option,
    require_role,
)
from handlers.fmt import format_date
from handlers.i18n import _
from handlers.options import take_option
from handlers.registry import normalise
from storage import cases as store
from storage import queries
from storage.models import Case, CaseEvent, Forum, Person

# Who may do what (DESIGN.md "Who uses it").
PREPARERS = {"coordinator"}  # beredning, publishing the agenda
RECORDERS = {"secretary", "coordinator"}  # assignments, follow-ups, closing
DECIDERS = {"secretary"}  # decisions and återremiss during the meeting
OVERVIEW = {"coordinator", "secretary", "chair", "vice_chair"}  # the whole case and assignment lists
STATUS_NAMES = {
    "aktualiserat": "aktualiserat",
    "under_beredning": "under beredning",
    "pa_dagordning": _("på dagordningen"),
    "behandlat": "behandlat",
    "aterremitterat": "återremitterat",
    "avslutat": "avslutat",
}
STATUS_HEADINGS = {
    "aktualiserat": _("Aktualiserade – väntar på beredning"),
    "under_beredning": "Under beredning",
    "pa_dagordning": _("På dagordningen"),
    "behandlat": "Behandlade",
    "aterremitterat": _("Återremitterade"),
    "avslutat": "Avslutade",
}
STATUS_WORDS = {
    "aktualiserat": "aktualiserat", "aktualiserade": "aktualiserat", "nya": "aktualiserat", "ny": "aktualiserat",
    "beredning": "under_beredning", "under beredning": "under_beredning", "ater": "under_beredning",
    "dagordning": "pa_dagordning", "pa dagordning": "pa_dagordning", "pa dagordningen": "pa_dagordning",
    "dagordningen": "pa_dagordning",
    "behandlat": "behandlat", "behandlade": "behandlat",
    "aterremitterat": "aterremitterat", "aterremitterade": "aterremitterat", "aterremiss": "aterremitterat",
    "avslutat": "avslutat", "avslutade": "avslutat", "stangda": "avslutat",
}
PURPOSE_WORDS = {
    "information": "information", "info": "information", "informera": "information",
    "diskussion": "diskussion", "diskutera": "diskussion", "dialog": "diskussion",
    "beslut": "beslut", "besluta": "beslut",
}
URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
CASE_NUMBER = re.compile(r"^(\d{4}):(\d{1,6})$")
# '/beslut 11': case 11 of this year in the asker's forums.
SHORT_NUMBER = re.compile(r"^\d{1,3}$")
# … but '20 november' is a date, not case 20.
_MONTH_AFTER = re.compile(r"^\s*(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)", re.IGNORECASE)


def status_name(case: Case) -> str:
    return STATUS_NAMES.get(case.status, case.status)


def case_title(case: Case) -> str:
    """'2026:3 Gemensam vägledning för familjecentraler'."""
    return number_and_title(case.number, case.title)


def number_and_title(number: str, title: str | None) -> str:
    """`case_title` of a case's number and title as read."""
    return f"{number} {title}"


def add_event(ctx: Context, case: Case, kind: str, detail: str) -> None:
    ctx.session.add(CaseEvent(case_id=case.id, at=ctx.now, actor_id=ctx.person.id, kind=kind, detail=detail))


def tell(ctx: Context, person: Person | None, reply: Reply, *, kind: str, key: str) -> bool:
    """Notify a person unless it is the asker themself (they see the reply)."""
    if person is None or person.id == ctx.person.id or person.erased:
        return False
    ctx.notify_person(person, reply, kind=kind, key=key)
    return True


def coordinators_of(ctx: Context, forum: Forum) -> list[Person]:
    """Who is told about new cases: the coordinators, else the chair."""
    people = queries.people_with_role(ctx.session, forum, "coordinator", on=ctx.today)
    return people or queries.people_with_role(ctx.session, forum, "chair", on=ctx.today)


def has_role(ctx: Context, forum: Forum, roles: set[str]) -> bool:
    return bool(ctx.roles_in(forum) & roles)


def read_purpose(text: str) -> str:
    purpose = PURPOSE_WORDS.get(normalise(text))
    if purpose is None:
        raise UserError(_("Syftet ”{text}” känner jag inte igen; skriv syfte: information, diskussion "
                          "eller beslut.",
                          text=text))
    return purpose


def read_attachments(text: str) -> list[tuple[str, str | None]]:
    """'https://a.se/x.pdf Uppdragsdirektiv https://b.se/y.pdf' → [(url, title), (url, None)]."""
    out: list[tuple[str, str | None]] = []
    title: list[str] = []
    for token in text.replace(",", " ").split():
        if URL.match(token):
            limits.url(token)
            if out and title:
                out[-1] = (out[-1][0], " ".join(title))
            elif title:
                raise UserError(
                    _("Skriv bilagan som en webbadress följd av ett namn, till exempel ”bilaga: "
                      "{token} {title}”.",
                      token=token, title=' '.join(title))
                )
            title = []
            out.append((token, None))
        else:
            title.append(token)
    if out and title:
        out[-1] = (out[-1][0], " ".join(title))
    for __, name in out:
        if name:
            limits.title(name, what="Bilagans namn")
    if not out:
        raise UserError(
            _("”{text}” är ingen webbadress. Skriv bilagan som en länk, till exempel ”bilaga: "
              "https://…/underlag.pdf”.",
              text=text)
        )
    return out


def check_texts(options: dict[str, str]) -> None:
    """The free texts a case command may carry, each within its limit."""
    for key, what in (("förslag", _("Förslaget till beslut")), ("beskrivning", "Beskrivningen")):
        if options.get(key):
            limits.text(options[key], what=what)


def case_fields(ctx: Context, case: Case) -> list[tuple[str, str]]:
    fields = [
        (_("Ärende"), case.number),
        ("Forum", forum_label(case.forum)),
        ("Status", status_name(case)),
        ("Syfte", PURPOSE_NAMES.get(case.purpose, case.purpose)),
        (_("Anmält av"), person_label(case.raised_by)),
        (_("Anmält"), format_date(case.raised_on)),
    ]
    if case.presenter is not None:
        fields.append((_("Föredragande"), person_label(case.presenter)))
    if case.wished_meeting is not None and case.wished_meeting_id != case.meeting_id:
        fields.append((_("Önskat möte"), meeting_label(case.wished_meeting)))
    if case.meeting is not None:
        label = meeting_label(case.meeting)
        if case.late_addition:
            label += _(" (tillkommande ärende)")
        fields.append(("Dagordning", label))
    if case.description:
        fields.append(("Beskrivning", case.description))
    if case.proposal:
        fields.append((_("Förslag till beslut"), case.proposal))
    for a in case.attachments:
        fields.append(("Bilaga", f"{a.title} {a.url}" if a.title else a.url))
    if case.returned_reason and case.status in ("under_beredning", "aterremitterat"):
        fields.append((_("Skäl"), case.returned_reason))
    return fields


def agenda_position(ctx: Context, case: Case) -> str | None:
    """The case's item number on its current meeting ('6', '4.1')."""
    item = current_item(ctx.session, case)
    return item.label if item is not None else None


def refuse_if_closed(case: Case) -> None:
    if case.status == "avslutat":
        raise UserError(
            _("Ärende {case} är avslutat och kan inte ändras. Anmäl ett nytt ärende med /anmäl "
              "ärende om frågan ska upp igen.",
              case=case_title(case))
        )


def split_number(args: str, *, usage: str) -> tuple[str, str]:
    """'2026:3 rest' → ('2026:3', 'rest'); refuses with the usage when no number comes first."""
    text = args.strip()
    m = re.match(r"^#?(\S+?)(?=[\s;]|$)(.*)$", text, re.DOTALL)
    short = m is not None and SHORT_NUMBER.match(m.group(1)) and not _MONTH_AFTER.match(m.group(2))
    if not m or not (CASE_NUMBER.match(m.group(1)) or short):
        shown = _(" (”{group}” är inget ärendenummer)", group=m.group(1)) if m else ""
        raise UserError(
            _("Ange ärendets nummer som ÅÅÅÅ:N, till exempel 2020:7{shown}. Skriv: {usage}. "
              "/ärenden visar ärendelistan.",
              shown=shown, usage=usage)
        )
    return m.group(1), m.group(2).strip()


def find_case(ctx: Context, number: str, forum: Forum | None = None) -> Case:
    """The case with this number: in the named forum, the channel's forum, or the asker's forums.

    A bare number ('11') is this year's case 11 in the asker's forums (the named or channel's forum
    first), when only one of them has it."""
    if SHORT_NUMBER.match(number):
        return _case_by_short_number(ctx, int(number), forum)
    if forum is not None:
        found = store.cases_by_number(ctx.session, number, [forum])
    else:
        found = store.cases_by_number(ctx.session, number)
        # Other forums' cases are not the asker's business: not their titles, nor who handles them there.
        visible = [c for c in found if may_view(ctx, c)]
        if found and not visible:
            raise UserError(not_yours(number))
        found = visible
        if len(found) > 1 and ctx.forum is not None:
            found = [c for c in found if c.forum_id == ctx.forum.id] or found
        if len(found) > 1:
            mine = {f.id for f in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)}
            found = [c for c in found if c.forum_id in mine] or found
    if not found:
        where = f" i {forum_label(forum)}" if forum else ""
        raise UserError(_("Det finns inget ärende {number}{where}. Skriv /ärenden för att se ärendelistan.",
                          number=number, where=where))
    if len(found) > 1:
        names = ", ".join(f"{forum_label(c.forum)} (forum: {c.forum.key})" for c in found)
        raise UserError(
            _("Ärende {number} finns i flera forum: {names}. Lägg till ”; forum: {key}” sist i "
              "kommandot.",
              number=number, names=names, key=found[0].forum.key)
        )
    return found[0]


def _case_by_short_number(ctx: Context, n: int, forum: Forum | None) -> Case:
    number = f"{ctx.today.year}:{n}"
    if forum is not None:
        forums = [forum]
    elif (here := channel_forum_of_asker(ctx)) is not None:
        forums = [here]
    else:
        forums = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)
    found = store.cases_by_number(ctx.session, number, forums)
    if len(found) == 1:
        return found[0]
    if not found:
        where = f" i {', '.join(forum_label(f) for f in forums)}" if forums else ""
        raise UserError(_("Det finns inget ärende {number}{where}. Skriv hela numret ÅÅÅÅ:N för ett ärende "
                          "från ett annat år; /ärenden visar ärendelistan.",
                          number=number, where=where))
    names = ", ".join(f"{forum_label(c.forum)} (forum: {c.forum.key})" for c in found)
    raise UserError(_("Ärende {number} finns i flera av dina forum: {names}. Lägg till ”; forum: "
                      "{key}” sist i kommandot.",
                      number=number, names=names, key=found[0].forum.key))


def case_from_args(ctx: Context, args: str, *, usage: str) -> tuple[Case, str]:
    """Read 'NR … [; forum: ID]' → (case, the rest)."""
    number, rest = split_number(args, usage=usage)
    forum, rest = pop_forum_option(ctx, rest)
    return find_case(ctx, number, forum), rest


@dataclass(frozen=True)
class CaseRef:
    """The case a command's arguments name: its number as typed ('2026:3', or '3' for this year's case 3) and
    the '; forum: ID' as typed; the handler finds it with `case_of`."""
    number: str
    forum: str | None = None


def read_case_ref(text: str, *, usage: str) -> tuple[CaseRef, str]:
    """'NR … [; forum: ID]' → (the case named, the rest of the text), without a database; refuses with the usage
    when no case number comes first. A parser's half of `case_from_args`."""
    number, rest = split_number(text, usage=usage)
    forum, rest = take_option(rest, "forum")
    return CaseRef(number=number, forum=forum.strip() if forum is not None else None), rest


def case_of(ctx: Context, ref: CaseRef) -> Case:
    """The case `ref` names: in its forum ('; forum: ID'), the channel's forum, or the asker's forums."""
    forum = named_forum(ctx, ref.forum)
    return find_case(ctx, ref.number, forum)


def not_yours(number: str) -> str:
    """The refusal for a case in a forum the asker has no part in: it names nothing of that forum."""
    return (_("Ärende {number} är inte ditt: det hör inte till något av dina forum, och du har "
              "inte anmält det. /ärenden visar ärendena i dina forum.",
              number=number))


def may_view(ctx: Context, case: Case) -> bool:
    if ctx.person.id in (case.raised_by_id, case.presenter_id):
        return True
    if queries.sits_in(ctx.session, ctx.person, case.forum, on=ctx.today):
        return True
    involved = {f.responsible_id for f in store.follow_ups_of_case(ctx.session, case)}
    involved |= {a.assignee_id for a in store.assignments_of_case(ctx.session, case)}
    return ctx.person.id in involved


def overview_forums(ctx: Context, named: Forum | None, *, doing: str) -> list[Forum]:
    """The forums where the asker may see everything (coordinator, secretary, chair, vice chair)."""
    if named is not None:
        require_role(ctx, named, OVERVIEW, doing=doing)
        return [named]
    if ctx.forum is not None and has_role(ctx, ctx.forum, OVERVIEW):
        return [ctx.forum]
    mine = my_forums(ctx)
    forums = [f for f in mine if has_role(ctx, f, OVERVIEW)]
    if not forums:
        require_role(ctx, ctx.forum if ctx.forum in mine else mine[0], OVERVIEW, doing=doing)
    return forums
