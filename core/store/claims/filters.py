"""Which ready tasks a claim may take, spelled for SQLAlchemy Core and as SQL text.

The generic path and the monitor (``execution_view``) use the Core spellings; the SQLite and
PostgreSQL statements written by hand use the text ones. Each pair is the same test, kept side
by side so that a change to one is made to the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, literal_column, or_

from core.store import tables as t

T = t.tasks

#: ``status = 'ready'`` as a literal, not a bound parameter: only then can SQLite's planner
#: (and PostgreSQL's generic plans) prove the query matches the partial claim-order index.
READY_LITERAL: ColumnElement[str] = literal_column("'ready'")


def may_run(pipelines: Sequence[str]) -> ColumnElement[bool]:
    """Tasks a worker with ``pipelines`` can run: a command, a template, or a piped type.

    A command is ``metadata.command`` (``command_hash`` is set); a description's text never
    runs. The statements written by hand spell the command half with ``may_carry_command_sql``.
    """
    terms: list[ColumnElement[bool]] = [
        T.c.pipeline_template.is_not(None),
        T.c.command_hash.is_not(None),
    ]
    if pipelines:
        terms.append(T.c.task_type.in_(list(pipelines)))
    return or_(*terms)


def command_cleared(approved_by: Sequence[str] | None = None) -> ColumnElement[bool]:
    """Tasks whose command a worker may run: none, or its approved text (by ``approved_by``).

    Every claim applies it (``command_cleared_sql`` in the statements written by hand).
    """
    approved = T.c.command_hash == T.c.command_approved_hash
    if approved_by is not None:
        approved = and_(approved, T.c.command_approved_by.in_(list(approved_by)))
    return or_(T.c.command_hash.is_(None), approved)


def may_carry_command_sql(table: str) -> str:
    """The command half of ``may_run`` as SQL text.

    ``table`` prefixes the columns (``"t."`` or ``""``). Only ``metadata.command`` is a
    command (its hash is kept in ``command_hash``); text in a description never runs.
    """
    return f"{table}pipeline_template IS NOT NULL OR {table}command_hash IS NOT NULL"


def command_cleared_sql(table: str) -> str:
    """``command_cleared`` without ``approved_by`` as SQL text: no command, or an approved one."""
    return f"({table}command_hash IS NULL OR {table}command_hash = {table}command_approved_hash)"
