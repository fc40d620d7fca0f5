"""The hottest small reads, run on SQLite's own connection: no SQLAlchemy on the way.

The head of the ready queue is what boards, workers and the server poll most. Through
SQLAlchemy a read of it cost ~0.4 ms, of which SQLite's work was ~0.17 ms: the pool's
checkout, the ``begin`` hook, the execution context and the result's processing were the
rest (docs/performance.md, "the ready queue as the database wrote it"). Such a statement is
compiled here once for the dialect, and each read is one ``execute`` on a connection the
calling thread keeps: a single ``SELECT`` in SQLite's autocommit mode reads one consistent
snapshot, as a transaction of its own would.

Only statements that need none of SQLAlchemy's help qualify: no bind parameter whose value
a type converts (a datetime, a JSON value), no expanding ``IN``, and only the first column
read, as the driver returns it. ``compile_for_driver`` refuses any other, so a change to a
statement fails its tests instead of reading wrong values.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import SQLCompiler


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


class DriverReads:
    """Compiled statements, and one raw connection per calling thread, of a reader engine."""

    def __init__(self, reader: Engine) -> None:
        self._reader = reader
        self._compiled: dict[Select[Any], DriverStatement] = {}
        self._local = threading.local()
        self._held: list[Any] = []
        """The pool's connections the threads keep, given back on ``close``."""
        self._lock = threading.Lock()

    def first_column(self, statement: Select[Any], params: Mapping[str, Any]) -> Sequence[Any]:
        """``statement``'s first column, row by row, read on this thread's connection."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = compile_for_driver(statement, self._reader.dialect, params)
            self._compiled[statement] = compiled
        rows = self._connection().execute(compiled.sql, compiled.values(params)).fetchall()
        return [row[0] for row in rows]

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # From the reader pool, so it has the pool's pragmas and functions; in autocommit
            # (``install_pragmas``), so each SELECT is its own snapshot.
            fairy = self._reader.raw_connection()
            with self._lock:
                self._held.append(fairy)
            conn = fairy.driver_connection
            assert isinstance(conn, sqlite3.Connection)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Give every kept connection back to the pool (before it is disposed of)."""
        with self._lock:
            held, self._held = self._held, []
        for fairy in held:
            fairy.close()
