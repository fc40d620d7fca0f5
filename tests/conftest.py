"""Fixtures shared by the whole suite: isolated env, and real engines on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.store.engine import SqlTaskEngine

PG_ENV = "TASKYARD_TEST_PG_URL"

# Textual pops NO_COLOR when the first App is built, making snapshots depend on test order.
os.environ.pop("NO_COLOR", None)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's data folder, database and settings out of every test."""
    monkeypatch.setenv("TASKYARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TASKYARD_DB", raising=False)
    monkeypatch.delenv("FEATURE_PRD_AUTO_APPROVE_REVIEW", raising=False)
    monkeypatch.setenv("TASKYARD_ACTOR", "tester")


def pg_url() -> str:
    """The PostgreSQL URL for tests, or skip with the reason."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server (.ci/run starts one)")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file (threaded stdlib driver, the default)."""
    return f"sqlite:///{tmp_path / 'taskyard.db'}"


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL database of its own for one test, dropped afterwards."""
    base = pg_url()
    import asyncio

    import asyncpg

    plain = base.replace("postgresql+asyncpg://", "postgresql://")
    name = f"ty_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    head, _, _ = plain.rpartition("/")
    yield f"postgresql+asyncpg://{head.split('://', 1)[1]}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[SqlTaskEngine]:
    """A real engine on a fresh SQLite file."""
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    yield engine
    await engine.close()


@pytest.fixture
async def aiosqlite_engine(tmp_path: Path) -> AsyncIterator[SqlTaskEngine]:
    """A real engine on a fresh SQLite file through aiosqlite."""
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
    ]
)
def engine(request: pytest.FixtureRequest) -> SqlTaskEngine:
    """The contract suite's engine: every implementation, one suite."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
