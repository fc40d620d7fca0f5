"""The event hub in-process, on every engine: resuming, the seam, slow streams, filters.

No HTTP here (tests/server/test_events_stream.py runs the routes on real uvicorn): these
tests drive ``EventHub`` and its subscriptions directly, with a ring and pages small enough
that a few dozen events cross every boundary (log pages → ring → live).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.domain.commands import TaskPatch
from core.domain.models import Event
from core.server import event_hub as hub_module
from core.server.event_hub import (
    EventFilter,
    EventHub,
    Published,
    Resync,
    StreamSettings,
    Subscription,
    TooManyStreamsError,
)
from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until
from tests.server.sse_server import create_tasks, new_project

SMALL = StreamSettings(ring_size=8, page_size=5, queue_size=1000, poll_interval=0.05)


@pytest.fixture
async def hub(engine: SqlTaskEngine) -> AsyncIterator[EventHub]:
    async with EventHub(engine, SMALL) as running:
        yield running


async def take(subscription: Subscription, count: int, seconds: float = 10.0) -> list[Any]:
    """The next ``count`` items (events' ``Event``, or a ``Resync``), or fail on a timeout."""
    items: list[Any] = []

    async def collect() -> None:
        async for item in subscription:
            items.append(item.event if isinstance(item, Published) else item)
            if len(items) == count or isinstance(item, Resync):
                return

    await asyncio.wait_for(collect(), seconds)
    return items


async def all_events(engine: SqlTaskEngine, since: int = 0) -> list[Event]:
    """The whole log after ``since``, as the database has it."""
    found: list[Event] = []
    while page := await engine.events(since=since, limit=500):
        found += page
        since = page[-1].seq
    return found


async def test_a_stream_from_far_back_reads_the_log_then_the_ring_then_live(
    engine: SqlTaskEngine, hub: EventHub
) -> None:
    """Opened at 0 with the ring holding only the last few: every event once, in order.

    Writes keep landing while it catches up, so it crosses from log pages to the ring and
    joins the fan-out while the ring moves.
    """
    project = await new_project(engine)
    await create_tasks(engine, project, 30)
    newest = await engine.latest_event_seq()
    await wait_until(lambda: hub.head == newest)
    assert hub.stats().ring_floor > 0
    subscription = hub.subscribe(EventFilter(), since=0)
    writer = asyncio.create_task(create_tasks(engine, project, 30, title="Later"))
    got = await take(subscription, 61)
    await writer
    expected = await all_events(engine)
    assert [e.seq for e in got] == [e.seq for e in expected]
    assert hub.stats().live == 1
    subscription.close()
    assert hub.stats().streams == 0


async def test_a_stream_resuming_inside_the_ring_continues_without_a_gap(
    engine: SqlTaskEngine, hub: EventHub
) -> None:
    """A reconnect a few events back is served from memory and then live, nothing twice.

    A commit of three lands as three waiting events: ``ready`` hands over the rest at once.
    """
    project = await new_project(engine)
    await create_tasks(engine, project, 6)
    log = await all_events(engine)
    await wait_until(lambda: hub.head == log[-1].seq)
    subscription = hub.subscribe(EventFilter(), since=log[-3].seq)
    first = await take(subscription, 2)
    assert [e.seq for e in first] == [e.seq for e in log[-2:]]
    await create_tasks(engine, project, 3, title="Live", per_commit=3)
    (live,) = await take(subscription, 1)
    await wait_until(lambda: subscription.queued == 2)
    waiting = subscription.ready(10)
    titles = [e.payload["title"] for e in [live, *(p.event for p in waiting)]]
    assert titles == ["Live 0", "Live 1", "Live 2"]
    assert subscription.last_seq == waiting[-1].seq
    subscription.close()


async def test_a_stream_with_no_since_starts_with_the_next_event(
    engine: SqlTaskEngine, hub: EventHub
) -> None:
    project = await new_project(engine)
    await wait_until(lambda: hub.head > 0)
    subscription = hub.subscribe(EventFilter())
    await create_tasks(engine, project, 1, title="Next")
    (event,) = await take(subscription, 1)
    assert event.type == "task.created"
    assert event.payload["title"] == "Next 0"
    subscription.close()


async def test_a_stream_that_falls_behind_gets_a_resync_and_lets_go_of_its_queue(
    engine: SqlTaskEngine,
) -> None:
    """Queue of 4: the fifth unsent event drops it; resuming from the resync loses nothing."""
    settings = StreamSettings(queue_size=4, ring_size=8, page_size=5, poll_interval=0.05)
    async with EventHub(engine, settings) as hub:
        project = await new_project(engine)
        await wait_until(lambda: hub.head > 0)
        start = hub.head
        subscription = hub.subscribe(EventFilter(), since=start)
        await create_tasks(engine, project, 1, title="First")
        (first,) = await take(subscription, 1)
        await create_tasks(engine, project, 12, title="Burst")
        await wait_until(lambda: hub.stats().dropped == 1)
        stats = hub.stats()
        assert stats.queued == 0
        assert stats.live == 0
        (resync,) = await take(subscription, 1)
        assert resync == Resync(first.seq)
        assert hub.stats().streams == 0
        resumed = hub.subscribe(EventFilter(), since=resync.since)
        rest = await take(resumed, 12)
        assert [e.payload["title"] for e in rest] == [f"Burst {i}" for i in range(12)]
        resumed.close()


async def test_filters_show_the_callers_projects_one_task_and_some_kinds(
    engine: SqlTaskEngine, hub: EventHub
) -> None:
    """A restricted stream sees nothing of other projects, nor events of no project."""
    mine, theirs = await new_project(engine), await new_project(engine)
    await wait_until(lambda: hub.head > 0)
    restricted = hub.subscribe(EventFilter(projects=frozenset({mine.id})))
    updates = hub.subscribe(EventFilter(kinds=("task.updated",)))
    await create_tasks(engine, theirs, 2, title="Theirs")
    await engine.register_worker("w-1", host="h", pid=1)
    await engine.stop_worker("w-1")
    await create_tasks(engine, mine, 2, title="Mine")
    mine_events = await take(restricted, 2)
    assert [e.payload["title"] for e in mine_events] == ["Mine 0", "Mine 1"]
    assert {e.project_id for e in mine_events} == {mine.id}
    target = mine_events[0].task_id
    assert target is not None
    one_task = hub.subscribe(EventFilter(task_id=target, kinds=("task",)))
    await engine.update_task(target, TaskPatch(title="Renamed"), expected_version=None)
    (updated,) = await take(updates, 1)
    assert (updated.type, updated.task_id) == ("task.updated", target)
    (only,) = await take(one_task, 1)
    assert only.seq == updated.seq
    for subscription in (restricted, updates, one_task):
        subscription.close()


async def test_pages_filter_while_scanning_and_say_where_to_go_on(
    engine: SqlTaskEngine, hub: EventHub
) -> None:
    """A page of one project's events skips the others'; a bounded scan can come back short."""
    mine, theirs = await new_project(engine), await new_project(engine)
    start = (await all_events(engine))[-1].seq
    await create_tasks(engine, theirs, 6, title="Theirs")
    await create_tasks(engine, mine, 3, title="Mine")
    only_mine = EventFilter(projects=frozenset({mine.id}))
    items, next_since, more = await hub.page(only_mine, since=start, limit=2)
    assert [e.payload["title"] for e in items] == ["Mine 0", "Mine 1"]
    assert (next_since, more) == (items[-1].seq, True)
    items, next_since, more = await hub.page(only_mine, since=next_since, limit=2)
    assert [e.payload["title"] for e in items] == ["Mine 2"]
    assert more is False
    short, cursor, more = await hub.page(only_mine, since=start, limit=2, scan=3)
    assert short == []
    assert more is True
    assert cursor > start
    everything, _, _ = await hub.page(EventFilter(), since=start, limit=100)
    assert len(everything) == 9


async def test_the_process_refuses_streams_past_its_limit(engine: SqlTaskEngine) -> None:
    async with EventHub(engine, StreamSettings(max_streams=1, poll_interval=0.05)) as hub:
        project = await new_project(engine)
        first = hub.subscribe(EventFilter())
        await create_tasks(engine, project, 1)
        await take(first, 1)
        with pytest.raises(TooManyStreamsError) as refused:
            hub.subscribe(EventFilter())
        assert refused.value.http_status == 503
        first.close()
        hub.subscribe(EventFilter()).close()


async def test_stop_ends_every_stream(engine: SqlTaskEngine) -> None:
    hub = EventHub(engine, SMALL)
    await hub.start()
    subscription = hub.subscribe(EventFilter())
    reader = asyncio.create_task(take(subscription, 1))
    await wait_until(lambda: hub.stats().live == 1)
    await hub.stop()
    assert await reader == []
    assert hub.stats().streams == 0


class _FailingOnce:
    """An engine whose first follow fails, as a dropped database connection would."""

    def __init__(self, engine: SqlTaskEngine) -> None:
        self._engine = engine
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def follow_events(self, **kwargs: Any) -> AsyncIterator[Event]:
        if self.failures == 0:
            self.failures += 1
            return self._fail()
        return self._engine.follow_events(**kwargs)

    async def _fail(self) -> AsyncIterator[Event]:
        raise ConnectionError("the database went away")
        yield  # pragma: no cover - makes this an async generator


async def test_the_follower_comes_back_after_the_database_fails_it(
    engine: SqlTaskEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub_module, "RETRY_FIRST", 0.01)
    flaky = _FailingOnce(engine)
    async with EventHub(flaky, SMALL) as hub:
        subscription = hub.subscribe(EventFilter())
        project = await new_project(engine)
        (created,) = await take(subscription, 1)
        assert (created.type, created.project_id) == ("project.created", project.id)
        subscription.close()
    assert flaky.failures == 1
    assert "Reading the event log failed" in caplog.text
