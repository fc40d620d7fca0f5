"""One database follower per server process, fanned out to every live event stream.

A stream opens at a sequence number and must then see every later event exactly once, in
order, even across a reconnect. Giving each stream its own database poll would cost a query
per client per interval, so the hub runs the one ``follow_events`` loop and hands each event
to the streams that want it:

* The events it has seen most recently stay in a ring. A stream that opens at a number the
  ring still covers takes what it missed from the ring, then joins the live fan-out in the
  same step (no ``await`` in between), so nothing falls between the two and nothing comes
  twice. A stream that opens further back first reads the log page by page through
  ``TaskEngine.events``, on its own request's task, until the ring covers it.
* A joined stream gets its events in a bounded queue of its own. Only the events its filter
  lets through take room there, and they are the hub's objects, shared (a reference each).
  When the queue is full, the client is not keeping up: its queue is emptied, it is told to
  resync from the last event it was given, and it leaves the fan-out. Memory stays bounded
  whatever the clients do; a client that reconnects from there misses nothing.
* An idle stream costs a queue and a parked coroutine, nothing that polls.

The hub does not know about HTTP beyond one thing: each event's SSE frame is encoded once
here, not once per client.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import enum
import logging
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

import anyio

from core.domain.models import Event
from core.engine import TaskEngine
from core.errors import TaskyardError

log = logging.getLogger("taskyard.events")

RETRY_FIRST = 0.5
"""Seconds before the follower reopens after the database failed it; doubled each time."""
RETRY_LONGEST = 30.0


@dataclass(frozen=True)
class StreamSettings:
    """How much each stream may hold, how far back the ring reaches, how often to look."""

    queue_size: int = 1000
    """Events a stream may have waiting to be sent before it is dropped with a resync."""
    ring_size: int = 4096
    """Recent events kept in memory, for streams that resume a little way back."""
    page_size: int = 500
    """Events read per database page when a stream resumes from further back."""
    poll_interval: float = 0.2
    """Seconds within which other processes' commits are seen (this process's: at once).

    Workers, the CLI and other server processes write to the database directly; each poll
    is one indexed read of the log, so five a second cost the database next to nothing."""
    min_interval: float = 0.0
    """Least seconds between two reads of the log (see ``TaskEngine.follow_events``)."""
    heartbeat: float = 15.0
    """Seconds between comment pings on an idle stream (keeps proxies from closing it)."""
    send_timeout: float = 10.0
    """Seconds one write to a client may take before its stream is closed."""
    max_streams: int = 5000
    """Open streams one process accepts; past that, new ones are refused with a 503."""

    def __post_init__(self) -> None:
        if min(self.queue_size, self.ring_size, self.page_size, self.max_streams) < 1:
            raise ValueError("queue_size, ring_size, page_size and max_streams must be >= 1")


class TooManyStreamsError(TaskyardError):
    """The process already serves as many streams as it accepts (``max_streams``)."""

    code = "too_many_streams"
    http_status = 503


@dataclass(frozen=True)
class EventFilter:
    """Which events a stream or page shows: the caller's projects, one task, some kinds."""

    projects: frozenset[str] | None = None
    """Project ids to show; ``None``: every project. When set, events that belong to no
    project (a worker stopping, a quick run) are not shown either."""
    task_id: str | None = None
    kinds: tuple[str, ...] = ()
    """Event types to show, by dotted prefix: ``task`` shows ``task.created`` and every
    other ``task.*``; ``task.created`` only that one. Empty: every kind."""

    def matches(self, event: Event) -> bool:
        """Whether ``event`` passes the filter."""
        if self.projects is not None and event.project_id not in self.projects:
            return False
        if self.task_id is not None and event.task_id != self.task_id:
            return False
        return not self.kinds or any(_of_kind(event.type, kind) for kind in self.kinds)


def _of_kind(event_type: str, kind: str) -> bool:
    kind = kind.rstrip(".")
    return event_type == kind or event_type.startswith(kind + ".")


