"""What a full task carries besides its row, read for many tasks in one statement.

A task in full names its blockers and dependents (each with ref, title and state), its
children, its attachments and its runs. Read as five statements per batch, these cost a task
read five round trips through SQLAlchemy's execution path, which took more Python than SQLite
spent running them (four fifths of ``GET /api/v2/tasks/{ref}``'s read). Here each task's row
comes back with five JSON arrays, one correlated subquery each, aggregated by the database
(``json_group_array`` on SQLite, ``json_agg`` on PostgreSQL).

The arrays are sorted here, not in SQL: SQLite before 3.44 has no ``ORDER BY`` inside an
aggregate, and the order of a plain aggregate is not promised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, select
from sqlalchemy.sql.functions import FunctionElement

from core.domain.identifiers import format_ref
from core.domain.models import Attachment, TaskLink
from core.store import tables as t
from core.store.dialects.functions import per_dialect
from core.store.lookup import chunks

T, D, P, A, R = t.tasks, t.task_dependencies, t.projects, t.attachments, t.runs


class json_rows(FunctionElement[Any]):
    """The rows of a subquery as a JSON array of arrays (``[]`` for none)."""

    type = JSON()
    inherit_cache = True
    name = "json_rows"


per_dialect(
    json_rows,
    sqlite="json_group_array(json_array({args}))",
    # json_agg gives NULL, not [], over no rows.
    other="coalesce(json_agg(json_build_array({args})), '[]')",
)


def _edges(owner: Any, other: Any) -> Any:
    """The tasks at the ``other`` end of the outer task's edges where it is at ``owner``."""
    B, BP = T.alias("other_task"), P.alias("other_project")
    return (
        select(json_rows(B.c.id, B.c.number, B.c.title, B.c.status, BP.c.key))
        .select_from(D.join(B, B.c.id == other).join(BP, BP.c.id == B.c.project_id))
        .where(owner == T.c.id)
        .scalar_subquery()
    )


def _children() -> Any:
    C = T.alias("child")
    return select(json_rows(C.c.id, C.c.number)).where(C.c.parent_id == T.c.id).scalar_subquery()


LINK_COLUMNS = (
    _edges(D.c.task_id, D.c.blocker_id).label("blocked_by"),
    _edges(D.c.blocker_id, D.c.task_id).label("blocks"),
    _children().label("children"),
    select(json_rows(A.c.id, A.c.name, A.c.content_type, A.c.size, A.c.sha256, A.c.created_at))
    .where(A.c.task_id == T.c.id)
    .scalar_subquery()
    .label("files"),
    select(json_rows(R.c.id, R.c.attempt, R.c.started_at))
    .where(R.c.task_id == T.c.id)
    .scalar_subquery()
    .label("runs"),
)
"""Columns to add to a statement over ``tasks``: each row's related things (``links_of``)."""

_LINKS = select(T.c.id, *LINK_COLUMNS).where(T.c.id.in_(bindparam("ids", expanding=True)))
"""Built once: building it costs more than running it."""


@dataclass
class Links:
    """One task's related things, in the order a task lists them."""

    blocked_by: list[TaskLink] = field(default_factory=list)
    blocks: list[TaskLink] = field(default_factory=list)
    children_ids: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


def read_links(conn: Connection, ids: Sequence[str]) -> dict[str, Links]:
    """The related things of the tasks ``ids`` (a task that is gone is left out)."""
    found: dict[str, Links] = {}
    for part in chunks(list(ids)):
        for row in conn.execute(_LINKS, {"ids": part}):
            found[row.id] = links_of(row)
    return found


def links_of(row: Any) -> Links:
    """The related things of a task from a row carrying ``LINK_COLUMNS``."""
    return Links(
        blocked_by=_links(row.blocked_by),
        blocks=_links(row.blocks),
        children_ids=[c[0] for c in sorted(row.children, key=lambda c: c[1])],
        attachments=_files(row.id, row.files),
        run_ids=[r[0] for r in sorted(row.runs, key=lambda r: (r[1], _utc(r[2])))],
    )


def _links(items: list[list[Any]]) -> list[TaskLink]:
    """``(id, number, title, status, key)`` items as links, by project key, then number."""
    items.sort(key=lambda i: (i[4], i[1]))
    return [TaskLink(id=i[0], ref=format_ref(i[4], i[1]), title=i[2], status=i[3]) for i in items]


def _files(task_id: str, items: list[list[Any]]) -> list[Attachment]:
    """``(id, name, content_type, size, sha256, created_at)`` items, oldest first."""
    files = [
        Attachment(
            id=i[0],
            task_id=task_id,
            name=i[1],
            content_type=i[2],
            size=i[3],
            sha256=i[4],
            created_at=_utc(i[5]),
        )
        for i in items
    ]
    files.sort(key=lambda f: f.created_at)
    return files


def _utc(text: str) -> datetime:
    """A time as JSON carries it: naive UTC text from SQLite, ISO with an offset from PostgreSQL."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
