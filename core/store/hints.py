"""Planner hints that only SQLite needs: it keeps no statistics unless ``ANALYZE`` ran.

Without statistics SQLite takes ``status IN (...)`` for a selective filter and reads every
matching task through the status index, then sorts them all for a page of 50 (~60 ms for
the 25,000 backlog tasks of 100,000). ``likely(...)`` tells it the filter keeps most rows,
so it reads the list's order index instead and stops after the page (~0.1 ms). PostgreSQL
keeps statistics and weighs ``LIMIT`` itself: there the expression is left as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class likely(FunctionElement[bool]):
    """``likely(condition)`` on SQLite; the plain condition elsewhere."""

    type = Boolean()
    name = "likely"
    inherit_cache = True


@compiles(likely)
def _likely_default(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(likely, "sqlite")
def _likely_sqlite(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"
