"""Worker threads for blocking database work, apart from the event loop's default executor.

The Bot Framework SDK sends every connector request (a Teams reply, a proactive
message) with `requests` in the loop's default executor. If kansli's database
work shared that executor, a reply whose command is done would queue behind the
commands still waiting to run; under 20 concurrent Teams turns that doubled the
time a user waits (measured in `make bench`). Database work therefore runs on
threads of its own: a few (`KANSLI_DB_THREADS`, default 2), because CPython runs
their Python one at a time anyway and every extra runnable thread makes the event
loop wait longer for the GIL. On PostgreSQL that many commands run at once; on
SQLite they take turns (bot.dispatch). Two rather than four: on PostgreSQL at
concurrency 20 Slack's acknowledgement p50 was 45 ms with two threads and 154 ms
with four, and the Teams answer 1.27 s against 1.84 s (`make bench`'s HTTP phase,
quick, 29 November 2026).
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")

DEFAULT_THREADS = 2


class DatabaseThreads:
    """Runs blocking calls on a bounded pool of its own; the context (the request id) goes along."""

    def __init__(self, *, size: int = DEFAULT_THREADS) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._executor is None or self._loop is not loop:
            # One pool per event loop, like the loop's own default executor (tests and `kansli tick`
            # run several loops one after another; the service runs one).
            if self._executor is not None:
                self._executor.shutdown(wait=False)
            self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="kansli-db")
            self._loop = loop
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
            self._loop = None
