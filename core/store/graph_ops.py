"""Dependency edges and status changes, with the unresolved-blocker count kept exact.

Each task row carries ``unresolved_blockers``. It changes only here, in the same transaction as
the edge or status change that causes it, through ``UPDATE ... SET n = n ± 1 ... RETURNING``:
row locks serialize concurrent writers, so when two blockers finish at the same moment exactly
one transaction sees the count reach zero and promotes the dependent. (Checking "no unmet
blocker exists" with ``NOT EXISTS`` instead is write skew under READ COMMITTED: each transaction
sees the other blocker unfinished and the dependent stays blocked forever. See CLAIMS.md B1.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from core.domain import graph
from core.domain.identifiers import format_ref
from core.domain.models import DependencyReason, TaskLink, TaskStatus
from core.domain.states import is_resolved
from core.errors import ConflictError, InvalidTransitionError, NotFoundError
from core.store import tables as t
from core.store.context import TxContext
from core.store.lookup import chunks, find_tasks, require_same_project, task_not_found
from core.store.rows import link_from_row, select_tasks

T, D, P = t.tasks, t.task_dependencies, t.projects
S = TaskStatus

UNRESOLVED = [s.value for s in TaskStatus if not is_resolved(s)]

#: The event written for a status change, by target state.
EVENT_FOR_TARGET = {
    S.DONE: "task.completed",
    S.BLOCKED: "task.blocked",
    S.CANCELLED: "task.cancelled",
}


def ref_of(row: Mapping[Any, Any]) -> str:
    """The ref of a task row that has ``key`` and ``number``."""
    return format_ref(row["key"], row["number"])


def _links(conn: Connection, join_on: Any, where: Any) -> list[TaskLink]:
    query = (
        select(T.c.id, T.c.number, T.c.title, T.c.status, P.c.key)
        .select_from(D.join(T, join_on).join(P, P.c.id == T.c.project_id))
        .where(where)
        .order_by(P.c.key, T.c.number)
    )
    return [link_from_row(r) for r in conn.execute(query).mappings()]


def blockers_of(conn: Connection, task_id: str) -> list[TaskLink]:
    """The tasks ``task_id`` is blocked by, with their states."""
    return _links(conn, T.c.id == D.c.blocker_id, D.c.task_id == task_id)


def dependents_of(conn: Connection, task_id: str) -> list[TaskLink]:
    """The tasks blocked by ``task_id``, with their states."""
    return _links(conn, T.c.id == D.c.task_id, D.c.blocker_id == task_id)


def lock_project(conn: Connection, project_id: str) -> None:
    """Serialize graph changes within a project (PostgreSQL; SQLite has one writer anyway).

    Two concurrent edges A->B and B->A would each pass the cycle check alone.
    """
    conn.execute(select(P.c.id).where(P.c.id == project_id).with_for_update())


def lock_tasks(conn: Connection, ids: Sequence[str]) -> None:
    """Lock task rows in id order, so writers touching overlapping sets cannot deadlock."""
    for part in chunks(sorted(ids)):
        conn.execute(select(T.c.id).where(T.c.id.in_(part)).order_by(T.c.id).with_for_update())


def find_cycle_path(conn: Connection, task_id: str, blocker_id: str) -> list[str] | None:
    """The cycle ``[task, blocker, ..., task]`` the edge would close, by walking the table."""
    if task_id == blocker_id:
        return [task_id, task_id]
    previous: dict[str, str | None] = {blocker_id: None}
    frontier = [blocker_id]
    while frontier:
        nxt: list[str] = []
        for part in chunks(frontier):
            for row in conn.execute(
                select(D.c.task_id, D.c.blocker_id).where(D.c.task_id.in_(part))
            ):
                if row.blocker_id in previous:
                    continue
                previous[row.blocker_id] = row.task_id
                if row.blocker_id == task_id:
                    path = [task_id]
                    while (before := previous[path[-1]]) is not None:
                        path.append(before)
                    return [task_id, *path[::-1]]
                nxt.append(row.blocker_id)
        frontier = nxt
    return None


def refs_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """``id -> ref`` for the given task ids."""
    out: dict[str, str] = {}
    for part in chunks(list(set(ids))):
        query = (
            select(T.c.id, T.c.number, P.c.key)
            .select_from(T.join(P, P.c.id == T.c.project_id))
            .where(T.c.id.in_(part))
        )
        out.update({r.id: format_ref(r.key, r.number) for r in conn.execute(query)})
    return out


def touch_task(
    conn: Connection,
    ctx: TxContext,
    row: RowMapping,
    event_type: str,
    payload: dict[str, Any],
    **values: Any,
) -> None:
    """Record a change to a task that is not a move, with its event.

    Sets ``values`` and bumps the version, which tells readers (the board, a form about to
    save) that the task changed; the event's payload is led by the task's ref.
    """
    conn.execute(
        update(T)
        .where(T.c.id == row["id"])
        .values(version=T.c.version + 1, updated_at=ctx.now, **values)
    )
    task_event(ctx, row, event_type, payload)


def task_event(ctx: TxContext, row: RowMapping, event_type: str, payload: dict[str, Any]) -> None:
    """Write ``event_type`` about the task in ``row``, its payload led by the task's ref."""
    ctx.emit(
        event_type,
        task_id=row["id"],
        project_id=row["project_id"],
        payload={"ref": ref_of(row), **payload},
    )


