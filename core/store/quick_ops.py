"""Quick actions: one-off prompts or commands recorded as quick runs, and promoting one to a task.

A quick run creates no task. Promoting it creates exactly one: the quick run row is locked
(PostgreSQL) or the single writer holds it (SQLite) while ``promoted_task_id`` is checked and
set, so two promotes at once make one task and the second is refused naming it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from core.domain.commands import MAX_DESCRIPTION, MAX_TITLE, TaskCreate
from core.domain.models import TaskSource
from core.domain.runs import QuickRun, QuickRunCreate, QuickRunStatus
from core.errors import DuplicateError, InvalidTransitionError, ValidationError
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import refs_by_id
from core.store.log_ops import quick_run_not_found
from core.store.rows import model_from_row
from core.store.step_ops import clip_summary
from core.store.task_create import create_task

Q = t.quick_runs

MAX_LIST = 500


def quick_run_from_row(row: RowMapping | dict[str, Any]) -> QuickRun:
    """A ``QuickRun`` from a ``quick_runs`` row."""
    return model_from_row(QuickRun, row, status=QuickRunStatus(row["status"]))


def _row(conn: Connection, ctx: TxContext | None, quick_run_id: str) -> RowMapping:
    query = select(Q).where(Q.c.id == quick_run_id)
    if ctx is not None and ctx.dialect == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise quick_run_not_found(quick_run_id)
    return row


def create_quick_run(conn: Connection, ctx: TxContext, request: QuickRunCreate) -> QuickRun:
    """Record a quick action about to run (status ``running``; event ``quick_run.started``)."""
    row: dict[str, Any] = {
        "id": ctx.new_id(),
        "prompt": request.prompt,
        "profile": request.profile,
        "status": QuickRunStatus.RUNNING.value,
        "actor": ctx.actor,
        "started_at": ctx.now,
        "finished_at": None,
        "exit_code": None,
        "result_summary": None,
        "promoted_task_id": None,
    }
    conn.execute(insert(Q).values(**row))
    ctx.emit(
        "quick_run.started",
        payload={"quick_run_id": row["id"], "profile": request.profile},
    )
    return quick_run_from_row(row)


def finish_quick_run(
    conn: Connection,
    ctx: TxContext,
    quick_run_id: str,
    *,
    success: bool | None,
    exit_code: int | None,
    summary: str | None,
) -> QuickRun:
    """End a running quick run: succeeded, failed, or cancelled (``success=None``).

    Raises:
        NotFoundError: no such quick run.
        InvalidTransitionError: it has already finished.
    """
    row = _row(conn, ctx, quick_run_id)
    if row["status"] != QuickRunStatus.RUNNING.value:
        raise InvalidTransitionError(
            f"Quick run {quick_run_id} has already finished ({row['status']}).",
            details={"quick_run_id": quick_run_id, "status": row["status"]},
        )
    status = (
        QuickRunStatus.CANCELLED
        if success is None
        else (QuickRunStatus.SUCCEEDED if success else QuickRunStatus.FAILED)
    )
    values = {
        "status": status.value,
        "finished_at": ctx.now,
        "exit_code": exit_code,
        "result_summary": clip_summary(summary),
    }
    conn.execute(update(Q).where(Q.c.id == quick_run_id).values(**values))
    kind = {"succeeded": "completed", "failed": "failed", "cancelled": "cancelled"}[status.value]
    ctx.emit(
        f"quick_run.{kind}",
        payload={"quick_run_id": quick_run_id, "profile": row["profile"], "exit_code": exit_code},
    )
    return quick_run_from_row({**row, **values})


def get_quick_run(conn: Connection, quick_run_id: str) -> QuickRun:
    """One quick run.

    Raises:
        NotFoundError: no such quick run.
    """
    return quick_run_from_row(_row(conn, None, quick_run_id))


def list_quick_runs(conn: Connection, *, limit: int) -> list[QuickRun]:
    """The newest quick runs, newest first.

    Raises:
        ValidationError: a limit outside 1..500.
    """
    if not 1 <= limit <= MAX_LIST:
        raise ValidationError(f"A list takes 1 to {MAX_LIST} quick runs.", field="limit")
    rows = conn.execute(select(Q).order_by(Q.c.started_at.desc(), Q.c.id.desc()).limit(limit))
    return [quick_run_from_row(r) for r in rows.mappings()]


def promoted_title(prompt: str) -> str:
    """A task title from a prompt: its first non-empty line, shortened to fit."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "Quick action")
    return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1] + "…"


def promote_quick_run(
    conn: Connection, ctx: TxContext, quick_run_id: str, *, project: str | None
) -> str:
    """Create the one task a quick run becomes; returns its id.

    The title is the prompt's first line, the description the prompt and the result summary;
    a shell quick run's prompt is also the task's ``metadata.command``, so a worker runs it.

    Raises:
        NotFoundError: no such quick run, or ``project`` names nothing.
        InvalidTransitionError: the quick run is still running.
        DuplicateError: it was promoted already (the message names that task).
    """
    row = _row(conn, ctx, quick_run_id)
    if row["promoted_task_id"] is not None:
        ref = refs_by_id(conn, [row["promoted_task_id"]]).get(row["promoted_task_id"], "?")
        raise DuplicateError(
            f"Quick run {quick_run_id} was already promoted to {ref}.",
            hint=f"Open that task instead: taskyard task show {ref}.",
            details={"quick_run_id": quick_run_id, "task_id": row["promoted_task_id"], "ref": ref},
        )
    if row["status"] == QuickRunStatus.RUNNING.value:
        raise InvalidTransitionError(
            f"Quick run {quick_run_id} is still running; promote it once it has finished.",
            details={"quick_run_id": quick_run_id, "status": row["status"]},
        )
    description = row["prompt"]
    if row["result_summary"]:
        description += f"\n\n## Quick run result ({row['status']})\n\n{row['result_summary']}"
    description = description[:MAX_DESCRIPTION]
    metadata: dict[str, Any] = {"quick_run_id": quick_run_id, "profile": row["profile"]}
    if row["profile"] == "shell":
        metadata["command"] = row["prompt"]
    request = TaskCreate(
        title=promoted_title(row["prompt"]),
        description=description,
        project=project,
        metadata=metadata,
        source=TaskSource.PROMOTED_QUICK_ACTION,
    )
    task_id, _ = create_task(conn, ctx, request)
    conn.execute(update(Q).where(Q.c.id == quick_run_id).values(promoted_task_id=task_id))
    ctx.emit(
        "quick_run.promoted",
        task_id=task_id,
        payload={"quick_run_id": quick_run_id, "task_id": task_id},
    )
    return task_id
