"""Private content follows the conversation kind, on every platform.

An absence note (health data) and anything else shown only to its recipients appears only in a personal
conversation with someone allowed to see it: never in a Slack channel or group DM, a Teams group chat or
channel, or the terminal chat's `--channel`, whether or not that channel is a forum's.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.bot.slack_standin import SLACK_IDS, block_action, dm_event, give_slack_ids, slack_app, text_of
from tests.bot.test_teams import MARIA, give_teams_ids, make_services, teams
from tests.conftest import at as at_

NOTE = "sjukskriven efter operation"
RANDOM = "C0RANDOM"  # a Slack channel that is no forum's
MPIM = "G0GROUPDM"  # a Slack group DM


def report_with_note(chat) -> None:  # type: ignore[no-untyped-def]
    assert chat("eva.strand", f"/anmäl frånvaro 6 mars till kl 11: {NOTE}").ok


# ------------------------------------------------------------------ terminal chat


def test_terminal_chat_in_a_channel_that_is_no_forums_never_shows_the_note(chat) -> None:
    report_with_note(chat)
    assert NOTE in chat("maria.lind", "/frånvaro 6 mars").reply  # personal: the recipient sees it
    said = chat("maria.lind", "/frånvaro 6 mars", channel="#slumpen")
    assert said.ok and NOTE not in said.reply
    assert "Skriv /frånvaro 6 mars till mig i en personlig chatt" in " ".join(said.reply.split())
    own = chat("eva.strand", "/översikt", channel="#slumpen")
    assert own.ok and "Din anmälda frånvaro" in own.reply and NOTE not in own.reply
    again = chat("eva.strand", f"/anmäl frånvaro 6 mars till kl 11: {NOTE}", channel="#slumpen")
    assert again.ok and NOTE not in again.reply


# ------------------------------------------------------------------ Slack


def test_slack_channel_that_is_no_forums_never_shows_the_note(network, engine) -> None:
    give_slack_ids(network)
    from tests.conftest import Chat

    report_with_note(Chat(network))

    async def go() -> tuple[str, str, str]:
        async with slack_app(network, engine) as h:
            await h.slash("/franvaro", "6 mars", user=SLACK_IDS["maria.lind"], channel=RANDOM)
            [in_channel] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            await h.event(dm_event(SLACK_IDS["maria.lind"], "frånvaro 6 mars"))
            [dm] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            await h.interact(block_action(SLACK_IDS["maria.lind"], "frånvaro 6 mars",
                                          response_url=h.standin.response_url("group"), channel=MPIM))
            clicks = await h.standin.wait_for(lambda: h.standin.of("response_url")[1:])
            return text_of(in_channel), text_of(dm), text_of(clicks[0])

    in_channel, dm, group = asyncio.run(go())
    assert "Eva Strand" in in_channel and NOTE not in in_channel
    assert NOTE in dm  # the same question in a DM shows it
    assert "Eva Strand" in group and NOTE not in group


# ------------------------------------------------------------------ Teams


def test_teams_group_chat_never_shows_the_note(network, engine) -> None:
    give_teams_ids(network)
    from tests.conftest import Chat

    report_with_note(Chat(network))
    services = make_services(network, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            await h.say("frånvaro 6 mars", user=MARIA, scope="personal")
            await h.say("frånvaro 6 mars", user=MARIA, scope="groupChat")
            return h.standin.calls

    personal, group, copy = asyncio.run(go())
    assert NOTE in personal.words()
    assert group.conversation == "19:groupchat@thread.v2"
    assert "Eva Strand" not in group.words() and NOTE not in group.words()
    # The copy in her own chat is what her own chat shows: the notes too, and no pointer to where she already is.
    assert copy.conversation.startswith("a:personal") and "Eva Strand" in copy.words() and NOTE in copy.words()
    assert "personlig chatt" not in copy.words()


def test_teams_channel_that_is_no_forums_never_shows_the_note(network, engine) -> None:
    give_teams_ids(network)
    from tests.conftest import Chat

    report_with_note(Chat(network))
    services = make_services(network, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            await h.say("frånvaro 6 mars", user=MARIA, scope="channel", conversation="19:random@thread.tacv2")
            return h.standin.calls

    answer = asyncio.run(go())[0]
    assert "Eva Strand" not in answer.words() and NOTE not in answer.words()


def test_teams_unpublished_agenda_asked_in_a_channel_goes_to_the_askers_own_chat(network, engine) -> None:
    """Teams has no ephemeral messages: what only the asker may see is sent to their personal chat."""
    give_teams_ids(network)
    services = make_services(network, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            await h.say("möten", user=MARIA, scope="personal")  # kansli now knows Maria's personal chat
            await h.say("dagordning 6 mars", user=MARIA, scope="channel")
            return h.standin.calls[1:]

    calls = asyncio.run(go())
    channel = [c for c in calls if c.conversation.startswith("19:lchnv")]
    personal = [c for c in calls if c.conversation.startswith("a:personal")]
    assert len(channel) == 1 and "Mötets öppnande" not in channel[0].words()
    assert "inte publicerad" in channel[0].words() and "personligt meddelande" in channel[0].words()
    assert personal and "Mötets öppnande" in personal[0].words()


def maria_in_teams(network, engine, *said: tuple[str, str]):  # type: ignore[no-untyped-def]
    """What the Teams connector received after Maria wrote each (text, conversation scope) in turn."""
    give_teams_ids(network)
    services = make_services(network, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            for text, scope in said:
                await h.say(text, user=MARIA, scope=scope)
            return h.standin.calls

    return asyncio.run(go())


def test_teams_member_list_asked_in_a_channel_shows_no_e_mail_addresses(network, engine) -> None:
    """The coordinator's /ledamöter shows e-mail addresses only where the coordinator alone reads the answer:
    the forum's Teams channel sees every answer, so there the list comes without them and says what to type;
    a group chat is no forum's, so there the list is not shown at all."""
    channel, personal, group, *copy = maria_in_teams(network, engine, ("ledamöter", "channel"),
                                                     ("ledamöter; forum: lchnv", "personal"),
                                                     ("ledamöter; forum: lchnv", "groupChat"))
    assert "Per Ek" in channel.words() and "@example.se" not in channel.words()
    assert "Skriv /ledamöter; forum: lchnv till mig i en personlig chatt" in channel.words()
    assert "per.ek@example.se" in personal.words()
    assert "Per Ek" not in group.words() and "@example.se" not in group.words()
    assert copy and copy[0].conversation.startswith("a:personal") and "Per Ek" in copy[0].words()


