"""The Slack Web API client kansli uses, and the Slack delivery transport.

The transport sends to the address bot.addressing.SlackAddressing read from the store (a user id, for
which a DM is opened, or a channel id); it never sees a Session.

`kansli serve` gives the client one HTTP session for the process (`open_session`), so Web API calls and
response_url posts go over kept-alive connections instead of a new connection (and TLS handshake) each; a
person's direct-message channel is remembered once opened, so a notification is one call, not two.

The client talks to SLACK_API_URL when set (GovSlack, tests) and retries on
its own, with slack_sdk's retry handlers, after a dropped connection, a 429
(waiting as long as Retry-After says) and a 5xx. What still fails after that
becomes a TransientError (the outbox tries again later) or a PermanentError
(the address is wrong for good: no such channel, user deactivated).
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import Outgoing, PermanentError, TransientError
from bot.render.slack import fallback_text, render_pages
from handlers.base import Reply

log = logging.getLogger("kansli.slack")

DEFAULT_API_URL = "https://slack.com/api/"
RETRIES = 2

# Slack error codes that will never succeed for the same recipient and payload.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "messages_tab_disabled",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
        "too_many_attachments",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
    }
)


class AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """slack_sdk's 5xx handler retries 500 and 503; kansli retries every 5xx (502 and 504 from proxies too)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers(interval: RetryIntervalCalculator | None = None, retries: int = RETRIES) -> list[AsyncRetryHandler]:
    interval = interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        AsyncConnectionErrorRetryHandler(
            max_retry_count=retries,
            interval_calculator=interval,
            error_types=[aiohttp.ServerConnectionError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                         aiohttp.ClientConnectorError],
        ),
        AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
        AnyServerErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
    ]


def api_base_url(url: str | None) -> str:
    url = (url or "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


TIMEOUT_S = 15


def open_session(timeout: float = TIMEOUT_S) -> aiohttp.ClientSession:
    """An HTTP session for every Slack call of the process (inside the running event loop): the same timeout
    and environment handling as the session slack_sdk would open for each call on its own."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False)


def make_client(token: str, api_url: str | None = None, *, retry_interval: float | None = None,
                timeout: int = TIMEOUT_S) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as base, kansli's retry handlers."""
    interval = FixedValueRetryIntervalCalculator(retry_interval) if retry_interval is not None else None
    return AsyncWebClient(
        token=token,
        base_url=api_base_url(api_url),
        timeout=timeout,
        retry_handlers=retry_handlers(interval),
        logger=logging.getLogger("kansli.slack.api"),
    )


def _error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "") if exc.response is not None else ""
    except Exception:  # noqa: BLE001 - a non-JSON body has no error code
        return ""


def classify(exc: Exception) -> Exception:
    """A final Slack failure as the delivery error the outbox understands."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", None)
        code = _error_code(exc)
        if status == 429 or code == "ratelimited":
            return TransientError(f"slack rate limit (429){': ' + code if code else ''}")
        if status is not None and status >= 500:
            return TransientError(f"slack server error {status}")
        if code in PERMANENT_ERRORS:
            return PermanentError(f"slack: {code}")
        return TransientError(f"slack: {code or status}")
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, SlackClientError, OSError)):
        return TransientError(f"slack unreachable: {type(exc).__name__}: {exc}")
    return exc


# A reply this short (sections and lines) is rendered on the event loop: a notice renders in a tenth of a
# millisecond, less than handing it to a worker thread and back costs; a longer one goes to a thread.
INLINE_RENDER = 12


async def pages_of(reply: Reply) -> list[list[dict[str, Any]]]:
    """The reply's Block Kit pages, rendered here when short, else on a worker thread."""
    if len(reply.sections) + len(reply.lines) <= INLINE_RENDER:
        return render_pages(reply)
    return await asyncio.to_thread(render_pages, reply)


class SlackTransport:
    """Direct messages to people (conversations.open + chat.postMessage) and posts to forum channels."""

    name = "slack"
    # Direct-message channels remembered (Slack keeps one per person and bot, so its id does not change).
    MAX_DMS = 10_000

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dms: OrderedDict[str, str] = OrderedDict()

    async def send(self, message: Outgoing) -> None:
        """To ("user", Slack user id): a DM opened now; to ("channel", id): that channel."""
        kind, target = message.address
        try:
            if kind == "user":
                await self.post_dm(target, message.reply)
            else:
                await self.post(target, message.reply)
        except Exception as exc:  # noqa: BLE001 - mapped to what the outbox understands
            mapped = classify(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def post_dm(self, user_id: str, reply: Reply, *,
                      pages: list[list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
        """Post into the person's direct-message channel: the one remembered, else opened now."""
        channel = self._dms.get(user_id)
        if channel is None:
            return await self.post(await self.open_dm(user_id), reply, pages=pages)
        if pages is None:
            pages = await pages_of(reply)
        try:
            sent = await self.post(channel, reply, pages=pages[:1])
        except SlackApiError as exc:
            if _error_code(exc) not in ("channel_not_found", "is_archived"):
                raise
            # The remembered channel is gone, and nothing was posted: open the person's DM again, once.
            self._dms.pop(user_id, None)
            return await self.post(await self.open_dm(user_id), reply, pages=pages)
        return sent + (await self.post(channel, reply, pages=pages[1:]) if len(pages) > 1 else [])

    async def open_dm(self, user_id: str) -> str:
        """The person's direct-message channel with kansli, opened (or found open) by Slack; remembered."""
        opened = await self.client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        self._dms[user_id] = channel
        self._dms.move_to_end(user_id)
        while len(self._dms) > self.MAX_DMS:
            self._dms.popitem(last=False)
        return channel

    async def post(self, channel: str, reply: Reply, *, thread_ts: str | None = None,
                   pages: list[list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
        """Post a reply (several messages when it is longer than one message holds); `pages` are its
        Block Kit pages when the caller rendered them already."""
        sent = []
        text = fallback_text(reply)
        for blocks in pages if pages is not None else await pages_of(reply):
            args: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks}
            if thread_ts:
                args["thread_ts"] = thread_ts
            result = await self.client.chat_postMessage(**args)
            sent.append(result.data if isinstance(result.data, dict) else {})
        return sent

    async def post_ephemeral(self, channel: str, user: str, reply: Reply, *, thread_ts: str | None = None,
                             pages: list[list[dict[str, Any]]] | None = None) -> None:
        text = fallback_text(reply)
        for blocks in pages if pages is not None else await pages_of(reply):
            args: dict[str, Any] = {"channel": channel, "user": user, "text": text, "blocks": blocks}
            if thread_ts:
                args["thread_ts"] = thread_ts
            await self.client.chat_postEphemeral(**args)
