"""The record of PRD imports (``import_jobs``): one row per commit, committed or failed.

``prd_import.commit_plan`` writes a committed job last in its transaction; a commit that
failed is written as a failed job after the rollback (``record_failed_job``), so
``import list`` shows it with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, desc, insert, select

from core.errors import NotFoundError, TaskyardError
from core.prd.models import ImportJob, ImportJobStatus, ImportOptions, ImportPlan, PlanWarning
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import refs_by_id
from core.store.lookup import did_you_mean, near_matches, project_or_default

J = t.import_jobs


def write_job(
    conn: Connection,
    ctx: TxContext,
    plan: ImportPlan,
    project_id: str,
    status: ImportJobStatus,
    *,
    edge_count: int,
    warnings: Sequence[PlanWarning],
    created: Sequence[str] = (),
    updated: Sequence[str] = (),
    flagged: Sequence[str] = (),
) -> dict[str, Any]:
    """Insert the job row of an import of ``plan`` (the caller writes its event); returns it."""
    row = {
        "id": ctx.new_id(),
        "project_id": project_id,
        "source": plan.source,
        "source_key": plan.source_key,
        "status": status.value,
        "task_count": len(plan.tasks),
        "edge_count": edge_count,
        "warnings": [w.model_dump(mode="json") for w in warnings],
        "created_task_ids": list(created),
        "updated_task_ids": list(updated),
        "flagged_task_ids": list(flagged),
        "options": plan.options.model_dump(mode="json"),
        "actor": ctx.actor,
        "created_at": ctx.now,
    }
    conn.execute(insert(J).values(**row))
    return row


def record_failed_job(
    conn: Connection, ctx: TxContext, plan: ImportPlan, error: TaskyardError
) -> ImportJob | None:
    """Record a commit that failed (and was rolled back) as a ``failed`` job with the reason.

    Runs in a transaction of its own after the rollback, so ``import list`` shows the failure
    (event ``import.failed``). Returns ``None`` when there is no project to file it under (the
    plan named one that does not exist).
    """
    try:
        project = project_or_default(conn, ctx, plan.options.project)
    except NotFoundError:
        return None
    reason = PlanWarning(
        code="import_failed",
        message=error.message,
        details={"code": error.code, "hint": error.hint},
    )
    row = write_job(
        conn,
        ctx,
        plan,
        str(project["id"]),
        ImportJobStatus.FAILED,
        edge_count=len(plan.edges),
        warnings=[reason],
    )
    ctx.emit(
        "import.failed",
        project_id=str(project["id"]),
        payload={"job_id": row["id"], "source": plan.source, "error": error.message},
    )
    return job_from_row(conn, row)


def job_from_row(conn: Connection, row: Any) -> ImportJob:
    """An ``import_jobs`` row as the model, with the refs of the tasks it created."""
    created = list(row["created_task_ids"] or [])
    refs = refs_by_id(conn, created) if created else {}
    return ImportJob(
        id=row["id"],
        source=row["source"],
        status=ImportJobStatus(row["status"]),
        task_count=row["task_count"],
        edge_count=row["edge_count"],
        warnings=[PlanWarning.model_validate(w) for w in row["warnings"] or []],
        created_task_ids=created,
        updated_task_ids=list(row["updated_task_ids"] or []),
        flagged_task_ids=list(row["flagged_task_ids"] or []),
        options=ImportOptions.model_validate(row["options"]),
        created_at=row["created_at"],
        source_key=row["source_key"],
        project_id=row["project_id"],
        actor=row["actor"],
        created_refs=[refs[i] for i in created if i in refs],
    )


def get_job(conn: Connection, job_id: str) -> ImportJob:
    """One import job by id.

    Raises:
        NotFoundError: no such job; suggests the nearest recent ids.
    """
    row = conn.execute(select(J).where(J.c.id == job_id.strip())).mappings().first()
    if row is not None:
        return job_from_row(conn, row)
    recent = [r.id for r in conn.execute(select(J.c.id).order_by(desc(J.c.created_at)).limit(50))]
    suggestions = near_matches(job_id.strip(), recent)
    raise NotFoundError(
        f"No import job {job_id!r}.",
        hint=did_you_mean(suggestions, "List imports with `taskyard import list`."),
        details={"field": "job", "input": job_id, "suggestions": suggestions},
    )


def list_jobs(conn: Connection, limit: int) -> list[ImportJob]:
    """The newest ``limit`` import jobs, newest first."""
    query = select(J).order_by(desc(J.c.created_at), desc(J.c.id)).limit(max(1, limit))
    rows = list(conn.execute(query).mappings())
    return [job_from_row(conn, r) for r in rows]
