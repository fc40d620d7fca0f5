"""Point reads on a connection each thread keeps, the hottest on SQLite's own driver.

A point read (one task, the head of the ready queue) runs on the caller's thread
(``ThreadRunner.read``). Checking a reader connection out of the pool and back in for each
cost a quarter of a task read, so that thread (in practice the event loop's) keeps one
(``DriverReads.kept``; at most ``KEPT_CONNECTIONS`` threads do).

The head of the ready queue is what boards, workers and the server poll most. Through
SQLAlchemy a read of it cost ~0.4 ms, of which SQLite's work was ~0.2 ms: the checkout, the
``begin`` hook, the execution context and the result's processing were the rest
(docs/performance.md, "the ready queue as the database wrote it"). Such a statement is
compiled here once for the dialect, and each read is one ``execute`` on the kept
connection's driver: a single ``SELECT`` in SQLite's autocommit mode reads one consistent
snapshot, as a transaction of its own would.

Only statements that need none of SQLAlchemy's help qualify: no bind parameter whose value
a type converts (a datetime, a JSON value), no expanding ``IN``, and only the first column
read, as the driver returns it. ``compile_for_driver`` refuses any other, so a change to a
statement fails its tests instead of reading wrong values.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

T = TypeVar("T")


@dataclass(frozen=True)
class DriverStatement:
    """A statement as SQLite's driver takes it: its text and where each value goes."""

    sql: str
    names: tuple[str, ...]
    """The bind parameter of each ``?``, in order."""
    constants: Mapping[str, Any]
    """The values the statement carries itself (those no call gives)."""

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional values for a call with ``params``."""
        return [params[n] if n in params else self.constants[n] for n in self.names]


def compile_for_driver(
    statement: Select[Any], dialect: Dialect, params: Mapping[str, Any]
) -> DriverStatement:
    """``statement`` compiled once, to run with ``params``' names on the raw connection.

    Raises:
        TypeError: the statement needs SQLAlchemy at execution (see the module's docstring).
    """
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positiontup is None or "POSTCOMPILE" in compiled.string:
        raise TypeError("only statements with plain positional parameters run on the driver")
    for name in compiled.positiontup:
        if compiled.binds[name].type.bind_processor(dialect) is not None:
            raise TypeError(f"parameter {name!r} needs its type's conversion: use SQLAlchemy")
    constants = compiled.construct_params(dict(params))
    return DriverStatement(compiled.string, tuple(compiled.positiontup), constants)


KEPT_CONNECTIONS = 2
"""Threads that keep a reader connection at once. The pool holds eight, and the reader
threads check theirs out per read. Reads on any further thread check one out each time, as
every read did before."""


class DriverReads:
    """A reader connection kept by each calling thread, and the statements run on its driver.

    Point reads (``ThreadRunner.read(point=True)``) run on the caller's thread, in practice
    the event loop's; checking a connection out of the pool and back in for each cost a
    quarter of a task read. That thread keeps one instead, until it ends or ``close``:
    ``kept`` for a transaction through SQLAlchemy, ``first_column`` on its driver in
    autocommit.
    """

    def __init__(self, reader: Engine) -> None:
        self._reader = reader
        self._compiled: dict[Select[Any], DriverStatement] = {}
        self._local = threading.local()
        self._kept: list[tuple[threading.Thread, Connection]] = []
        """Each keeping thread and its connection, given back to the pool when the thread
        has ended (seen by the next thread to ask) or by ``close``."""
        self._lock = threading.Lock()

    def kept(self) -> Connection | None:
        """This thread's kept reader connection, outside any transaction.

        ``None`` when other threads keep ``KEPT_CONNECTIONS`` already: the read then checks
        one out of the pool.
        """
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.invalidated:
            return conn
        stale: list[Connection] = []
        with self._lock:
            live = []
            for thread, kept in self._kept:
                if thread.is_alive() and not kept.closed and not kept.invalidated:
                    live.append((thread, kept))
                else:
                    stale.append(kept)
            self._kept = live
            conn = None
            if len(live) < KEPT_CONNECTIONS:
                # From the reader pool, so it has the pool's pragmas and functions. Taken
                # under the lock, so threads starting together cannot all keep one.
                conn = self._reader.connect()
                live.append((threading.current_thread(), conn))
        for old in stale:
            old.close()
        self._local.conn = conn
        return conn

    def first_column(self, statement: Select[Any], params: Mapping[str, Any]) -> Sequence[Any]:
        """``statement``'s first column, row by row, read on this thread's connection.

        On the driver itself, in autocommit (``install_pragmas``): one SELECT, one snapshot.
        """
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = compile_for_driver(statement, self._reader.dialect, params)
            self._compiled[statement] = compiled
        values = compiled.values(params)
        rows = self.on_driver(lambda raw: raw.execute(compiled.sql, values).fetchall())
        return [row[0] for row in rows]

    def on_driver(self, op: Callable[[sqlite3.Connection], T]) -> T:
        """``op`` on this thread's connection's driver, in autocommit (see ``first_column``)."""
        kept = self.kept()
        with contextlib.nullcontext(kept) if kept is not None else self._reader.connect() as conn:
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            return op(raw)

    def close(self) -> None:
        """Give every kept connection back to the pool (before it is disposed of)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for _thread, conn in kept:
            conn.close()
