"""Reads on SQLite's own connection: the same rows as through SQLAlchemy, never stale.

The ready queue's head is read this way (``core.store.driver_reads``); a statement the driver
could not run as SQLAlchemy would must be refused, not read wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.pool import QueuePool

from core.domain.commands import TaskPatch
from core.domain.models import TaskStatus
from core.errors import NotFoundError
from core.store.dialects.sqlite import make_engines
from core.store.driver_reads import KEPT_CONNECTIONS, DriverReads, compile_for_driver
from core.store.engine import SqlTaskEngine
from core.store.queries import READY_HEAD
from core.store.tables import tasks

from .conftest import new


async def test_the_ready_head_reads_what_sqlalchemy_reads_and_every_commit(
    sqlite_url: str,
) -> None:
    """Each read is a snapshot of its own: a task made ready after a read is in the next."""
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    try:
        first = await new(engine, "First", status=TaskStatus.READY)
        before = await engine.ready_tasks(limit=10)
        second = await new(engine, "Second", status=TaskStatus.READY)
        after = await engine.ready_tasks(limit=10)
        limited = await engine.ready_tasks(limit=1)
        scoped = await engine.ready_tasks(limit=10, project=first.project_id)
    finally:
        await engine.close()
    assert [c.ref for c in before] == [first.ref]
    assert [c.ref for c in after] == [first.ref, second.ref]
    assert [c.ref for c in limited] == [first.ref]
    assert scoped == after  # the same cards through SQLAlchemy


async def test_a_kept_reader_connection_sees_every_commit_and_outlives_a_failed_read(
    sqlite_url: str,
) -> None:
    """A thread's point reads share one connection: each is still a snapshot of its own."""
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    try:
        task = await new(engine, "Before")
        assert (await engine.get_task(task.ref)).title == "Before"
        with pytest.raises(NotFoundError):
            await engine.get_task("TY-999")
        await engine.update_task(task.ref, TaskPatch(title="After"), expected_version=task.version)
        assert (await engine.get_task(task.ref)).title == "After"
        assert [c.title for c in await engine.ready_tasks()] == []
    finally:
        await engine.close()


async def test_a_statement_needing_sqlalchemy_is_refused(sqlite_url: str) -> None:
    """A datetime parameter is converted by its type, an expanding IN is rewritten per call."""
    await (await SqlTaskEngine.open(sqlite_url, actor="tester")).close()  # the schema
    _writer, reader = make_engines(sqlite_url)
    try:
        dated = select(tasks.c.id).where(
            tasks.c.created_at > bindparam("since", type_=tasks.c.created_at.type)
        )
        with pytest.raises(TypeError, match="since"):
            compile_for_driver(dated, reader.dialect, {"since": datetime.now(UTC)})
        listed = select(tasks.c.id).where(tasks.c.id.in_(bindparam("ids", expanding=True)))
        with pytest.raises(TypeError, match="positional"):
            compile_for_driver(listed, reader.dialect, {"ids": ["a"]})
        reads = DriverReads(reader)
        assert reads.first_column(READY_HEAD, {"limit": 5}) == []
        reads.close()
        pool = reader.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0  # the kept connection went back
    finally:
        reader.dispose()


async def test_kept_connections_are_capped_and_go_back_when_their_threads_end(
    sqlite_url: str,
) -> None:
    """More threads than ``KEPT_CONNECTIONS`` still read; an ended thread's connection returns."""
    await (await SqlTaskEngine.open(sqlite_url, actor="tester")).close()  # the schema
    _writer, reader = make_engines(sqlite_url)
    pool = reader.pool
    assert isinstance(pool, QueuePool)
    reads = DriverReads(reader)
    together = threading.Barrier(5)
    results: list[Sequence[object]] = []

    def read_while_the_others_live() -> None:
        together.wait()
        results.append(reads.first_column(READY_HEAD, {"limit": 5}))
        together.wait()

    threads = [threading.Thread(target=read_while_the_others_live) for _ in range(5)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert results == [[]] * 5
        assert pool.checkedout() == KEPT_CONNECTIONS  # the other three read and gave theirs back
        assert reads.first_column(READY_HEAD, {"limit": 5}) == []
        assert pool.checkedout() == 1  # the ended threads' went back; this thread keeps one
        reads.close()
        assert pool.checkedout() == 0
    finally:
        reader.dispose()
