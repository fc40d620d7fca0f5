"""Point reads on SQLite: one task or the head of the ready queue, read on the caller's thread.

Handing a ~0.1 ms read to a reader thread and back cost as much again; anything that may
scan (a list, a count, a search) still runs on a reader thread, beside the event loop.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Connection

from core.store import queries
from core.store.driver_reads import DriverReads
from core.store.engine import SqlTaskEngine

from .conftest import new


def _thread(conn: Connection) -> str:
    return threading.current_thread().name


@pytest.fixture
def threads_of_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The thread each ``get_task``, ``ready_queue`` and ``list_tasks`` read ran on."""
    seen: dict[str, list[str]] = {"get_task": [], "ready_queue": [], "list_tasks": []}
    for name, calls in seen.items():
        original = getattr(queries, name)

        def spy(
            *args: object, _original: object = original, _calls: list[str] = calls, **kwargs: object
        ) -> object:
            _calls.append(threading.current_thread().name)
            return _original(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(queries, name, spy)
    return seen


async def test_a_point_read_runs_on_the_callers_thread_and_a_scan_does_not(
    sqlite_engine: SqlTaskEngine,
) -> None:
    """The runner's contract on a file: ``point`` stays here, anything else goes to a reader."""
    here = threading.current_thread().name
    assert await sqlite_engine._runner.read(_thread, point=True) == here
    assert (await sqlite_engine._runner.read(_thread)).startswith("taskyard-reader")


async def test_a_database_in_memory_reads_on_its_one_connections_thread() -> None:
    """In memory the database lives in the writer's one connection: every read goes there."""
    engine = await SqlTaskEngine.open("sqlite://", actor="tester")
    try:
        assert (await engine._runner.read(_thread, point=True)).startswith("taskyard-writer")
    finally:
        await engine.close()


async def test_a_task_and_the_ready_queue_are_point_reads_and_a_list_is_not(
    sqlite_engine: SqlTaskEngine,
    threads_of_reads: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a worker and a board poll read most stays on the caller's thread; a list scans."""
    from core.domain.commands import TaskQuery

    task = await new(sqlite_engine, "Read me")
    command = await new(sqlite_engine, "Deploy", metadata={"command": "make"})
    for calls in threads_of_reads.values():
        calls.clear()  # a write reads its task back on the writer's thread
    here = threading.current_thread().name
    head: list[str] = []
    on_driver: list[str] = []
    first_column, run_on_driver = DriverReads.first_column, DriverReads.on_driver

    def spy(self: DriverReads, *args: Any) -> Any:
        head.append(threading.current_thread().name)
        return first_column(self, *args)

    def spy_driver(self: DriverReads, *args: Any) -> Any:
        on_driver.append(threading.current_thread().name)
        return run_on_driver(self, *args)

    monkeypatch.setattr(DriverReads, "first_column", spy)
    monkeypatch.setattr(DriverReads, "on_driver", spy_driver)
    assert (await sqlite_engine.get_task(task.ref)).title == "Read me"
    # A task with a command is read from rows (core/store/task_json.py), still on this thread.
    assert (await sqlite_engine.get_task(command.ref)).command is not None
    assert on_driver == [here, here]
    await sqlite_engine.ready_tasks(limit=20)
    await sqlite_engine.ready_tasks_json(limit=20)
    await sqlite_engine.ready_tasks(limit=20, in_projects=[task.project_id])
    await sqlite_engine.list_tasks(TaskQuery())
    assert threads_of_reads["get_task"] == [here]  # only the task with a command
    # The head across projects: on this thread, on SQLite's own connection (driver_reads).
    assert head == [here, here]
    # Kept to a token's projects, the queue may skip many cards: a reader thread reads it.
    assert threads_of_reads["ready_queue"][0].startswith("taskyard-reader")
    assert threads_of_reads["list_tasks"][0].startswith("taskyard-reader")
