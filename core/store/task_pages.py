"""Task lists read by keyset: a page at any depth costs what the first one does.

An ``OFFSET`` reads and throws away every row before the page (measured 200 ms at offset
40,000 of 100,000 tasks); a keyset page starts from the sort key of the previous page's last
row instead, an index range read. The key is the sort's expression followed by
``(created_at, number, id)``, all in the list's direction, so it is unique and one row-value
comparison (``(k, created_at, number, id) < (...)``) continues the list exactly: rows
written or moved meanwhile are neither skipped twice nor repeated.

The cursor handed to the caller is opaque: base64 of the key values and a fingerprint of the
query, so a cursor used with other filters or another sort is refused instead of silently
starting somewhere meaningless.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from core.domain.commands import SortField, TaskQuery
from core.domain.models import Task
from core.domain.views import CursorPage
from core.errors import ValidationError
from core.store import list_plans, task_json
from core.store import tables as t
from core.store.queries import filter_parts, full_tasks, task_filters
from core.store.rows import select_tasks

T, P = t.tasks, t.projects

CURSOR_VERSION = 1

_BY_IDS = select_tasks().where(T.c.id.in_(bindparam("ids", expanding=True)))
"""A page's tasks by id (built once: building it cost more than running it)."""

_KIND_OF_SORT = {
    SortField.CREATED: "datetime",
    SortField.UPDATED: "datetime",
    SortField.PRIORITY: "int",
    SortField.DUE: "date",
    SortField.TITLE: "str",
    SortField.STATUS: "int",
}


def _kinds(query: TaskQuery) -> list[str]:
    """The kind of value each key expression holds (how a cursor's values are read back)."""
    tail = ["datetime", "int", "str"]
    return tail if query.sort == SortField.CREATED else [_KIND_OF_SORT[query.sort], *tail]


def list_tasks_keyset(
    conn: Connection, query: TaskQuery, *, cursor: str | None, with_total: bool
) -> CursorPage[Task]:
    """A page of tasks matching ``query`` after ``cursor`` (from the start when ``None``).

    ``query.page`` is not used: the cursor says where the page starts. The page's keys are
    read first, through the index ``list_plans`` picks, then its tasks in full by id.

    Raises:
        NotFoundError: the project or milestone filter names nothing.
        ValidationError: ``cursor`` was not made by this list (other filters or sort).
    """
    parts = filter_parts(conn, query)
    fingerprint = _fingerprint(query)
    bound = None if cursor is None else tuple(_decode(cursor, fingerprint, _kinds(query)))
    keys = list_plans.page_keys(conn, query, parts, bound, query.limit + 1)
    next_cursor = None
    if len(keys) > query.limit:
        keys = keys[: query.limit]
        next_cursor = _encode(fingerprint, list(keys[-1]))
    ids = [key[-1] for key in keys]
    tasks = task_json.read_tasks(conn, ids)
    if missing := [i for i in ids if i not in tasks]:
        rows = list(conn.execute(_BY_IDS, {"ids": missing}).mappings())
        tasks.update((task.id, task) for task in full_tasks(conn, rows))
    total = None
    if with_total:
        base = T.join(P, P.c.id == T.c.project_id)
        clauses = task_filters(conn, query)
        total = conn.execute(select(func.count()).select_from(base).where(*clauses)).scalar_one()
    return CursorPage[Task](
        items=[tasks[i] for i in ids], limit=query.limit, next_cursor=next_cursor, total=total
    )


def _fingerprint(query: TaskQuery) -> str:
    """What the cursor must be used with: every filter and the sort, not the page size."""
    shape = query.model_dump_json(exclude={"page", "limit"})
    return hashlib.sha256(shape.encode()).hexdigest()[:16]


def _encode(fingerprint: str, values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    data = json.dumps({"v": CURSOR_VERSION, "q": fingerprint, "k": plain}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _decode(cursor: str, fingerprint: str, kinds: list[str]) -> list[Any]:
    """The key values a cursor holds.

    Raises:
        ValidationError: it is not a cursor of this list.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        raw = data["k"]
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError("wrong number of key values")
        values = [_typed(value, kind) for value, kind in zip(raw, kinds, strict=True)]
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise ValidationError(
            "This cursor is not one a task list gave out.",
            field="cursor",
            hint="Pass next_cursor exactly as a previous page returned it, or leave the cursor "
            "out to start from the beginning.",
        ) from exc
    if data.get("q") != fingerprint:
        raise ValidationError(
            "This cursor belongs to a list with other filters or another sort.",
            field="cursor",
            hint="Keep the filters and the sort unchanged while following next_cursor, or "
            "leave the cursor out to start again.",
        )
    return values


def _typed(value: Any, kind: str) -> Any:
    """A key value as the Python type its column binds (``ValueError`` when it is not one)."""
    if kind == "datetime":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time in cursor")
        return parsed
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not an integer")
        return value
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value
