"""Running a declared command: its arguments parsed, its forum or meeting found and the role checked as its
declaration says, then the handler.

The declaration (`@command(..., roles=, doing=, forum=, meeting=, args=)` in handlers/registry.py) is the one
statement of a command's grammar and of who may run it. Before the handler runs:
- `args=PARSER`: the argument text is parsed into the command's typed value (handlers/arguments.py); a bad
  argument is refused in the parser's words before the meeting is looked up (a command with a forum policy
  has its forum or case found and its role checked first, and the parser reads the rest);
- `meeting=MEETING_ARG`: the meeting is the one the parsed value's date phrase names ('nästa' too), else the
  forum's next meeting (handlers.meeting_choice.coming_meeting); `meeting=HELD_MEETING_ARG`: the day named,
  else the latest meeting held (meeting_choice.held_meeting); `meeting=CHANNEL_MEETING_ARG`: as MEETING_ARG
  with the channel's forum first (meeting_choice.channel_meeting); `meeting=AGENDA_MEETING_ARG`: today's or
  the next meeting to read (meeting_choice.agenda_meeting); the declared role, if any, is checked in the
  meeting's forum and the handler is called as handler(ctx, meeting, value);
- `forum=NAMED_FORUM`: the forum is chosen ('; forum: ID', the channel's, the only one where the asker holds
  the role) and the role checked there;
- `forum=CASE_FORUM`: the case is found by the number the arguments begin with and the role checked in its forum;
  the parser then reads 'NR rest' with the case's own number (as the case is numbered, also when the short
  number was typed) and the handler is called as handler(ctx, case, value);
- `forum=ANY_FORUM`: the asker must hold a declared role in one of their forums.
Otherwise the handler finds its forum (from an assignment or a meeting) and calls `require_command_role`,
which checks the same declared roles there.
"""
from __future__ import annotations

import hashlib
from typing import Any

from handlers.arguments import Dates
from handlers.base import Context, Reply
from handlers.case_model import case_from_args
from handlers.common import choose_forum, my_forums, pop_forum_option, require_command_role
from handlers.i18n import _
from handlers.meeting_choice import agenda_meeting, channel_meeting, coming_meeting, held_meeting
from handlers.registry import (
    AGENDA_MEETING_ARG,
    ANY_FORUM,
    CASE_FORUM,
    CHANNEL_MEETING_ARG,
    HELD_MEETING_ARG,
    MEETING_ARG,
    NAMED_FORUM,
    Command,
)

# Each meeting policy of a declaration and the function in handlers/meeting_choice.py that carries it out.
MEETING_CHOICE = {MEETING_ARG: coming_meeting, HELD_MEETING_ARG: held_meeting, CHANNEL_MEETING_ARG: channel_meeting,
                  AGENDA_MEETING_ARG: agenda_meeting}


def parse(cmd: Command, ctx: Context, args: str) -> Any:
    """The typed value of `args` by the command's declared parser (the text itself without one)."""
    return cmd.args(args, Dates(split=ctx.split, when=ctx.when)) if cmd.args is not None else args


def run(cmd: Command, ctx: Context, args: str) -> Reply:
    """Answer `args` with `cmd` in the asker's context; a refusal is a UserError, as from the handler."""
    ctx.command = cmd
    if cmd.meeting is not None:
        value = parse(cmd, ctx, args)
        meeting = MEETING_CHOICE[cmd.meeting](ctx, cmd.roles or frozenset(), value.meeting)
        require_command_role(ctx, meeting.forum)  # nothing to check when the declaration names no roles
        return cmd.handler(ctx, meeting, value)
    if cmd.forum == NAMED_FORUM:
        assert cmd.roles is not None
        named, rest = pop_forum_option(ctx, args)
        forum = choose_forum(ctx, named, with_role=set(cmd.roles))
        require_command_role(ctx, forum)
        return cmd.handler(ctx, forum, parse(cmd, ctx, rest))
    if cmd.forum == CASE_FORUM:
        case, rest = case_from_args(ctx, args, usage=cmd.usage)
        require_command_role(ctx, case.forum)
        # The parser reads the arguments as typed, but with the case's own number ('2026:3' also when '3' was
        # typed) and without '; forum', so that its refusals name the case as the handler's replies do.
        return cmd.handler(ctx, case, parse(cmd, ctx, f"{case.number} {rest}"))
    if cmd.forum == ANY_FORUM:
        assert cmd.roles is not None
        mine = my_forums(ctx)
        if not any(ctx.roles_in(f) & cmd.roles for f in mine):
            require_command_role(ctx, mine[0])
    return cmd.handler(ctx, parse(cmd, ctx, args))


def shown_where_asked(ctx: Context, reply: Reply, text: str) -> Reply:
    """The answer as the conversation may see it. Content restricted to roles or to the asker
    (`Reply.restricted`) is shown only where the asker alone reads it: a personal chat, or a Slack or terminal
    channel, where such an answer is ephemeral. Where everyone in the conversation reads every answer (a Teams
    channel or group chat) it goes to the asker's own chat, and the conversation is told so and what to type."""
    if not reply.restricted:
        return reply
    reply.private = True
    if ctx.personal or ctx.whispers:
        return reply
    typed = "/" + " ".join(text.split()).lstrip("/")
    asked = hashlib.sha256(typed.encode()).hexdigest()[:12]
    ctx.notify_person(ctx.person, reply, kind="asked_privately", key=f"{ctx.now.isoformat()}:{asked}")
    typed = typed if len(typed) <= 60 else typed[:59] + "…"
    return Reply(lines=[_("Svaret på {typed} är bara till för dig, och här ser alla i samtalet mina svar. "
                          "Därför skickar jag det till dig i ett personligt meddelande. Nästa gång kan du "
                          "skriva {typed} direkt till mig i en personlig chatt med Kansli.", typed=typed)])
