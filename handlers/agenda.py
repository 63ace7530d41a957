"""/dagordning: a meeting's agenda as its reader may see it (the draft for the coordinator and the secretary).

The agenda itself (items, numbering, rendering) is handlers/agenda_model.py; its names are re-exported here.
"""
from __future__ import annotations

from handlers.agenda_model import *  # noqa: F401,F403 - the agenda model, used through this module too
from handlers.agenda_model import agenda_reply
from handlers.arguments import MeetingArgs, parse_meeting_args
from handlers.base import Context, Reply
from handlers.fmt import format_date
from handlers.i18n import _
from handlers.registry import AGENDA_MEETING_ARG, command
from storage.models import Meeting


# ------------------------------------------------------------------------------------ /dagordning


ShowAgenda = MeetingArgs  # /dagordning [idag | nästa | DATUM] [; forum: ID]


@command(
    "dagordning",
    "dagordningen",
    "agenda",
    usage="/dagordning [idag | nästa | DATUM] [; forum: ID]",
    help=_("dagordningen: tid, plats, punkterna med föredragande, syfte, bilagor och "
           "förslag, och anmäld frånvaro"),
    meeting=AGENDA_MEETING_ARG,
    args=parse_meeting_args,
    order=15,
)
def show_agenda(ctx: Context, meeting: Meeting, args: ShowAgenda) -> Reply:
    from handlers.common import forum_label

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
