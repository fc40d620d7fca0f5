"""Case-insensitive text matching that folds every letter, not only ASCII, on both dialects.

SQLite's built-in ``lower()`` folds ASCII only ("Über" stays "Über"), so a search for "über"
missed it on SQLite while PostgreSQL (whose ``lower()`` follows the database's Unicode locale)
found it. ``fold(expr)`` compiles to ``lower(expr)`` on PostgreSQL and to ``taskyard_lower``
on SQLite, a deterministic function registered on every SQLite connection
(``dialects/sqlite.py``) that is Python's ``str.lower``; the value compared with it is folded
in Python by ``fold_text``. Nothing is stored folded, so no migration is needed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "taskyard_lower"
"""Name of the SQL function registered on SQLite connections."""


class fold(FunctionElement[str]):
    """``lower()`` that folds every letter (``fold(T.c.title).contains(fold_text(s))``)."""

    type = String()
    name = "fold"
    inherit_cache = True


@compiles(fold)
def _fold_default(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def fold_text(text: str) -> str:
    """``text`` folded the way ``fold`` folds a column (what PostgreSQL's ``lower()`` does)."""
    return text.lower()


def sqlite_lower(value: object) -> object:
    """The SQLite side of ``fold``: Unicode lower case for text, anything else unchanged."""
    return value.lower() if isinstance(value, str) else value
