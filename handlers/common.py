"""Helpers shared by the command handlers: choosing the forum, checking roles, naming things."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from handlers.base import Context, UserError
from handlers.fmt import format_span
from handlers.options import take_option
from storage import queries
from storage.models import Forum, Meeting, Person
from handlers.registry import ROLE_NAMES, normalise  # noqa: F401 - ROLE_NAMES is used from here too
from handlers.i18n import _, ngettext

PURPOSE_NAMES = {"information": "Information", "diskussion": "Diskussion", "beslut": "Beslut"}


def forum_label(forum: Forum) -> str:
    return forum.short or forum.name


def genitive(forum: Forum) -> str:
    """'LCHNV:s', 'Länsnätverkets', 'Styrgrupp LCHNV:s' (Swedish genitive of the forum's short name)."""
    label = forum_label(forum)
    if label[-1:].isupper() or label[-1:].isdigit():
        return label + ":s"
    if label[-1:].lower() in ("s", "x", "z"):
        return label
    return label + "s"


def forum_meeting_in_sentence(meeting: Meeting) -> str:
    """'LCHNV:s möte fredagen den 6 mars 2020 kl. 9.30–14.00 (Skype)', for running text."""
    return _("{forum} möte {meeting}", forum=genitive(meeting.forum), meeting=meeting_label(meeting, sentence=True))


def meeting_label(meeting: Meeting, *, sentence: bool = False) -> str:
    """'fredag 6 mars 2020, kl. 9.30–14.00, Skype' (a field); with ``sentence`` the running-text form
    'fredagen den 6 mars 2020 kl. 9.30–14.00 (Skype)' ('… på mötet fredagen den 6 mars 2020 …')."""
    text = format_span(meeting.starts_at, meeting.ends_at, sentence=sentence)
    if not meeting.place:
        return text
    return f"{text} ({meeting.place})" if sentence else f"{text}, {meeting.place}"


def person_label(person: Person | None) -> str:
    if person is None:
        return "–"
    return name_label(person.name, person.organisation.name if person.organisation else None, erased=person.erased)


def name_label(name: str | None, organisation: str | None, *, erased: bool = False) -> str:
    """'Anna Berg (Lunds kommun)' of a person's name and organisation as read; `person_label` of a Person."""
    if name is None:
        return "–"
    if erased:
        return "borttagen person"
    return f"{name} ({organisation})" if organisation else name


def example_day(ctx: Context, forums: list[Forum] | None = None, *, iso: bool = False) -> str:
    """A date for the example in a refusal: the asker's next meeting ('12 juni', or '2020-06-12'),
    else a week from today."""
    from datetime import timedelta

    from handlers.fmt import MONTHS, local

    if forums is None:
        forums = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today) or []
    nxt = queries.meetings_after(ctx.session, forums, ctx.now, limit=1) if forums else []
    day = local(nxt[0].starts_at).date() if nxt else ctx.today + timedelta(days=7)
    if iso:
        return day.isoformat()
    text = f"{day.day} {MONTHS[day.month - 1]}"
    # Without a year a date means its next occurrence, which is this one unless it is a year or more away.
    return text if day >= ctx.today and (day - ctx.today).days < 365 else f"{text} {day.year}"


def find_forum(ctx: Context, text: str) -> Forum | None:
    """A forum named by id, short name or name in `text` (case- and accent-insensitive)."""
    wanted = normalise(text.strip().lstrip("#"))
    for forum in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today) or []:
        if wanted in {normalise(forum.key), normalise(forum.short or ""), normalise(forum.name)}:
            return forum
    return None


def pop_forum_option(ctx: Context, args: str) -> tuple[Forum | None, str]:
    """Take a '; forum: X' (or '; forum X') option out of the arguments (handlers.options.take_option)."""
    value, rest = take_option(args, "forum")
    if value is None:
        return None, args
    return named_forum(ctx, value), rest


def named_forum(ctx: Context, typed: str | None) -> Forum | None:
    """The forum a '; forum: X' names, as a parser read it (None when none was typed); one the asker does not
    sit in is refused with the forums they do sit in."""
    if typed is None:
        return None
    forum = find_forum(ctx, typed)
    if forum is None:
        # my_forums: someone in no forum (any more) is told to ask the coordinator, not given an empty list.
        names = ", ".join(forum_label(f) for f in my_forums(ctx))
        raise UserError(_("Du sitter inte i något forum som heter ”{strip}”. Dina forum: {names}.",
                          strip=typed.strip(), names=names))
    return forum


