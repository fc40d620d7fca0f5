"""PostgreSQL setup (asyncpg) and the statements only PostgreSQL needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    # sqlalchemy.ext.asyncio pulls in sqlalchemy.orm (~60 ms); SQLite start-ups never need it.
    from sqlalchemy.ext.asyncio import AsyncEngine

# Arbitrary constants naming taskyard's advisory locks.
EVENT_LOCK_KEY = 0x7A5C_E0E1
MIGRATION_LOCK_KEY = 0x7A5C_E0E2

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


def make_engine(url: str | URL) -> AsyncEngine:
    """An asyncpg engine with a pool sized for a TUI, a CLI or a worker process."""
    from sqlalchemy.ext.asyncio import create_async_engine

    return create_async_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def lock_event_log(conn: Connection) -> None:
    """Serialize event inserts until commit, so ``seq`` order is commit order.

    A bigserial alone hands out numbers at insert time: a reader following ``seq > N`` could
    see 12 committed before 11 and skip 11 forever. Events are written as the last statement of
    each transaction, so the lock is held only for the insert and the commit.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENT_LOCK_KEY})


def lock_migrations(conn: Connection) -> None:
    """Let one process at a time migrate the schema."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error wrapped by SQLAlchemy, if any."""
    orig: Any = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
