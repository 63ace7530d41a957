"""The coordinator keeps the forum's people in chat: /ledamot ny|slutar|ändra, /roll, /ledamöter, /organisation ny.

Roles are dated (membership.valid_from/valid_to), so a rotating chair is recorded ahead of time and the
morning agenda, absence routing and permissions follow the dates. Chair and vice chair have one holder at
a time: a new holder from a date takes over from an open-ended holder (whose role then ends the day before);
any other overlap is refused. A forum never loses its last chair or coordinator.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.arguments import Dates
from handlers.base import Context, Reply, Section, UserError
from handlers.common import genitive
from handlers.meeting_choice import read_day
from handlers.common import (
    ROLE_NAMES,
    choose_forum,
    forum_label,
    member_word,
    members_title,
    named_forum,
    person_label,
    role_name,
)
from handlers.fmt import format_date
from handlers.options import split_options, take_option
from handlers.registry import ANY_FORUM, NAMED_FORUM, command, normalise
from storage import admin as store
from storage import queries
from storage.models import ROLES, Forum, Membership, Organisation, Person
from handlers.i18n import _

ADMINS = {"coordinator"}
# The option names each command knows ('; titel: …' or '; titel …').
ORG_NAMES = {"typ", "kind"}
NEW_NAMES = {"organisation", "org", "titel", "title", "e-post", "epost", "email", "mejl", "roll", "roller", "role", "roles"}
EDIT_NAMES = {"titel", "title", "e-post", "epost", "email", "mejl", "organisation", "org", "namn", "name", "konto",
              "account"}
EXCLUSIVE = ("chair", "vice_chair")  # one holder at a time
KEPT = ("chair", "coordinator")  # a forum never loses its last one
ROLE_WORDS = {
    "ordforande": "chair", "chair": "chair",
    "vice ordforande": "vice_chair", "vice": "vice_chair", "viceordforande": "vice_chair",
    "vice_chair": "vice_chair",
    "samordnare": "coordinator", "koordinator": "coordinator", "coordinator": "coordinator",
    "samverkanskoordinator": "coordinator",
    "sekreterare": "secretary", "secretary": "secretary",
    "franvaromottagare": "absence_recipient", "mottagare av franvaroanmalningar": "absence_recipient",
    "absence_recipient": "absence_recipient",
    "ledamot": "member", "representant": "member", "deltagare": "member", "member": "member",
}
ROLE_USAGE = (_("/roll ordförande|vice ordförande|samordnare|sekreterare|frånvaromottagare "
                "@användarnamn [från DATUM] [till DATUM]"))
NEW_USAGE = _("/ledamot ny @användarnamn NAMN; organisation: ID [; titel: …] [; e-post: …] [; roll: …]")
END_USAGE = _("/ledamot slutar @användarnamn [DATUM]")
EDIT_USAGE = _("/ledamot ändra @användarnamn; titel: …; e-post: …; organisation: … [; konto: @omnämning]")
ORG_USAGE = "/organisation ny ID NAMN; typ: kommun|region|annan"
ORG_KINDS = ("kommun", "region", "annan")
_SLACK = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_TEAMS = re.compile(r"^<@teams:([^|>]+)(?:\|([^>]*))?>")
_HANDLE = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9._-]*)")
_EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _span(valid_from: date | None, valid_to: date | None) -> str:
    if valid_from and valid_to:
        return _("från {valid_from} till och med {valid_to}",
                 valid_from=format_date(valid_from, sentence=True), valid_to=format_date(valid_to, sentence=True))
    if valid_from:
        return _("från {valid_from}", valid_from=format_date(valid_from, sentence=True))
    if valid_to:
        return _("till och med {valid_to}", valid_to=format_date(valid_to, sentence=True))
    return "tills vidare"


def handle_from_name(name: str) -> str:
    """'Åsa Öberg-Lind' → 'asa.oberg-lind'."""
    folded = unicodedata.normalize("NFKD", name.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return ".".join(re.sub(r"[^a-z0-9-]", "", w) for w in plain.split() if re.sub(r"[^a-z0-9-]", "", w))


def _email(value: str, usage: str) -> str:
    value = value.strip().removeprefix("mailto:")
    if not _EMAIL.match(value):
        raise UserError(_("”{value}” är ingen e-postadress. Skriv till exempel ”e-post: "
                          "anna.berg@kommun.se”: {usage}",
                          value=value, usage=usage))
    return value


def _organisation(ctx: Context, key: str) -> Organisation:
    org = store.organisation_by_key(ctx.session, key)
    if org is None:
        known = ", ".join(o.key for o in store.organisations(ctx.session)) or "inga"
        raise UserError(_("Jag känner inte till organisationen ”{strip}”. Kända: {known}. Lägg till en ny "
                          "med {ORG_USAGE}.",
                          strip=key.strip(), known=known, ORG_USAGE=ORG_USAGE))
    return org


def _read_roles(text: str, usage: str) -> list[str]:
    roles = []
    for part in re.split(r",|\boch\b", text):
        word = normalise(part)
        if not word:
            continue
        role = ROLE_WORDS.get(word)
        if role is None:
            raise UserError(_("Okänd roll ”{strip}”. Roller: ordförande, vice ordförande, samordnare, "
                              "sekreterare, frånvaromottagare. Skriv: {usage}",
                              strip=part.strip(), usage=usage))
        roles.append(role)
    return roles


def refuse_unless_keeper(ctx: Context, person: Person, forum: Forum) -> None:
    """A person's details (e-mail, chat account, name, organisation, title) decide where their kallelser,
    absence links and notices go and whom Kansli takes a chat user for. They are changed by the person
    themself or by someone who is coordinator in every forum the person sits in: a coordinator of one
    forum never redirects the mail or the account of someone who also sits (and holds roles) elsewhere."""
    if person.id == ctx.person.id:
        return
    elsewhere = [f for f in store.forums_not_left(ctx.session, person, on=ctx.today)
                 if f.id != forum.id and not ctx.roles_in(f) & ADMINS]
    if elsewhere:
        raise UserError(_("{name} sitter också i andra forum, så hens e-post, konto, namn, organisation och "
                          "titel ändras bara av den som är samordnare i alla hens forum. Be samordnaren i "
                          "hens andra forum ändra dem, eller lägg till hen som hen är med /ledamot ny "
                          "@{handle}.", name=person.name, handle=person.handle))


@dataclass(frozen=True)
class MemberRef:
    """A person as the arguments name them: a Slack or Teams mention (platform and id) or an @handle."""
    handle: str | None = None
    slack: str | None = None
    teams: str | None = None


def read_member(text: str, *, usage: str) -> tuple[MemberRef, str]:
    """'@handle rest' → (the reference, rest); a Slack or Teams mention works too. Pure: see find_member."""
    text = text.strip()
    for pattern, platform in ((_SLACK, "slack"), (_TEAMS, "teams")):
        m = pattern.match(text)
        if m:
            return MemberRef(**{platform: m.group(1)}), text[m.end():].strip()
    m = _HANDLE.match(text)
    if not m:
        raise UserError(_("Ange personen som @användarnamn, till exempel @maria.lind. Skriv: {usage}", usage=usage))
    return MemberRef(handle=m.group(1)), text[m.end():].strip()


def find_member(ctx: Context, ref: MemberRef, *, usage: str) -> Person:
    """The person a MemberRef names; an unknown one is refused saying how to add or write them."""
    if ref.handle is None:
        person = store.person_by_platform(ctx.session, slack=ref.slack, teams=ref.teams)
        if person is None or person.erased:
            raise UserError(_("Den personen finns inte i Kansli ännu. Lägg till hen med {NEW_USAGE}", NEW_USAGE=NEW_USAGE))
        return person
    person = queries.person_by_handle(ctx.session, ref.handle)
    if person is None:
        raise UserError(_("Jag hittar ingen person ”@{lower}”. Skriv personen som @användarnamn: {usage}",
                          lower=ref.handle.lower(), usage=usage))
    return person


def _check_not_last(ctx: Context, forum: Forum, person: Person, role: str, after: date) -> None:
    """Refuse if ending `person`'s role after `after` leaves the forum with nobody holding it the next day."""
    if role not in KEPT:
        return
    day = after + timedelta(days=1)
    others = [p for p in queries.people_with_role(ctx.session, forum, role, on=day) if p.id != person.id]
    if others:
        return
    holds_then = person.id in {p.id for p in queries.people_with_role(ctx.session, forum, role, on=day)}
    if holds_then:
        raise UserError(
            _("{name} är {forum} sista {value} {day}. Utse först en ny med /roll {value} "
              "@användarnamn från {isoformat}, och försök sedan igen.",
              name=person.name, forum=genitive(forum), value=ROLE_NAMES[role], day=format_date(day, sentence=True), isoformat=day.isoformat())
        )


