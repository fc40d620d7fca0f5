"""PostgreSQL setup (asyncpg) and the statements only PostgreSQL needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

# An arbitrary constant naming taskyard's advisory lock (0x7A5C_E0E1 named the event log's
# until the followers took over keeping it in order: store/event_feed.py).
MIGRATION_LOCK_KEY = 0x7A5C_E0E2

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


def make_engine(url: str | URL) -> AsyncEngine:
    """An asyncpg engine with a pool sized for a TUI, a CLI or a worker process."""
    # Imported here: sqlalchemy.ext.asyncio pulls in all of sqlalchemy.orm (~110 ms), and this
    # module is imported on every start, SQLite included, through core.store.events.
    from sqlalchemy.ext.asyncio import create_async_engine

    return create_async_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def lock_migrations(conn: Connection) -> None:
    """Let one process at a time migrate the schema."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error wrapped by SQLAlchemy, if any."""
    orig: Any = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
