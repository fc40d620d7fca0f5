"""A task read in full as one JSON object built by SQLite, validated by pydantic in one pass.

``GET /api/v2/tasks/{ref}`` is what clients and people ask most. Through SQLAlchemy a task
read cost ~0.15 ms of CPU where SQLite's own work was ~0.035 ms: the execution context, the
result's processing (nine JSON columns decoded, three times parsed) and a model built from
Python values were the rest, and with the server's own overhead they kept the route at
~1,400 requests/s on one process (docs/performance.md, "a task as the database wrote it").
Here SQLite writes the task's own fields as one JSON object whose keys are ``Task``'s
fields, the statement runs on the driver (compiled once; a read on its own runs in
autocommit, ``Runner.read_on_driver``, with no transaction to begin and end), and
``Task.model_validate_json`` builds the model from that text in pydantic's own code: the
same model, the same rules.

Three things stay in Python, so the result is the one ``queries.get_task`` builds from rows:

- The related things (blockers, dependents, children, files, runs): their order comes from
  sorting in Python (``task_links.links_of``), because SQLite before 3.44 promises no order
  inside an aggregate. They are read as the same JSON arrays, and decoded only when not
  empty.
- The effort estimate: SQLite writes a REAL with 15 significant digits, so ``0.1 + 0.2``
  would come back as ``0.3``; it is read as the driver's float.
- A task that carries a command: its ``CommandInfo`` is derived from several columns by
  domain code. Such a task is read the usual way (``None`` here tells the caller so).

SQLite on the standard library's driver only (the default, and what ``taskyard serve``
runs on): PostgreSQL's drivers decode rows in C, and aiosqlite's connection is asynchronous.
A task that is not there is left to the read from rows too, for its error's hints.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, String, bindparam, cast, func, select
from sqlalchemy.dialects import sqlite

from core.domain.identifiers import parse_ref
from core.domain.models import Task
from core.store import tables as t
from core.store.card_json import card_object, json_value, utc_text
from core.store.driver_reads import DriverStatement, compile_for_driver
from core.store.task_links import LINK_COLUMNS, Links, links_of

T, P = t.tasks, t.projects

TASK_OBJECT = card_object(
    id=T.c.id,
    ref=P.c.key.concat("-").concat(cast(T.c.number, String)),
    project_id=T.c.project_id,
    title=T.c.title,
    description=T.c.description,
    task_type=T.c.task_type,
    priority=T.c.priority,
    status=T.c.status,
    labels=json_value(T.c.labels),
    parent_id=T.c.parent_id,
    unresolved_blocker_count=T.c.unresolved_blockers,
    acceptance_criteria=json_value(T.c.acceptance_criteria),
    context_files=json_value(T.c.context_files),
    pipeline_template=T.c.pipeline_template,
    current_step=T.c.current_step,
    current_agent_id=T.c.current_agent_id,
    retry_count=T.c.retry_count,
    interruptions=func.coalesce(T.c.interruptions, 0),
    error=T.c.error,
    blocked_reason=json_value(T.c.blocked_reason),
    source=T.c.source,
    milestone_id=T.c.milestone_id,
    external_id=T.c.external_id,
    assignee=T.c.assignee,
    due_date=T.c.due_date,
    metadata=json_value(T.c.meta),
    version=T.c.version,
    created_at=utc_text(T.c.created_at),
    updated_at=utc_text(T.c.updated_at),
    completed_at=utc_text(T.c.completed_at),
).label("task")
"""A task's own fields as ``Task``'s JSON: all but its links, effort estimate and command."""


def _statement(*where: Any) -> Select[Any]:
    return (
        select(TASK_OBJECT, T.c.command_hash, T.c.effort_estimate, *LINK_COLUMNS)
        .select_from(T.join(P, P.c.id == T.c.project_id))
        .where(*where)
    )


_BY_ID = _statement(T.c.id == bindparam("id"))
_BY_REF = _statement(P.c.key == bindparam("key"), T.c.number == bindparam("number"))

_DIALECT = sqlite.dialect()


@cache
def _by_id_or_ref(by_ref: bool) -> DriverStatement:
    """The statement by id or by ref as SQLite's driver takes it, compiled on first use.

    Not at import: every CLI command imports the store, and most never read a task.
    """
    if by_ref:
        return compile_for_driver(_BY_REF, _DIALECT, {"key": "", "number": 0})
    return compile_for_driver(_BY_ID, _DIALECT, {"id": ""})


_EMPTY = "[]"


def read_task(raw: sqlite3.Connection, ref: str) -> Task | None:
    """The task ``ref`` (an id or a ref) in full; ``None``: read it from rows instead.

    ``raw`` is SQLite's own connection: in autocommit (one ``SELECT``, one snapshot) or
    inside the caller's transaction. ``None`` when there is no such task (the read from rows
    says why, with its hints) or it carries a command.
    """
    parsed = parse_ref(ref)
    params: dict[str, Any]
    if parsed is None:
        compiled, params = _by_id_or_ref(False), {"id": ref.strip()}
    else:
        compiled, params = _by_id_or_ref(True), {"key": parsed[0], "number": parsed[1]}
    row = raw.execute(compiled.sql, compiled.values(params)).fetchone()
    return None if row is None else _task(row)


def _task(row: Sequence[Any]) -> Task | None:
    """The task of one row of the statements above (``None``: it carries a command)."""
    text, command_hash, effort, blocked_by, blocks, children, files, runs = row
    if command_hash is not None:
        return None
    task = Task.model_validate_json(text)
    update: dict[str, Any] = {}
    if effort is not None:
        update["effort_estimate"] = effort
    if (blocked_by, blocks, children, files, runs) != (_EMPTY,) * 5:
        links = links_of(_LinkRow(task.id, blocked_by, blocks, children, files, runs))
        update.update(_fields(links))
    return task.model_copy(update=update) if update else task


def read_tasks(conn: Connection, ids: Sequence[str]) -> dict[str, Task]:
    """The tasks ``ids`` in full, by id, read as ``read_task`` reads one.

    Those it leaves out are read from rows by the caller: tasks that carry a command, any
    that are gone, and all of them when ``conn`` is not on the standard library's driver.
    """
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection) or not ids:
        return {}
    found: dict[str, Task] = {}
    for start in range(0, len(ids), _MANY):
        part = ids[start : start + _MANY]
        compiled = _by_ids(len(part))
        values = compiled.values({f"id_{n}": i for n, i in enumerate(part)})
        for row in raw.execute(compiled.sql, values):
            task = _task(row)
            if task is not None:
                found[task.id] = task
    return found


_MANY = 200
"""Ids per statement (SQLite takes 32,766 parameters; a page is at most a few hundred)."""


@cache
def _by_ids(count: int) -> DriverStatement:
    """The statement for ``count`` ids, compiled once per count (a list's pages share one)."""
    where = T.c.id.in_([bindparam(f"id_{n}") for n in range(count)])
    return compile_for_driver(_statement(where), _DIALECT, {f"id_{n}": "" for n in range(count)})


class _LinkRow:
    """The attributes ``links_of`` reads, decoded from the driver's JSON text."""

    def __init__(self, task_id: str, *arrays: str) -> None:
        self.id = task_id
        # Most tasks have some links but not all five kinds: an empty array needs no parse.
        self.blocked_by, self.blocks, self.children, self.files, self.runs = (
            [] if a == _EMPTY else json.loads(a) for a in arrays
        )


def _fields(links: Links) -> dict[str, Any]:
    return {
        "blocked_by": links.blocked_by,
        "blocks": links.blocks,
        "children_ids": links.children_ids,
        "attachments": links.attachments,
        "run_ids": links.run_ids,
    }
