"""A coordinator of one forum keeps that forum's people, not the people of other forums.

A person's e-mail address and chat account decide where their kallelser, absence links and notices go and
who Kansli takes a chat user for. A coordinator of forum A who could change them for someone who also sits
in forum B (as its coordinator, say) could read that person's mail or act as them in B. So a person's
details are changed only by a coordinator of every forum they sit in (or by the person themself); joining
an existing person to one's forum stays possible.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.dispatch import Identity
from storage.models import Person

NOW = "2026-11-20T09:00"


def person(maker, handle: str) -> Person:  # type: ignore[no-untyped-def]
    with maker() as s:
        return s.scalar(select(Person).where(Person.handle == handle))


def coordinator_of_lchnv_only(chat) -> None:  # type: ignore[no-untyped-def]
    """Eva Strand sits in LCHNV only; she becomes one of its coordinators."""
    said = chat("maria.lind", "/roll samordnare @eva.strand; forum: lchnv", now=NOW)
    assert said.ok, said.reply


def test_a_coordinator_of_one_forum_cannot_redirect_the_mail_of_someone_who_sits_in_another(network, chat) -> None:
    coordinator_of_lchnv_only(chat)
    # Maria Lind is coordinator and absence recipient of the steering group too.
    refused = chat("eva.strand", "/ledamot ändra @maria.lind; e-post: eva.privat@example.org; forum: lchnv", now=NOW)
    assert not refused.ok, refused.reply
    assert "andra forum" in refused.reply
    assert person(network, "maria.lind").email == "maria.lind@example.se"


def test_a_coordinator_of_one_forum_cannot_link_another_forums_officer_to_their_own_account(network, chat) -> None:
    coordinator_of_lchnv_only(chat)
    refused = chat("eva.strand", "/ledamot ändra @maria.lind; konto: <@UEVA2|maria>; forum: lchnv", now=NOW)
    assert not refused.ok, refused.reply
    assert person(network, "maria.lind").slack_user_id is None
    # The account Eva holds on the side is still nobody to Kansli.
    said = chat.dispatcher.run("/ärenden; forum: styrgrupp-lchnv", identity=Identity(slack_user_id="UEVA2"),
                               platform="slack")
    assert not said.reply.ok and "känner inte igen dig" in said.reply.plain_text()


def test_joining_an_existing_person_does_not_change_the_details_other_forums_rely_on(network, chat) -> None:
    said = chat("maria.lind", "/ledamot slutar @per.ek 20 november 2026; forum: lchnv", now=NOW)
    assert said.ok, said.reply
    coordinator_of_lchnv_only(chat)
    later = "2026-11-23T09:00"
    # Per Ek still sits in the steering group, where Eva is nobody.
    refused = chat("eva.strand", "/ledamot ny @per.ek; e-post: eva.privat@example.org; forum: lchnv", now=later)
    assert not refused.ok, refused.reply
    assert person(network, "per.ek").email == "per.ek@example.se"
    refused = chat("eva.strand", "/ledamot ny <@UEVA2|per> @per.ek; forum: lchnv", now=later)
    assert not refused.ok, refused.reply
    assert person(network, "per.ek").slack_user_id is None
    # Joining him as he is still works.
    said = chat("eva.strand", "/ledamot ny @per.ek; forum: lchnv", now=later)
    assert said.ok, said.reply
    assert "Per Ek (Borlänge kommun) är representant i LCHNV" in said.reply


def test_the_coordinator_of_every_forum_a_person_sits_in_changes_their_details(network, chat) -> None:
    said = chat("maria.lind", "/ledamot ändra @per.ek; e-post: per.ek@borlange.se; forum: lchnv", now=NOW)
    assert said.ok, said.reply
    assert person(network, "per.ek").email == "per.ek@borlange.se"
    coordinator_of_lchnv_only(chat)
    # Eva may change someone who sits in LCHNV only, and herself.
    assert chat("eva.strand", "/ledamot ändra @eva.strand; titel: Socialchef; forum: lchnv", now=NOW).ok
