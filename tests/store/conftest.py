"""Store-suite fixtures: one migrated PostgreSQL database per session, emptied before each test.

Creating a PostgreSQL database costs about half a second, which the ~100 PostgreSQL cases of
the store suite cannot afford each. ``pg_schema_url`` (overriding the one in tests/conftest.py
for this folder) therefore hands every test the same migrated database after emptying every
table and restarting the event sequence: the state a fresh database has right after
``SqlTaskEngine.open``. Tests that need a brand-new empty database (migrations) create their own.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

from core.store.engine import SqlTaskEngine

from ._pg import pg_empty, pg_execute, sibling_url

PG_ENV = "TASKYARD_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_session_database() -> Iterator[str]:
    """A PostgreSQL database migrated to head, shared by the session and dropped at its end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server (.ci/run starts one)")
    name = f"ty_store_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_execute(base, f'CREATE DATABASE "{name}"'))
    url = sibling_url(base, name)

    async def migrate() -> None:
        engine = await SqlTaskEngine.open(url, actor="tester")
        await engine.close()

    asyncio.run(migrate())
    yield url
    asyncio.run(pg_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_schema_url(pg_session_database: str) -> str:
    """The session's PostgreSQL database, emptied: as fresh as a newly migrated one."""
    asyncio.run(pg_empty(pg_session_database))
    return pg_session_database
