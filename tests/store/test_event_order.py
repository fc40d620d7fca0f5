"""Events are read in ``seq`` order, whatever order the database happens to store them in.

Nothing but ``ORDER BY seq`` makes a database return rows in sequence order. On a small,
append-only table they usually come back in insertion order anyway, so a read that forgot
to sort would pass every other test. Here the rows are stored out of order for real:

- On PostgreSQL an ``UPDATE`` writes a new version of the row after the others in the heap,
  so touching the oldest events moves them physically last (as a restore, ``CLUSTER`` or
  ``pg_repack`` can). A sequential scan then returns them out of ``seq`` order.
- On SQLite ``seq`` is the rowid: every plan reads the table, or its ``(task_id, seq)``
  index, in ``seq`` order, so no data can make an unsorted read differ. There, and only
  there, the SQL the store sends is checked instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event

from core.domain.commands import ProjectCreate, TaskCreate, TaskPatch
from core.store.engine import SqlTaskEngine
from core.store.events import read_events
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.pg import pg_execute


@pytest.fixture
async def shuffled(pg_schema_url: str) -> AsyncIterator[tuple[SqlTaskEngine, str, list[int]]]:
    """An engine on PostgreSQL whose first events are stored after its later ones."""
    # A new, empty heap for the events: in one emptied by DELETE, an update may reuse the
    # free space of earlier tests' rows and keep the scan order the test needs to break.
    await pg_execute(pg_schema_url, "TRUNCATE events RESTART IDENTITY")
    engine = await SqlTaskEngine.open(pg_schema_url, actor="tester")
    try:
        await engine.create_project(ProjectCreate(name="Order", slug="order", key="OR"))
        ref = (await engine.create_task(TaskCreate(title="Edited", project="order"))).task.ref
        for n in range(4):
            await engine.update_task(ref, TaskPatch(title=f"Edit {n}"), expected_version=None)
        seqs = [e.seq for e in await engine.events(since=0)]
        # Rewrite the three oldest rows: their new versions go to the end of the heap.
        low = ", ".join(str(s) for s in seqs[:3])
        await pg_execute(pg_schema_url, f"UPDATE events SET actor = actor WHERE seq IN ({low})")
        stored = [
            row[0] for row in await pg_execute(pg_schema_url, "SELECT seq FROM events")
        ]  # no ORDER BY: the order a scan meets them in
        assert stored != sorted(stored), f"the rows are still stored in order: {stored}"
        yield engine, ref, seqs
    finally:
        await engine.close()


@pytest.mark.postgres
async def test_the_log_is_read_in_seq_order_when_stored_out_of_order(
    shuffled: tuple[SqlTaskEngine, str, list[int]],
) -> None:
    engine, _, seqs = shuffled
    assert len(seqs) >= 6
    assert [e.seq for e in await engine.events(since=0)] == seqs
    assert [e.seq for e in await engine.events(since=seqs[1])] == seqs[2:]
    assert [e.seq for e in await engine.events(since=0, limit=3)] == seqs[:3]


@pytest.mark.postgres
async def test_a_follower_gets_the_log_in_seq_order_when_stored_out_of_order(
    shuffled: tuple[SqlTaskEngine, str, list[int]],
) -> None:
    engine, _, seqs = shuffled
    followed: list[int] = []
    stream = engine.follow_events(since=0, poll_interval=0.05)
    try:
        async with asyncio.timeout(5):  # an unsorted page looks like a gap: it would wait
            async for e in stream:
                followed.append(e.seq)
                if len(followed) == len(seqs):
                    break
    except TimeoutError:
        pytest.fail(f"the follower stalled after {followed} of {seqs}")
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    assert followed == seqs


def test_on_sqlite_the_read_asks_for_seq_order(tmp_path: Path, sqlite_template: Path) -> None:
    """SQLite returns rowid order whatever the query says (see the module docstring), so the
    statement itself is what can be wrong: every read of the log ends ``ORDER BY seq``."""
    copy_migrated_sqlite(sqlite_template, tmp_path / "t.db")
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    try:
        with engine.connect() as conn:
            read_events(conn, since=0)
            read_events(conn, since=5, task_id="x", through=9)
    finally:
        engine.dispose()
    assert len(sent) == 2
    for sql in sent:
        assert "ORDER BY events.seq" in " ".join(sql.split()), sql