def set_status(
    conn: Connection,
    ctx: TxContext,
    row: Mapping[Any, Any],
    target: TaskStatus,
    *,
    blocked_reason: DependencyReason | Any | None = None,
    reason: str | None = None,
    event_type: str | None = None,
    payload: dict[str, Any] | None = None,
    extra_values: dict[str, Any] | None = None,
) -> None:
    """Move one task to ``target`` (compare-and-set on its current state) and ripple outwards.

    Raises:
        ConflictError: the task's state changed since ``row`` was read.
    """
    old = TaskStatus(row["status"])
    values: dict[str, Any] = {
        "status": target.value,
        "version": T.c.version + 1,
        "updated_at": ctx.now,
        "blocked_reason": (
            blocked_reason.model_dump(mode="json")
            if target == S.BLOCKED and blocked_reason is not None
            else None
        ),
        **(extra_values or {}),
    }
    if target == S.DONE:
        values["completed_at"] = ctx.now
    elif old == S.DONE:
        values["completed_at"] = None
    result = conn.execute(
        update(T).where(T.c.id == row["id"], T.c.status == old.value).values(**values)
    )
    if result.rowcount != 1:
        raise ConflictError(
            f"{ref_of(row)} changed state while this move was being made.",
            hint="Reload it and try again.",
        )
    ctx.emit(
        event_type or EVENT_FOR_TARGET.get(target, "task.status_changed"),
        task_id=row["id"],
        project_id=row["project_id"],
        payload={
            "ref": ref_of(row),
            "from": old.value,
            "to": target.value,
            "reason": reason,
            **(payload or {}),
        },
    )
    if is_resolved(old) != is_resolved(target):
        adjust_dependents(
            conn, ctx, row["id"], -1 if is_resolved(target) else +1, cause=ref_of(row)
        )


def adjust_dependents(
    conn: Connection, ctx: TxContext, blocker_id: str, delta: int, *, cause: str
) -> None:
    """A blocker became resolved (``delta=-1``) or unresolved again (``+1``): update dependents.

    A dependent whose count reaches zero while parked for its dependencies moves to ready
    (``task.unblocked``); a ready dependent that gains an unresolved blocker is parked in
    blocked (``task.blocked``), so no ready task ever waits for anything.
    """
    dependent_ids = [
        r.task_id for r in conn.execute(select(D.c.task_id).where(D.c.blocker_id == blocker_id))
    ]
    if not dependent_ids:
        return
    if ctx.dialect == "postgresql":
        lock_tasks(conn, dependent_ids)
    changed: list[Any] = []
    for part in chunks(sorted(dependent_ids)):
        changed.extend(
            conn.execute(
                update(T)
                .where(T.c.id.in_(part))
                .values(unresolved_blockers=T.c.unresolved_blockers + delta)
                .returning(
                    T.c.id,
                    T.c.project_id,
                    T.c.number,
                    T.c.status,
                    T.c.unresolved_blockers,
                    T.c.blocked_reason,
                )
            ).mappings()
        )
    keys = _project_keys(conn, {r["project_id"] for r in changed})
    for r in sorted(changed, key=lambda r: r["id"]):
        row = {**r, "key": keys[r["project_id"]]}
        if delta < 0:
            _unblock(conn, ctx, row, reason=f"{cause} resolved; no blockers left", cause=cause)
        elif delta > 0 and r["status"] == S.READY.value:
            park_for_dependencies(
                conn, ctx, row, reason=f"{cause} is no longer resolved", cause=cause
            )


def _unblock(
    conn: Connection, ctx: TxContext, row: Mapping[Any, Any], *, reason: str, cause: str
) -> None:
    """Move a task parked for its dependencies to ready when none is left (``task.unblocked``)."""
    waits = (row["blocked_reason"] or {}).get("kind") == "dependencies"
    if row["unresolved_blockers"] == 0 and row["status"] == S.BLOCKED.value and waits:
        set_status(
            conn,
            ctx,
            row,
            S.READY,
            reason=reason,
            event_type="task.unblocked",
            payload={"automatic": True, "cause": cause},
        )


def park_for_dependencies(
    conn: Connection, ctx: TxContext, row: Any, *, reason: str, cause: str
) -> None:
    """Move a ready task to blocked until its unresolved blockers resolve."""
    pending = [b.id for b in blockers_of(conn, row["id"]) if not is_resolved(b.status)]
    set_status(
        conn,
        ctx,
        row,
        S.BLOCKED,
        blocked_reason=DependencyReason(blockers=pending),
        reason=reason,
        payload={"automatic": True, "cause": cause},
    )