def _grant(ctx: Context, forum: Forum, person: Person, role: str, valid_from: date | None,
           valid_to: date | None) -> list[str]:
    """Record that `person` holds `role` over the dates; returns lines about hand-overs made."""
    if valid_from and valid_to and valid_to < valid_from:
        raise UserError(_("Slutdatumet {valid_to} ligger före startdatumet {valid_from}. Skriv: "
                          "{ROLE_USAGE}",
                          valid_to=format_date(valid_to, sentence=True), valid_from=format_date(valid_from, sentence=True), ROLE_USAGE=ROLE_USAGE))
    notes: list[str] = []
    own = [m for m in store.memberships(ctx.session, forum, person=person, role=role)
           if store.spans_overlap(m.valid_from, m.valid_to, valid_from, valid_to)]
    if own:
        m = own[0]
        raise UserError(_("{name} är redan {value} i {forum} {valid_from}. Ändra slutdatumet med /roll "
                          "{value} @{handle} till DATUM.",
                          name=person.name, value=ROLE_NAMES[role], forum=forum_label(forum), valid_from=_span(m.valid_from, m.valid_to), handle=person.handle))
    if role in EXCLUSIVE:
        for m in store.memberships(ctx.session, forum, role=role):
            if m.person_id == person.id or not store.spans_overlap(m.valid_from, m.valid_to, valid_from, valid_to):
                continue
            starts_first = m.valid_from is None or (valid_from is not None and m.valid_from < valid_from)
            if m.valid_to is None and valid_to is None and valid_from is not None and starts_first:
                m.valid_to = valid_from - timedelta(days=1)
                ctx.audit("role.end", "membership", m.id, forum=forum.key, person=m.person.handle, role=role,
                          valid_to=m.valid_to)
                notes.append(_("{name} är {value} till och med {valid_to}.",
                               name=m.person.name, value=ROLE_NAMES[role], valid_to=format_date(m.valid_to, sentence=True)))
                continue
            if m.valid_to is None and valid_from is not None and starts_first:
                hint = (_("Avsluta först {name}s tid med /roll {value} @{handle} till {isoformat}, eller "
                          "ange ingen slutdag.",
                          name=m.person.name, value=ROLE_NAMES[role], handle=m.person.handle, isoformat=(valid_from - timedelta(days=1)).isoformat()))
            else:
                free = (m.valid_to + timedelta(days=1)).isoformat() if m.valid_to else "DATUM"
                hint = _("Ange datum som inte överlappar, till exempel /roll {value} @{handle} från "
                         "{free}.",
                         value=ROLE_NAMES[role], handle=person.handle, free=free)
            raise UserError(_("{name} är {value} {valid_from}, och det krockar med {valid_from2}. {hint}",
                              name=m.person.name, value=ROLE_NAMES[role], valid_from=_span(m.valid_from, m.valid_to), valid_from2=_span(valid_from, valid_to), hint=hint))
    row = Membership(forum_id=forum.id, person_id=person.id, role=role, valid_from=valid_from, valid_to=valid_to)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("role.grant", "membership", row.id, forum=forum.key, person=person.handle, role=role,
              valid_from=valid_from, valid_to=valid_to)
    return notes


