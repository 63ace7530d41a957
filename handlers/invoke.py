"""Running a declared command: the forum found and the role checked as its declaration says, then the handler.

The declaration (`@command(..., roles=, doing=, forum=)` in handlers/registry.py) is the one statement of
who may run a command. Before the handler runs:
- `forum=NAMED_FORUM`: the forum is chosen ('; forum: ID', the channel's, the only one where the asker holds
  the role) and the role checked there;
- `forum=CASE_FORUM`: the case is found by the number the arguments begin with and the role checked in its forum;
- `forum=ANY_FORUM`: the asker must hold a declared role in one of their forums.
Otherwise the handler finds its forum (from an assignment or a meeting) and calls `require_command_role`,
which checks the same declared roles there.
"""
from __future__ import annotations

from handlers.base import Context, Reply
from handlers.case_model import case_from_args
from handlers.common import choose_forum, my_forums, pop_forum_option, require_command_role
from handlers.registry import ANY_FORUM, CASE_FORUM, NAMED_FORUM, Command


def run(cmd: Command, ctx: Context, args: str) -> Reply:
    """Answer `args` with `cmd` in the asker's context; a refusal is a UserError, as from the handler."""
    ctx.command = cmd
    if cmd.forum == NAMED_FORUM:
        assert cmd.roles is not None
        named, rest = pop_forum_option(ctx, args)
        forum = choose_forum(ctx, named, with_role=set(cmd.roles))
        require_command_role(ctx, forum)
        return cmd.handler(ctx, forum, rest)
    if cmd.forum == CASE_FORUM:
        case, rest = case_from_args(ctx, args, usage=cmd.usage)
        require_command_role(ctx, case.forum)
        return cmd.handler(ctx, case, rest)
    if cmd.forum == ANY_FORUM:
        assert cmd.roles is not None
        mine = my_forums(ctx)
        if not any(ctx.roles_in(f) & cmd.roles for f in mine):
            require_command_role(ctx, mine[0])
    return cmd.handler(ctx, args)
