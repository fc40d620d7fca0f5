"""PostgreSQL's event log without a writers' lock: followers wait for events still in flight.

Another writer, on a connection of its own, holds an event open (inserted, not committed)
while the engine writes more after it. Writers must not wait for each other; a reader must
not step past the open event, and must not wait for a number that was rolled back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.domain.commands import BoardQuery, ProjectCreate, TaskCreate
from core.domain.models import Event, TaskStatus
from core.store import event_feed
from core.store.engine import SqlTaskEngine
from core.store.event_feed import Snapshot

OPEN_EVENT = """
INSERT INTO events (id, type, actor, at, payload)
VALUES (gen_random_uuid()::text, 'test.open', 'other', now(), '{}') RETURNING seq
"""


# ------------------------------------------------------------------------------ snapshots
def test_a_snapshot_says_which_transactions_had_finished() -> None:
    snap = Snapshot.parse("100:110:103,107")
    assert [x for x in range(95, 110) if not snap.finished(x)] == [103, 107]
    assert Snapshot.parse("5:5:") == Snapshot(5, 5, frozenset())


def test_ids_from_pg_stat_activity_are_widened_across_wraparound() -> None:
    """pg_stat_activity shows 32-bit ids; the snapshot's are 64-bit and may be a wrap ahead."""
    epoch = 1 << 32
    snap = Snapshot(xmin=epoch - 4, xmax=epoch + 9, running=frozenset({epoch - 4, epoch + 5}))
    assert not snap.finished(epoch - 4)  # seen as 4,294,967,292: the previous epoch
    assert not snap.finished(5)
    assert snap.finished(7)
    assert snap.finished(epoch - 6)


# ------------------------------------------------------------------------------ database
@pytest.fixture
async def pg(pg_schema_url: str) -> AsyncIterator[tuple[SqlTaskEngine, Any]]:
    """An engine with an inbox, and a raw connection of another writer on its database."""
    import asyncpg

    engine = await SqlTaskEngine.open(pg_schema_url, actor="tester")
    await engine.create_project(ProjectCreate(name="Inbox"))
    other = await asyncpg.connect(pg_schema_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        yield engine, other
    finally:
        await other.close()
        await engine.close()


async def _open_event(other: Any) -> tuple[Any, int]:
    """Another writer's event, inserted and not committed: its transaction and ``seq``."""
    tx = other.transaction()
    await tx.start()
    return tx, await other.fetchval(OPEN_EVENT)


async def _collect(stream: Any, into: list[Event], n: int) -> None:
    async for event in stream:
        into.append(event)
        if len(into) == n:
            return


@pytest.mark.postgres
async def test_a_follower_waits_for_an_event_committed_late(pg: Any) -> None:
    """The other writer's event has the smaller number but commits last: the follower sees it
    first all the same, and the engine's writes did not wait for it."""
    engine, other = pg
    start = await engine.latest_event_seq()
    seen: list[Event] = []
    stream = engine.follow_events(since=start, poll_interval=0.02)
    follower = asyncio.ensure_future(_collect(stream, seen, 2))
    tx, held = await _open_event(other)
    await asyncio.wait_for(engine.create_task(TaskCreate(title="after")), timeout=5)
    await asyncio.sleep(0.3)
    assert seen == []  # task.created is committed, but the open event comes first
    await tx.commit()
    await asyncio.wait_for(follower, timeout=5)
    await stream.aclose()
    assert [(e.seq, e.type) for e in seen] == [(held, "test.open"), (held + 1, "task.created")]


@pytest.mark.postgres
async def test_a_rolled_back_number_does_not_hold_the_feed(pg: Any) -> None:
    engine, other = pg
    start = await engine.latest_event_seq()
    tx, _ = await _open_event(other)
    await tx.rollback()
    await engine.create_task(TaskCreate(title="after the hole"))
    loop = asyncio.get_running_loop()
    began = loop.time()
    events = await engine.events(since=start)
    assert [e.type for e in events] == ["task.created"]
    assert events[0].seq == start + 2  # start + 1 was drawn, then rolled back
    assert loop.time() - began < 1.0


@pytest.mark.postgres
async def test_a_page_stops_before_an_open_event_until_it_commits(pg: Any) -> None:
    engine, other = pg
    start = await engine.latest_event_seq()
    tx, held = await _open_event(other)
    await engine.create_task(TaskCreate(title="after"))
    read = engine._runner.read
    events, more = await event_feed.final_events(read, since=start, limit=10, patience=0.2)
    assert (events, more) == ([], True)
    await tx.commit()
    events, more = await event_feed.final_events(read, since=start, limit=10)
    assert [e.seq for e in events] == [held, held + 1]
    assert not more


@pytest.mark.postgres
async def test_a_task_s_history_waits_for_its_event_still_in_flight(pg: Any) -> None:
    """Paging one task's history with ``since`` skips nothing: an event of the task still in
    flight below a committed one holds the page until it commits."""
    engine, other = pg
    task = (await engine.create_task(TaskCreate(title="t"))).task
    start = await engine.latest_event_seq()
    tx = other.transaction()
    await tx.start()
    held = await other.fetchval(
        OPEN_EVENT.replace("(id, type,", "(task_id, id, type,").replace("VALUES (", "VALUES ($1, "),
        task.id,
    )
    await engine.transition_task(task.ref, TaskStatus.READY)
    page = asyncio.ensure_future(engine.events(since=start, task=task.ref))
    await asyncio.sleep(0.3)
    assert not page.done()
    await tx.commit()
    events = await asyncio.wait_for(page, timeout=5)
    assert [(e.seq, e.type) for e in events] == [
        (held, "test.open"),
        (held + 1, "task.status_changed"),
    ]


@pytest.mark.postgres
async def test_a_starting_cursor_waits_for_writers_below_it(pg: Any) -> None:
    """``latest_event_seq`` (and the board's cursor) answer only once no open event lies
    below the newest one: a follower starting there would skip it."""
    engine, other = pg
    tx, _ = await _open_event(other)
    await engine.create_task(TaskCreate(title="after"))
    newest = asyncio.ensure_future(engine.latest_event_seq())
    board = asyncio.ensure_future(engine.board(BoardQuery()))
    await asyncio.sleep(0.3)
    assert not newest.done()
    assert not board.done()
    await tx.commit()
    last = (await engine.events())[-1].seq
    assert await asyncio.wait_for(newest, timeout=5) == last
    assert (await asyncio.wait_for(board, timeout=5)).last_event_seq == last


@pytest.mark.postgres
async def test_a_number_is_drawn_only_once_the_transaction_has_an_id(pg: Any) -> None:
    """What the followers' wait rests on (migration 0007): a writer seen without an id cannot
    already hold a number."""
    _, other = pg
    default = await other.fetchval(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef AS d"
        " JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
        " WHERE d.adrelid = 'events'::regclass AND a.attname = 'seq'"
    )
    assert default.index("pg_current_xact_id()") < default.index("nextval(")
    assert (
        await other.fetchval(
            "SELECT seqcache FROM pg_sequence WHERE seqrelid = 'events_seq_seq'::regclass"
        )
        == 1
    )
