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

from sqlalchemy import Connection, Date, func, literal, select, tuple_

from core.domain.commands import SortField, TaskQuery
from core.domain.models import Task
from core.domain.views import CursorPage
from core.errors import ValidationError
from core.store import tables as t
from core.store.queries import full_tasks, sort_column, task_filters
from core.store.rows import select_tasks

T, P = t.tasks, t.projects

CURSOR_VERSION = 1

#: Undated tasks come last in both directions: their due date reads as the far end.
_UNDATED_ASC = date(9999, 12, 31)
_UNDATED_DESC = date(1, 1, 1)

_KIND_OF_SORT = {
    SortField.CREATED: "datetime",
    SortField.UPDATED: "datetime",
    SortField.PRIORITY: "int",
    SortField.DUE: "date",
    SortField.TITLE: "str",
    SortField.STATUS: "int",
}


def _key(query: TaskQuery) -> list[tuple[Any, str]]:
    """The keyset's expressions in order, each with the kind of value it holds."""
    tail = [(T.c.created_at, "datetime"), (T.c.number, "int"), (T.c.id, "str")]
    if query.sort == SortField.CREATED:
        return tail
    first: Any = sort_column(query.sort)
    if query.sort == SortField.DUE:
        undated = _UNDATED_DESC if query.descending else _UNDATED_ASC
        first = func.coalesce(T.c.due_date, literal(undated, Date()))
    return [(first, _KIND_OF_SORT[query.sort]), *tail]


def list_tasks_keyset(
    conn: Connection, query: TaskQuery, *, cursor: str | None, with_total: bool
) -> CursorPage[Task]:
    """A page of tasks matching ``query`` after ``cursor`` (from the start when ``None``).

    ``query.page`` is not used: the cursor says where the page starts.

    Raises:
        NotFoundError: the project or milestone filter names nothing.
        ValidationError: ``cursor`` was not made by this list (other filters or sort).
    """
    clauses = task_filters(conn, query, in_order=True)
    key = _key(query)
    exprs = [expr for expr, _ in key]
    fingerprint = _fingerprint(query)
    where = list(clauses)
    if cursor is not None:
        values = _decode(cursor, fingerprint, [kind for _, kind in key])
        bound = tuple_(*(literal(v, e.type) for e, v in zip(exprs, values, strict=True)))
        where.append(tuple_(*exprs) < bound if query.descending else tuple_(*exprs) > bound)
    order = [e.desc() if query.descending else e.asc() for e in exprs]
    labelled = [e.label(f"_key{i}") for i, e in enumerate(exprs)]
    rows = list(
        conn.execute(
            select_tasks()
            .add_columns(*labelled)
            .where(*where)
            .order_by(*order)
            .limit(query.limit + 1)
        ).mappings()
    )
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        next_cursor = _encode(fingerprint, [last[f"_key{i}"] for i in range(len(exprs))])
    total = None
    if with_total:
        base = T.join(P, P.c.id == T.c.project_id)
        total = conn.execute(select(func.count()).select_from(base).where(*clauses)).scalar_one()
    return CursorPage[Task](
        items=full_tasks(conn, rows), limit=query.limit, next_cursor=next_cursor, total=total
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
