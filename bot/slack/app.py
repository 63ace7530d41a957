"""The Slack Bolt app: slash commands, DMs, @mentions, buttons, the case modal and the App Home tab.

Every request is acknowledged first (Slack wants an answer within three
seconds); the command then runs through the dispatcher in a worker thread, so
the event loop never waits for the database, and the answer goes back through
the response_url, chat.postEphemeral, chat.postMessage or views.publish. The
messages the command queued for others are delivered last.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.app import Services
from bot.dispatch import Identity, Outcome
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
from bot.slack.transport import SlackTransport, make_client
from handlers.base import Action, Reply, error_reply
from handlers.common import forum_label
from storage import events, queries
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
FORM_FAILED = (
    _("Formuläret kunde inte öppnas (Slack hann inte). Skriv ärendet på en rad i "
      "stället: /anmal ärende TITEL; syfte: beslut; möte: DATUM; föredragande: "
      "@användarnamn; bilaga: URL")
)
FORM_BUTTON = _("Fyll i formuläret, eller skriv allt på en rad: /anmal ärende TITEL; syfte: beslut; möte: DATUM")


@dataclass
class Submitted:
    """A modal submission after the dispatcher: field errors, or the outcome to answer with."""

    outcome: Outcome | None = None
    errors: dict[str, str] = field(default_factory=dict)


class _TokenFromClient(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client's token wins; it is the same."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client`")


BOLT_LOG = logging.getLogger("kansli.slack.bolt")
BOLT_LOG.addFilter(_TokenFromClient())


class SlackBot:
    def __init__(self, services: Services, *, client: AsyncWebClient | None = None) -> None:
        self.services = services
        settings = services.settings
        self.client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
        self.transport = SlackTransport(self.client)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            process_before_response=False,
            logger=BOLT_LOG,
            name="kansli",
        )
        # Signature check for HTTP mode (Socket Mode needs no signing secret).
        self.verifier = SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
        self.form_budget = FORM_BUDGET
        self._socket: Any = None
        self._socket_task: asyncio.Task[None] | None = None
        self._inflight = 0
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
        if not await self._first_signature(str(request.headers.get("X-Slack-Signature"))):
            return web.Response(status=200)  # a replay inside the five minutes: acknowledged, not run again
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

        async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
            await self._guard(self._command(ack, body, respond))

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

        async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
            await self._guard(self._action(ack, body, action, respond))

        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(on_action)

        async def on_case_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._guard(self._case_submitted(ack, body, view))

        app.view(forms.CASE_CALLBACK)(on_case_submit)

        async def on_reason_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._guard(self._reason_submitted(ack, body, view))

        app.view(forms.REASON_CALLBACK)(on_reason_submit)

    async def _guard(self, work: Awaitable[None]) -> None:
        """Run one answer; a failure is logged, never shown as a traceback. Counted, so shutdown can wait for it."""
        self._inflight += 1
        try:
            await work
        except Exception:  # noqa: BLE001
            log.exception("slack answer failed")
        finally:
            self._inflight -= 1

    async def drain(self, timeout: float = 25.0) -> bool:
        """Wait until every acknowledged request has been answered (and its messages delivered)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._inflight:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def drain_on_shutdown(self, _app: web.Application) -> None:
        if not await self.drain():
            log.warning("shutting down with %d slack answers unfinished", self._inflight)

    # ------------------------------------------------------------------ dispatching

    async def dispatch(self, text: str, user: str, channel: str | None, kind: str | None = None) -> Outcome:
        """The dispatcher in a worker thread: the event loop never waits for the database."""
        return await self.services.threads.run(self._dispatch_sync, text, user, channel, kind)

    def _dispatch_sync(self, text: str, user: str, channel: str | None, kind: str | None = None) -> Outcome:
        return self.services.dispatcher.run(
            self._translate(text), identity=Identity(slack_user_id=user), platform="slack", channel=channel,
            conversation=kind or conversation_kind(channel),
        )

    def _translate(self, text: str) -> str:
        ids = mentioned_users(text)
        handles: dict[str, str] = {}
        if ids:
            try:
                with self.services.sessionmaker() as session:
                    rows = session.execute(
                        select(Person.slack_user_id, Person.handle).where(
                            Person.slack_user_id.in_(sorted(ids)), Person.erased.is_(False)
                        )
                    )
                    handles = {str(uid): handle for uid, handle in rows}
            except Exception:  # noqa: BLE001 - the dispatcher reports a database problem itself
                log.warning("could not look up mentioned users", exc_info=True)
        return to_command_text(text, handles)

    async def deliver(self, outcome: Outcome) -> None:
        if outcome.outbox_ids:
            try:
                await self.services.deliverer.deliver(outcome.outbox_ids)
            except Exception:  # noqa: BLE001 - the rows stay in the outbox for the scheduler
                log.exception("delivery after a slack command failed")

    async def _first_signature(self, signature: str) -> bool:
        """A signed request is handled once: the signature (an HMAC of its timestamp and body) is recorded,
        and a second request carrying it inside the five-minute window is a replay. A store that cannot
        record it does not stop the request; the dispatcher then reports the store's trouble itself."""
        try:
            return await self.services.threads.run(self._record_event, f"slack:sig:{signature}")
        except Exception:  # noqa: BLE001
            log.warning("could not record a slack request signature", exc_info=True)
            return True

    async def _first_time(self, body: dict[str, Any]) -> bool:
        """Events API retries carry the same event_id: only the first delivery is handled."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        return await self.services.threads.run(self._record_event, f"slack:{event_id}")

    def _record_event(self, key: str) -> bool:
        now = self.services.clock()
        with self.services.sessionmaker() as session:
            new = events.record_once(session, key, at=now)  # the scheduler prunes old records (bot.scheduler)
            session.commit()
        if not new:
            log.info("slack request %s already handled; repeat ignored", key[:60])
        return new

    # ------------------------------------------------------------------ slash commands

    async def _command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        user = str(body.get("user_id"))
        channel = body.get("channel_id")
        outcome = await self.dispatch(slash_to_text(str(body.get("command", "")), body.get("text") or ""),
                                      user, channel, conversation_kind(channel, name=body.get("channel_name")))
        reply = outcome.reply
        if reply.form in forms.FORMS:
            if body.get("trigger_id") and await self._open_form(str(body["trigger_id"]), reply, user, channel):
                await self.deliver(outcome)
                return
            reply = _form_failed(reply)
        in_channel = not reply.private and bool(channel) and str(channel)[:1] in ("C", "G")
        if respond is not None and body.get("response_url"):
            for blocks in await asyncio.to_thread(_pages, reply, RESPONSE_URL_USES):
                await respond(text=fallback_text(reply), blocks=blocks,
                              response_type="in_channel" if in_channel else "ephemeral")
        elif channel:
            if in_channel:
                await self.transport.post(str(channel), reply)
            else:
                await self.transport.post_ephemeral(str(channel), user, reply)
        else:
            await self.send_dm(user, reply)
        await self.deliver(outcome)

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
        if not await self._first_time(body):
            return
        text = strip_bot_mention(event.get("text") or "", bot_user_id)
        outcome = await self.dispatch(text, str(user), channel,
                                      conversation_kind(channel, channel_type=event.get("channel_type")))
        reply = outcome.reply
        if reply.form in forms.FORMS:
            reply = _form_button(reply, text)
        thread_ts = event.get("thread_ts")
        if mention and reply.private:
            await self.transport.post_ephemeral(channel, str(user), reply, thread_ts=thread_ts)
        else:
            await self.transport.post(channel, reply, thread_ts=thread_ts)
        await self.deliver(outcome)

    # ------------------------------------------------------------------ buttons

    async def _action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id"))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        command = str(action.get("value") or "")
        outcome = await self.dispatch(command, user, channel,
                                      conversation_kind(channel, name=(body.get("channel") or {}).get("name")))
        reply = outcome.reply
        view = body.get("view") or {}
        if reply.form in forms.FORMS and body.get("trigger_id"):
            if await self._open_form(str(body["trigger_id"]), reply, user, channel):
                await self.deliver(outcome)
                return
            reply = _form_failed(reply)
        if respond is not None and body.get("response_url"):
            for blocks in await asyncio.to_thread(_pages, reply, RESPONSE_URL_USES):
                await respond(text=fallback_text(reply), blocks=blocks, response_type="ephemeral",
                              replace_original=False)
        else:
            await self.send_dm(user, reply)
        await self.deliver(outcome)
        if view.get("type") == "home":
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
            forums = queries.forums_of(session, person)
            current = None
            if channel:
                current = next((f.key for f in forums if f.slack_channel == channel), None)
            return [(f.key, forum_label(f)) for f in forums], current

    async def _case_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id"))
        meta = _metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        blocks = {b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")} or set(values)
        form = forms.read_case_form(values)
        await self._submitted(ack, user, self.services.threads.run(self._submit_sync, form, user, meta.get("channel"), blocks))

    async def _reason_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id"))
        meta = _metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        text = forms.reason_text(str(meta.get("command") or ""), values)

        def submit() -> Submitted:
            outcome = self._dispatch_sync(text, user, meta.get("channel"))
            if not outcome.reply.ok:
                message = " ".join(outcome.reply.lines) or outcome.reply.plain_text()
                return Submitted(outcome=outcome, errors={forms.REASON: message[: forms.ERROR_MAX]})
            return Submitted(outcome=outcome)

        await self._submitted(ack, user, self.services.threads.run(submit))

    async def _submitted(self, ack: Any, user: str, work: Awaitable[Submitted]) -> None:
        """Answer a modal: a quick refusal on the field (the modal stays open), otherwise close it and DM."""
        task = asyncio.ensure_future(work)
        done, __ = await asyncio.wait({task}, timeout=self.form_budget)
        if task in done and task.exception() is None and task.result().errors:
            await ack(response_action="errors", errors=task.result().errors)
            return
        await ack()  # closes the modal; the answer follows as a DM
        try:
            result = await task
        except Exception:  # noqa: BLE001
            log.exception("form submission failed")
            return
        if result.outcome is None:
            reply = error_reply(next(iter(result.errors.values())))
            await self._guard(self.send_dm(user, reply))
            return
        await self._guard(self.send_dm(user, result.outcome.reply))
        await self.deliver(result.outcome)

    def _submit_sync(self, form: forms.CaseForm, user: str, channel: str | None, blocks: set[str]) -> Submitted:
        handle = None
        if form.presenter_user:
            with self.services.sessionmaker() as session:
                presenter = queries.person_by_slack(session, form.presenter_user)
                handle = presenter.handle if presenter is not None else None
            if handle is None:
                return Submitted(errors={forms.PRESENTER: (
                    _("Den du valde finns inte i Kansli. Välj någon annan, eller lämna fältet tomt och "
                      "be samordnaren lägga till personen med /ledamot ny.")
                )})
        outcome = self._dispatch_sync(forms.case_text(form, handle), user, channel)
        if not outcome.reply.ok:
            return Submitted(outcome=outcome, errors=forms.form_errors(outcome.reply, blocks=blocks))
        return Submitted(outcome=outcome)

    # ------------------------------------------------------------------ App Home and DMs

    async def _home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not await self._first_time(body):
            return  # the Messages tab, or a retry
        await self.publish_home(str(event["user"]))

    async def publish_home(self, user: str) -> None:
        outcome = await self.dispatch(HOME_COMMAND, user, None)
        view = {"type": "home", "blocks": render_blocks(outcome.reply, limit=VIEW_BLOCKS)}
        await self.client.views_publish(user_id=user, view=view)
        await self.deliver(outcome)

    async def send_dm(self, user: str, reply: Reply) -> None:
        await self.transport.post(await self.transport.open_dm(user), reply)


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