# ------------------------------------------------------------------------------------ /organisation ny


@dataclass(frozen=True)
class NewOrganisation:
    """/organisation ny ID NAMN; typ: kommun|region|annan"""
    key: str
    name: str
    kind: str


def parse_new_organisation(args: str, dates: Dates) -> NewOrganisation:
    head, opts = split_options(args, ORG_NAMES)
    words = head.split(maxsplit=1)
    if len(words) < 2:
        raise UserError(_("Ange id och namn, till exempel ”/organisation ny falun Falu kommun; typ: "
                          "kommun”. Skriv: {ORG_USAGE}",
                          ORG_USAGE=ORG_USAGE))
    key, name = words[0].lower(), words[1].strip()
    if not _ID.match(key):
        raise UserError(_("Id ”{value}” får bara ha små bokstäver a–z, siffror, punkt och bindestreck, "
                          "till exempel ”falun”. Skriv: {ORG_USAGE}",
                          value=words[0], ORG_USAGE=ORG_USAGE))
    kind = normalise(opts.get("typ") or opts.get("kind") or "kommun")
    if kind not in ORG_KINDS:
        raise UserError(_("Okänd typ ”{kind}”. Skriv typ: kommun, typ: region eller typ: annan.", kind=kind))
    return NewOrganisation(key=key, name=name, kind=kind)


@command("organisation ny", "organisation", "ny organisation", "huvudman ny", usage=ORG_USAGE,
         help=_("lägg till en huvudman (kommun, region …)"), roles=ADMINS, doing=_("lägga till organisationer"),
         forum=ANY_FORUM, args=parse_new_organisation, order=60)
