"""SQLite setup: WAL, busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for writes.

A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another
writer committed in between, whatever the busy timeout (shared/STACK.md measured 16k such errors
in one run); starting every write transaction with ``BEGIN IMMEDIATE`` takes the write lock up
front so writers wait their turn instead. Readers use a separate engine with deferred ``BEGIN``
so they never take the write lock.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from core.store.folding import SQLITE_FUNCTION, sqlite_lower

BUSY_TIMEOUT_MS = 10_000


def database_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for an in-memory database."""
    parsed = make_url(url)
    db = parsed.database
    if not db or db == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    return Path(db)


def install_pragmas(engine: Engine, *, begin: str) -> None:
    """Set the per-connection pragmas and the statement that opens each transaction."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (Python 3.11 has no
        # autocommit attribute yet); the "begin" hook below issues BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        # No journal_mode here: WAL is a property of the file, set once by ensure_wal before
        # any pool opens. Switching it per connection raced other new connections.
        cur.execute("PRAGMA synchronous=NORMAL")
        # Sub-journals in memory: every write of a grouped commit runs under its own SAVEPOINT
        # (store/runner.py), and SQLite copies each page it first touches inside a savepoint
        # to a sub-journal, by default a temporary *file*: 13% of the writer's time at eight
        # claimers. Crash recovery never reads them (the WAL does that).
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()
        # Unicode-aware lower() for case-insensitive search and lookups (see store/folding.py).
        dbapi_conn.create_function(SQLITE_FUNCTION, 1, sqlite_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        raw = conn.connection.driver_connection
        if isinstance(raw, sqlite3.Connection):
            raw.execute(begin)  # ~35 µs less than exec_driver_sql, once per write group
        else:  # aiosqlite: its connection is driven through SQLAlchemy's adapter
            conn.exec_driver_sql(begin)


def ensure_wal(path: Path) -> None:
    """Put the file in WAL mode (persistent: later connections inherit it), retrying on BUSY.

    Changing the journal mode needs the file to itself, and SQLite answers SQLITE_BUSY at once
    instead of waiting in the busy handler when another connection is in the middle of creating
    the schema: several clients opening a new file together saw "database is locked" about one
    round in ten. On a file already in WAL mode this is one quick no-op.

    Raises:
        sqlite3.OperationalError: the file cannot be opened, or stayed locked for the whole
            busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.002
    while True:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if not is_busy_error(exc) or time.monotonic() + delay > deadline:
                raise
        finally:
            conn.close()
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def make_engines(url: str | URL) -> tuple[Engine, Engine]:
    """The writer engine (one connection, ``BEGIN IMMEDIATE``) and the reader engine.

    Neither connects yet; call ``ensure_wal`` on the file before their first use.

    Raises:
        sqlite3.OperationalError: the file's folder cannot be created.
    """
    path = database_path(url)
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    if path is None:
        # One shared connection: an in-memory database exists only inside it.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        install_pragmas(engine, begin="BEGIN IMMEDIATE")
        return engine, engine
    path.parent.mkdir(parents=True, exist_ok=True)
    # One writer connection per process: SQLite has a single writer anyway, and in-process
    # writers queue on our thread instead of spinning on the busy handler.
    writer = create_engine(
        url, connect_args=connect_args, pool_size=1, max_overflow=0, pool_reset_on_return=None
    )
    install_pragmas(writer, begin="BEGIN IMMEDIATE")
    reader = create_engine(
        url, connect_args=connect_args, pool_size=4, max_overflow=4, pool_reset_on_return=None
    )
    install_pragmas(reader, begin="BEGIN")
    return writer, reader


def is_busy_error(exc: BaseException) -> bool:
    """Whether SQLite gave up waiting for another writer."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)
