"""Teams through its real entry point: Bot Framework activities posted to POST /api/messages.

Each activity's serviceUrl points at a loopback stand-in for the Bot Framework
connector that records what kansli posts back and answers as the connector
does. The CloudAdapter, the connector client and the database are all real.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Services
from bot.config import Settings
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from bot.serve import create_app
from storage import outbox
from storage.models import AuditLog, ConversationRef, Forum, Meeting, Outbox, Person, ProcessedEvent
from tests.conftest import DATA, at

NOW = at("2020-02-20T09:00")
BOT = {"id": "28:kansli-bot", "name": "kansli"}
TENANT = "tenant-1"
CHANNEL = "19:lchnv-thread-id@thread.tacv2"  # the example network's LCHNV channel
APP_ID = "9b2d7a4e-5c1f-4d3a-8e6b-0f1a2b3c4d5e"

PER = {"id": "29:per-ek", "name": "Per Ek", "aadObjectId": "aad-per"}
MARIA = {"id": "29:maria-lind", "name": "Maria Lind", "aadObjectId": "aad-maria"}
KARIN = {"id": "29:karin-berg-aad-id", "name": "Karin Berg"}  # as in the example network (teams:)
STRANGER = {"id": "29:stranger", "name": "Okänd Person", "aadObjectId": "aad-stranger"}

CARD_SCHEMA = json.loads((DATA / "schemas" / "adaptive-card-1.5.json").read_text(encoding="utf-8-sig"))
CARD_VALIDATOR = jsonschema.Draft6Validator(CARD_SCHEMA)
TEAMS_LIMIT = 100 * 1024


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


# ------------------------------------------------------------------------------------ the stand-in


@dataclass
class Call:
    path: str
    conversation: str | None
    reply_to: str | None
    body: dict[str, Any]
    authorization: str | None = None  # the Authorization header kansli sent
    peer: Any = None  # the (host, port) kansli's connection came from

    @property
    def text(self) -> str:
        return self.body.get("text") or ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.body.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    def words(self) -> str:
        """Everything a reader sees in the message: its text and every text in its cards."""
        out = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("text", "title", "value", "label", "placeholder"):
                    if isinstance(node.get(key), str):
                        out.append(node[key])
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(self.cards)
        return "\n".join(out)


@dataclass
class StandIn:
    """A loopback Bot Framework connector: records each POST and answers {"id": …}."""

    calls: list[Call] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses to answer, in order, before succeeding
    attempts: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self.activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self.activity)
        return app

    async def activity(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.json()
        if self.failures:
            status = self.failures.pop(0)
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=status,
                                     headers={"Retry-After": "0"} if status == 429 else None)
        self.calls.append(Call(path=request.path, conversation=request.match_info.get("conversation"),
                               reply_to=request.match_info.get("reply_to"), body=body,
                               authorization=request.headers.get("Authorization"),
                               peer=request.transport.get_extra_info("peername") if request.transport else None))
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    def to(self, conversation: str) -> list[Call]:
        return [c for c in self.calls if c.conversation == conversation]


# ------------------------------------------------------------------------------------ activities


_activity_ids = itertools.count(1000)


def activity(
    kind: str = "message",
    *,
    service_url: str,
    user: dict[str, str] = PER,
    text: str | None = None,
    scope: str = "personal",
    conversation: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    value: Any = None,
    name: str | None = None,
    members_added: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A Teams activity as the Bot Framework service posts it."""
    act_id = str(next(_activity_ids))
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if scope == "personal":
        conv = {"id": conversation or f"a:personal-{user['id']}", "conversationType": "personal",
                "tenantId": TENANT}
    elif scope == "groupChat":
        conv = {"id": conversation or "19:groupchat@thread.v2", "conversationType": "groupChat",
                "isGroup": True, "tenantId": TENANT}
    else:
        channel = conversation or CHANNEL
        conv = {"id": f"{channel};messageid={act_id}", "conversationType": "channel", "isGroup": True,
                "tenantId": TENANT}
        channel_data.update(channel={"id": channel}, team={"id": "19:team-general@thread.tacv2"})
    out: dict[str, Any] = {
        "type": kind,
        "id": act_id,
        "timestamp": "2020-02-20T08:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": user,
        "conversation": conv,
        "recipient": BOT,
        "locale": "sv-SE",
        "channelData": channel_data,
    }
    if text is not None:
        out["text"] = text
        out["textFormat"] = "plain"
    if entities:
        out["entities"] = entities
    if value is not None:
        out["value"] = value
    if name:
        out["name"] = name
    if members_added is not None:
        out["membersAdded"] = members_added
    return out


