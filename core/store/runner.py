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
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine

from core.store.context import TxContext
from core.store.dialects import postgresql
from core.store.errors import translate_db_errors
from core.store.events import flush_events

if TYPE_CHECKING:  # only an annotation here; the module costs ~110 ms (all of sqlalchemy.orm)
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

WriteOp = Callable[[Connection, TxContext], T]
ReadOp = Callable[[Connection], T]

DEADLOCK_RETRIES = 5


class Runner(ABC):
    """Executes store operations as transactions and tells followers about commits."""

    dialect: str

    def __init__(self) -> None:
        self._committed = asyncio.Event()

    @abstractmethod
    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """Run ``op`` in a write transaction, flush its events, commit.

        Raises:
            TaskyardError: the operation's own refusal, or a translated database error.
        """

    @abstractmethod
    async def read(self, op: ReadOp[T]) -> T:
        """Run ``op`` in a read-only snapshot."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections and threads."""

    def notify_committed(self) -> None:
        """Wake everyone waiting for a local commit (the in-process subscription)."""
        self._committed.set()
        self._committed = asyncio.Event()

    async def wait_for_commit(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll period
        """Return after the next local commit, or after ``timeout`` seconds."""
        # asyncio.wait, not wait_for: on Python 3.11 a cancel that lands as the commit wakes the
        # waiter can be swallowed by wait_for, leaving the cancelled follower hanging forever.
        waiter = asyncio.ensure_future(self._committed.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()


def _run_write(conn: Connection, op: WriteOp[T], ctx: TxContext) -> T:
    result = op(conn, ctx)
    flush_events(conn, ctx)
    return result


class ThreadRunner(Runner):
    """Synchronous SQLAlchemy on worker threads: SQLite's fast path."""

    def __init__(self, writer: Engine, reader: Engine) -> None:
        super().__init__()
        self.dialect = writer.dialect.name
        self._writer = writer
        self._reader = reader
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="taskyard-writer")
        # A database in memory lives in one connection, used by one thread.
        self._read_pool = (
            self._write_pool
            if reader is writer
            else ThreadPoolExecutor(4, thread_name_prefix="taskyard-reader")
        )

    def _write_tx(self, op: WriteOp[T], ctx: TxContext) -> T:
        with translate_db_errors(), self._writer.begin() as conn:
            return _run_write(conn, op, ctx)

    def _read_tx(self, op: ReadOp[T]) -> T:
        with translate_db_errors(), self._reader.begin() as conn:
            return op(conn)

    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """See ``Runner.write``."""
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._write_pool, self._write_tx, op, ctx_factory())
        self.notify_committed()
        return result

    async def read(self, op: ReadOp[T]) -> T:
        """See ``Runner.read``."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, self._read_tx, op)

    async def close(self) -> None:
        """See ``Runner.close``."""
        self._write_pool.shutdown(wait=True)
        if self._read_pool is not self._write_pool:
            self._read_pool.shutdown(wait=True)
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


class AsyncRunner(Runner):
    """SQLAlchemy's asyncio engine (asyncpg, aiosqlite) with ``run_sync``."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.dialect = engine.dialect.name
        self._engine = engine
        self._reader = (
            engine.execution_options(isolation_level="REPEATABLE READ")
            if self.dialect == "postgresql"
            else engine
        )

    async def write(self, op: WriteOp[T], ctx_factory: Callable[[], TxContext]) -> T:
        """See ``Runner.write``."""
        attempt = 0
        while True:
            attempt += 1
            ctx = ctx_factory()
            try:
                with translate_db_errors():
                    async with self._engine.begin() as conn:
                        result = await conn.run_sync(_run_write, op, ctx)
                break
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

    async def read(self, op: ReadOp[T]) -> T:
        """See ``Runner.read``."""
        with translate_db_errors():
            async with self._reader.connect() as conn, conn.begin():
                return await conn.run_sync(op)

    async def close(self) -> None:
        """See ``Runner.close``."""
        await self._engine.dispose()
