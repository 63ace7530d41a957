"""The Slack Bolt app: slash commands, DMs, @mentions, buttons, the case modal and the App Home tab.

Every request is acknowledged first (Slack wants an answer within three
seconds); the command then runs as a turn (bot.turn) on a database thread, so
the event loop never waits for the database: recorded under its key in the
command's own transaction, answered through the response_url,
chat.postEphemeral, chat.postMessage or views.publish, and the messages the
command queued for others delivered last. The key is the request signature
over HTTP and the trigger_id in Socket Mode (slash commands, buttons, modals),
the event_id for the Events API in both. A request Slack (or anyone) sends
again with the same key is acknowledged and not run again.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import select

from bot.app import Services
from bot.dispatch import Identity
from bot.render.slack import ACTION_PREFIX, VIEW_BLOCKS, fallback_text, render_blocks, render_pages
from bot.slack import forms
from bot.slack.text import (
    SLASH_ALIASES,
    SLASH_COMMANDS,
    conversation_kind,
    mentioned_users,
    slash_to_text,
    strip_bot_mention,
    to_command_text,
)
from bot.slack.transport import SlackTransport, make_client, open_session
from bot.turn import CommandText, Dispatched, Turn, TurnPipeline
from handlers.base import Action, Reply, error_reply
from handlers.common import forum_label
from handlers.fmt import local
from storage import queries
from storage.models import Person
from handlers.i18n import _

log = logging.getLogger("kansli.slack")

EVENTS_PATH = "/slack/events"
# The Events API subscriptions the app handles (deploy/slack/manifest.yml subscribes to exactly these).
SUBSCRIBED_EVENTS = ("app_home_opened", "app_mention", "message.im")
# Bot scopes: slash commands, posting (also in public forum channels without joining), DMs, mentions, user picker.
BOT_SCOPES = ("app_mentions:read", "chat:write", "chat:write.public", "commands", "im:history", "im:read",
              "im:write", "users:read")
HOME_COMMAND = "översikt"
# How long a modal submission may wait for the dispatcher before Slack is answered (Slack allows 3 s):
# a refusal within the budget is shown on the field; a later one comes as a DM.
FORM_BUDGET = 2.0
# Slack takes at most five messages through one response_url.
RESPONSE_URL_USES = 5
# Seconds the notifications queued by turns may still be delivered after the answers were drained at
# shutdown; the rest is handed back to the outbox.
SHUTDOWN_GRACE = 5.0
FORM_FAILED = (
    _("Formuläret kunde inte öppnas (Slack hann inte). Skriv ärendet på en rad i "
      "stället: /anmal ärende TITEL; syfte: beslut; möte: DATUM; föredragande: "
      "@användarnamn; bilaga: URL")
)
FORM_BUTTON = _("Fyll i formuläret, eller skriv allt på en rad: /anmal ärende TITEL; syfte: beslut; möte: DATUM")


@dataclass
class Submitted:
    """A modal submission after the dispatcher: field errors, the turn to answer, or neither (a repeat)."""

    dispatched: Dispatched | None = None
    errors: dict[str, str] = field(default_factory=dict)


class _TokenFromClient(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client's token wins; it is the same."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client`")


BOLT_LOG = logging.getLogger("kansli.slack.bolt")
BOLT_LOG.addFilter(_TokenFromClient())


class _Ack:
    """Bolt's `ack`, noting that it was called (SlackBot._acknowledged returns then)."""

    def __init__(self, ack: Any) -> None:
        self._ack = ack
        self.done = asyncio.Event()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self._ack(*args, **kwargs)
        finally:
            self.done.set()