def test_teams_notification_settings_asked_in_a_channel_do_not_show_the_askers_e_mail_address(network, engine) -> None:
    channel, personal = maria_in_teams(network, engine, ("aviseringar", "channel"), ("aviseringar", "personal"))
    assert "chatt" in channel.words() and "maria.lind@example.se" not in channel.words()
    assert "Skriv /aviseringar till mig i en personlig chatt" in channel.words()
    assert "maria.lind@example.se" in personal.words()


# ------------------------------------------------------------------ every restricted answer, in Teams

LCHNV_CHANNEL = "19:lchnv-thread-id@thread.tacv2"
RANDOM_CHANNEL = "19:random@thread.tacv2"
GROUP_CHAT = "19:groupchat@thread.v2"
AFTER_MEETING = at_("2020-03-10T09:00")

# What only the asker (or their role) may read: (what Maria types, words only that answer holds).
FOR_THE_ASKER = [
    ("frånvaro 6 mars 2020; forum: lchnv", "Eva Strand"),  # the absence recipient's list
    ("ärenden; forum: lchnv", "Gemensam vägledning"),  # the coordinator's case list
    ("uppdrag alla; forum: lchnv", "länsövergripande överenskommelse"),  # everyone's assignments
    ("uppdrag", "Dina öppna uppdrag"),  # the asker's own assignments
    ("översikt", "Översikt för Maria Lind"),  # the asker's own overview
    ("minnesanteckningar 6 mars; forum: lchnv", "Godkännande av dagordning"),  # the draft minutes
]
# What the forum's members may read: shown in the forum's own channel, in no other shared conversation.
FOR_THE_FORUM = [
    ("ärende 2020:7", "Gemensam vägledning"),
    ("möten; forum: lchnv", "12 juni"),
    ("ledamöter; forum: lchnv", "Karin Berg"),
]


def ask_in_teams(network, engine, conversation: str, scope: str, table):  # type: ignore[no-untyped-def]
    """Each text of `table` asked by Maria in `conversation`: [(text, answer there, copies in her own chat)]."""
    give_teams_ids(network)
    from tests.conftest import Chat

    report_with_note(Chat(network))
    services = make_services(network, engine, now=AFTER_MEETING)

    async def go():  # type: ignore[no-untyped-def]
        out = []
        async with teams(services) as h:
            await h.say("hjälp", user=MARIA, scope="personal")  # kansli now knows Maria's personal chat
            for text, __ in table:
                before = len(h.standin.calls)
                await h.say(text, user=MARIA, scope=scope, conversation=conversation)
                new = h.standin.calls[before:]
                here = [c for c in new if c.conversation.split(";")[0] == conversation]
                assert len(here) == 1, (text, [c.conversation for c in new])
                out.append((text, here[0], [c for c in new if c.conversation.startswith("a:personal")]))
        return out

    return asyncio.run(go())


@pytest.mark.parametrize("conversation,scope", [
    (LCHNV_CHANNEL, "channel"),  # the forum's own channel
    (RANDOM_CHANNEL, "channel"),  # a channel that is no forum's
    (GROUP_CHAT, "groupChat"),
])
def test_teams_shared_conversation_never_shows_what_only_the_asker_may_read(network, engine, conversation,
                                                                            scope) -> None:
    """Teams has no ephemeral replies: what only the asker may read goes to their own chat, and the shared
    conversation is told so and what to type in a personal chat."""
    for (text, answer, copies), (__, secret) in zip(ask_in_teams(network, engine, conversation, scope,
                                                                 FOR_THE_ASKER), FOR_THE_ASKER):
        said = answer.words()
        assert secret not in said and NOTE not in said, (text, said)
        assert f"skriva /{text} direkt till mig i en personlig chatt" in " ".join(said.split()), (text, said)
        assert copies and secret in copies[0].words(), text


@pytest.mark.parametrize("conversation,scope,shown", [
    (LCHNV_CHANNEL, "channel", True),
    (RANDOM_CHANNEL, "channel", False),
    (GROUP_CHAT, "groupChat", False),
])
def test_teams_forum_content_is_shown_only_in_the_forums_own_channel(network, engine, conversation, scope,
                                                                     shown) -> None:
    for (text, answer, copies), (__, content) in zip(ask_in_teams(network, engine, conversation, scope,
                                                                  FOR_THE_FORUM), FOR_THE_FORUM):
        if shown:
            assert content in answer.words() and not copies, text
        else:
            assert content not in answer.words() and "personlig chatt" in answer.words(), text
            assert copies and content in copies[0].words(), text