def _project_keys(conn: Connection, project_ids: set[str]) -> dict[str, str]:
    if not project_ids:
        return {}
    query = select(P.c.id, P.c.key).where(P.c.id.in_(sorted(project_ids)))
    return {r.id: r.key for r in conn.execute(query)}


def _load_pair(
    conn: Connection, ctx: TxContext, task_ref: str, blocker_ref: str
) -> tuple[RowMapping, RowMapping]:
    rows = find_tasks(conn, [task_ref, blocker_ref], lock=ctx.dialect == "postgresql")
    if task_ref not in rows:
        raise task_not_found(conn, task_ref, field="task")
    if blocker_ref not in rows:
        raise task_not_found(conn, blocker_ref, field="blocker")
    return rows[task_ref], rows[blocker_ref]


def add_dependency(conn: Connection, ctx: TxContext, task_ref: str, blocker_ref: str) -> str:
    """Make ``task`` wait for ``blocker``; returns the task id (a repeated edge changes nothing).

    Raises:
        NotFoundError: either task does not exist.
        ValidationError: the tasks are in different projects.
        CycleError: the edge would close a cycle (the path is in the message).
        InvalidTransitionError: the task is running or done.
    """
    task, blocker = _load_pair(conn, ctx, task_ref, blocker_ref)
    require_same_project(task, blocker, field="blocker")
    if ctx.dialect == "postgresql":
        lock_project(conn, task["project_id"])
    status = TaskStatus(task["status"])
    if status in (S.IN_PROGRESS, S.DONE):
        raise InvalidTransitionError(
            f"{ref_of(task)} is {status.label}: it cannot get a new blocker.",
            hint=(
                "Wait until it finishes or cancel it first."
                if status == S.IN_PROGRESS
                else f"Reopen it first (taskyard task move {ref_of(task)} ready)."
            ),
            details={"ref": ref_of(task), "status": status.value},
        )
    exists = conn.execute(
        select(D.c.task_id).where(D.c.task_id == task["id"], D.c.blocker_id == blocker["id"])
    ).first()
    if exists is not None:
        return str(task["id"])
    cycle = find_cycle_path(conn, task["id"], blocker["id"])
    if cycle is not None:
        labels = refs_by_id(conn, cycle)
        raise graph.cycle_error(cycle, label=lambda i: labels.get(i, i))
    conn.execute(insert(D).values(task_id=task["id"], blocker_id=blocker["id"], created_at=ctx.now))
    unresolved = _count_edge(conn, ctx, task, blocker, +1, "task.dependency_added")
    if unresolved and status == S.READY:
        fresh = _reload(conn, task["id"])
        park_for_dependencies(
            conn, ctx, fresh, reason=f"now waits for {ref_of(blocker)}", cause=ref_of(blocker)
        )
    return str(task["id"])


def remove_dependency(conn: Connection, ctx: TxContext, task_ref: str, blocker_ref: str) -> str:
    """Stop ``task`` waiting for ``blocker``; returns the task id.

    A task parked for its dependencies moves to ready when this was its last unresolved one.

    Raises:
        NotFoundError: either task, or the edge, does not exist.
    """
    task, blocker = _load_pair(conn, ctx, task_ref, blocker_ref)
    if ctx.dialect == "postgresql":
        lock_project(conn, task["project_id"])
    gone = conn.execute(
        delete(D).where(D.c.task_id == task["id"], D.c.blocker_id == blocker["id"])
    ).rowcount
    if gone == 0:
        raise NotFoundError(
            f"{ref_of(task)} is not blocked by {ref_of(blocker)}.",
            hint=f"See its blockers with `taskyard task show {ref_of(task)}`.",
            details={"field": "blocker", "input": blocker_ref, "suggestions": []},
        )
    if _count_edge(conn, ctx, task, blocker, -1, "task.dependency_removed"):
        _unblock(
            conn,
            ctx,
            _reload(conn, task["id"]),
            reason=f"no longer waits for {ref_of(blocker)}; no blockers left",
            cause=ref_of(blocker),
        )
    return str(task["id"])


def _count_edge(
    conn: Connection, ctx: TxContext, task: RowMapping, blocker: RowMapping, delta: int, event: str
) -> bool:
    """Record an added (``delta=+1``) or removed edge on the task's row, and its event.

    Returns whether the blocker is unresolved (only then does the task's count change).
    """
    unresolved = not is_resolved(TaskStatus(blocker["status"]))
    values: dict[str, Any] = {"version": T.c.version + 1, "updated_at": ctx.now}
    if unresolved:
        values["unresolved_blockers"] = T.c.unresolved_blockers + delta
    conn.execute(update(T).where(T.c.id == task["id"]).values(**values))
    ctx.emit(
        event,
        task_id=task["id"],
        project_id=task["project_id"],
        payload={"ref": ref_of(task), "blocker_id": blocker["id"], "blocker_ref": ref_of(blocker)},
    )
    return unresolved


def _reload(conn: Connection, task_id: str) -> RowMapping:
    return conn.execute(select_tasks().where(T.c.id == task_id)).mappings().one()
