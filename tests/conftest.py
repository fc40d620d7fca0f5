"""Fixtures shared by the whole suite: isolated env, and real engines on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import PG_ENV, copy_migrated_sqlite, pg_url
from tests.fixtures.pg import create_database, drop_database, pg_empty, pg_end_other_connections
from tests.fixtures.remote import (
    remote_pg_engine,
    remote_sqlite_engine,
    served_sqlite,
    skip_remote_runs_of_local_only,
)

__all__ = ["remote_pg_engine", "remote_sqlite_engine", "served_sqlite"]  # fixtures, by name

# Textual pops NO_COLOR when the first App is built, making snapshots depend on test order.
os.environ.pop("NO_COLOR", None)


def pytest_configure(config: pytest.Config) -> None:
    """Under ``CI=true`` the PostgreSQL half of the suite is required, not skipped.

    Without this a CI machine that lost its PostgreSQL (or a ``.ci/run`` that stopped setting
    the URL) would skip ~170 tests and still go green. On a laptop (``CI`` unset) those
    tests skip with the reason, as before.
    """
    if os.environ.get("CI", "").lower() == "true" and not os.environ.get(PG_ENV):
        raise pytest.UsageError(
            f"CI=true but {PG_ENV} is not set: CI must run the PostgreSQL tests "
            "(.ci/run starts a server and sets it). Unset CI to skip them locally."
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``local_only(reason)`` skip their remote runs, saying why; the PostgreSQL
    run of a test marked ``slow_on_postgres(reason)`` joins ``make slow``, and so does the
    aiosqlite run of one marked ``slow_on_aiosqlite(reason)``."""
    skip_remote_runs_of_local_only(items)
    for item in items:
        callspec = getattr(item, "callspec", None)
        ids = set(callspec.id.split("-")) if callspec is not None else set()
        for backend in ("postgres", "aiosqlite"):
            if item.get_closest_marker(f"slow_on_{backend}") and (
                backend in item.keywords or backend in ids
            ):
                item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's data folder, database and settings out of every test."""
    monkeypatch.setenv("TASKYARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TASKYARD_DB", raising=False)
    monkeypatch.delenv("FEATURE_PRD_AUTO_APPROVE_REVIEW", raising=False)
    monkeypatch.setenv("TASKYARD_ACTOR", "tester")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file (threaded stdlib driver, the default)."""
    return f"sqlite:///{tmp_path / 'taskyard.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per test process, for ``copy_migrated_sqlite``.

    Migrating a new file costs 45 ms (85 ms through aiosqlite), copying this one under a
    millisecond, and the suite opens over a thousand engines on fresh files. The migrations
    themselves are tested on new files (tests/store/test_migrations.py).
    """
    import asyncio

    path = tmp_path_factory.mktemp("sqlite-template") / "taskyard.db"

    async def migrate() -> None:
        engine = await SqlTaskEngine.open(f"sqlite:///{path}", actor="tester")
        await engine.close()

    asyncio.run(migrate())
    return path


@pytest.fixture(scope="session")
def pg_session_database() -> Iterator[str]:
    """A PostgreSQL database migrated to head, shared by the test process, dropped at its end."""
    base = pg_url()
    name, url = create_database(base, "ty_session")

    async def migrate() -> None:
        engine = await SqlTaskEngine.open(url, actor="tester")
        await engine.close()

    asyncio.run(migrate())
    yield url
    drop_database(base, name)


@pytest.fixture
def pg_schema_url(pg_session_database: str) -> str:
    """The test process's PostgreSQL database, emptied: as fresh as a newly migrated one.

    Creating, migrating and dropping a database per test cost about a second each; emptying
    the shared one (``pg_empty``) takes milliseconds. A connection a previous test's process
    left behind (a killed or frozen worker) is ended first, so its locks cannot hold the
    emptying up. Tests that need a brand-new empty database (migrations) create their own.
    """
    asyncio.run(pg_end_other_connections(pg_session_database))
    asyncio.run(pg_empty(pg_session_database))
    return pg_session_database


@pytest.fixture
async def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[SqlTaskEngine]:
    """A real engine on a fresh, just-migrated SQLite file."""
    copy_migrated_sqlite(sqlite_template, tmp_path / "taskyard.db")
    engine = await SqlTaskEngine.open(f"sqlite:///{tmp_path / 'taskyard.db'}", actor="tester")
    yield engine
    await engine.close()


@pytest.fixture
async def aiosqlite_engine(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[SqlTaskEngine]:
    """A real engine on a fresh, just-migrated SQLite file through aiosqlite."""
    copy_migrated_sqlite(sqlite_template, tmp_path / "a.db")
    engine = await SqlTaskEngine.open(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", actor="tester")
    yield engine
    await engine.close()


@pytest.fixture
async def pg_engine(pg_schema_url: str) -> AsyncIterator[SqlTaskEngine]:
    """A real engine on a fresh PostgreSQL database."""
    engine = await SqlTaskEngine.open(pg_schema_url, actor="tester")
    yield engine
    await engine.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite_engine", id="sqlite"),
        pytest.param("aiosqlite_engine", id="aiosqlite"),
        pytest.param("pg_engine", id="postgres", marks=pytest.mark.postgres),
        # HttpTaskEngine through a server subprocess of each test's own: the whole suite
        # again, so it runs with `make slow`; tests/remote has the quick subset.
        pytest.param("remote_sqlite_engine", id="remote-sqlite", marks=pytest.mark.slow),
        pytest.param(
            "remote_pg_engine", id="remote-postgres", marks=[pytest.mark.slow, pytest.mark.postgres]
        ),
    ]
)
def engine(request: pytest.FixtureRequest) -> SqlTaskEngine:
    """The contract suite's engine: every implementation, one suite."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
