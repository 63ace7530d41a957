"""Workers share out kept-alive connections by load (`kansli serve` with several processes, PostgreSQL).

Each worker listens on the port with SO_REUSEPORT, and the kernel deals a new connection to a worker by its
addresses alone. A client that keeps its connections open (a reverse proxy, a platform's connection pool, the
bench's simulated users) stays where they were dealt: 13 of 20 on one worker and 7 on the other is common, and
the busier worker then sets everyone's wait (`make bench`: the Slack answer at concurrency 20 took 240 ms when
the two workers shared the work evenly and 450 ms when one did three quarters of it).

So each worker publishes how much it is working on (requests in flight, and Slack answers still being worked
on after the acknowledgement) in a few bytes of memory the supervisor shares with all its workers. A worker
carrying clearly more than its share (a fifth over the average) answers with `Connection: close`, one
connection at a time; the client opens a new connection, which the kernel deals again. Connections drift to
the less busy worker until the load is even, at the cost of an occasional new connection (about one answer
in ten at concurrency 20 in `make bench`).
"""
from __future__ import annotations

import mmap
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

# A worker sheds a connection when its load exceeds the average of all workers by more than a fifth (and
# by more than one): the usual ups and downs of load cost no new connections.
SHARE_OVER = 0.2
# And at most one connection in this many seconds, so that the kernel's new deal shows before the next.
SHED_EVERY_S = 0.1


class SharedLoad:
    """One load figure per worker in memory shared across fork(); each worker writes only its own."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._memory = mmap.mmap(-1, 8 * workers)  # anonymous and shared: the forked workers see one area
        self._loads = memoryview(self._memory).cast("q")
        self.index: int | None = None

    def join(self, index: int) -> None:
        """In a worker: which figure is its own."""
        self.index = index

    def publish(self, load: int) -> None:
        if self.index is not None:
            self._loads[self.index] = load

    def loads(self) -> list[int]:
        return list(self._loads)

    def over_share(self, load: int) -> bool:
        """Whether this worker, at `load`, carries more than its share of all the workers' load."""
        if self.index is None or self.workers < 2:
            return False
        others = sum(self._loads) - self._loads[self.index]
        average = (others + load) / self.workers
        return load > average + max(1.0, SHARE_OVER * average)


def spread_middleware(shared: SharedLoad, background: Callable[[], int]) -> Any:
    """aiohttp middleware: publish this worker's load around each request, and close the connection after
    the answer when the worker carries more than its share. `background` counts work going on after its
    request was answered (Slack's answers after the acknowledgement)."""
    in_flight = 0
    last_shed = 0.0

    @web.middleware
    async def middleware(request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        nonlocal in_flight, last_shed
        in_flight += 1
        shared.publish(in_flight + background())
        shed = False
        try:
            response = await handler(request)
            # This request still counted: its answer is done, or (Slack) being worked on.
            now = time.monotonic()
            shed = (not response.prepared and now - last_shed >= SHED_EVERY_S
                    and shared.over_share(in_flight + background()))
            if shed:
                last_shed = now
        finally:
            in_flight -= 1
            shared.publish(in_flight + background())
        if shed:
            response.force_close()
        return response

    return middleware
