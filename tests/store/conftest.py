"""Store-suite fixtures and helpers.

The PostgreSQL cases get ``pg_schema_url`` from tests/conftest.py: the test process's one
migrated database, emptied before each test (the state a fresh database has right after
``SqlTaskEngine.open``). Tests that need a brand-new empty database (migrations) create their
own.

It also holds the small helpers the store tests share (``new``, ``all_events``, ``last_seq``,
``to_review``, ``finish``); import them with ``from .conftest import ...``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.domain.commands import TaskCreate
from core.domain.models import Event, Task, TaskStatus
from core.domain.runs import RetryPolicy
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.remote import RemoteEngines, is_remote

PG_ENV = "TASKYARD_TEST_PG_URL"


# ------------------------------------------------------------------------------ shared helpers
async def new(engine: SqlTaskEngine, title: str = "Task", **fields: Any) -> Task:
    """Create a task and return it."""
    return (await engine.create_task(TaskCreate(title=title, **fields))).task


async def all_events(engine: SqlTaskEngine, since: int = 0) -> list[Event]:
    """Every event after ``since``."""
    return await engine.events(since=since, limit=100_000)


async def last_seq(engine: SqlTaskEngine) -> int:
    """The newest event's sequence number (0 when there is none)."""
    events = await all_events(engine)
    return events[-1].seq if events else 0


async def to_review(engine: SqlTaskEngine, ref: str) -> Task:
    """Take a backlog or ready task to in review (ready, force start, review)."""
    task = await engine.get_task(ref)
    if task.status == TaskStatus.BACKLOG:
        await engine.transition_task(ref, TaskStatus.READY)
    await engine.transition_task(ref, TaskStatus.IN_PROGRESS, force=True)
    return await engine.transition_task(ref, TaskStatus.IN_REVIEW)


async def finish(engine: SqlTaskEngine, ref: str) -> Task:
    """Take a backlog or ready task all the way to done (force start, review, approve)."""
    await to_review(engine, ref)
    return await engine.transition_task(ref, TaskStatus.DONE)


# -- the orchestrator contracts (claims, steps, logs, quick runs) --------------------------------
NO_BACKOFF = RetryPolicy(max_attempts=2, backoff_seconds=0)
"""Two attempts per task, retried at once: failures are quick to drive to blocked."""


class Clock:
    """A clock the test moves by hand (engines take it as ``clock=``)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


Opener = Callable[..., Awaitable[SqlTaskEngine]]


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("sqlite+aiosqlite", id="aiosqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        # The same database kinds through a server and HttpTaskEngine (``open_engine``).
        pytest.param("remote-sqlite", id="remote-sqlite", marks=pytest.mark.slow),
        pytest.param(
            "remote-postgres", id="remote-postgres", marks=[pytest.mark.slow, pytest.mark.postgres]
        ),
    ]
)
def any_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, just-migrated database of the parameter's kind."""
    if request.param == "remote-sqlite":
        copy_migrated_sqlite(sqlite_template, tmp_path / "contract.db")
        return f"sqlite:///{tmp_path / 'contract.db'}"
    if request.param in {"postgres", "remote-postgres"}:
        return str(request.getfixturevalue("pg_schema_url"))
    copy_migrated_sqlite(sqlite_template, tmp_path / "contract.db")
    return f"{request.param}:///{tmp_path / 'contract.db'}"


@pytest.fixture
async def open_engine(any_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Opener]:
    """Opens engines on one fresh database, with chosen options (no backoff by default).

    For the ``remote-*`` kinds each engine is an ``HttpTaskEngine`` on a server of its own
    over an engine with those options (``tests.fixtures.remote.RemoteEngines``).
    """
    opened: list[SqlTaskEngine] = []
    remote = RemoteEngines(any_url) if is_remote(request) else None

    async def opener(**options: Any) -> SqlTaskEngine:
        options.setdefault("retry_policy", NO_BACKOFF)
        options.setdefault("auto_approve", False)
        if remote is not None:
            return await remote.open(**options)  # type: ignore[return-value]
        engine = await SqlTaskEngine.open(any_url, actor="tester", **options)
        opened.append(engine)
        return engine

    yield opener
    for engine in opened:
        await engine.close()
    if remote is not None:
        await remote.close()
