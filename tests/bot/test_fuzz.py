"""Hypothesis: arbitrary text and arbitrary platform identity fields through the one dispatcher.

Whatever arrives (any Unicode, NUL characters, lone surrogates from a JSON payload,
unknown Slack or Teams ids, odd channels, any instant), kansli answers with
non-empty Swedish text, no exception escapes, a refusal changes nothing, and the
store stays consistent.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatch import DB_DOWN, INTERNAL, Dispatcher, Identity
from handlers import registry
from storage.models import Base
from tests.conftest import at

SWEDISH_WORDS = {
    "och", "att", "inte", "du", "dig", "din", "ditt", "skriv", "för", "är", "det", "har", "på", "med", "till",
    "kansli", "möte", "möten", "ingen", "inget", "eller", "känner", "igen", "försök", "igen", "kan", "som",
    "frånvaro", "dagordning", "hjälp", "samordnaren", "vill", "finns", "saknas", "ange",
}
HANDLES = ["maria.lind", "per.ek", "eva.strand", "karin.berg", "lars.holm", "johan.sjo"]


def is_swedish(reply: str) -> bool:
    """A Swedish sentence: a letter å, ä or ö, or a common Swedish word."""
    if re.search(r"[åäöÅÄÖ]", reply):
        return True
    return bool(set(re.findall(r"[a-zåäö]+", reply.lower())) & SWEDISH_WORDS)


registry.load_all()
COMMAND_WORDS = sorted({n for c in registry.commands() for n in (c.name, *c.aliases)})

# Any text, including NUL, control characters and lone surrogates (which JSON payloads can carry).
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120)
ascii_junk = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=40)
command_text = st.one_of(
    any_text,
    st.builds(lambda slash, cmd, rest: f"{slash}{cmd} {rest}", st.sampled_from(["/", "", " /"]),
              st.sampled_from(COMMAND_WORDS), any_text),
    st.builds(lambda cmd, when, rest: f"/{cmd} {when}{rest}", st.sampled_from(COMMAND_WORDS),
              st.sampled_from(["6 mars", "nästa", "idag", "vecka 10", "31/2", "200306", "kl 25.00", "punkt 4-6",
                               "; forum: lchnv", ": en notering", "; ersättare: @per.ek", "alla", "@maria.lind"]),
              any_text),
)
known = st.builds(Identity, handle=st.sampled_from(HANDLES))
strangers = st.one_of(
    st.builds(Identity, handle=any_text),
    st.builds(Identity, slack_user_id=st.one_of(any_text, ascii_junk)),
    st.builds(Identity, teams_user_id=st.one_of(st.none(), any_text),
              teams_aad_object_id=st.one_of(st.none(), any_text)),
    st.just(Identity()),
)
# Most examples come from people kansli knows, so that they reach the handlers.
identities = st.integers(0, 9).flatmap(lambda i: known if i < 7 else strangers)
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(timezone.utc))
channels = st.one_of(st.none(), st.sampled_from(["lchnv", "#styrgrupp-lchnv", "C0123", ""]), any_text)


def counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def foreign_keys_hold(session: Session) -> bool:
    if session.get_bind().dialect.name == "sqlite":
        return not session.execute(text("PRAGMA foreign_key_check")).all()
    return True  # PostgreSQL enforces every foreign key on write


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text_in=command_text, identity=identities, platform=st.sampled_from(["cli", "slack", "teams"]),
       now=st.one_of(st.just(at("2020-02-20T09:00")), instants), channel=channels)
def test_anything_typed_gets_swedish_text_and_leaves_the_store_consistent(
    network: sessionmaker[Session], text_in: str, identity: Identity, platform: str, now: datetime,
    channel: str | None,
) -> None:
    dispatcher = Dispatcher(sessionmaker=network, clock=lambda: now)
    with network() as s:
        before = counts(s)
    outcome = dispatcher.run(text_in, identity=identity, platform=platform, now=now, channel=channel)
    reply = outcome.reply.plain_text()
    event(f"ok={outcome.reply.ok} known={outcome.person_id is not None}")
    assert reply.strip(), "an empty answer"
    assert is_swedish(reply), reply
    assert "Traceback" not in reply
    assert reply not in (INTERNAL, DB_DOWN), f"{text_in!r} from {identity} on {platform} at {now} in {channel!r}"
    with network() as s:
        after = counts(s)
        if not outcome.reply.ok:
            assert after == before, f"a refusal changed the store: {reply}"
        assert foreign_keys_hold(s)
        assert after["absence"] >= before["absence"] - 0  # nothing is ever deleted by a chat command


def test_the_swedish_check_tells_swedish_from_english() -> None:
    assert is_swedish("Jag känner inte igen '/x'. Skriv /hjälp för att se vad du kan skriva.")
    assert not is_swedish("Internal server error")


# ------------------------------------------------------------------------------------ Teams payloads


class Connector:
    """A loopback stand-in for the Bot Framework connector: records every activity kansli posts."""

    def __init__(self) -> None:
        self.posted: list[dict] = []

    def app(self):  # type: ignore[no-untyped-def]
        from aiohttp import web

        async def activity(request: web.Request) -> web.Response:
            self.posted.append(await request.json())
            return web.json_response({"id": f"a{len(self.posted)}"})

        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", activity)
        return app


def words_of(body: dict) -> str:
    """What a reader sees in a posted activity: its text and every text in its cards."""
    out = [body.get("text") or ""]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            out.extend(v for k, v in node.items() if k in ("text", "title", "label") and isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(body.get("attachments") or [])
    return "\n".join(out)


TEAMS_PEOPLE = {"per.ek": "aad-per-0001", "maria.lind": "aad-maria-0002"}
json_values = st.recursive(st.none() | st.booleans() | st.integers() | any_text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
                           max_leaves=8)
printable_ascii = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


def mostly(good, bad):  # type: ignore[no-untyped-def]
    """Nine in ten draws from `good`, so that most activities get past the envelope checks."""
    return st.integers(0, 9).flatmap(lambda i: good if i < 9 else bad)


ids = mostly(st.sampled_from(["29:per", "29:maria", "a:personal-1", "19:chan@thread.tacv2"]) | printable_ascii,
             st.text(min_size=1, max_size=30))
aad_ids = mostly(st.sampled_from(sorted(TEAMS_PEOPLE.values())) | printable_ascii, any_text)


@st.composite
def activities(draw, service_url: str) -> dict:  # type: ignore[no-untyped-def]
    kind = draw(mostly(st.sampled_from(["message", "message", "message", "invoke", "conversationUpdate",
                                        "installationUpdate", "messageReaction", "event", "typing"]),
                       st.text(min_size=1)))
    body: dict = {
        "type": kind,
        "id": draw(ids),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": draw(ids), "aadObjectId": draw(aad_ids),
                 "name": draw(any_text)},
        "conversation": {"id": draw(ids), "conversationType": draw(st.sampled_from(["personal", "groupChat",
                                                                                     "channel"]) | any_text),
                         "tenantId": "tenant-1"},
        "recipient": {"id": "28:kansli-bot", "name": "kansli"},
    }
    if draw(st.booleans()):
        body["text"] = draw(command_text)
    if draw(st.booleans()):
        body["value"] = draw(json_values)
    if kind == "invoke":
        body["name"] = draw(st.sampled_from(["adaptiveCard/action"]) | any_text)
    if draw(st.booleans()):
        body["channelData"] = {"tenant": {"id": "tenant-1"}, "channel": {"id": draw(ids)}, "team": {"id": draw(ids)}}
    if draw(st.booleans()):
        body["entities"] = [{"type": "mention", "text": draw(any_text), "mentioned": {"id": draw(ids),
                                                                                     "name": draw(any_text)}}]
    if kind in ("conversationUpdate", "installationUpdate"):
        body["membersAdded"] = [{"id": "28:kansli-bot"}]
        body["action"] = draw(st.sampled_from(["add", "remove"]))
    return body


def test_arbitrary_teams_activities_get_swedish_answers_and_never_a_server_error(
    network: sessionmaker[Session], engine,  # type: ignore[no-untyped-def]
) -> None:
    """Arbitrary fields in Bot Framework activities, through POST /api/messages on the real app."""
    import asyncio
    import threading

    from aiohttp import ClientSession, web
    from sqlalchemy import update

    from bot.app import Services
    from bot.config import Settings
    from bot.delivery import Deliverer
    from bot.serve import create_app
    from storage.models import Person
    from tests.bot.opstools import free_port

    with network() as s:
        for handle, aad in TEAMS_PEOPLE.items():
            s.execute(update(Person).where(Person.handle == handle).values(teams_aad_object_id=aad))
        s.commit()
    now = at("2020-02-20T09:00")
    services = Services(settings=Settings(_env_file=None, KANSLI_SCHEDULER=False, KANSLI_TEAMS_NO_AUTH=True),
                        engine=engine,
                        sessionmaker=network, dispatcher=Dispatcher(sessionmaker=network, clock=lambda: now),
                        deliverer=Deliverer(sessionmaker=network, transports=[], clock=lambda: now),
                        clock=lambda: now)
    services.deliverer.transports = services.transports
    connector = Connector()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def on_loop(coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, loop).result(120)

    async def start() -> tuple[list, ClientSession, str]:
        runners = []
        ports = []
        for app in (connector.app(), create_app(services)):
            runner = web.AppRunner(app)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)
            ports.append(port)
        from bot.teams import ConversationLimiter

        services.teams.limiter = ConversationLimiter(per_second=0)
        return runners, ClientSession(), f"http://127.0.0.1:{ports[0]}/", ports[1]  # type: ignore[return-value]

    runners, client, service_url, kansli_port = on_loop(start())

    async def post(body: dict) -> int:
        async with client.post(f"http://127.0.0.1:{kansli_port}/api/messages", json=body) as r:
            await r.read()
            status = r.status
        await services.teams.idle()
        return status

    @settings(max_examples=120, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=activities(service_url))
    def one(body: dict) -> None:
        with network() as s:
            before = counts(s)
        seen = len(connector.posted)
        status = on_loop(post(body))
        assert status < 500 or (status == 501 and body["type"] == "invoke"), body  # 501: an invoke kansli does not handle
        for posted in connector.posted[seen:]:
            shown = words_of(posted)
            assert shown.strip() and is_swedish(shown), posted
            assert INTERNAL not in shown and DB_DOWN not in shown, body
        with network() as s:
            if status >= 400:
                assert counts(s) == before, f"a refused activity wrote something: {body}"
            assert foreign_keys_hold(s)
        event(f"status={status} replies={len(connector.posted) - seen}")

    try:
        one()
    finally:
        async def stop() -> None:
            await client.close()
            for runner in reversed(runners):
                await runner.cleanup()

        on_loop(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
