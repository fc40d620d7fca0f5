"""SQLite setup: WAL, busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for writes.

A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another
writer committed in between, whatever the busy timeout (shared/STACK.md measured 16k such errors
in one run); starting every write transaction with ``BEGIN IMMEDIATE`` takes the write lock up
front so writers wait their turn instead. Readers use a separate engine with deferred ``BEGIN``
so they never take the write lock.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from core.errors import DatabaseBusyError
from core.store.folding import SQLITE_FUNCTION, sqlite_lower

BUSY_TIMEOUT_MS = 10_000
"""The longest SQLite's busy handler waits in one go (per statement) for another writer."""

LOCK_WAIT_ENV = "TASKYARD_LOCK_WAIT"
LOCK_WAIT_SECONDS = 60.0
"""How long a write waits for another process's write lock in all, retries included.

A 50,000-task import held the lock for about 30 s on a loaded 2-core machine; a CLI write
or a worker's claim waiting behind it should still go through, not fail after 10 s.
"""


def lock_wait_seconds(environ: Mapping[str, str] | None = None) -> float:
    """``TASKYARD_LOCK_WAIT`` in seconds if set and positive, else ``LOCK_WAIT_SECONDS``."""
    env = os.environ if environ is None else environ
    try:
        seconds = float(env.get(LOCK_WAIT_ENV, ""))
    except ValueError:
        return LOCK_WAIT_SECONDS
    return seconds if seconds > 0 else LOCK_WAIT_SECONDS


def busy_timeout_ms(lock_wait: float) -> int:
    """SQLite's busy timeout for a given lock wait: a sixth of it, within 50 ms .. 10 s.

    SQLite's busy handler polls on a fixed schedule, so writers waiting together poll in step;
    a shorter handler wait and several ``BEGIN IMMEDIATE`` attempts with jittered pauses
    (``LockWait``) spread them out.
    """
    return max(50, min(BUSY_TIMEOUT_MS, int(lock_wait * 1000 / 6)))


def busy_error(
    waited: float | None = None, kind: type[DatabaseBusyError] = DatabaseBusyError
) -> DatabaseBusyError:
    """The error for a write that gave up waiting for another process's write lock.

    SQLite cannot say which process holds the lock, so the message names the usual holders.
    """
    waited_text = "" if waited is None else f" This write waited {waited:.0f} s for it."
    return kind(
        "The database is busy (another process holds its write lock: e.g. an import or a "
        f"worker); try again.{waited_text} Nothing was written.",
        hint=f"Try again once that process has finished, or wait longer with {LOCK_WAIT_ENV}"
        "=SECONDS.",
    )


class WriteLockTimeout(DatabaseBusyError):
    """``BEGIN IMMEDIATE`` waited out the busy timeout: nothing was done, so a retry is safe."""


class LockWait:
    """The pauses between the attempts of one write whose ``BEGIN IMMEDIATE`` found the lock taken.

    Each attempt already waits the busy timeout inside SQLite; the runner tries again after a
    jittered pause until the lock wait is used up.
    """

    def __init__(self, seconds: float) -> None:
        self._start = time.monotonic()
        self._deadline = self._start + seconds
        self._attempt = 0

    def pause(self, exc: BaseException) -> float:
        """Seconds to sleep before the next attempt.

        Raises:
            DatabaseBusyError: the lock wait is used up.
        """
        now = time.monotonic()
        left = self._deadline - now
        if left <= 0:
            raise busy_error(now - self._start) from exc
        self._attempt += 1
        backoff = min(1.0, 0.05 * 2.0**self._attempt)
        return min(left, random.uniform(0.5, 1.5) * backoff)


