"""Every command a message suggests is one its reader may run (issue 17).

A meeting cycle is walked in the terminal chat as each role (member, chair, vice chair, coordinator and
secretary, someone in no forum), with the scheduler's reminders at each deadline; every reply and every
message sent is read for '/command' mentions and buttons, and each must be allowed for its reader.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers import registry
from storage import queries
from storage.models import Person
from tests.handlers.test_conversation import tick

MENTION = re.compile(r"(?<![\w/:.<])/(\w[^\n/]*)")
BUTTON = re.compile(r"→ ([^\n]+)")


def roles_of(maker: sessionmaker[Session], handle: str) -> set[str]:
    with maker() as s:
        person = s.scalar(select(Person).where(Person.handle == handle))
        roles: set[str] = set()
        for forum in queries.forums_of(s, person):
            roles |= queries.roles_of(s, person, forum)
        return roles


def offending(text: str, roles: set[str]) -> list[str]:
    """The commands in `text` (mentions and buttons) that someone with `roles` may not run."""
    bad = []
    for found in [*MENTION.findall(text), *BUTTON.findall(text)]:
        matched = registry.match(re.sub(r"[.,;:)'”]+(?=\s|$)", "", found))
        if matched is None:
            continue  # not a command (a path, 'och/eller')
        if not matched[0].allowed_for(roles):
            bad.append(f"/{matched[0].name} (in: {found[:60]})")
    return bad


WALK: list[tuple[str, str, str]] = [
    ("per.ek", "/anmäl ärende Utvärdering av avtal; syfte: beslut; möte: 6 mars; föredragande: Johan Sjö; "
               "forum: lchnv", "2020-02-20T09:00"),
    ("eva.strand", "/anmäl frånvaro 6 mars: sjuk", "2020-02-20T09:00"),
    ("karin.berg", "/anmäl frånvaro 6 mars från kl 11; forum: lchnv", "2020-02-20T09:00"),
    ("lars.holm", "/anmäl frånvaro 6 mars punkt 2; forum: lchnv", "2020-02-20T09:00"),
    ("eva.strand", "/anmäl frånvaro 31 juni", "2020-02-20T09:00"),
    ("eva.strand", "/anmäl frånvaro 7 mars", "2020-02-20T09:00"),
    ("eva.strand", "/anmäl", "2020-02-20T09:00"),
    ("per.ek", "/uppdarg", "2020-02-20T09:00"),
    ("per.ek", "/ärenden", "2020-02-20T09:00"),
    ("per.ek", "/hjälp", "2020-02-20T09:00"),
    ("johan.sjo", "/hjälp", "2020-02-20T09:00"),
    ("johan.sjo", "/anmäl frånvaro", "2020-02-20T09:00"),
    ("maria.lind", "/beredning 8 dagordning", "2020-02-21T10:00"),
    ("maria.lind", "/publicera dagordning 6 mars", "2020-02-27T09:00"),
    ("per.ek", "/dagordning 6 mars", "2020-02-27T09:00"),
    ("karin.berg", "/frånvaro 6 mars; forum: lchnv", "2020-03-05T09:00"),
    ("maria.lind", "/hjälp", "2020-03-05T09:00"),
    ("lars.holm", "/hjälp", "2020-03-05T09:00"),
    ("lars.holm", "/återkalla frånvaro 6 mars; forum: lchnv", "2020-03-05T10:00"),
    ("maria.lind", "/beslut 8 att godkänna avtalet; ansvarig: @per.ek", "2020-03-06T10:00"),
    ("maria.lind", "/uppdrag ny @per.ek Kartlägga avtalen; senast 30 april; forum: lchnv", "2020-03-06T10:00"),
    ("maria.lind", "/återkoppling 2020:7 20 november @per.ek", "2020-03-06T10:00"),
    ("per.ek", "/beslut 8 att ändra", "2020-03-06T10:00"),
    ("per.ek", "/uppdrag", "2020-03-06T10:00"),
    ("per.ek", "/översikt", "2020-03-06T10:00"),
    ("maria.lind", "/översikt", "2020-03-09T10:00"),
    ("per.ek", "/möten", "2020-03-09T10:00"),
    ("maria.lind", "/minnesanteckningar 6 mars; forum: lchnv", "2020-03-09T10:00"),
]
TICKS = ["2020-02-21T08:00", "2020-02-25T08:00", "2020-02-28T08:00", "2020-03-06T07:30", "2020-03-11T08:00",
         "2020-03-13T08:00", "2020-04-16T08:00", "2020-04-30T08:00", "2020-11-02T08:00", "2020-11-13T08:00",
         "2020-11-20T08:00"]


HANDLES = ["per.ek", "eva.strand", "karin.berg", "lars.holm", "maria.lind", "johan.sjo"]


def walk_cycle(chat, network):
    """The meeting cycle of WALK and TICKS: yields (where, reader's roles, text) for every reply, every
    message sent after a command and every reminder, in order (shared with the glossary test)."""
    roles = {h: roles_of(network, h) for h in HANDLES}
    member = {"member"}
    for handle, text, now in WALK:
        said = chat(handle, text, now=now)
        yield f"{handle} ← reply to {text!r}", roles[handle], said.reply
        for who, body in said.messages:
            yield f"{who} ← message after {text!r}", member if who.startswith("#") else roles[who], body
    for when in TICKS:
        for who, body in tick(network, when):
            yield f"{who} ← reminder {when}", member if who.startswith("#") else roles[who], body


def test_every_command_a_message_suggests_may_be_run_by_its_reader(chat, network) -> None:
    problems: list[str] = []
    for where, roles, text in walk_cycle(chat, network):
        problems += [f"{where}: {b}" for b in offending(text, roles)]
    assert problems == [], "\n".join(problems)