def no_coming_meetings(forum: Forum | str) -> UserError:
    """The refusal when a forum has no meetings ahead: it says what the coordinator types."""
    label = forum if isinstance(forum, str) else forum_label(forum)
    who = coordinator_word(None if isinstance(forum, str) else forum, capital=True)
    return UserError(_("{forum} har inga kommande möten inlagda. {coordinator} lägger in dem med "
                       "/möte ny DATUM kl HH.MM–HH.MM.", forum=label, coordinator=who))


def channel_forum_of_asker(ctx: Context) -> Forum | None:
    """The forum whose channel the command came from, when the asker sits in it; else None."""
    if ctx.forum is not None and ctx.forum in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today):
        return ctx.forum
    return None


def in_no_forum(ctx: Context) -> UserError:
    """The refusal for someone who sits in no forum today: never added yet, or left every forum they sat in."""
    if queries.forums_of(ctx.session, ctx.person):
        return UserError(_("Du sitter inte längre i något forum i Kansli. Be samordnaren lägga till dig igen "
                           "om du ska vara med."))
    return UserError(_("Du är inte med i något forum i Kansli ännu. Be samordnaren lägga till dig i forumet."))


def my_forums(ctx: Context) -> list[Forum]:
    forums = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)
    if not forums:
        raise in_no_forum(ctx)
    return forums


def choose_forum(ctx: Context, forum: Forum | None = None, *, with_role: set[str] | None = None,
                 fits: "Callable[[Forum], bool] | None" = None) -> Forum:
    """The forum a command is about: the named one, the channel's, or the only one of the asker's forums
    that fits (where they hold `with_role`, and then where `fits`, e.g. the forum the assignee sits in).

    With several candidates the asker is told to name one with '; forum: …'.
    """
    if forum is not None:
        return forum
    if (here := channel_forum_of_asker(ctx)) is not None:
        return here
    forums = my_forums(ctx)
    if with_role:
        forums = [f for f in forums if queries.roles_of(ctx.session, ctx.person, f) & with_role] or forums
    if len(forums) > 1 and fits is not None:
        fitting = [f for f in forums if fits(f)]
        if len(fitting) == 1:
            return fitting[0]
    if len(forums) == 1:
        return forums[0]
    names = ", ".join(f"{forum_label(f)} (forum: {f.key})" for f in forums)
    raise UserError(_("Du sitter i flera forum: {names}. Lägg till ”; forum: {key}” sist i kommandot.",
                      names=names, key=forums[0].key))


def require_role(ctx: Context, forum: Forum, roles: set[str], *, doing: str) -> None:
    """Refuse unless the asker holds one of `roles` in the forum; the refusal says who can."""
    if ctx.roles_in(forum) & roles:
        return
    holders: list[str] = []
    for role in sorted(roles):
        holders += [p.name for p in queries.people_with_role(ctx.session, forum, role, on=ctx.today)]
    names = sorted({role_name(forum, r) for r in roles})
    role_names = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} eller {names[-1]}"
    who = _(" I {forum} är det {join}.", forum=forum_label(forum), join=', '.join(sorted(set(holders)))) if holders else ""
    raise UserError(_("Bara {role_names} kan {doing}.{who} Be någon av dem, eller skriv /hjälp.",
                      role_names=role_names, doing=doing, who=who))


def require_command_role(ctx: Context, forum: Forum) -> None:
    """Refuse unless the asker holds one of the running command's declared roles in `forum`."""
    cmd = ctx.command
    if cmd is None:
        raise RuntimeError("require_command_role outside a command (run it through handlers.invoke)")
    if cmd.roles is not None:
        # A declaration's `doing` may name the forum's members in its own word: {members} ('lägga till
        # {members}'), {members_gen} ('ändra {members_gen} uppgifter').
        plural = member_word(forum, plural=True)
        gen = plural if plural.endswith("s") else plural + "s"
        require_role(ctx, forum, set(cmd.roles), doing=cmd.doing.format(members=plural, members_gen=gen))


def person_arg(ctx: Context, text: str, *, field: str) -> Person:
    """A person named '@handle' (or a platform mention already turned into '@handle' by the adapter),
    a full name ('Johan Sjö') or a first name only one person has; case and accents do not matter.
    An ambiguous name is refused with the candidates' handles."""
    raw = " ".join(text.split())
    handle = raw.lstrip("@").strip().lower()
    if not handle:
        raise UserError(_("Ange {field} som @användarnamn eller namn, till exempel @maria.lind.", field=field))
    person = queries.person_by_handle(ctx.session, handle)
    if person is not None:
        return person
    found = people_named(ctx, raw.lstrip("@").replace(".", " "))
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"@{p.handle} ({person_label(p)})" for p in found)
        raise UserError(_("Flera personer heter ”{raw}”: {options}. Skriv {field} som @användarnamn.",
                          raw=raw, options=options, field=field))
    raise UserError(_("Jag hittar ingen person ”{raw}”. Skriv {field} som @användarnamn eller "
                      "fullständigt namn, till exempel @maria.lind eller Maria Lind.",
                      raw=raw, field=field))


