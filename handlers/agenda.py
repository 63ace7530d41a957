"""/dagordning: a meeting's agenda as its reader may see it (the draft for the coordinator and the secretary).

The agenda itself (items, numbering, rendering) is handlers/agenda_model.py; its names are re-exported here.
"""
from __future__ import annotations

from handlers.agenda_model import *  # noqa: F401,F403 - the agenda model, used through this module too
from handlers.agenda_model import agenda_reply
from handlers.base import Context, Reply
from handlers.fmt import format_date
from handlers.i18n import _
from handlers.registry import command
from storage.models import Meeting


# ------------------------------------------------------------------------------------ /dagordning


def _pick_one(found: list[Meeting], *, when: str) -> Meeting:
    """The earliest meeting; if two forums meet at that first day, ask which forum."""
    from handlers.base import UserError
    from handlers.common import forum_label
    from handlers.fmt import local

    first_day = local(found[0].starts_at).date()
    same_day = [m for m in found if local(m.starts_at).date() == first_day]
    if len({m.forum_id for m in same_day}) > 1:
        names = ", ".join(f"{forum_label(m.forum)} (forum: {m.forum.key})" for m in same_day)
        raise UserError(
            _("Flera av dina forum har möte {value}: {names}. Skriv till exempel /dagordning; "
              "forum: {key}",
              value=when or format_date(first_day, sentence=True), names=names, key=same_day[0].forum.key)
        )
    return found[0]


@command(
    "dagordning",
    "dagordningen",
    "agenda",
    usage="/dagordning [idag | nästa | DATUM] [; forum: ID]",
    help=_("dagordningen: tid, plats, punkterna med föredragande, syfte, bilagor och "
           "förslag, och anmäld frånvaro"),
    order=15,
)
def show_agenda(ctx: Context, args: str) -> Reply:
    from handlers.base import UserError
    from handlers.meeting_choice import day_bounds, meeting_for_phrase, upcoming_list
    from handlers.common import forum_label, my_forums, pop_forum_option
    from handlers.registry import normalise
    from storage import queries

    named, rest = pop_forum_option(ctx, args)
    if named is not None:
        forums = [named]
    elif ctx.forum is not None and ctx.forum in queries.forums_of(ctx.session, ctx.person):
        forums = [ctx.forum]
    else:
        forums = my_forums(ctx)
    word = normalise(rest)
    today = ctx.today
    start, end = day_bounds(today)
    if word in ("", "idag", "i dag", "today"):
        todays = queries.meetings_on(ctx.session, forums, start, end)
        if todays:
            meeting = _pick_one(todays, when="i dag")
        elif word:
            names = " eller ".join(forum_label(f) for f in forums)
            raise UserError(_("{names} har inget möte i dag, {today}. {ctx} Skriv /dagordning nästa.",
                              names=names, today=format_date(today, sentence=True), ctx=upcoming_list(ctx, forums)))
        else:
            upcoming = queries.meetings_after(ctx.session, forums, ctx.now, limit=4)
            if not upcoming:
                raise UserError(_("{ctx} Skriv /möten för att se mötena.", ctx=upcoming_list(ctx, forums)))
            meeting = _pick_one(upcoming, when="")
    elif word in ("nasta", "nasta mote", "next"):
        upcoming = queries.meetings_after(ctx.session, forums, end, limit=4)
        if not upcoming:
            raise UserError(upcoming_list(ctx, forums))
        meeting = _pick_one(upcoming, when="")
    else:
        meeting = meeting_for_phrase(ctx, forums, rest)
    draft = sees_draft(ctx, meeting)
    reply = agenda_reply(ctx.session, meeting, now=ctx.now, draft=draft)
    # Only a published agenda is ever shown to a channel, and only to its own forum's; anywhere else
    # (a channel that is no forum's, another forum's, a draft) only the asker sees it.
    reply.private = draft or not (meeting.agenda_published_at is not None and ctx.forum is not None
                                  and ctx.forum.id == meeting.forum_id)
    if reply.private and not ctx.personal and not ctx.whispers:
        # Where everyone in the conversation would see the answer, it goes to the asker's own chat.
        ctx.notify_person(ctx.person, reply, kind="agenda_asked", key=f"m{meeting.id}:{ctx.now.isoformat()}")
        why = (_("den är inte publicerad ännu") if meeting.agenda_published_at is None
               else _("du ser arbetsutkastet") if draft
               else _("den här kanalen hör inte till forumet"))
        return Reply(lines=[_("Dagordningen för {forum} {starts_at} visas inte här, eftersom {why}. Jag har "
                              "skickat den till dig i ett personligt meddelande.",
                              forum=forum_label(meeting.forum), starts_at=format_date(meeting.starts_at, sentence=True), why=why)])
    return reply


def sees_draft(ctx: Context, meeting: Meeting) -> bool:
    """The coordinator and the secretary work on the draft; everyone else reads what was published."""
    return bool(ctx.roles_in(meeting.forum) & {"coordinator", "secretary"})