def database_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for an in-memory database."""
    parsed = make_url(url)
    db = parsed.database
    if not db or db == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    return Path(db)


def install_pragmas(engine: Engine, *, begin: str, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Set the per-connection pragmas and the statement that opens each transaction.

    A ``BEGIN`` that waits out the busy timeout raises ``WriteLockTimeout``. The hook runs in
    SQLAlchemy's ``begin`` event, outside its DBAPI error wrapping, so the raw
    ``sqlite3.OperationalError`` would otherwise pass every ``except`` meant for SQLAlchemy's.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (Python 3.11 has no
        # autocommit attribute yet); the "begin" hook below issues BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
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
        try:
            if isinstance(raw, sqlite3.Connection):
                raw.execute(begin)  # ~35 µs less than exec_driver_sql, once per write group
            else:  # aiosqlite: its connection is driven through SQLAlchemy's adapter
                conn.exec_driver_sql(begin)
        except Exception as exc:
            if is_busy_error(exc):
                raise busy_error(kind=WriteLockTimeout) from exc
            raise


def ensure_wal(path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Put the file in WAL mode (persistent: later connections inherit it), retrying on BUSY.

    Changing the journal mode needs the file to itself, and SQLite answers SQLITE_BUSY at once
    instead of waiting in the busy handler when another connection is in the middle of creating
    the schema: several clients opening a new file together saw "database is locked" about one
    round in ten. On a file already in WAL mode this is one quick no-op.

    Raises:
        sqlite3.OperationalError: the file cannot be opened, or stayed locked for the whole
            busy timeout.
    """
    deadline = time.monotonic() + busy_ms / 1000
    delay = 0.002
    while True:
        conn = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)
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


def make_engines(
    url: str | URL, *, busy_ms: int = BUSY_TIMEOUT_MS, read_only: bool = False
) -> tuple[Engine, Engine]:
    """The writer engine (one connection, ``BEGIN IMMEDIATE``) and the reader engine.

    Neither connects yet; call ``ensure_wal`` on the file before their first use, unless
    ``read_only`` (see ``read_only_fallback``): then both open the file immutable and
    read-only, and every write fails with SQLITE_READONLY.

    Raises:
        OSError: the file's folder cannot be created.
    """
    path = database_path(url)
    connect_args = {"check_same_thread": False, "timeout": busy_ms / 1000}
    if path is None:
        # One shared connection: an in-memory database exists only inside it.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        install_pragmas(engine, begin="BEGIN IMMEDIATE", busy_ms=busy_ms)
        return engine, engine
    if read_only:
        url = URL.create(
            "sqlite",
            database="file:" + quote(str(path.absolute())),
            query={"mode": "ro", "immutable": "1", "uri": "true"},
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    # One writer connection per process: SQLite has a single writer anyway, and in-process
    # writers queue on our thread instead of spinning on the busy handler.
    writer = create_engine(
        url, connect_args=connect_args, pool_size=1, max_overflow=0, pool_reset_on_return=None
    )
    install_pragmas(writer, begin="BEGIN IMMEDIATE", busy_ms=busy_ms)
    reader = create_engine(
        url, connect_args=connect_args, pool_size=4, max_overflow=4, pool_reset_on_return=None
    )
    install_pragmas(reader, begin="BEGIN", busy_ms=busy_ms)
    return writer, reader


def folder_writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder``, tried for real.

    ``os.access`` answers for permission bits only: root passes it on a read-only mount or an
    immutable (``chattr +i``) folder, where SQLite still cannot create its ``-wal``/``-shm``.
    """
    probe = folder / f".taskyard-write-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return True
    except OSError:
        return False
    os.close(fd)
    probe.unlink(missing_ok=True)
    return True


def read_only_fallback(path: Path, exc: BaseException) -> bool:
    """Whether a file WAL mode cannot open (``exc``) can still be read, immutable and read-only.

    In WAL mode SQLite must create ``FILE-wal`` and ``FILE-shm`` next to the file, even to
    read; in a folder it cannot write that fails with "unable to open database file". With
    neither sidecar present (or an empty ``-wal``) every commit is in the file itself, and no
    process is using it (an open connection keeps its ``-wal``), so opening it ``immutable``
    reads exactly what is there. A non-empty ``-wal`` holds commits the file
    lacks: reading without it would show old data, so that stays an error.

    ``immutable`` also means SQLite takes no locks: a process that *can* write the folder
    (another user) and writes meanwhile may make a read fail or see a torn page. That is the
    price of reading at all where this process cannot create the ``-shm``; writes never
    happen here, so the file itself is never at risk.
    """
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.Error) or not path.is_file():
        return False
    if sqlite_error_code(orig) not in (SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM):
        return False
    wal = path.with_name(path.name + "-wal")
    if path.with_name(path.name + "-shm").exists():
        return False
    if wal.exists() and wal.stat().st_size > 0:
        return False
    return not folder_writable(path.parent)


SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


def sqlite_error_code(exc: BaseException) -> int | None:
    """SQLite's primary result code for a driver error (its extended code's low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy_error(exc: BaseException) -> bool:
    """Whether SQLite gave up waiting for another writer."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.Error):
        return False
    return sqlite_error_code(orig) in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in str(orig)