def mention(who: dict[str, str], shown: str | None = None) -> dict[str, Any]:
    shown = shown or who["name"]
    return {"type": "mention", "text": f"<at>{shown}</at>", "mentioned": {"id": who["id"], "name": who["name"]}}


# ------------------------------------------------------------------------------------ services


SDKS = ("botbuilder", "agents")
_sdk = ["botbuilder"]


@pytest.fixture(params=SDKS, autouse=True)
def teams_sdk(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every Teams test runs on both SDKs (KANSLI_TEAMS_SDK), through each one's real entry points."""
    _sdk[0] = request.param
    yield request.param
    _sdk[0] = "botbuilder"


def make_services(maker: sessionmaker[Session], engine: Engine, *, now=NOW, **settings: str) -> Services:
    """Services on the test store, as bot.app.build makes them (the store is already migrated)."""
    settings.setdefault("KANSLI_TEAMS_SDK", _sdk[0])
    # No reminder pass unless a test asks: a pass a second after start would share the test's one
    # connection with the turns (seen as PendingRollbackError on a loaded machine).
    settings.setdefault("KANSLI_SCHEDULER", "false")
    transports: list[Any] = []
    clock = lambda: now  # noqa: E731
    if not settings.get("MicrosoftAppId"):
        settings.setdefault("KANSLI_TEAMS_NO_AUTH", "1")  # the connector stand-in is on loopback
    return Services(
        settings=Settings(_env_file=None, **settings),  # type: ignore[call-arg]
        engine=engine,
        sessionmaker=maker,
        dispatcher=Dispatcher(sessionmaker=maker, clock=clock),
        deliverer=Deliverer(sessionmaker=maker, transports=transports, clock=clock),
        clock=clock,
        transports=transports,
    )


def give_teams_ids(maker: sessionmaker[Session]) -> None:
    """Per Ek and Maria Lind use Teams too (Karin Berg's id comes from the example network)."""
    with maker() as s:
        s.execute(update(Person).where(Person.handle == "per.ek").values(teams_aad_object_id=PER["aadObjectId"]))
        s.execute(update(Person).where(Person.handle == "maria.lind")
                  .values(teams_user_id=MARIA["id"], teams_aad_object_id=MARIA["aadObjectId"]))
        s.commit()


@pytest.fixture
def teams_store(network: sessionmaker[Session]) -> sessionmaker[Session]:
    give_teams_ids(network)
    return network


@dataclass
class Harness:
    client: TestClient
    standin: StandIn
    service_url: str
    services: Services

    @property
    def component(self):  # type: ignore[no-untyped-def]
        return self.services.teams

    async def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        resp = await self.client.post("/api/messages", json=body, headers=headers)
        text = await resp.text()
        await self.component.idle()
        try:
            return resp.status, json.loads(text) if text else None
        except ValueError:
            return resp.status, text

    async def say(self, text: str, **kw: Any) -> tuple[int, Any]:
        return await self.post(activity(service_url=self.service_url, text=text, **kw))

    def act(self, kind: str = "message", **kw: Any) -> dict[str, Any]:
        return activity(kind, service_url=self.service_url, **kw)


@asynccontextmanager
async def connector(standin: StandIn | None = None) -> AsyncIterator[tuple[StandIn, str]]:
    """The connector stand-in listening on loopback: (recorder, its URL for activities' serviceUrl)."""
    standin = standin or StandIn()
    async with TestServer(standin.app()) as server:
        yield standin, str(server.make_url("/"))


@asynccontextmanager
async def kansli(services: Services, standin: StandIn, service_url: str) -> AsyncIterator[Harness]:
    """The kansli service (bot.serve.create_app) on loopback, retries and rate limit without waiting."""
    from bot.teams import ConversationLimiter, RetryPolicy

    async def no_wait(_: float) -> None:
        return None

    async with TestClient(TestServer(create_app(services))) as client:
        component = services.teams
        component.retry = RetryPolicy(base_delay=0, sleep=no_wait)
        component.limiter = ConversationLimiter(per_second=0)
        yield Harness(client, standin, service_url, services)


@asynccontextmanager
async def teams(services: Services, standin: StandIn | None = None) -> AsyncIterator[Harness]:
    async with connector(standin) as (recorder, url):
        async with kansli(services, recorder, url) as harness:
            yield harness


def assert_card_ok(card: dict[str, Any]) -> None:
    CARD_VALIDATOR.validate(card)
    assert card["version"] == "1.5"
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-16-le")) < TEAMS_LIMIT


def refs(maker: sessionmaker[Session]) -> list[tuple[str, str]]:
    with maker() as s:
        return [(r.scope, r.scope_id) for r in s.scalars(select(ConversationRef).order_by(ConversationRef.id))]


def person_id(maker: sessionmaker[Session], handle: str) -> int:
    with maker() as s:
        return s.scalar(select(Person.id).where(Person.handle == handle))


# ------------------------------------------------------------------------------------ tests


def test_personal_chat_answers_moten_with_a_card_in_the_same_chat(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            status, _ = await h.say("möten")
            return status, h.standin.calls

    status, calls = run(go())
    assert status == 201  # what the CloudAdapter answers for a handled message
    assert len(calls) == 1
    call = calls[0]
    assert call.conversation == f"a:personal-{PER['id']}"
    assert call.reply_to is not None  # a reply to the message the user wrote
    assert len(call.cards) == 1
    assert_card_ok(call.cards[0])
    assert "fredag 6 mars 2020" in call.words()
    assert "Dagordning senast" in call.words()


def test_answers_to_one_after_another_all_arrive_over_one_kept_connection(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            statuses = [(await h.say(text))[0] for text in ("möten", "hjälp", "möten")]
            return statuses, h.standin.calls, h.component.sdk

    statuses, calls, sdk = run(go())
    assert statuses == [201, 201, 201] and len(calls) == 3
    assert all(c.conversation == f"a:personal-{PER['id']}" and c.reply_to for c in calls)
    assert "fredag 6 mars 2020" in calls[0].words() and "fredag 6 mars 2020" in calls[2].words()
    if sdk == "agents":  # kansli keeps the Agents SDK's connector session; the SDK alone opens one per turn
        assert len({c.peer for c in calls}) == 1, [c.peer for c in calls]


# ------------------------------------------------------------------------------------ test-only commands


@pytest.fixture
def probe_commands():  # type: ignore[no-untyped-def]
    """Commands that show what reached the handler: the forum of the channel, the argument text, a form."""
    from handlers import registry
    from handlers.base import Action, Context, Reply

    def where(ctx: Context, args: str) -> Reply:
        return Reply(lines=[f"forum: {ctx.forum.key if ctx.forum else 'inget'}; plattform: {ctx.platform}"])

    def echo(ctx: Context, args: str) -> Reply:
        return Reply(lines=[f"fick: {args}; från: {ctx.person.handle}"])

    def form(ctx: Context, args: str) -> Reply:
        return Reply(title="Anmäl ärende", form="case", form_values={"möte": "6 mars"})

    def buttons(ctx: Context, args: str) -> Reply:
        return Reply(title="Välj", lines=["Tryck på en knapp."],
                     actions=[Action("Visa möten", "möten"), Action("Eko", "teamsprov eko knapp")])

    probes = [("teamsprov forum", where), ("teamsprov eko", echo), ("teamsprov formular", form),
              ("teamsprov knappar", buttons)]
    if ("anmal", "arende") not in registry._INDEX:  # until the case commands exist, show what arrives
        probes.append(("anmäl ärende", echo))
    added = []
    for name, fn in probes:
        registry.command(name, usage=f"/{name}", help="endast i test", order=999)(fn)
        added.append(tuple(registry.normalise(name).split()))
    yield
    for words in added:
        cmd = registry._INDEX.pop(words)
        registry._COMMANDS.remove(cmd)


def test_leading_slash_and_plain_text_give_the_same_answer(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("/möten")
            await h.say("moten")
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 2
    assert calls[0].words() == calls[1].words()
    assert "fredag 6 mars 2020" in calls[0].words()


def test_group_chat_mention_of_the_bot_is_stripped(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("<at>kansli</at> möten", scope="groupChat", entities=[mention(BOT)])
            return h.standin.calls

    calls = run(go())
    assert [c.conversation for c in calls] == ["19:groupchat@thread.v2"]
    # The meetings are the asker's to read, not the group's: the answer names the command as read, mention gone.
    assert "Svaret på /möten är bara till för dig" in calls[0].words()
    assert ("conversation", "19:groupchat@thread.v2") in refs(teams_store)


def test_channel_message_is_read_in_its_forum_and_the_channel_is_remembered(teams_store, engine, probe_commands) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("<at>kansli</at>&nbsp;/teamsprov forum", scope="channel", entities=[mention(BOT)])
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 1
    assert calls[0].conversation.startswith(CHANNEL)  # the reply goes into the thread it was asked in
    assert calls[0].reply_to is not None
    assert "forum: lchnv; plattform: teams" in calls[0].text
    with teams_store() as s:
        forum_id = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
        ref = s.scalar(select(ConversationRef).where(ConversationRef.scope == "forum"))
    assert ref is not None and ref.scope_id == str(forum_id)
    # Later posts to the forum start a new message in the channel, not a reply in someone's thread.
    assert ref.reference["conversation"]["id"] == CHANNEL
    assert "activityId" not in ref.reference and "user" not in ref.reference


def test_mentions_of_people_become_handles(teams_store, engine, probe_commands) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("<at>kansli</at> teamsprov eko <at>Maria Lind</at> och <at>Karin</at> och <at>Okänd Person</at>",
                        scope="groupChat",
                        entities=[mention(BOT), mention(MARIA), mention(KARIN, "Karin"), mention(STRANGER)])
            return h.standin.calls

    calls = run(go())
    assert "fick: @maria.lind och @karin.berg och @Okänd Person; från: per.ek" in calls[0].text


def test_unknown_user_gets_one_swedish_sentence_and_nothing_else(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("möten", user=STRANGER)
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 1
    assert calls[0].cards == []
    assert calls[0].text.startswith("Kansli känner inte igen dig.")
    assert "aad-stranger" in calls[0].text  # the id the coordinator adds as teams_aad
    assert refs(teams_store) == []  # nothing kept about a stranger's personal chat
    with teams_store() as s:
        assert s.scalar(select(Outbox.id)) is None


def test_the_same_activity_delivered_twice_is_answered_once(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            act = h.act(text="möten")
            await h.post(act)
            await h.post(act)
            return h.standin.calls

    assert len(run(go())) == 1


def test_installing_the_app_in_personal_scope_remembers_the_person_and_greets_them(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            status, _ = await h.post(h.act("conversationUpdate", user=MARIA, members_added=[BOT]))
            return status, h.standin.calls

    status, calls = run(go())
    assert status == 201
    assert len(calls) == 1
    assert calls[0].text.startswith("Hej Maria Lind!")
    assert refs(teams_store) == [("person", str(person_id(teams_store, "maria.lind")))]


def test_installing_the_app_in_a_team_remembers_the_forum_channel(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=KARIN, scope="channel", members_added=[BOT]))
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 1 and "@kansli" in calls[0].text
    with teams_store() as s:
        forum_id = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
    assert ("forum", str(forum_id)) in refs(teams_store)


def test_card_buttons_run_their_command_as_the_user_who_pressed(teams_store, engine, probe_commands) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("teamsprov knappar")
            card = h.standin.calls[0].cards[0]
            assert_card_ok(card)
            data = [a["data"] for a in card["actions"]]
            # Action.Submit arrives as a message with the button's data as its value.
            await h.post(h.act(user=MARIA, value=data[1]))
            # Action.Execute arrives as an invoke.
            status, body = await h.post(h.act("invoke", user=MARIA, name="adaptiveCard/action",
                                              value={"action": {"type": "Action.Execute", "data": data[0]}}))
            return h.standin.calls, status, body

    calls, status, body = run(go())
    assert "fick: knapp; från: maria.lind" in calls[1].text
    assert status == 200 and body["statusCode"] == 200
    assert "fredag 6 mars 2020" in calls[2].words()


def test_case_form_is_an_adaptive_card_and_its_submit_becomes_the_command(teams_store, engine, probe_commands) -> None:
    from bot.render.teams import case_command

    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("teamsprov formular")
            return h.standin.calls

    calls = run(go())
    card = calls[0].cards[0]
    assert_card_ok(card)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert list(inputs) == ["titel", "syfte", "mote", "foredragande", "bilaga", "beskrivning", "forslag"]
    assert [c["value"] for c in inputs["syfte"]["choices"]] == ["information", "diskussion", "beslut"]
    assert inputs["mote"]["value"] == "6 mars"  # what the handler already knew is filled in
    submitted = dict(card["actions"][0]["data"], titel="Ny rutin för hemsjukvård", syfte="beslut",
                     mote="6 mars", foredragande="johan.sjo", bilaga="https://example.se/pm.pdf")
    assert case_command(submitted) == (
        "anmäl ärende Ny rutin för hemsjukvård; syfte: beslut; möte: 6 mars; föredragande: @johan.sjo; "
        "bilaga: https://example.se/pm.pdf"
    )


def test_a_submitted_case_form_raises_the_case_as_the_member_who_filled_it_in(teams_store, engine,
                                                                                 probe_commands) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("teamsprov formular")
            card = h.standin.calls[0].cards[0]
            values = dict(card["actions"][0]["data"], titel="Ny rutin för hemsjukvård", syfte="beslut", mote="6 mars",
                          foredragande="@johan.sjo", bilaga="")
            await h.post(h.act(user=MARIA, value=values))
            return h.standin.calls[1:]

    calls = run(go())
    assert "Ny rutin för hemsjukvård" in calls[0].words()
    assert "Jag känner inte igen" not in calls[0].words()


def test_a_stranger_installing_the_app_is_told_how_to_be_added_and_nothing_is_kept(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=STRANGER, members_added=[BOT]))
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 1 and calls[0].text.startswith("Kansli känner inte igen dig.")
    assert refs(teams_store) == []


def test_with_an_app_id_a_request_without_a_token_is_refused(teams_store, engine) -> None:
    services = make_services(teams_store, engine, MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                             MicrosoftAppTenantId=TENANT)

    async def go():
        async with teams(services) as h:
            status, _ = await h.say("möten")
            return status, h.standin.calls

    status, calls = run(go())
    assert status == 401
    assert calls == []
    assert refs(teams_store) == []


def test_the_endpoint_refuses_what_is_not_an_activity(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            a = await h.client.post("/api/messages", data="hej", headers={"Content-Type": "text/plain"})
            b = await h.client.post("/api/messages", data="{inte json", headers={"Content-Type": "application/json"})
            c = await h.client.post("/api/messages", json={"text": "möten"})
            return a.status, b.status, c.status, h.standin.calls

    a, b, c, calls = run(go())
    assert (a, b, c) == (415, 400, 400)
    assert calls == []


# ------------------------------------------------------------------------------------ the whole flow


def test_done_when_absence_reaches_the_rss_manager_and_the_chair_gets_the_agenda_card(teams_store, engine) -> None:
    """A representative reports absence to the bot; the RSS manager gets it in her chat; the chair the agenda."""
    from handlers.agenda import agenda_reply

    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            # The RSS manager and the chair added the app to their own Teams once.
            await h.post(h.act("conversationUpdate", user=MARIA, members_added=[BOT]))
            await h.post(h.act("conversationUpdate", user=KARIN, members_added=[BOT]))
            start = len(h.standin.calls)
            # A representative writes to the bot. He sits in two forums, so kansli asks which meeting,
            # with a button for each; he presses the one for the LCHNV meeting on 6 March.
            await h.say("anmäl frånvaro", user=PER)
            question = h.standin.calls[start]
            assert "Vilket möte menar du?" in question.words()
            [button] = [a for a in question.cards[0]["actions"] if "6 mars" in a["title"]]
            await h.post(h.act(user=PER, value=button["data"]))
            flow = h.standin.calls[start + 1:]
            morning_start = len(h.standin.calls)
            # The morning of the meeting the chair's agenda goes out (queued as the scheduler queues it).
            with teams_store() as s:
                meeting = s.scalar(select(Meeting).join(Forum).where(Forum.key == "lchnv")
                                   .order_by(Meeting.starts_at))
                reply = agenda_reply(s, meeting, now=at("2020-03-06T07:30"))
                row = outbox.enqueue(s, key="chair-agenda:test", kind="chair_agenda", payload=reply.to_dict(),
                                     now=at("2020-03-06T07:30"), person_id=person_id(teams_store, "karin.berg"))
                s.commit()
            await services.deliverer.deliver([row], now=at("2020-03-06T07:30"))
            return flow, h.standin.calls[morning_start:]

    flow, morning = run(go())
    to_per = [c for c in flow if c.conversation == f"a:personal-{PER['id']}"]
    to_maria = [c for c in flow if c.conversation == f"a:personal-{MARIA['id']}"]
    assert len(to_per) == 1 and "fredag 6 mars 2020" in to_per[0].words()
    assert len(to_maria) == 1 and to_maria[0].reply_to is None
    assert "Per Ek" in to_maria[0].words() and "fredag 6 mars 2020" in to_maria[0].words()
    assert [c.conversation for c in morning] == [f"a:personal-{KARIN['id']}"]
    card = morning[0].cards[0]
    assert_card_ok(card)
    words = morning[0].words()
    assert "Dagordning" in words and "fredag 6 mars 2020" in words
    assert "Anmäld frånvaro" in words and "Per Ek" in words


def test_an_incomplete_teams_configuration_stops_the_service_with_one_swedish_line(teams_store, engine) -> None:
    from bot.config import SettingsError

    services = make_services(teams_store, engine, MicrosoftAppId=APP_ID, MicrosoftAppType="UserAssignedMSI")
    with pytest.raises(SettingsError, match="MicrosoftAppTenantId"):
        create_app(services)


def test_removing_the_app_forgets_the_conversation(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=MARIA, members_added=[BOT]))
            await h.post(h.act("conversationUpdate", user=KARIN, scope="channel", members_added=[BOT]))
            both = refs(teams_store)
            await h.post(dict(h.act("installationUpdate", user=MARIA), action="remove"))
            await h.post(h.act("conversationUpdate", user=KARIN, scope="channel", members_added=[],
                               ) | {"membersRemoved": [BOT]})
            return both, refs(teams_store)

    both, after = run(go())
    assert len(both) == 2
    assert after == []


def test_only_the_teams_modules_use_an_sdk() -> None:
    """The Bot Framework SDK is used in bot/teams.py alone, the Agents SDK in bot/teams_agents.py alone."""
    import re

    from tests.conftest import ROOT

    def users(pattern: str) -> list[str]:
        sdk = re.compile(rf"^\s*(from|import)\s+({pattern})\b", re.MULTILINE)
        return sorted(str(p.relative_to(ROOT)) for folder in ("bot", "handlers", "storage")
                      for p in (ROOT / folder).rglob("*.py") if sdk.search(p.read_text(encoding="utf-8")))

    assert users("botbuilder|botframework|msrest") == ["bot/teams.py"]
    assert users("microsoft_agents") == ["bot/teams_agents.py"]


def test_an_answer_throttled_by_teams_is_posted_again(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            h.standin.failures = [429, 502]
            await h.say("möten")
            return h.standin.calls, h.standin.attempts

    calls, attempts = run(go())
    assert attempts == 3 and len(calls) == 1
    assert "fredag 6 mars 2020" in calls[0].words()


def test_each_answer_goes_to_the_service_url_its_activity_came_from(teams_store, engine) -> None:
    # kansli keeps one connector client per service URL across turns; answers must still go back to
    # the Teams region (service URL) each activity came from, in any order.
    services = make_services(teams_store, engine)

    async def go():
        async with connector() as (north, north_url), connector() as (south, south_url):
            async with kansli(services, north, north_url) as h:
                for url in (north_url, south_url, north_url, south_url, north_url):
                    status, _ = await h.post(activity(service_url=url, text="möten"))
                    assert status == 201
            return north.calls, south.calls

    north_calls, south_calls = run(go())
    assert len(north_calls) == 3 and len(south_calls) == 2
    assert all("LCHNV" in c.words() for c in north_calls + south_calls)


def test_a_refused_command_keeps_the_channel_and_a_redelivery_is_not_answered_again(teams_store, engine) -> None:
    # The turn's bookkeeping and the command share one transaction; a refusal undoes only the command.
    services = make_services(teams_store, engine)
    with teams_store() as s:
        audited = s.scalar(select(func.count()).select_from(AuditLog))

    async def go():
        async with teams(services) as h:
            act = h.act(text="<at>kansli</at> uppdrag klar 99999", scope="channel", entities=[mention(BOT)])
            await h.post(act)
            await h.post(act)  # Bot Framework delivers the same activity again
            return h.standin.calls

    calls = run(go())
    assert len(calls) == 1
    assert "Det finns inget uppdrag 99999" in calls[0].words()
    with teams_store() as s:
        forum_id = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
        assert refs(teams_store) == [("forum", str(forum_id))]
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audited


def test_a_turn_deletes_no_old_activity_records(teams_store, engine) -> None:
    # Forgetting answered activities is the scheduler's work (bot.scheduler.prune), never a user's turn.
    from datetime import timedelta

    with teams_store() as s:
        s.add(ProcessedEvent(event_key="teams:a:old", at=NOW - timedelta(days=3)))
        s.add(ProcessedEvent(event_key="teams:a:recent", at=NOW - timedelta(hours=5)))
        s.add(ProcessedEvent(event_key="slack:Ev-old", at=NOW - timedelta(days=3)))
        s.commit()
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("möten")

    run(go())
    with teams_store() as s:
        keys = set(s.scalars(select(ProcessedEvent.event_key)))
    assert {"teams:a:old", "teams:a:recent", "slack:Ev-old"} <= keys
    assert len([k for k in keys if k.startswith("teams:a:personal")]) == 1  # this message, remembered