def new_organisation(ctx: Context, args: NewOrganisation) -> Reply:
    key, name, kind = args.key, args.name, args.kind
    if store.organisation_by_key(ctx.session, key) is not None:
        raise UserError(_("Organisationen ”{key}” finns redan. Välj ett annat id: {ORG_USAGE}",
                          key=key, ORG_USAGE=ORG_USAGE))
    org = Organisation(key=key, name=name, kind=kind)
    ctx.session.add(org)
    ctx.session.flush()
    ctx.audit("organisation.create", "organisation", org.id, key=key, name=name, kind=kind)
    return Reply(title=_("Organisationen {name} är tillagd", name=name),
                 lines=[_("Id {key}, typ {kind}. Lägg till personer med /ledamot ny @användarnamn NAMN; "
                          "organisation: {key}.",
                          key=key, kind=kind)])


# ------------------------------------------------------------------------------------ /ledamot ny


@dataclass(frozen=True)
class NewMember:
    """/ledamot ny @användarnamn NAMN; organisation: ID [; titel: …] [; e-post: …] [; roll: …], or a Slack or
    Teams mention instead of the @användarnamn (the account is then linked)."""
    handle: str
    name: str
    slack: str | None = None
    teams: str | None = None
    organisation: str | None = None
    title: str | None = None
    email: str | None = None
    roles: tuple[str, ...] = ()


def parse_new_member(rest: str, dates: Dates) -> NewMember:
    head, opts = split_options(rest, NEW_NAMES)
    head = head.strip()
    slack = teams = None
    shown = ""
    m = _SLACK.match(head) or _TEAMS.match(head)
    if m:
        if head.startswith("<@teams:"):
            teams = m.group(1)
        else:
            slack = m.group(1)
        shown = (m.group(2) or "").strip()
        name = head[m.end():].strip() or shown
        handle_m = _HANDLE.match(name)
        if handle_m:
            handle, name = handle_m.group(1).lower(), name[handle_m.end():].strip()
        else:
            handle = handle_from_name(name)
    else:
        handle_m = _HANDLE.match(head)
        if not handle_m:
            raise UserError(_("Börja med personens @användarnamn, till exempel ”/ledamot ny @anna.berg Anna "
                              "Berg; organisation: leksand”. Skriv: {NEW_USAGE}",
                              NEW_USAGE=NEW_USAGE))
        handle, name = handle_m.group(1).lower(), head[handle_m.end():].strip()
    if not handle or not _ID.match(handle):
        raise UserError(_("Ange ett @användarnamn med små bokstäver, siffror och punkt, till exempel "
                          "@anna.berg. Skriv: {NEW_USAGE}",
                          NEW_USAGE=NEW_USAGE))
    unknown = set(opts) - NEW_NAMES
    if unknown:
        raise UserError(_("Jag känner inte till ”{value}:”. Skriv: {NEW_USAGE}",
                          value=sorted(unknown)[0], NEW_USAGE=NEW_USAGE))
    org_key = opts.get("organisation") or opts.get("org")
    title = opts.get("titel") or opts.get("title")
    email_text = opts.get("e-post") or opts.get("epost") or opts.get("email") or opts.get("mejl")
    email = _email(email_text, NEW_USAGE) if email_text else None
    roles = _read_roles(opts.get("roll") or opts.get("roller") or opts.get("role") or opts.get("roles") or "",
                        NEW_USAGE)
    return NewMember(handle=handle, name=name, slack=slack, teams=teams, organisation=org_key, title=title,
                     email=email, roles=tuple(roles))


@command("ledamot ny", "ny ledamot", "ledamot lägg till", "member add", usage=NEW_USAGE,
         help=_("lägg till en person i forumet (en Slack- eller Teams-omnämning kopplar kontot)"), roles=ADMINS, doing=_("lägga till {members}"), forum=NAMED_FORUM,
         args=parse_new_member, order=61)
