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
from sqlalchemy.types import NullType


class _Hint(FunctionElement[Any]):
    """A planner hint: ``name(condition)`` on SQLite, the plain condition elsewhere."""

    inherit_cache = True


@compiles(_Hint)
def _hint_default(element: _Hint, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_Hint, "sqlite")
def _hint_sqlite(element: _Hint, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.name}({compiler.process(element.clauses, **kw)})"


class likely(_Hint):
    """``likely(condition)`` on SQLite: a filter that keeps most rows."""

    type = Boolean()
    name = "likely"
    inherit_cache = True


class unlikely(_Hint):
    """``unlikely(condition)`` on SQLite (a filter that keeps few rows); plain elsewhere.

    SQLite then reads the rows through the condition's own index and sorts the few it keeps,
    instead of walking the sort's index past thousands of rows that fail it.

    It is untyped on purpose: a ``Boolean`` function is compared with 1 on SQLite (which has
    no boolean type), and ``unlikely(c) = 1`` hides ``c`` from the planner's choice of index,
    the one thing this hint is for. (``likely`` keeps its ``= 1``: it is meant to keep SQLite
    off the filter's index.)
    """

    type = NullType()
    name = "unlikely"
    inherit_cache = True
