"""/möten: the asker's upcoming meetings with every deadline of the rules of procedure."""
from __future__ import annotations

from dataclasses import dataclass

from handlers.arguments import Dates
from handlers.base import Context, Reply, Section
from handlers.calendar import forum_deadlines
from handlers.common import forum_label, meeting_label, my_forums, named_forum
from handlers.fmt import format_date, local
from handlers.options import take_option
from handlers.registry import command
from handlers.i18n import _, ngettext
from storage import queries

MAX_MEETINGS = 8


@dataclass(frozen=True)
class ListMeetings:
    """/möten [; forum: ID]"""
    forum: str | None = None  # the '; forum: ID' as typed; None: all the asker's forums


def parse_list_meetings(args: str, dates: Dates) -> ListMeetings:
    # Anything besides the forum is passed over, as it always was.
    forum, __ = take_option(args, "forum")
    return ListMeetings(forum=forum.strip() if forum else None)


@command(
    "möten",
    "moten",
    "meetings",
    usage="/möten [; forum: ID]",
    help=_("kommande möten med tid, plats och alla tidsfrister (beredning, dagordning, "
           "handlingar, minnesanteckningar)"),
    args=parse_list_meetings,
    order=10,
)
def list_meetings(ctx: Context, args: ListMeetings) -> Reply:
    forum = named_forum(ctx, args.forum)
    forums = [forum] if forum else my_forums(ctx)
    meetings = queries.upcoming_meetings(ctx.session, forums, now=ctx.now, limit=MAX_MEETINGS)
    if not meetings:
        names = ", ".join(forum_label(f) for f in forums)
        return Reply(
            title=_("Kommande möten"),
            lines=[_("Inga kommande möten är inlagda för {names}. Samordnaren lägger in dem med /möte "
                     "ny.",
                     names=names)],
        )
    sections = []
    today = ctx.today
    for meeting in meetings:
        day = local(meeting.starts_at).date()
        deadlines = forum_deadlines(meeting.forum, day)
        fields = []
        for label, d in (
            ("Beredning", deadlines.preparation),
            ("Dagordning senast", deadlines.agenda),
            ("Handlingar senast", deadlines.documents),
            ("Minnesanteckningar senast", deadlines.minutes),
        ):
            if d is not None:
                suffix = " (passerad)" if d < today else (" (i dag)" if d == today else "")
                fields.append((label, format_date(d) + suffix))
        lines = []
        if meeting.agenda_published_at:
            lines.append(f"Dagordningen publicerades {format_date(meeting.agenda_published_at)}.")
        sections.append(
            Section(heading=f"{forum_label(meeting.forum)}: {meeting_label(meeting)}", lines=lines, fields=fields)
        )
    # A forum's meetings are shown in its own channel; anywhere else others read, only to the asker.
    return Reply(title=_("Kommande möten"), sections=sections, context=[ngettext("Visar det närmaste mötet.", "Visar de {n} närmaste mötena.", len(meetings))],
                 restricted=any(ctx.forum is None or f.id != ctx.forum.id for f in forums))