def new_member(ctx: Context, forum: Forum, args: NewMember) -> Reply:
    handle, name, slack, teams = args.handle, args.name, args.slack, args.teams
    org_key, title, email, roles = args.organisation, args.title, args.email, list(args.roles)
    existing = store.person_by_platform(ctx.session, slack=slack, teams=teams) if slack or teams else None
    by_handle = store.person_by_handle_any(ctx.session, handle)
    person = existing or by_handle
    if existing is not None and by_handle is not None and by_handle.id != existing.id:
        raise UserError(_("@{handle} används redan av {name}. Välj ett annat handle: {NEW_USAGE}",
                          handle=handle, name=by_handle.name, NEW_USAGE=NEW_USAGE))
    created = False
    if person is not None:
        if person.erased:
            raise UserError(_("@{handle} har använts av en borttagen person och kan inte återanvändas. Välj "
                              "ett annat handle: {NEW_USAGE}",
                              handle=handle, NEW_USAGE=NEW_USAGE))
        if name and normalise(name) != normalise(person.name):
            raise UserError(_("@{handle} används redan av {person}. Välj ett annat handle, eller skriv "
                              "/ledamot ny @{handle2} utan namn för att lägga till {name} i forumet.",
                              handle=handle, person=person_label(person), handle2=person.handle, name=person.name))
        if any(store.active_on(mm, ctx.today) for mm in store.memberships(ctx.session, forum, person=person)):
            raise UserError(_("{name} sitter redan i {forum}. Ändra uppgifter med {EDIT_USAGE}, eller roller "
                              "med {ROLE_USAGE}.",
                              name=person.name, forum=forum_label(forum), EDIT_USAGE=EDIT_USAGE, ROLE_USAGE=ROLE_USAGE))
        if org_key or title or email or (slack and not person.slack_user_id) \
                or (teams and not person.teams_user_id):
            refuse_unless_keeper(ctx, person, forum)
        if org_key:
            person.organisation_id = _organisation(ctx, org_key).id
        if title:
            person.title = title
        if email:
            person.email = email
        if slack and not person.slack_user_id:
            person.slack_user_id = slack
        if teams and not person.teams_user_id:
            person.teams_user_id = teams
    else:
        if not name:
            raise UserError(_("Ange namnet efter @{handle}, till exempel ”/ledamot ny @{handle} Anna Berg; "
                              "organisation: leksand”.",
                              handle=handle))
        if not org_key:
            raise UserError(_("Ange organisationen, till exempel ”; organisation: leksand”. Skriv: {NEW_USAGE}",
                              NEW_USAGE=NEW_USAGE))
        org = _organisation(ctx, org_key)
        person = Person(handle=handle, name=name, organisation_id=org.id, title=title, email=email,
                        slack_user_id=slack, teams_user_id=teams)
        ctx.session.add(person)
        ctx.session.flush()
        created = True
    ctx.session.flush()
    ctx.session.refresh(person)
    member = Membership(forum_id=forum.id, person_id=person.id, role="member", valid_from=ctx.today)
    ctx.session.add(member)
    ctx.session.flush()
    notes: list[str] = []
    for role in roles:
        if role != "member":
            notes += _grant(ctx, forum, person, role, ctx.today, None)
    ctx.audit("member.add", "person", person.id, forum=forum.key, handle=person.handle, created=created,
              organisation=person.organisation.key if person.organisation else None, title=person.title,
              email=person.email, roles=roles or None, slack=slack, teams=teams)
    lines = [_("{person} är {member} i {forum} från {today}.", member=member_word(forum),
               person=person_label(person), forum=forum_label(forum), today=format_date(ctx.today, sentence=True))]
    if roles:
        lines.append("Roller: " + ", ".join(ROLE_NAMES[r] for r in roles) + ".")
    lines += notes
    if slack or teams:
        lines.append(_("Kontot är kopplat, så hen kan skriva till Kansli direkt."))
    else:
        lines.append(_("Hen når Kansli när kontot är kopplat: skriv i Slack eller Teams /ledamot ändra "
                       "@{handle}; konto: @namn (en omnämning i Slack eller Teams).",
                       handle=person.handle))
    welcome = Reply(title=_("Välkommen till {forum}", forum=forum_label(forum)),
                    lines=[_("{name} har lagt till dig i {name2}.", name=ctx.person.name, name2=forum.name),
                           _("Skriv /möten för kommande möten och /hjälp för vad du kan göra.")])
    ctx.notify_person(person, welcome, kind="member_added", key=f"f{forum.id}:{ctx.now.isoformat()}")
    return Reply(title=_("{name} är tillagd", name=person.name) if created else _("{name} är med i forumet", name=person.name),
                 lines=lines, fields=[("Handle", f"@{person.handle}")])


# ------------------------------------------------------------------------------------ /ledamot slutar


@dataclass(frozen=True)
class MemberLeaves:
    """/ledamot slutar @användarnamn [DATUM]"""
    person: MemberRef
    last: date | None = None  # None: today


def parse_member_leaves(rest: str, dates: Dates) -> MemberLeaves:
    ref, tail = read_member(rest, usage=END_USAGE)
    return MemberLeaves(person=ref, last=read_day(dates, tail, what="sista dagen") if tail.strip() else None)


@command("ledamot slutar", "ledamot avslutas", "member leaves", usage=END_USAGE,
         help=_("avsluta någons plats i forumet; visar hens öppna uppdrag och ärenden"), roles=ADMINS, doing=_("avsluta {members_gen} plats"), forum=NAMED_FORUM,
         args=parse_member_leaves, order=62)
