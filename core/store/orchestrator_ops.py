"""Orchestrators (the "VPs" of task-management-api.md), and tasks changed after an event cursor.

An orchestrator is found by id, or by name within its project (names are unique per
project, and are what its tasks' assignee holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from core.domain.commands import TaskQuery
from core.domain.identifiers import parse_ref
from core.domain.orchestrators import (
    Orchestrator,
    OrchestratorCreate,
    OrchestratorUser,
    TaskChanges,
)
from core.errors import DuplicateError, NotFoundError
from core.store import tables as t
from core.store.context import TxContext
from core.store.lookup import find_project, near_matches
from core.store.queries import full_tasks, rows_by_ids, task_filters
from core.store.rows import model_from_row, select_tasks

V, E, T, P = t.orchestrators, t.events, t.tasks, t.projects


def _from_row(row: Mapping[Any, Any]) -> Orchestrator:
    user = OrchestratorUser(id=row["user_id"], name=row["user_name"], email=row["user_email"])
    return model_from_row(Orchestrator, row, user=user)


def create_orchestrator(conn: Connection, ctx: TxContext, req: OrchestratorCreate) -> Orchestrator:
    """Add an orchestrator to a project (event ``orchestrator.created``).

    Raises:
        NotFoundError: no such project.
        DuplicateError: the project has an orchestrator of this name.
    """
    project_id = find_project(conn, req.project)["id"]
    taken = select(V.c.id).where(V.c.project_id == project_id, V.c.name == req.name)
    if conn.execute(taken).first() is not None:
        raise DuplicateError(
            f"The project already has an orchestrator named {req.name!r}.",
            hint="Pick another name, or remove the existing one first.",
            details={"field": "name", "input": req.name},
        )
    row = {
        "id": ctx.new_id(),
        "project_id": project_id,
        "name": req.name,
        "role": req.role,
        "user_id": req.user_id or req.user_email or req.name,
        "user_name": req.user_name,
        "user_email": req.user_email,
        "created_at": ctx.now,
        "created_by": ctx.actor,
    }
    conn.execute(insert(V).values(**row))
    ctx.emit(
        "orchestrator.created",
        project_id=project_id,
        payload={"id": row["id"], "name": req.name, "role": req.role},
    )
    return _from_row(row)


def list_orchestrators(conn: Connection, project: str | None) -> list[Orchestrator]:
    """A project's orchestrators by name (every project's when ``project`` is None).

    Raises:
        NotFoundError: no such project.
    """
    query = select(V).order_by(V.c.name, V.c.id)
    if project is not None:
        query = query.where(V.c.project_id == find_project(conn, project)["id"])
    return [_from_row(r) for r in conn.execute(query).mappings()]


def get_orchestrator(conn: Connection, ref: str, project: str | None = None) -> Orchestrator:
    """The orchestrator with this id, or this name (within ``project`` when given).

    Raises:
        NotFoundError: none (or the project does not exist); suggestions name close names.
    """
    text = ref.strip()
    query = select(V).where((V.c.id == text) | (V.c.name == text))
    if project is not None:
        project_id = find_project(conn, project)["id"]
        query = query.where(V.c.project_id == project_id)
    rows = list(conn.execute(query.order_by(V.c.id).limit(2)).mappings())
    exact = [r for r in rows if r["id"] == text] or rows
    if len(exact) == 1:
        return _from_row(exact[0])
    names = (
        select(V.c.name)
        if project is None
        else select(V.c.name).where(V.c.project_id == project_id)
    )
    suggestions = near_matches(text, [r.name for r in conn.execute(names)])
    many = len(exact) > 1
    raise NotFoundError(
        f"Orchestrator name {ref!r} is used in several projects."
        if many
        else f"No orchestrator {ref!r}.",
        hint="Give its id, or its project too."
        if many
        else "List them with `taskyard orchestrator list`.",
        details={"field": "orchestrator", "input": ref, "suggestions": suggestions},
    )


def remove_orchestrator(
    conn: Connection, ctx: TxContext, ref: str, project: str | None = None
) -> Orchestrator:
    """Remove an orchestrator (event ``orchestrator.removed``); its tasks keep their assignee.

    Raises:
        NotFoundError: no such orchestrator.
    """
    found = get_orchestrator(conn, ref, project)
    conn.execute(delete(V).where(V.c.id == found.id))
    ctx.emit(
        "orchestrator.removed",
        project_id=found.project_id,
        payload={"id": found.id, "name": found.name},
    )
    return found


def changed_tasks(
    conn: Connection, query: TaskQuery, *, since: int | datetime, through: int, limit: int
) -> TaskChanges:
    """Tasks matching ``query`` whose latest event is after ``since``, oldest change first.

    ``through`` is an event ``seq`` below which every writer has committed (the caller made
    it safe): events above it are left for the next call, so a change committed late, with
    a smaller ``seq`` than one already seen, is never stepped over. A ``datetime`` is the
    older API's timestamp: tasks changed after it by ``updated_at`` (a transaction's start),
    which can miss a change that commits late; the returned cursor cannot.
    """
    clauses = task_filters(conn, query)
    if isinstance(since, datetime):
        rows = conn.execute(
            select_tasks()
            .where(*clauses, T.c.updated_at > since)
            .order_by(T.c.updated_at, T.c.created_at, T.c.number, T.c.id)
            .limit(limit + 1)
        ).mappings()
        found = list(rows)
        return TaskChanges(
            items=full_tasks(conn, found[:limit]), cursor=through, has_more=len(found) > limit
        )
    latest = (
        select(E.c.task_id, func.max(E.c.seq).label("change_seq"))
        .where(E.c.seq > since, E.c.seq <= through, E.c.task_id.is_not(None))
        .group_by(E.c.task_id)
        .subquery()
    )
    # The page's ids first, then only those tasks' rows: sorting every changed task's full
    # row by its change cost more than the rest of the poll (1,000 changes).
    needs_join = query.text is not None and parse_ref(query.text.strip()) is not None
    base = latest.join(T, T.c.id == latest.c.task_id)
    if needs_join:
        base = base.join(P, P.c.id == T.c.project_id)
    statement = (
        select(latest.c.task_id, latest.c.change_seq)
        .select_from(base)
        .where(*clauses)
        .order_by(latest.c.change_seq)
        .limit(limit + 1)
    )
    keys = conn.execute(statement).all()
    more = len(keys) > limit
    page = keys[:limit]
    cursor = int(page[-1].change_seq) if more else through
    loaded = rows_by_ids(conn, [key.task_id for key in page])
    return TaskChanges(items=full_tasks(conn, loaded), cursor=cursor, has_more=more)