def people_named(ctx: Context, name: str) -> list[Person]:
    """The people with this full name, or else this first name (case and accents ignored): in the asker's
    forums if any there has it, otherwise anyone."""
    wanted = normalise(name)
    if not wanted:
        return []
    found: list[Person] = []
    for people in (_people_near(ctx), None):
        if people is None:
            people = list(ctx.session.scalars(select(Person).where(Person.erased.is_(False))))
        found = [p for p in people if normalise(p.name) == wanted]
        if not found:
            found = [p for p in people if normalise(p.name).split()[:1] == [wanted]]
        if found:
            break
    return found


def leading_person(ctx: Context, text: str) -> tuple[Person, str] | None:
    """A person named by name at the start of `text` ('Johan Sjö Ta fram underlag', 'Johan Ta fram …'),
    with the rest; None unless exactly one person fits (the longest name first)."""
    words = text.split()
    for n in (3, 2, 1):
        if len(words) > n:
            found = people_named(ctx, " ".join(words[:n]))
            if len(found) == 1:
                return found[0], " ".join(words[n:])
    return None


def trailing_person(ctx: Context, text: str) -> tuple[Person, str] | None:
    """As leading_person, at the end of `text` ('20 november Per Ek')."""
    words = text.split()
    for n in (3, 2, 1):
        if len(words) > n:
            found = people_named(ctx, " ".join(words[-n:]))
            if len(found) == 1:
                return found[0], " ".join(words[:-n])
    return None


def _people_near(ctx: Context) -> list[Person]:
    """Everyone in the asker's forums, each once."""
    seen: dict[int, Person] = {}
    for forum in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today) or []:
        for p in queries.members_of(ctx.session, forum):
            seen.setdefault(p.id, p)
    return list(seen.values())


def role_name(forum: Forum, role: str) -> str:
    """The role as this forum names it: the coordinator's title where the forum has one
    (`rules: coordinator_title: Chef för RSS`), else the glossary's word (docs/ordlista.md)."""
    if role == "coordinator" and forum.coordinator_title:
        return forum.coordinator_title
    if role == "member":
        return member_word(forum)
    return ROLE_NAMES[role]


# The forum's word for its members (`rules: member_term`), in its four forms: one, the one, several, the several.
MEMBER_WORDS = {
    "representant": (_("representant"), _("representanten"), _("representanter"), _("representanterna")),
    "ledamot": (_("ledamot"), _("ledamoten"), _("ledamöter"), _("ledamöterna")),
    "deltagare": (_("deltagare"), _("deltagaren"), _("deltagare"), _("deltagarna")),
}


def member_word(forum: Forum | None, *, plural: bool = False, definite: bool = False) -> str:
    """'representant', 'representanterna', or the forum's own word ('ledamöterna') (docs/ordlista.md)."""
    forms = MEMBER_WORDS.get(getattr(forum, "member_term", None) or "representant", MEMBER_WORDS["representant"])
    return forms[2 * plural + definite]


def coordinator_word(forum: Forum | None, *, capital: bool = False) -> str:
    """Who the coordinator is in running text: 'samordnaren', or the forum's title as written
    (`rules: coordinator_title: Chef för RSS`)."""
    title = getattr(forum, "coordinator_title", None)
    if title:
        return title
    return _("Samordnaren") if capital else _("samordnaren")


def members_title(forum: Forum, count: int) -> str:
    """'Representanter i LCHNV (5)', or the forum's own word (`rules: member_term: ledamot`)."""
    label = forum_label(forum)
    if forum.member_term == "ledamot":
        return _("Ledamöter i {forum} ({n})", forum=label, n=count)
    if forum.member_term == "deltagare":
        return _("Deltagare i {forum} ({n})", forum=label, n=count)
    return _("Representanter i {forum} ({n})", forum=label, n=count)


def members_told(forum: Forum, count: int) -> str:
    """'5 representanter har fått besked.' in the forum's own word for its members."""
    if forum.member_term == "ledamot":
        return ngettext("{n} ledamot har fått besked.", "{n} ledamöter har fått besked.", count)
    if forum.member_term == "deltagare":
        return ngettext("{n} deltagare har fått besked.", "{n} deltagare har fått besked.", count)
    return ngettext("{n} representant har fått besked.", "{n} representanter har fått besked.", count)