def member_leaves(ctx: Context, forum: Forum, args: MemberLeaves) -> Reply:
    person = find_member(ctx, args.person, usage=END_USAGE)
    last = args.last or ctx.today
    rows = [m for m in store.memberships(ctx.session, forum, person=person)
            if m.valid_to is None or m.valid_to > last]
    if not rows:
        raise UserError(_("{name} sitter inte i {forum} efter {last}. Se vilka som sitter där med "
                          "/ledamöter.",
                          name=person.name, forum=forum_label(forum), last=format_date(last, sentence=True)))
    for role in KEPT:
        _check_not_last(ctx, forum, person, role, last)
    for m in rows:
        if m.valid_from is not None and m.valid_from > last:
            ctx.session.delete(m)
        else:
            m.valid_to = last
    ctx.session.flush()
    ctx.audit("member.leave", "person", person.id, forum=forum.key, handle=person.handle, last_day=last)
    assignments = store.open_assignments_of(ctx.session, forum, person)
    cases = store.open_cases_of(ctx.session, forum, person)
    sections = []
    if assignments:
        sections.append(Section(heading=_("Öppna uppdrag ({assignments})", assignments=len(assignments)), lines=[
            f"Uppdrag {a.id}: {a.title}, senast {format_date(a.due)}" for a in assignments]))
    if cases:
        sections.append(Section(heading=_("Öppna ärenden som hen anmält eller är föredragande för ({cases})", cases=len(cases)), lines=[
            f"{c.number} {c.title}" for c in cases]))
    lines = [_("{name} sitter i {forum} till och med {last}.",
               name=person.name, forum=forum_label(forum), last=format_date(last, sentence=True))]
    if sections:
        lines.append(_("Fördela om det som är öppet, till exempel med /uppdrag ny @användarnamn TITEL; "
                       "senast DATUM och /beredning NR dagordning DATUM; föredragande: @användarnamn."))
    else:
        lines.append(_("Hen har inga öppna uppdrag eller ärenden i forumet."))
    return Reply(title=f"{person.name} slutar i {forum_label(forum)}", lines=lines, sections=sections)


# ------------------------------------------------------------------------------------ /ledamot ändra


@dataclass(frozen=True)
class EditMember:
    """/ledamot ändra @användarnamn; titel: …; e-post: …; organisation: … [; namn: …] [; konto: @omnämning]"""
    person: MemberRef
    title: str | None = None
    name: str | None = None
    email: str | None = None
    organisation: str | None = None
    account: str | None = None  # the Slack or Teams mention as typed


def parse_edit_member(rest: str, dates: Dates) -> EditMember:
    head, opts = split_options(rest, EDIT_NAMES)
    ref, tail = read_member(head, usage=EDIT_USAGE)
    unknown = set(opts) - EDIT_NAMES
    if unknown or not opts:
        raise UserError(_("Ange vad som ändras: titel:, e-post:, organisation:, namn: eller konto:. Skriv: "
                          "{EDIT_USAGE}",
                          EDIT_USAGE=EDIT_USAGE))
    email_text = next((opts[k] for k in ("e-post", "epost", "email", "mejl") if k in opts), None)
    return EditMember(
        person=ref,
        title=next((opts[k] for k in ("titel", "title") if k in opts), None) or None,
        name=next((opts[k] for k in ("namn", "name") if k in opts), None) or None,
        email=_email(email_text, EDIT_USAGE) if email_text else None,
        organisation=opts.get("organisation") or opts.get("org") or None,
        account=(opts.get("konto") or opts.get("account") or "").strip() or None,
    )


@command("ledamot ändra", "ledamot andra", "ändra ledamot", "member edit", usage=EDIT_USAGE,
         help=_("ändra titel, e-post, organisation eller namn för en person"), roles=ADMINS, doing=_("ändra {members_gen} uppgifter"), forum=NAMED_FORUM,
         args=parse_edit_member, order=63)
def edit_member(ctx: Context, forum: Forum, args: EditMember) -> Reply:
    person = find_member(ctx, args.person, usage=EDIT_USAGE)
    if person.id not in {p.id for p in queries.members_of(ctx.session, forum)}:
        raise UserError(_("{name} sitter inte i {forum}. Lägg till hen med {NEW_USAGE}",
                          name=person.name, forum=forum_label(forum), NEW_USAGE=NEW_USAGE))
    changes: list[str] = []
    refuse_unless_keeper(ctx, person, forum)
    if args.account:
        changes += _link_account(ctx, person, args.account)
    for value, attr, label in ((args.title, "title", "titel"), (args.name, "name", "namn")):
        if value and value != getattr(person, attr):
            setattr(person, attr, value)
            changes.append(f"{label} {value}")
    email = args.email
    if email:
        if email != person.email:
            person.email = email
            changes.append(f"e-post {email}")
    org_key = args.organisation
    if org_key:
        org = _organisation(ctx, org_key)
        if org.id != person.organisation_id:
            person.organisation_id, person.organisation = org.id, org
            changes.append(f"organisation {org.name}")
    if not changes:
        return Reply(title=_("Inget ändrades"), lines=[_("{person} har redan de uppgifterna.", person=person_label(person))])
    ctx.session.flush()
    ctx.audit("member.edit", "person", person.id, handle=person.handle, changes=changes)
    return Reply(title=_("{name} är ändrad", name=person.name), lines=[_("Ändrat: ") + ", ".join(changes) + "."])


