"""``change_task``: fields, a new blocker set and state moves of one task, in one transaction.

Each part is the operation the engine runs on its own (``task_ops.update_task``,
``graph_ops.add/remove_dependency``, ``task_ops.transition_task``, ``run_ops.cancel``), so
the rules are the same; run in one transaction, a refusal of any part leaves the task as it
was.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from core.domain.commands import TaskPatch
from core.domain.models import TaskStatus
from core.domain.task_change import TaskChange
from core.errors import CycleError, NotFoundError, ValidationError
from core.store import graph_ops, run_ops, task_ops
from core.store import tables as t
from core.store.context import TxContext
from core.store.lookup import find_task

D = t.task_dependencies


def change_task(
    conn: Connection, ctx: TxContext, ref: str, change: TaskChange, *, expected_version: int | None
) -> str:
    """Apply ``change`` to the task; returns its id.

    ``expected_version`` is checked before anything is written.

    Raises:
        NotFoundError: no such task (or a field names something missing).
        ConflictError: the task's version is not ``expected_version``.
        ValidationError: a field is invalid, or blockers are missing or in another project
            (``details.unresolved`` lists every one; ``details.circular`` those that would
            close a cycle).
        CycleError: the only problem with the blockers is a cycle (``details.circular``).
        InvalidTransitionError: a move is refused.
    """
    task_id = str(find_task(conn, ref, lock=ctx.dialect == "postgresql")["id"])
    version = expected_version
    if change.fields is not None or version is not None:
        patch = change.fields if change.fields is not None else TaskPatch()
        task_ops.update_task(conn, ctx, task_id, patch, expected_version=version)
        version = None
    if change.blocked_by is not None:
        replace_blockers(conn, ctx, task_id, change.blocked_by)
    for move in change.moves:
        if move.status is TaskStatus.CANCELLED:
            run_ops.cancel(conn, ctx, task_id, move.reason or "Cancelled.")
            continue
        task_ops.transition_task(
            conn,
            ctx,
            task_id,
            move.status,
            reason=move.reason,
            force=move.force,
            when_unblocked=move.when_unblocked,
            expected_version=None,
        )
    return task_id


def replace_blockers(conn: Connection, ctx: TxContext, task_id: str, refs: list[str]) -> None:
    """Make ``refs`` the task's whole blocker set, or refuse with every bad one named.

    Raises:
        ValidationError: some are missing or in another project (``details.unresolved``).
        CycleError: some would close a cycle, and none is missing (``details.circular``).
        InvalidTransitionError: the task is running or done (it cannot get a new blocker).
    """
    wanted: dict[str, str] = {}
    unresolved: list[str] = []
    project_id = find_task(conn, task_id)["project_id"]
    for ref in refs:
        try:
            row = find_task(conn, ref, field="blocked_by")
        except NotFoundError:
            unresolved.append(ref)
            continue
        if row["project_id"] != project_id:
            unresolved.append(ref)
        else:
            wanted.setdefault(str(row["id"]), ref)
    current = {
        str(r.blocker_id)
        for r in conn.execute(select(D.c.blocker_id).where(D.c.task_id == task_id))
    }
    for gone in sorted(current - set(wanted)):
        graph_ops.remove_dependency(conn, ctx, task_id, gone)
    circular: list[str] = []
    for blocker_id, ref in wanted.items():
        if blocker_id in current:
            continue
        try:
            graph_ops.add_dependency(conn, ctx, task_id, blocker_id)
        except CycleError:
            circular.append(ref)
    details = {"unresolved": unresolved, "circular": circular}
    if unresolved:
        raise ValidationError(
            f"Invalid task dependencies: {_listed(unresolved)} not found in the task's project.",
            field="blocked_by",
            hint="Give blockers that exist in the same project.",
            details=details,
        )
    if circular:
        raise CycleError(
            f"These blockers would close a dependency cycle: {_listed(circular)}.",
            hint="Drop them; a task cannot wait, even indirectly, for itself.",
            details=details,
        )


def _listed(refs: list[str]) -> str:
    return ", ".join(repr(r) for r in refs)
