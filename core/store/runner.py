"""Running store operations as transactions, off the event loop.

Store operations are plain synchronous functions over a SQLAlchemy ``Connection``; a runner
executes each one as a single transaction and hands the result back to asyncio:

* ``ThreadRunner`` (SQLite through the stdlib driver): one dedicated writer thread, a few
  reader threads, and one thread hop per *transaction*. aiosqlite hops threads for every
  statement; shared/STACK.md measured it at ~300 claims/s against ~1,460 for the same work
  done synchronously, and the orchestrator needs more.
* ``AsyncRunner`` (asyncpg, or aiosqlite when a URL names it): ``AsyncConnection.run_sync``
  runs the same function with greenlet-backed awaits.

Either way the operation writes its events last, in the same transaction, and the runner
wakes in-process followers after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, Select

from core.store.context import TxContext
from core.store.dialects import postgresql
from core.store.dialects import sqlite as sqlite_dialect
from core.store.driver_reads import DriverReads
from core.store.errors import translate_db_errors
from core.store.events import flush_events

if TYPE_CHECKING:  # only an annotation here; the module costs ~110 ms (all of sqlalchemy.orm)
    from sqlalchemy.ext.asyncio import AsyncEngine

    from core.store.pg_fast import PgFastPath

T = TypeVar("T")

WriteOp = Callable[[Connection, TxContext], T]
ReadOp = Callable[[Connection], T]

DEADLOCK_RETRIES = 5

READERS = 2
"""Reader threads (SQLite). Reads are mostly Python, which one thread runs at a time; more
threads only queue for the GIL and hand it over more often. A server under 32 connections
served 161 list pages/s with 4 readers, 203 with 2 and 240 with 1 (docs/performance.md);
two keep one slow read (a count, a text search) from holding up every other."""


class Runner(ABC):
    """Executes store operations as transactions and tells followers about commits."""

    dialect: str
    pg_fast: PgFastPath | None = None
    """PostgreSQL only: raw connections for the claim and finish statements (``pg_fast``)."""
    busy_ms: int = sqlite_dialect.BUSY_TIMEOUT_MS
    """SQLite only: how long one statement waits for another process's write lock."""

    def __init__(self, dialect: str, *, sqlite_path: Path | None, lock_wait: float) -> None:
        self._committed = asyncio.Event()
        self.dialect = dialect
        self._path = sqlite_path
        """The SQLite file (``None``: PostgreSQL, or a database in memory), for error hints."""
        self._lock_wait = lock_wait
        """SQLite: seconds a write retries against another process's lock (``LockWait``)."""
        self.busy_ms = sqlite_dialect.busy_timeout_ms(lock_wait)

    @abstractmethod
    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """Run ``op`` in a write transaction, flush its events, commit.

        Raises:
            TaskyardError: the operation's own refusal, or a translated database error.
        """

    @abstractmethod
    async def read(self, op: ReadOp[T], *, point: bool = False) -> T:
        """Run ``op`` in a read-only snapshot.

        ``point``: ``op`` reads a few rows through an index (one task, the head of the ready
        queue), never a scan or a count; a runner may run it on the caller's thread.
        """

    async def read_first_column(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> Sequence[Any]:
        """A point read of ``statement``'s first column (values as the driver gives them).

        For the few reads polled most (the ready queue's head): a runner may run it on the
        database driver directly (``core.store.driver_reads``), which takes only statements
        whose parameters need no conversion.
        """
        return await self.read(lambda c: c.execute(statement, params).scalars().all(), point=True)

    async def read_on_driver(self, op: Callable[[sqlite3.Connection], T]) -> T | None:
        """``op`` on SQLite's own connection, as one statement in autocommit, if it has one.

        For a point read whose one ``SELECT`` the caller runs and decodes itself
        (``core.store.task_json``). ``None``: this runner has no such connection (PostgreSQL,
        aiosqlite, a database in memory); read through ``read`` instead.
        """
        return None

    @abstractmethod
    async def close(self) -> None:
        """Release connections and threads."""

    def notify_committed(self) -> None:
        """Wake everyone waiting for a local commit (the in-process subscription)."""
        self._committed.set()
        self._committed = asyncio.Event()

    def commit_signal(self) -> asyncio.Event:
        """The event the next local commit sets: take it *before* reading, wait on it after.

        A follower that read, then handed events to its consumer (who may commit meanwhile),
        then started waiting would miss those commits until its poll period ran out.
        """
        return self._committed

    async def wait_for_commit(
        self,
        timeout: float,  # noqa: ASYNC109 - a poll period
        signal: asyncio.Event | None = None,
    ) -> None:
        """Return after the next local commit (since ``signal`` was taken), or ``timeout`` s."""
        # asyncio.wait, not wait_for: on Python 3.11 a cancel that lands as the commit wakes the
        # waiter can be swallowed by wait_for, leaving the cancelled follower hanging forever.
        event = self._committed if signal is None else signal
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()


@dataclass(frozen=True)
class _Queued:
    """A write waiting for the writer thread, and where to hand its outcome."""

    op: WriteOp[Any]
    ctx_factory: Callable[[], TxContext]
    """Called in the writer, once the write lock is held (see ``ThreadRunner``)."""
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


_Outcome = tuple["asyncio.Future[Any]", bool, Any]


def _run_write(conn: Connection, op: WriteOp[T], ctx: TxContext) -> T:
    result = op(conn, ctx)
    flush_events(conn, ctx)
    return result


class ThreadRunner(Runner):
    """Synchronous SQLAlchemy on worker threads: SQLite's fast path.

    Writes queue for the one writer thread, which commits them in groups: when several
    operations are waiting it runs them one after another inside one ``BEGIN IMMEDIATE``
    transaction, each under its own ``SAVEPOINT`` (an operation that fails is rolled back to
    its savepoint and fails alone), then commits once and wakes every caller with one
    callback. Each caller still sees its own operation committed before its ``await``
    returns; what a group saves is the ~100 µs of begin, commit and thread hop per operation
    that made eight claimers on one engine cost 3x the claims themselves. A lone operation
    runs in a transaction of its own.

    An operation's context (the clock reading its rows and events carry) is made in the
    writer once the write lock is held, not when the operation was queued: engines and
    processes sharing a file take that lock in turn, so times follow commit order. Read at
    queue time, a run claimed while another engine held the lock to finish its blocker was
    stamped as started 2 ms before the blocker finished.

    A ``BEGIN IMMEDIATE`` that waits out the busy timeout (another process holds the write
    lock) has done nothing, so the whole transaction starts again after a jittered pause,
    until ``lock_wait`` seconds have passed; then it fails with ``DatabaseBusyError``.
    """

    def __init__(
        self,
        writer: Engine,
        reader: Engine,
        *,
        sqlite_path: Path | None = None,
        lock_wait: float = sqlite_dialect.LOCK_WAIT_SECONDS,
    ) -> None:
        super().__init__(writer.dialect.name, sqlite_path=sqlite_path, lock_wait=lock_wait)
        self._writer = writer
        self._reader = reader
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="taskyard-writer")
        # A database in memory lives in one connection, used by one thread.
        self._read_pool = (
            self._write_pool
            if reader is writer
            else ThreadPoolExecutor(READERS, thread_name_prefix="taskyard-reader")
        )
        self._queue: list[_Queued] = []
        self._queue_lock = threading.Lock()
        self._draining = False
        self._driver_reads = None if reader is writer else DriverReads(reader)

    @contextlib.contextmanager
    def _begin_write(self) -> Iterator[Connection]:
        """``self._writer.begin()``, tried again while another process holds the write lock."""
        wait = sqlite_dialect.LockWait(self._lock_wait)
        while True:
            with contextlib.ExitStack() as stack:
                try:
                    conn = stack.enter_context(self._writer.begin())
                except sqlite_dialect.WriteLockTimeout as exc:
                    busy: BaseException = exc
                else:
                    yield conn
                    return
            time.sleep(wait.pause(busy))

    def _write_tx(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        with translate_db_errors(self._path), self._begin_write() as conn:
            return _run_write(conn, op, ctx_factory())

    def _read_tx(self, op: ReadOp[T]) -> T:
        with translate_db_errors(self._path), self._reader.begin() as conn:
            return op(conn)

    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """See ``Runner.write``."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._queue_lock:
            self._queue.append(_Queued(op, ctx_factory, future, loop))
            start = not self._draining
            self._draining = True
        if start:
            self._write_pool.submit(self._drain)
        return await future

    def _drain(self) -> None:
        """On the writer thread: commit whatever is queued, group after group, until empty."""
        while True:
            with self._queue_lock:
                group, self._queue = self._queue, []
                if not group:
                    self._draining = False
                    return
            outcomes = self._commit_group(group)
            by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
            for item, outcome in zip(group, outcomes, strict=True):
                by_loop.setdefault(item.loop, []).append((item.future, *outcome))
            for loop, settled in by_loop.items():
                with contextlib.suppress(RuntimeError):  # the caller's loop has closed
                    loop.call_soon_threadsafe(self._settle, settled)

    def _commit_group(self, group: list[_Queued]) -> list[tuple[bool, Any]]:
        """Run the group's operations and commit; per operation (succeeded, result or error)."""
        if len(group) == 1:
            item = group[0]
            try:
                return [(True, self._write_tx(item.op, item.ctx_factory))]
            except Exception as exc:
                return [(False, exc)]
        outcomes: list[tuple[bool, Any]] = []
        try:
            with translate_db_errors(self._path), self._begin_write() as conn:
                # Savepoints straight on the driver's connection: through ``exec_driver_sql``
                # the two statements cost more Python than a fast claim itself.
                raw: Any = conn.connection.driver_connection  # sqlite3.Connection
                for item in group:
                    raw.execute("SAVEPOINT taskyard_op")
                    try:
                        with translate_db_errors(self._path):
                            result = _run_write(conn, item.op, item.ctx_factory())
                    except Exception as exc:
                        raw.execute("ROLLBACK TO SAVEPOINT taskyard_op")
                        raw.execute("RELEASE SAVEPOINT taskyard_op")
                        outcomes.append((False, exc))
                    else:
                        raw.execute("RELEASE SAVEPOINT taskyard_op")
                        outcomes.append((True, result))
        except Exception as exc:  # begin or commit failed: nothing of the group was written
            return [(False, exc)] * len(group)
        return outcomes

    def _settle(self, settled: list[_Outcome]) -> None:
        """On the event loop: hand each caller its result, then wake the followers once."""
        for future, ok, value in settled:
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self.notify_committed()

    async def read(self, op: ReadOp[T], *, point: bool = False) -> T:
        """See ``Runner.read``.

        A point read runs on the caller's thread, in the reader connection that thread keeps
        (``DriverReads.kept``): it costs SQLite ~0.1 ms, and handing it to a reader
        thread and back cost as much again (the wake-ups, and the GIL passed back and forth),
        a fifth of ``GET /api/v2/tasks/{ref}`` (docs/performance.md, "Point reads"); a pool
        checkout and check-in per read cost a quarter of a task read. Anything that may scan
        keeps to the reader threads, where SQLite's C code runs beside the event loop.
        """
        if point and self._driver_reads is not None:
            conn = self._driver_reads.kept()
            if conn is None:  # other threads keep theirs: one from the pool for this read
                return self._read_tx(op)
            with translate_db_errors(self._path), conn.begin():
                return op(conn)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, self._read_tx, op)

    async def read_first_column(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> Sequence[Any]:
        """See ``Runner.read_first_column``: on this thread, on SQLite's own connection."""
        if self._driver_reads is None:  # in memory: its one connection is the writer's
            return await super().read_first_column(statement, params)
        with translate_db_errors(self._path):
            return self._driver_reads.first_column(statement, params)

    async def read_on_driver(self, op: Callable[[sqlite3.Connection], T]) -> T | None:
        """See ``Runner.read_on_driver``: on this thread's kept reader connection."""
        if self._driver_reads is None:  # in memory: its one connection is the writer's
            return None
        with translate_db_errors(self._path):
            return self._driver_reads.on_driver(op)

    async def close(self) -> None:
        """See ``Runner.close``."""
        if self._driver_reads is not None:
            self._driver_reads.close()
        self._write_pool.shutdown(wait=True)
        if self._read_pool is not self._write_pool:
            self._read_pool.shutdown(wait=True)
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


class AsyncRunner(Runner):
    """SQLAlchemy's asyncio engine (asyncpg, aiosqlite) with ``run_sync``."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        sqlite_path: Path | None = None,
        lock_wait: float = sqlite_dialect.LOCK_WAIT_SECONDS,
    ) -> None:
        super().__init__(engine.dialect.name, sqlite_path=sqlite_path, lock_wait=lock_wait)
        self._engine = engine
        self._reader = (
            engine.execution_options(isolation_level="REPEATABLE READ")
            if self.dialect == "postgresql"
            else engine
        )
        if self.dialect == "postgresql":
            from core.store.pg_fast import PgFastPath

            self.pg_fast = PgFastPath(engine.url)

    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """See ``Runner.write``."""
        attempt = 0
        wait = sqlite_dialect.LockWait(self._lock_wait)
        while True:
            attempt += 1
            ctx = ctx_factory()
            try:
                with translate_db_errors(self._path):
                    async with self._engine.begin() as conn:
                        result = await conn.run_sync(_run_write, op, ctx)
                break
            except sqlite_dialect.WriteLockTimeout as exc:  # BEGIN IMMEDIATE: nothing done
                await asyncio.sleep(wait.pause(exc))
            except Exception as exc:
                cause = exc.__cause__
                retryable = (
                    self.dialect == "postgresql"
                    and cause is not None
                    and postgresql.sqlstate(cause) in postgresql.RETRYABLE_SQLSTATES
                )
                if not retryable or attempt >= DEADLOCK_RETRIES:
                    raise
                await asyncio.sleep(0.005 * attempt)
        self.notify_committed()
        return result

    async def read(self, op: ReadOp[T], *, point: bool = False) -> T:
        """See ``Runner.read`` (``point`` changes nothing: the driver is asynchronous)."""
        with translate_db_errors(self._path):
            async with self._reader.connect() as conn, conn.begin():
                return await conn.run_sync(op)

    async def close(self) -> None:
        """See ``Runner.close``."""
        if self.pg_fast is not None:
            await self.pg_fast.close()
        await self._engine.dispose()
