"""SQL functions written one way on SQLite and another on PostgreSQL.

JSON is where the two differ most (``json_object`` against ``json_build_object``,
``json_group_array`` against ``json_agg``); a function class says what it computes and
``per_dialect`` how each database spells it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def per_dialect(function: type[FunctionElement[Any]], *, sqlite: str, other: str) -> None:
    """Compile ``function`` as ``sqlite`` on SQLite and ``other`` elsewhere.

    Each template holds ``{args}``: the function's arguments, comma-separated.
    """

    def _sqlite(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return sqlite.format(args=compiler.process(element.clauses, **kw))

    def _other(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return other.format(args=compiler.process(element.clauses, **kw))

    compiles(function, "sqlite")(_sqlite)
    compiles(function)(_other)