class SlackBot:
    def __init__(self, services: Services, *, client: AsyncWebClient | None = None) -> None:
        self.services = services
        settings = services.settings
        self.client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
        self.transport = SlackTransport(self.client)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            # Bolt answers Slack's HTTP request when a listener returns; kansli's listeners return as soon
            # as they have acknowledged (SlackBot._acknowledged), the answer goes on in a task of its own.
            # (With False, Bolt runs the listener in a task and polls every 10 ms for the acknowledgement.)
            process_before_response=True,
            logger=BOLT_LOG,
            name="kansli",
        )
        # Signature check for HTTP mode (Socket Mode needs no signing secret).
        self.verifier = SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
        self.form_budget = FORM_BUDGET
        self._socket: Any = None
        self._socket_task: asyncio.Task[None] | None = None
        self.turns = TurnPipeline(services)
        self.shutdown_grace = SHUTDOWN_GRACE
        # The process's HTTP session for Slack (open_http), None until the service starts.
        self._http: Any = None
        self._register()

    # ------------------------------------------------------------------ HTTP and Socket Mode

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: 401 unless signed by Slack within five minutes, 400 for what is not a Slack
        request; the rest goes to Bolt (which checks the signature again)."""
        try:
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        if not self._signed(body, request.headers.get("X-Slack-Request-Timestamp"),
                            request.headers.get("X-Slack-Signature")):
            return web.json_response({"error": "invalid request"}, status=401)
        problem = request_problem(body, request.content_type)
        if problem:
            log.warning("refused a signed slack request: %s", problem)
            return web.json_response({"error": problem}, status=400)
        # A replay inside the five minutes is acknowledged by Bolt; its turn finds its signature recorded.
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                        headers=request.headers)  # type: ignore[arg-type]
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _signed(self, body: str, timestamp: str | None, signature: str | None) -> bool:
        if self.verifier is None or not timestamp or not signature:
            return False
        try:
            return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        except (ValueError, TypeError):
            return False

    async def open_http(self, _app: web.Application) -> None:
        """Startup: one HTTP session for this process's Web API calls and response_url posts, so they reuse
        kept-alive connections (slack_sdk otherwise opens a session, and a connection, per call)."""
        if self.client.session is None or self.client.session.closed:
            self._http = open_session()
            self.client.session = self._http

    async def close_http(self, _app: web.Application) -> None:
        if self._http is not None:
            self.client.session = None
            await self._http.close()
            self._http = None

    async def _respond(self, respond: Any, **message: Any) -> None:
        """Post to the request's response_url as Bolt's `respond` does, over the process's kept session."""
        url = getattr(respond, "response_url", None)
        if self._http is None or not url:
            await respond(**message)
            return
        client = AsyncWebhookClient(url=url, proxy=getattr(respond, "proxy", None), ssl=getattr(respond, "ssl", None),
                                    session=self._http)
        await client.send_dict({k: v for k, v in message.items() if v is not None})

    async def start_socket_mode(self, _app: web.Application) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.app, app_token=self.services.settings.slack_app_token,
                                              web_client=self.client)
        self._socket_task = asyncio.create_task(self._connect_socket())

    async def _connect_socket(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._socket.connect_async()
                log.info("slack socket mode connected")
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep trying; the HTTP side and the rest keep running
                log.warning("slack socket mode could not connect (%s); trying again in %.0f s",
                            type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def stop_socket_mode(self, _app: web.Application) -> None:
        if self._socket_task is not None:
            self._socket_task.cancel()
        if self._socket is not None:
            try:
                await self._socket.close_async()
            except Exception:  # noqa: BLE001 - shutting down anyway
                log.debug("socket mode close failed", exc_info=True)

    # ------------------------------------------------------------------ listeners

    def _register(self) -> None:
        app = self.app

        async def on_command(ack: Any, body: dict[str, Any], respond: Any, request: Any) -> None:
            await self._acknowledged(ack, lambda acked: self._command(acked, body, respond, request_key(request, body)))

        for name in (*SLASH_COMMANDS, *SLASH_ALIASES):
            app.command(name)(on_command)

        async def on_message(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
            await self._guard(self._message(body, event, context.bot_user_id, mention=False))

        async def on_mention(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
            await self._guard(self._message(body, event, context.bot_user_id, mention=True))

        app.event("message")(on_message)
        app.event("app_mention")(on_mention)

        async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
            await self._guard(self._home_opened(body, event))

        app.event("app_home_opened")(on_home)

        async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                            request: Any) -> None:
            await self._acknowledged(ack, lambda acked: self._action(acked, body, action, respond,
                                                                     request_key(request, body)))

        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(on_action)

        async def on_case_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], request: Any) -> None:
            await self._acknowledged(ack, lambda acked: self._case_submitted(acked, body, view,
                                                                             request_key(request, body)))

        app.view(forms.CASE_CALLBACK)(on_case_submit)

        async def on_reason_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], request: Any) -> None:
            await self._acknowledged(ack, lambda acked: self._reason_submitted(acked, body, view,
                                                                               request_key(request, body)))

        app.view(forms.REASON_CALLBACK)(on_reason_submit)

    async def _guard(self, work: Awaitable[None]) -> None:
        """Start the answer to an event in a task of its own and return, so that Bolt acknowledges the event at
        once (when the listener returns). A failure is logged, never shown as a traceback; `drain` waits for it."""
        self.turns.start(work)

    async def _acknowledged(self, ack: Any, work: Callable[["_Ack"], Awaitable[None]]) -> None:
        """Start `work(ack)` in a task of its own and return once it has acknowledged Slack, so that Bolt sends
        the HTTP response then; the answer goes on in the task. A failure is logged, never shown as a
        traceback; `drain` waits for the task."""
        acked = _Ack(ack)
        task = self.turns.start(work(acked))
        waiter = asyncio.ensure_future(acked.done.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not acked.done.is_set():  # the work ended without acknowledging: Slack still gets its empty 200
            await acked()

    async def drain(self, timeout: float = 25.0) -> bool:
        """Wait until every acknowledged request has been answered (and its messages delivered)."""
        return await self.turns.drain(timeout)

    async def drain_on_shutdown(self, _app: web.Application) -> None:
        if not await self.drain():
            log.warning("shutting down with %d slack answers unfinished", self.turns.inflight)

    async def close(self, _app: web.Application) -> None:
        """Give deliveries still queued a moment, then cancel them (the service hands their rows back)."""
        await self.turns.stop(self.shutdown_grace)

    # ------------------------------------------------------------------ turns

    def turn(self, text: str, user: str, channel: str | None, kind: str | None = None, *,
             key: str | None = None) -> Turn:
        """A Slack turn: the asker by Slack id, the request's key (signature, trigger_id or event_id) to record."""
        return Turn(identity=Identity(slack_user_id=user), platform="slack", text=command_reader(text),
                    event_key=key, channel=channel, conversation=kind or conversation_kind(channel))

    # ------------------------------------------------------------------ slash commands

    async def _command(self, ack: Any, body: dict[str, Any], respond: Any, key: str | None) -> None:
        await ack()
        user = str(body.get("user_id"))
        channel = body.get("channel_id")
        via_url = respond is not None and bool(body.get("response_url"))
        uses = RESPONSE_URL_USES if via_url else None

        async def reply(turn: Dispatched) -> None:
            answer, pages = turn.reply, turn.rendered
            if answer.form in forms.FORMS:
                if body.get("trigger_id") and await self._open_form(str(body["trigger_id"]), answer, user, channel):
                    return
                answer, pages = _form_failed(answer), None
            in_channel = not answer.private and bool(channel) and str(channel)[:1] in ("C", "G")
            if via_url:
                for blocks in pages if pages is not None else await asyncio.to_thread(_pages, answer, uses):
                    await self._respond(respond, text=fallback_text(answer), blocks=blocks,
                                        response_type="in_channel" if in_channel else "ephemeral")
            elif channel:
                if in_channel:
                    await self.transport.post(str(channel), answer, pages=pages)
                else:
                    await self.transport.post_ephemeral(str(channel), user, answer, pages=pages)
            else:
                await self.send_dm(user, answer, pages=pages)

        turn = self.turn(slash_to_text(str(body.get("command", "")), body.get("text") or ""), user, channel,
                         conversation_kind(channel, name=body.get("channel_name")), key=key)
        await self.turns.run(turn, reply, render=page_renderer(uses))

    # ------------------------------------------------------------------ DMs and @mentions

    async def _message(self, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None, *,
                       mention: bool) -> None:
        # Only people's own new messages: never a bot's (our own included), an edit, a join or a deletion.
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
            return
        user = event.get("user")
        if not user or (bot_user_id and user == bot_user_id):
            return
        channel = str(event.get("channel") or "")
        if mention and channel.startswith("D"):
            return  # a mention inside the DM also arrives as message.im; answer that one
        if not mention and event.get("channel_type") != "im":
            return  # kansli reads direct messages; in channels it answers when mentioned
        text = strip_bot_mention(event.get("text") or "", bot_user_id)
        thread_ts = event.get("thread_ts")

        async def reply(turn: Dispatched) -> None:
            answer, pages = turn.reply, turn.rendered
            if answer.form in forms.FORMS:
                answer, pages = _form_button(answer, text), None
            if mention and answer.private:
                await self.transport.post_ephemeral(channel, str(user), answer, thread_ts=thread_ts, pages=pages)
            else:
                await self.transport.post(channel, answer, thread_ts=thread_ts, pages=pages)

        turn = self.turn(text, str(user), channel, conversation_kind(channel, channel_type=event.get("channel_type")),
                         key=event_key(body))
        await self.turns.run(turn, reply, render=page_renderer())

    # ------------------------------------------------------------------ buttons

    async def _action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                      key: str | None) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id"))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        view = body.get("view") or {}
        via_url = respond is not None and bool(body.get("response_url"))
        uses = RESPONSE_URL_USES if via_url else None

        async def reply(turn: Dispatched) -> None:
            answer, pages = turn.reply, turn.rendered
            if answer.form in forms.FORMS and body.get("trigger_id"):
                if await self._open_form(str(body["trigger_id"]), answer, user, channel):
                    return
                answer, pages = _form_failed(answer), None
            if via_url:
                for blocks in pages if pages is not None else await asyncio.to_thread(_pages, answer, uses):
                    await self._respond(respond, text=fallback_text(answer), blocks=blocks,
                                        response_type="ephemeral", replace_original=False)
            else:
                await self.send_dm(user, answer, pages=pages)

        turn = self.turn(str(action.get("value") or ""), user, channel,
                         conversation_kind(channel, name=(body.get("channel") or {}).get("name")), key=key)
        if await self.turns.run(turn, reply, render=page_renderer(uses)) is not None and view.get("type") == "home":
            await self.publish_home(user)

    # ------------------------------------------------------------------ the case modal

    async def _open_form(self, trigger_id: str, reply: Reply, user: str, channel: str | None) -> bool:
        """Open the modal the reply asks for; False when it cannot be opened (the caller answers in text)."""
        if reply.form == forms.CASE_FORM:
            forums, current = await self.services.threads.run(self._forums_of, user, channel)
            view = forms.case_view(reply, channel=channel, forums=forums, current_forum=current)
        else:
            view = forms.reason_view(reply, channel=channel)
            if view is None:
                return False
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except Exception as exc:  # noqa: BLE001 - expired trigger, Slack down: the caller answers in text
            log.warning("views.open failed: %s", exc)
            return False
        return True

    def _forums_of(self, user: str, channel: str | None) -> tuple[list[tuple[str, str]], str | None]:
        with self.services.sessionmaker() as session:
            person = queries.person_by_slack(session, user)
            if person is None:
                return [], None
            forums = queries.forums_of(session, person, sitting=local(self.services.clock()).date())
            current = None
            if channel:
                current = next((f.key for f in forums if f.slack_channel == channel), None)
            return [(f.key, forum_label(f)) for f in forums], current

    async def _case_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any], key: str | None) -> None:
        user = str((body.get("user") or {}).get("id"))
        meta = _metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        blocks = {b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")} or set(values)
        form = forms.read_case_form(values)
        await self._submitted(ack, user, self._submit_case(form, user, meta.get("channel"), blocks, key))

    async def _reason_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any], key: str | None) -> None:
        user = str((body.get("user") or {}).get("id"))
        meta = _metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        text = forms.reason_text(str(meta.get("command") or ""), values)

        async def submit() -> Submitted:
            turn = await self.turns.dispatch(self.turn(text, user, meta.get("channel"), key=key),
                                             render=page_renderer())
            if turn is not None and not turn.reply.ok:
                message = " ".join(turn.reply.lines) or turn.reply.plain_text()
                return Submitted(dispatched=turn, errors={forms.REASON: message[: forms.ERROR_MAX]})
            return Submitted(dispatched=turn)

        await self._submitted(ack, user, submit())

    async def _submitted(self, ack: Any, user: str, work: Awaitable[Submitted]) -> None:
        """Answer a modal: a quick refusal on the field (the modal stays open), otherwise close it and DM."""
        task = asyncio.ensure_future(work)
        try:
            await self._answer_submitted(ack, user, task)
        finally:
            # However the answer went (a refusal on the field, a failed ack), the turn's notifications go.
            task.add_done_callback(_release_submitted)

    async def _answer_submitted(self, ack: Any, user: str, task: "asyncio.Future[Submitted]") -> None:
        done, __ = await asyncio.wait({task}, timeout=self.form_budget)
        if task in done and task.exception() is None and task.result().errors:
            await ack(response_action="errors", errors=task.result().errors)  # shown on the field instead
            return
        await ack()  # closes the modal; the answer follows as a DM
        try:
            result = await task
        except Exception:  # noqa: BLE001
            log.exception("form submission failed")
            return
        if result.dispatched is None:
            if result.errors:  # refused before any command ran
                await self.send_dm(user, error_reply(next(iter(result.errors.values()))))
            return  # otherwise a repeat of a submission already answered
        await self.turns.answer(result.dispatched, lambda turn: self.send_dm(user, turn.reply, pages=turn.rendered))

    async def _submit_case(self, form: forms.CaseForm, user: str, channel: str | None, blocks: set[str],
                           key: str | None) -> Submitted:
        handle = None
        if form.presenter_user:
            handle = await self.services.threads.run(self._handle_of, form.presenter_user)
            if handle is None:
                return Submitted(errors={forms.PRESENTER: (
                    _("Den du valde finns inte i Kansli. Välj någon annan, eller lämna fältet tomt och "
                      "be samordnaren lägga till personen med /ledamot ny.")
                )})
        turn = await self.turns.dispatch(self.turn(forms.case_text(form, handle), user, channel, key=key),
                                         render=page_renderer())
        if turn is not None and not turn.reply.ok:
            return Submitted(dispatched=turn, errors=forms.form_errors(turn.reply, blocks=blocks))
        return Submitted(dispatched=turn)

    def _handle_of(self, slack_user: str) -> str | None:
        with self.services.sessionmaker() as session:
            person = queries.person_by_slack(session, slack_user)
            return person.handle if person is not None else None

    # ------------------------------------------------------------------ App Home and DMs

    async def _home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        await self.publish_home(str(event["user"]), key=event_key(body))

    async def publish_home(self, user: str, *, key: str | None = None) -> None:
        async def reply(turn: Dispatched) -> None:
            await self.client.views_publish(user_id=user, view={"type": "home", "blocks": turn.rendered})

        await self.turns.run(self.turn(HOME_COMMAND, user, None, key=key), reply,
                             render=lambda answer: render_blocks(answer, limit=VIEW_BLOCKS))

    async def send_dm(self, user: str, reply: Reply, *, pages: list[list[dict[str, Any]]] | None = None) -> None:
        await self.transport.post_dm(user, reply, pages=pages)


