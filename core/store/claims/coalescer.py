"""Merging concurrent calls into one statement: PostgreSQL's claims and finishes share theirs.

A call that finds no statement in flight starts one at once; calls arriving meanwhile queue
and share the next. ``claims.postgres`` builds one ``Coalescer`` for claims and one for
finishes per engine (``pg_fast.PgFastPath``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")
Waiter = TypeVar("Waiter")


@dataclass(frozen=True)
class _Grouping(Generic[Req]):
    """Which queued calls one statement carries.

    A pure rule over the queue, kept apart from the pacing (``in_flight``, ``drained``,
    ``cooldown``) so each can be read on its own.
    """

    weight: Callable[[Req], int]
    max_weight: int
    fits: Callable[[list[Req], Req], bool] | None

    def take(self, queue: deque[tuple[Req, Waiter]]) -> list[tuple[Req, Waiter]]:
        """The next group, taken from the head of ``queue``.

        The head call always, then the calls behind it while their weight fits; a call that
        does not ``fit`` the group stays queued, in its place, for the next statement.
        """
        group = [queue.popleft()]
        total = self.weight(group[0][0])
        deferred: list[tuple[Req, Waiter]] = []
        while queue:
            item = queue[0]
            weight = self.weight(item[0])
            if total + weight > self.max_weight:
                break
            queue.popleft()
            if self.fits is not None and not self.fits([r for r, _ in group], item[0]):
                deferred.append(item)  # e.g. the same run twice: the next statement
                continue
            group.append(item)
            total += weight
        queue.extendleft(reversed(deferred))
        return group


class Coalescer(Generic[Req, Res]):
    """Merge concurrent calls into one statement: while one is in flight, the next ones queue.

    A call finding nothing in flight starts a statement at once (no added latency when idle);
    calls arriving meanwhile wait and then share the next statement, up to ``max_weight``
    (claims: tasks asked for; finishes: outcomes). At most ``in_flight`` statements of each
    kind run at once per engine, so the statement and its commit are paid once per group,
    not once per call (River's batch completer, graphile-worker's local queue). ``run``
    answers every request of a group, in order; if its statement fails, every call of that
    group gets the error.

    ``drained`` (claims) says a statement found less than it asked for: the queue is empty
    for now, and until a statement comes back full again only one runs at a time. Otherwise,
    when ten new tasks wake five idle workers, three statements race for them, split them
    three ways and cost three finishes; waiting behind the first, the others share one
    statement. In pgqueuer's shape this raised the tasks per claim from 2.4 to 4.0 and
    halved the empty claims (docs/performance.md, "Claims").

    ``cooldown`` (claims) spaces the statements while drained: the next one starts no sooner
    than ``cooldown`` seconds after the start of the one that came back short, and carries
    every call made meanwhile (River's fetch cooldown). A claim after a quiet spell runs at
    once; only a process claiming again and again against a drained queue is spaced out, and
    each of its statements then takes what arrived over the interval, not one import's worth.
    """

    def __init__(
        self,
        run: Callable[[list[Req]], Awaitable[list[Res]]],
        *,
        weight: Callable[[Req], int],
        max_weight: int,
        fits: Callable[[list[Req], Req], bool] | None = None,
        in_flight: int = 1,
        drained: Callable[[list[Req], list[Res]], bool] | None = None,
        cooldown: float = 0.0,
    ) -> None:
        self._run = run
        self._grouping = _Grouping(weight, max_weight, fits)
        self._queue: deque[tuple[Req, asyncio.Future[Res]]] = deque()
        self._in_flight = in_flight
        self._limit = in_flight
        self._drained = drained
        self._drainers: set[asyncio.Task[None]] = set()
        self._cooldown = cooldown
        self._not_before = 0.0
        """Loop time before which no statement starts (set by a drained one)."""
        self.statements = 0
        """Statements run so far (tests check that calls were merged)."""

    async def submit(self, request: Req) -> Res:
        """``request``'s own answer, from whichever statement carried it."""
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if len(self._drainers) < self._limit:
            self._drainers.add(asyncio.create_task(self._drain()))
        return await future

    async def _drain(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            while self._queue:
                delay = self._not_before - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)  # calls made meanwhile join this statement
                    continue  # another drainer may have taken them all, or drained again
                group = self._grouping.take(self._queue)
                live = [(r, f) for r, f in group if not f.done()]  # cancelled callers drop out
                if not live:
                    continue
                self.statements += 1
                started = loop.time()
                try:
                    answers = await self._run([r for r, _ in live])
                except Exception as exc:
                    for _, future in live:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:  # this task was cancelled: no caller may wait forever
                    for _, future in live:
                        future.cancel()
                    raise
                if self._drained is not None:
                    drained = self._drained([r for r, _ in live], answers)
                    self._limit = 1 if drained else self._in_flight
                    self._not_before = started + self._cooldown if drained else 0.0
                for (_, future), answer in zip(live, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            # Here, not in a done callback: a call queued before that callback ran would
            # find the slot taken and nobody left to run it.
            task = asyncio.current_task()
            if task is not None:
                self._drainers.discard(task)

    async def wait_idle(self) -> None:
        """Let the statement in flight, and the calls queued behind it, finish."""
        while self._drainers:
            await asyncio.wait(set(self._drainers))