class Published:
    """An event as the hub hands it out, with its JSON and SSE frame made at most once."""

    __slots__ = ("_frame", "_json", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self._json: str | None = None
        self._frame: bytes | None = None

    @property
    def seq(self) -> int:
        """The event's sequence number."""
        return self.event.seq

    def json(self) -> str:
        """The event as compact JSON."""
        if self._json is None:
            self._json = self.event.model_dump_json()
        return self._json

    def frame(self) -> bytes:
        """The SSE frame: ``id`` the event's seq, ``event`` its type, ``data`` its JSON.

        The JSON has no line breaks (strings escape theirs), so it is one ``data`` line.
        """
        if self._frame is None:
            self._frame = sse_frame(str(self.seq), self.event.type, self.json())
        return self._frame


def sse_frame(event_id: str, kind: str, data: str) -> bytes:
    """One SSE message (``id``, ``event`` and a single ``data`` line)."""
    return f"id: {event_id}\r\nevent: {kind}\r\ndata: {data}\r\n\r\n".encode()


@dataclass(frozen=True)
class Resync:
    """The last item of a dropped stream: resume from ``since`` (the last event it was given)."""

    since: int


class _State(enum.Enum):
    OPEN = "open"
    DROPPED = "dropped"
    CLOSED = "closed"


class Subscription:
    """One stream's view of the hub: iterate it for ``Published`` events, in ``seq`` order.

    Until it has caught up it reads the ring or the database itself; then the hub feeds its
    queue. It ends with a ``Resync`` when it fell behind, and simply ends when closed.
    """

    __slots__ = (
        "_attached",
        "_cursor",
        "_filter",
        "_hub",
        "_pending",
        "_state",
        "_waiter",
        "last_seq",
    )

    def __init__(self, hub: EventHub, since: int, event_filter: EventFilter) -> None:
        self._hub = hub
        self._filter = event_filter
        self._cursor = since
        """Every event up to this seq has been looked at (given out or filtered out)."""
        self.last_seq = since
        """The last event given out (where a reconnect resumes)."""
        self._pending: deque[Published] = deque()
        self._attached = False
        self._state = _State.OPEN
        self._waiter: asyncio.Future[None] | None = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Published | Resync:
        if self._state is _State.OPEN:
            # Open from its first read: a response that never started holds nothing.
            self._hub._open.add(self)
        while True:
            if self._state is _State.CLOSED:
                raise StopAsyncIteration
            if self._pending:
                item = self._pending.popleft()
                self.last_seq = item.seq
                return item
            if self._state is _State.DROPPED:
                self.close()
                return Resync(self.last_seq)
            if self._attached:
                await self._wait()
            else:
                await self._catch_up()

    def ready(self, limit: int) -> list[Published]:
        """Up to ``limit`` events already waiting, given out now (one write for a burst)."""
        taken: list[Published] = []
        while self._pending and len(taken) < limit:
            taken.append(self._pending.popleft())
        if taken:
            self.last_seq = taken[-1].seq
        return taken

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _catch_up(self) -> None:
        """Fill ``_pending`` from the ring, or from the database when the ring starts later.

        Joins the live fan-out once the rest of the ring fits in one step (a page, and at
        most half the queue, so a stream that just joined is not dropped by the next event):
        that last part and the joining happen without an ``await``, so the next event the
        hub publishes is the next one this stream needs.
        """
        hub = self._hub
        step = max(1, min(hub.settings.page_size, hub.settings.queue_size // 2))
        tail = hub._ring_after(self._cursor, step)
        if tail is not None:
            events, rest = tail
            self._take(events)
            if not rest:
                self._attached = True
                hub._live.add(self)
            return
        page = await hub.engine.events(since=self._cursor, limit=hub.settings.page_size)
        if self._state is not _State.OPEN:
            return
        if page:
            self._take([Published(e) for e in page])
        else:
            # Nothing in the log after the cursor, yet the ring starts later: the log was
            # emptied behind the ring (a restored backup). The ring is all there is.
            self._cursor = max(self._cursor, hub._floor)

    def _take(self, items: list[Published]) -> None:
        for item in items:
            self._cursor = item.seq
            if self._filter.matches(item.event):
                self._pending.append(item)

    def _offer(self, item: Published) -> bool:
        """A live event from the hub; ``False`` when this stream must leave (queue full)."""
        if item.seq <= self._cursor:
            return True
        self._cursor = item.seq
        if not self._filter.matches(item.event):
            return True
        if len(self._pending) >= self._hub.settings.queue_size:
            self._pending.clear()
            self._state = _State.DROPPED
            self._wake()
            return False
        self._pending.append(item)
        self._wake()
        return True

    @property
    def queued(self) -> int:
        """Events waiting to be given out."""
        return len(self._pending)

    def close(self) -> None:
        """Leave the hub and end the iteration (idempotent; the stream's ``finally`` calls it)."""
        self._state = _State.CLOSED
        self._pending.clear()
        self._hub._live.discard(self)
        self._hub._open.discard(self)
        self._wake()


@dataclass(frozen=True)
class HubStats:
    """What the hub holds now, for health checks and tests."""

    streams: int
    """Open streams (catching up or live)."""
    live: int
    """Streams fed by the fan-out."""
    queued: int
    """Events waiting in all streams' queues together."""
    dropped: int
    """Streams dropped with a resync since the hub started."""
    head: int
    """The last event the follower published."""
    ring: int
    """Events in the ring."""
    ring_floor: int
    """The ring holds every event after this seq."""


class EventHub:
    """The process's one event follower and the streams it feeds.

    Start it in the app's lifespan (``async with EventHub(engine) as hub`` or
    ``start``/``stop``), then open a ``Subscription`` per stream with ``subscribe``.
    """

    TRIM_SLACK: ClassVar[float] = 0.25
    """The ring grows this fraction past ``ring_size`` before it is cut back (amortised)."""

    def __init__(self, engine: TaskEngine, settings: StreamSettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or StreamSettings()
        self._ring: list[Published] = []
        self._floor = 0
        """The ring holds every event after this seq."""
        self._head = 0
        self._live: set[Subscription] = set()
        self._open: set[Subscription] = set()
        self._dropped = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.shutdown = anyio.Event()
        """Set when the server shuts down (the SSE responses' ``shutdown_event``): every
        stream then ends, so its client sees the end of the stream, not a broken connection."""

    async def __aenter__(self) -> EventHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start following from the newest event (streams resuming earlier read the log)."""
        if self._tasks:
            return
        self._head = self._floor = await self.engine.latest_event_seq()
        self._tasks = [
            asyncio.create_task(self._follow(), name="taskyard-event-hub"),
            asyncio.create_task(self._end_streams_at_shutdown(), name="taskyard-event-hub-end"),
        ]

    async def stop(self) -> None:
        """Stop following and end every stream."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._end_streams()

    def _end_streams(self) -> None:
        for subscription in list(self._open | self._live):
            subscription.close()

    async def _end_streams_at_shutdown(self) -> None:
        await self.shutdown.wait()
        self._end_streams()

    @property
    def head(self) -> int:
        """The last event published: a stream opened with no ``since`` starts after it."""
        return self._head

    def subscribe(self, event_filter: EventFilter, *, since: int | None = None) -> Subscription:
        """A stream of the events after ``since`` (after ``head`` when ``None``) that pass.

        It joins the hub when first iterated; close it when done (or let a ``Resync`` end it).

        Raises:
            TooManyStreamsError: the process already has ``max_streams`` open.
        """
        if len(self._open) >= self.settings.max_streams:
            raise TooManyStreamsError(
                f"This server already has {len(self._open)} event streams open.",
                hint="Try again shortly, or read GET /api/v2/events pages instead.",
                details={"max_streams": self.settings.max_streams},
            )
        return Subscription(self, self._head if since is None else since, event_filter)

    def stats(self) -> HubStats:
        """Counts of what the hub holds now."""
        return HubStats(
            streams=len(self._open),
            live=len(self._live),
            queued=sum(s.queued for s in self._live),
            dropped=self._dropped,
            head=self._head,
            ring=len(self._ring),
            ring_floor=self._floor,
        )

    async def page(
        self, event_filter: EventFilter, *, since: int, limit: int, scan: int = 10_000
    ) -> tuple[list[Event], int, bool]:
        """Up to ``limit`` events after ``since`` that pass, where to go on, and whether to.

        Reads the log (the ring is for streams), one event past ``limit`` to know whether
        more follow. A filter the engine cannot apply is applied here while scanning, at
        most about ``scan`` events per call: the page may then come back short, even empty,
        with more to read from ``next_since``.

        Returns:
            The events; ``next_since``, the last seq looked at; and ``has_more``, whether
            the log held more after it when this call read it.
        """
        task = event_filter.task_id
        if event_filter.projects is None and not event_filter.kinds:
            events = await self.engine.events(since=since, limit=limit + 1, task=task)
            shown = events[:limit]
            return shown, shown[-1].seq if shown else since, len(events) > limit
        found: list[Event] = []
        cursor, scanned = since, 0
        batch_size = max(limit + 1, min(self.settings.page_size, scan))
        while scanned < scan:
            batch = await self.engine.events(since=cursor, limit=batch_size, task=task)
            for event in batch:
                if event_filter.matches(event):
                    if len(found) == limit:
                        return found, cursor, True
                    found.append(event)
                cursor = event.seq
            scanned += len(batch)
            if len(batch) < batch_size:
                return found, cursor, False
        return found, cursor, True

    def _ring_after(self, cursor: int, limit: int) -> tuple[list[Published], bool] | None:
        """Up to ``limit`` ring events after ``cursor`` and whether more follow them.

        ``None`` when the ring does not reach back to ``cursor`` (read the log instead).
        """
        if cursor < self._floor:
            return None
        start = bisect.bisect_right(self._ring, cursor, key=lambda p: p.seq)
        end = start + limit
        return self._ring[start:end], end < len(self._ring)

    async def _follow(self) -> None:
        """Publish every event from the log, forever; reopen after database failures."""
        pause = RETRY_FIRST
        while True:
            try:
                async for event in self.engine.follow_events(
                    since=self._head,
                    poll_interval=self.settings.poll_interval,
                    min_interval=self.settings.min_interval,
                ):
                    self._publish(event)
                    pause = RETRY_FIRST
                    # A burst of a whole page arrives without an await: let the streams send
                    # each event before the next one lands, so a burst is not a full queue.
                    await asyncio.sleep(0)
            except Exception:
                log.exception("Reading the event log failed; trying again in %.1f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_LONGEST)

    def _publish(self, event: Event) -> None:
        if event.seq <= self._head:
            return
        item = Published(event)
        self._ring.append(item)
        self._head = event.seq
        if len(self._ring) > self.settings.ring_size * (1 + self.TRIM_SLACK):
            cut = len(self._ring) - self.settings.ring_size
            self._floor = self._ring[cut - 1].seq
            del self._ring[:cut]
        dropped = [s for s in self._live if not s._offer(item)]
        for subscription in dropped:
            self._live.discard(subscription)
            self._dropped += 1
            log.info(
                "An event stream fell %d events behind and was dropped (resync from %d)",
                self.settings.queue_size,
                subscription.last_seq,
            )