def request_key(request: Any, body: dict[str, Any]) -> str | None:
    """The key a slash command, button or modal submission is recorded under, so that the same request
    delivered again is not run again: over HTTP its signature (below); in Socket Mode, where nothing is
    signed, its trigger_id. Slack makes a trigger_id for each invocation (a slash command, a click, a
    submission) and an envelope delivered again carries the same payload, so two real invocations get
    two keys and a redelivery the first one's."""
    return signature_key(request) or trigger_key(body)


def trigger_key(body: dict[str, Any]) -> str | None:
    trigger = body.get("trigger_id") if isinstance(body, dict) else None
    return f"slack:trigger:{trigger}" if trigger else None


def signature_key(request: Any) -> str | None:
    """An HTTP request's signature (an HMAC of its timestamp and body), so a replay inside Slack's
    five-minute window is not run again. Socket Mode requests carry none."""
    headers = getattr(request, "headers", None) or {}
    value = headers.get("x-slack-signature") if hasattr(headers, "get") else None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return f"slack:sig:{value}" if value else None


def event_key(body: dict[str, Any]) -> str | None:
    """The key an Events API delivery is recorded under: its event_id, the same on Slack's retries."""
    event_id = body.get("event_id")
    return f"slack:{event_id}" if event_id else None


def command_reader(text: str) -> CommandText:
    """The command in a Slack text, read inside the turn's transaction: mentioned people become handles."""
    ids = mentioned_users(text)
    if not ids:
        return to_command_text(text, {})

    def read(session: Any) -> str:
        rows = session.execute(
            select(Person.slack_user_id, Person.handle).where(
                Person.slack_user_id.in_(sorted(ids)), Person.erased.is_(False)
            )
        )
        return to_command_text(text, {str(uid): handle for uid, handle in rows})

    return read


