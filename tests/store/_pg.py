"""Administering the PostgreSQL test server: create, empty and drop databases, run a statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

TABLES = (
    "idempotency_keys, api_tokens, quick_runs, log_chunks, run_steps, workers, runs, "
    "import_jobs, events, attachments, task_labels, task_dependencies, tasks, milestones, projects"
)
"""Every table of the schema except alembic_version."""


async def pg_execute(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement outside a transaction (CREATE DATABASE needs that); return its rows."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return [tuple(row) for row in result.fetchall()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def pg_empty(url: str) -> None:
    """Empty every taskyard table and restart the event numbers: a just-migrated database."""
    await pg_execute(url, f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


def sibling_url(url: str, name: str) -> str:
    """The URL of database ``name`` on the same server as ``url``."""
    return f"{url.rsplit('/', 1)[0]}/{name}"