def _link_account(ctx: Context, person: Person, text: str) -> list[str]:
    """'konto: <@U123|anna>' (Slack) or a Teams mention: the platform id is recorded for the person."""
    for pattern, attr, label in ((_SLACK, "slack_user_id", "Slack"), (_TEAMS, "teams_user_id", "Teams")):
        m = pattern.match(text)
        if not m:
            continue
        other = store.person_by_platform(ctx.session, **{"slack" if label == "Slack" else "teams": m.group(1)})
        if other is not None and other.id != person.id:
            raise UserError(_("Det {label}-kontot är redan kopplat till {name} (@{handle}).",
                              label=label, name=other.name, handle=other.handle))
        if getattr(person, attr) == m.group(1):
            return []
        setattr(person, attr, m.group(1))
        return [f"{label}-konto kopplat"]
    raise UserError(_("Skriv konto: följt av en omnämning av personen i Slack eller Teams (skriv @ och "
                      "välj hen i listan), så kopplas kontot."))


# ------------------------------------------------------------------------------------ /roll


_FROM = re.compile(r"\bfr(?:å|a)n\b\s*(.+?)(?=\btill\b|$)", re.IGNORECASE | re.DOTALL)
_TO = re.compile(r"\btill\b(?:\s+och\s+med)?\s*(.+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SetRole:
    """/roll ROLL @användarnamn [från DATUM] [till DATUM]"""
    role: str
    person: MemberRef
    valid_from: date | None = None
    valid_to: date | None = None


def parse_set_role(rest: str, dates: Dates) -> SetRole:
    at = rest.find("@") if "@" in rest else rest.find("<@")
    if at <= 0:
        raise UserError(_("Ange roll och person, till exempel ”/roll ordförande @lars.holm från 1 januari "
                          "2027”. Skriv: {ROLE_USAGE}",
                          ROLE_USAGE=ROLE_USAGE))
    role_text = rest[:at]
    if role_text.endswith("<"):
        role_text, at = role_text[:-1], at - 1
    roles = _read_roles(role_text, ROLE_USAGE)
    if len(roles) != 1 or roles[0] == "member":
        raise UserError(_("Ange en roll: ordförande, vice ordförande, samordnare, sekreterare eller "
                          "frånvaromottagare. Skriv: {ROLE_USAGE}",
                          ROLE_USAGE=ROLE_USAGE))
    ref, tail = read_member(rest[at:], usage=ROLE_USAGE)
    f_m, t_m = _FROM.search(tail), _TO.search(tail)
    if tail.strip() and not (f_m or t_m):
        raise UserError(_("Skriv datumen som ”från DATUM” och ”till DATUM”. Skriv: {ROLE_USAGE}", ROLE_USAGE=ROLE_USAGE))
    return SetRole(role=roles[0], person=ref,
                   valid_from=read_day(dates, f_m.group(1), what=_("första dagen")) if f_m else None,
                   valid_to=read_day(dates, t_m.group(1), what="sista dagen") if t_m else None)


@command("roll", "roller", "role", usage=ROLE_USAGE,
         help=_("vem som har en roll och när (till exempel ordförande som roterar)"), roles=ADMINS, doing=_("ändra roller"), forum=NAMED_FORUM,
         args=parse_set_role, order=64)
def set_role(ctx: Context, forum: Forum, args: SetRole) -> Reply:
    role, valid_from, valid_to = args.role, args.valid_from, args.valid_to
    person = find_member(ctx, args.person, usage=ROLE_USAGE)
    if person.id not in {p.id for p in queries.members_of(ctx.session, forum)}:
        raise UserError(_("{name} sitter inte i {forum}. Lägg till hen först med {NEW_USAGE}",
                          name=person.name, forum=forum_label(forum), NEW_USAGE=NEW_USAGE))
    name = ROLE_NAMES[role]
    held = [m for m in store.memberships(ctx.session, forum, person=person, role=role)
            if m.valid_to is None or m.valid_to >= ctx.today]
    if valid_from is None and valid_to is not None and held:
        # '/roll ordförande @karin till 31 december': the role the person holds now ends that day.
        row = held[0]
        if row.valid_from and valid_to < row.valid_from:
            raise UserError(_("Slutdatumet {valid_to} ligger före {valid_from}, då rollen börjar. Skriv: "
                              "{ROLE_USAGE}",
                              valid_to=format_date(valid_to, sentence=True), valid_from=format_date(row.valid_from, sentence=True), ROLE_USAGE=ROLE_USAGE))
        _check_not_last(ctx, forum, person, role, valid_to)
        row.valid_to = valid_to
        ctx.session.flush()
        ctx.audit("role.end", "membership", row.id, forum=forum.key, person=person.handle, role=role,
                  valid_to=valid_to)
        return Reply(title=_("{name}: {name2} till {valid_to}", name=person.name, name2=name, valid_to=format_date(valid_to)),
                     lines=[_("{name} är {name2} i {forum} {valid_from}.",
                              name=person.name, name2=name, forum=forum_label(forum), valid_from=_span(row.valid_from, valid_to))])
    start = valid_from or ctx.today
    notes = _grant(ctx, forum, person, role, start, valid_to)
    lines = [_("{name} är {name2} i {forum} {start}.",
               name=person.name, name2=name, forum=forum_label(forum), start=_span(start, valid_to))] + notes
    lines.append(_("Morgonens dagordning, frånvaroanmälningar och behörigheter följer datumen."))
    notice = Reply(title=_("Du är {name} i {forum}", name=name, forum=forum_label(forum)),
                   lines=[_("{name} har registrerat dig som {name2} i {name3} {start}.",
                            name=ctx.person.name, name2=name, name3=forum.name, start=_span(start, valid_to))])
    if person.id != ctx.person.id:
        ctx.notify_person(person, notice, kind="role_granted", key=f"f{forum.id}:{role}:{start.isoformat()}")
    return Reply(title=_("{name}: {name2} från {start}", name=person.name, name2=name, start=format_date(start)), lines=lines)


# ------------------------------------------------------------------------------------ /ledamöter


@dataclass(frozen=True)
class ListMembers:
    """/ledamöter [; forum: ID]"""
    forum: str | None = None  # the '; forum: ID' as typed; None: the channel's forum, or the asker's only one


def parse_list_members(args: str, dates: Dates) -> ListMembers:
    # Anything besides the forum is passed over, as it always was.
    forum, __ = take_option(args, "forum")
    return ListMembers(forum=forum.strip() if forum else None)


@command("ledamöter", "ledamoter", "deltagare", "members", usage="/ledamöter [; forum: ID]",
         help=_("forumets representanter (eller ledamöter) med organisation, titel och roller"),
         args=parse_list_members, order=65)
def list_members(ctx: Context, args: ListMembers) -> Reply:
    named = named_forum(ctx, args.forum)
    forum = choose_forum(ctx, named)
    if forum.id not in {f.id for f in queries.forums_of(ctx.session, ctx.person, on=ctx.today)}:
        raise UserError(_("Listan över {members} i {forum} visas bara för dem som sitter i forumet.",
                          members=member_word(forum, plural=True, definite=True), forum=forum_label(forum)))
    coordinator = bool(ctx.roles_in(forum) & ADMINS)
    # E-mail addresses only where the coordinator alone reads the answer (not a Teams channel or group chat).
    show_email = coordinator and (ctx.personal or ctx.whispers)
    lines = []
    for person, rows in store.member_rows(ctx.session, forum, on=ctx.today):
        roles = []
        for m in sorted(rows, key=lambda m: (ROLES.index(m.role) if m.role in ROLES else 99,
                                             m.valid_from or date.min)):
            if m.role == "member" or (m.valid_to is not None and m.valid_to < ctx.today):
                continue
            dated = m.valid_from is not None and m.valid_from > ctx.today or m.valid_to is not None
            roles.append(role_name(forum, m.role) + (f" ({_span(m.valid_from, m.valid_to)})" if dated else ""))
        line = person_label(person) + f" @{person.handle}"
        if person.title:
            line += f", {person.title}"
        if roles:
            line += " – " + ", ".join(roles)
        if show_email and person.email:
            line += f" – {person.email}"
        lines.append(line)
    context = [_("E-postadresserna visas bara för samordnare.")] if show_email else []
    if coordinator and not show_email:
        context = [_("E-postadresserna visas inte där alla i samtalet ser mina svar. Skriv /ledamöter; forum: "
                     "{key} till mig i en personlig chatt med Kansli för att se dem.", key=forum.key)]
    # The forum's members are shown in its own channel; anywhere else others read, only to the asker.
    return Reply(title=members_title(forum, len(lines)), sections=[Section(lines=lines)],
                 context=context, restricted=ctx.forum is None or ctx.forum.id != forum.id)