def page_renderer(max_pages: int | None = None) -> Any:
    """The render step for messages: Block Kit pages, built on the turn's database thread. A reply asking
    for a form is rendered later, once it is known whether the form opens."""

    def render(reply: Reply) -> list[list[dict[str, Any]]] | None:
        return None if reply.form in forms.FORMS else render_pages(reply, max_pages=max_pages)

    return render


def request_problem(body: str, content_type: str) -> str | None:
    """Why a (signed) body is not one of the requests Slack sends to kansli, or None when it is.

    Events API callbacks (JSON), slash commands and interactivity (form-encoded, interactivity as a JSON
    `payload` field) and Slack's ssl_check.
    """
    if not body.strip():
        return "empty body"
    if content_type == "application/json" or body.lstrip().startswith("{"):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return "body is not JSON (or nested too deep)"
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return "not a Slack event"
        if data["type"] == "url_verification":
            return None if isinstance(data.get("challenge"), str) else "url_verification without challenge"
        if data["type"] == "event_callback":
            event = data.get("event")
            return None if isinstance(event, dict) and isinstance(event.get("type"), str) else "callback without event"
        return None if data["type"] == "app_rate_limited" else f"unknown Slack request type {data['type'][:40]!r}"
    try:
        form = parse_qs(body, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return "body is not a form"
    one = {k: v[0] for k, v in form.items() if v}
    if one.get("ssl_check"):
        return None
    if "command" in one:
        return None if one["command"].startswith("/") and one.get("user_id") else "slash command without user"
    if "payload" in one:
        try:
            payload = json.loads(one["payload"])
        except (ValueError, RecursionError):
            return "payload is not JSON (or nested too deep)"
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            return "payload without type"
        user = payload.get("user")
        if payload["type"] in ("block_actions", "view_submission", "view_closed") and not (
                isinstance(user, dict) and isinstance(user.get("id"), str)):
            return "interaction without user"
        return None
    return "not a Slack request"


def _release_submitted(task: "asyncio.Future[Submitted]") -> None:
    if not task.cancelled() and task.exception() is None and task.result().dispatched is not None:
        task.result().dispatched.release()  # type: ignore[union-attr]


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _form_button(reply: Reply, text: str) -> Reply:
    """A form asked for where Slack gives no trigger to open one (a DM, a mention): offer a button instead."""
    if reply.form == forms.REASON_FORM:
        command = (reply.form_values or {}).get("command") or ""
        label = (reply.form_values or {}).get("label") or _("Skäl")
        button = Action(_("Skriv {lower}", lower=label.lower()), command, "primary") if command else None
        lines = reply.lines
    else:
        button = Action(_("Öppna formuläret"), text.strip().lstrip("/"), "primary")
        lines = reply.lines or [FORM_BUTTON]
    return Reply(
        title=reply.title,
        lines=lines,
        fields=reply.fields,
        sections=reply.sections,
        context=reply.context,
        actions=[*([button] if button else []), *reply.actions],
        ok=reply.ok,
        private=True,
    )


def _form_failed(reply: Reply) -> Reply:
    """The modal could not be opened: the reply's own words say how to write it on one line."""
    if reply.lines:
        return Reply(title=reply.title, lines=reply.lines, fields=reply.fields, context=reply.context,
                     ok=reply.ok, private=True)
    return error_reply(FORM_FAILED)


def _pages(reply: Reply, max_pages: int | None = None) -> list[list[dict[str, Any]]]:
    """Block Kit pages, built in a worker thread by the callers: rendering must not hold up acknowledgements."""
    return render_pages(reply, max_pages=max_pages)
