"""Creating tasks: one at a time (``create_task``), and the row and event of a new task.

The bulk import (``bulk_import``, which a PRD commit goes through too) writes its tasks with
the same ``task_row`` and ``created_payload``, and resolves their blockers and parents with the
same ``lookup.TaskResolver``, so creating one task and importing many cannot drift apart.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from core.domain.commands import AttachmentIn, TaskCreate, TaskImportItem
from core.domain.identifiers import format_ref
from core.domain.models import DependencyReason, ManualReason, TaskLink, TaskStatus
from core.domain.states import is_resolved, plan_transition
from core.errors import NotFoundError, ValidationError
from core.store import command_ops
from core.store import tables as t
from core.store.context import TxContext
from core.store.folding import fold_text
from core.store.graph_ops import ref_of
from core.store.lookup import TaskResolver, project_or_default, task_not_found
from core.store.project_ops import resolve_milestone
from core.store.rows import link_from_row

T, D, L, P = t.tasks, t.task_dependencies, t.task_labels, t.projects
S = TaskStatus


def create_task(conn: Connection, ctx: TxContext, req: TaskCreate) -> tuple[str, bool]:
    """Create a task; with a known external id, return that task instead.

    Returns:
        ``(task id, created)``.

    Raises:
        NotFoundError: a referenced project, milestone, parent or blocker does not exist.
        ValidationError: references cross projects, or an attachment is invalid or too large.
        DependencyBlockedError: asked for ``ready`` with unresolved blockers.
    """
    # Lock the project row first: creates in one project (and their ref numbers and
    # external-id checks) are serialized, so 20 racing creates with one external id make one
    # task. The unique index stays as the last line of defence.
    project = project_or_default(conn, ctx, req.project, lock=True)
    project_id = project["id"]
    if req.external_id is not None:
        existing = conn.execute(
            select(T.c.id).where(T.c.project_id == project_id, T.c.external_id == req.external_id)
        ).first()
        if existing is not None:
            return str(existing.id), False
    milestone_id = (
        resolve_milestone(
            conn, ctx, project_id, req.milestone, create=req.create_milestone_if_missing
        )
        if req.milestone
        else None
    )
    parent_id, blockers = _resolve_links(conn, project_id, req)
    limit = ctx.settings.attachment_max_bytes
    files = [(item, item.decode(limit=limit)) for item in req.attachments]

    number = int(project["task_seq"]) + 1
    conn.execute(update(P).where(P.c.id == project_id).values(task_seq=number))
    ref = format_ref(project["key"], number)
    links = [link_from_row(row) for row in sorted(blockers.values(), key=lambda r: r["number"])]
    status, blocked_reason = _initial_status(ctx, ref, req, links)
    task_id = ctx.new_id()
    row = task_row(
        ctx,
        req,
        task_id=task_id,
        project_id=project_id,
        number=number,
        status=status,
        parent_id=parent_id,
        milestone_id=milestone_id,
        blocked_reason=None if blocked_reason is None else blocked_reason.model_dump(mode="json"),
        unresolved_blockers=sum(1 for b in links if not is_resolved(b.status)),
        approve=ctx.settings.approve_own_commands,
    )
    conn.execute(insert(T).values(**row))
    if blockers:
        conn.execute(
            insert(D),
            [{"task_id": task_id, "blocker_id": b, "created_at": ctx.now} for b in blockers],
        )
    if req.labels:
        conn.execute(insert(L), [{"task_id": task_id, "label": label} for label in req.labels])
    stored = [insert_attachment(conn, ctx, task_id, item, data) for item, data in files]
    payload = created_payload(req, ref=ref, status=status, blocked_by=sorted(blockers))
    payload["attachments"] = [a["name"] for a in stored]
    ctx.emit("task.created", task_id=task_id, project_id=project_id, payload=payload)
    return task_id, True


def _resolve_links(
    conn: Connection, project_id: str, req: TaskCreate
) -> tuple[str | None, dict[str, RowMapping]]:
    """The parent's id and the blockers (by id, in the order named) of a task to create.

    Raises:
        NotFoundError: the parent or a blocker does not exist.
        ValidationError: the parent or a blocker is in another project.
    """
    blocker_refs = list(dict.fromkeys(req.blocked_by))
    by_external = [] if req.parent or not req.parent_external_id else [req.parent_external_id]
    names = TaskResolver(conn).read(
        external_ids=[(project_id, e) for e in by_external],
        refs=[req.parent, *blocker_refs] if req.parent else blocker_refs,
    )
    parent_id: str | None = None
    if req.parent:
        parent = names.resolve(project_id, req.parent, by_external_id=False)
        if parent.row is None:
            raise task_not_found(conn, req.parent, field="parent")
        if not parent.in_project:
            raise ValidationError(
                f"Parent {ref_of(parent.row)} is in another project.",
                field="parent",
                hint="Pick a parent in the same project.",
            )
        parent_id = parent.row["id"]
    elif req.parent_external_id:
        parent = names.resolve(project_id, req.parent_external_id, by_ref=False)
        if parent.row is None:
            raise NotFoundError(
                f"No task with external id {req.parent_external_id!r} in this project to be "
                "the parent.",
                hint="Create the parent first, or give the parent by ref with --parent.",
                details={
                    "field": "parent_external_id",
                    "input": req.parent_external_id,
                    "suggestions": [],
                },
            )
        parent_id = parent.row["id"]
    blockers: dict[str, RowMapping] = {}
    for ref in blocker_refs:
        blocker = names.resolve(project_id, ref, by_external_id=False)
        if blocker.row is None:
            raise task_not_found(conn, ref, field="blocked_by")
        if not blocker.in_project:
            raise ValidationError(
                f"Blocker {ref_of(blocker.row)} is in another project.",
                field="blocked_by",
                hint="Dependencies must be in the same project.",
            )
        blockers.setdefault(blocker.row["id"], blocker.row)
    return parent_id, blockers


def _initial_status(
    ctx: TxContext, ref: str, req: TaskCreate, links: Sequence[TaskLink]
) -> tuple[TaskStatus, DependencyReason | ManualReason | None]:
    """Where a new task starts: backlog, or ``ready`` through the state machine's guards.

    Raises:
        DependencyBlockedError: ``ready`` asked for with unresolved blockers, and no waiting.
    """
    if req.status != S.READY:
        return S.BACKLOG, None
    plan = plan_transition(
        ref=ref,
        current=S.BACKLOG,
        requested=S.READY,
        blockers=links,
        auto_approve=ctx.settings.auto_approve,
        when_unblocked=req.when_unblocked,
    )
    return plan.target, plan.blocked_reason


def task_row(
    ctx: TxContext,
    fields: TaskCreate | TaskImportItem,
    *,
    task_id: str,
    project_id: str,
    number: int,
    status: TaskStatus,
    parent_id: str | None,
    milestone_id: str | None,
    blocked_reason: dict[str, Any] | None,
    unresolved_blockers: int,
    approve: bool,
) -> dict[str, Any]:
    """The ``tasks`` row of a new task: the one mapping of request fields to columns.

    The single create and the bulk import both insert through it (``pg_import`` writes the
    same columns in SQL for plain batches).
    """
    return {
        "id": task_id,
        "project_id": project_id,
        "number": number,
        "title": fields.title,
        "title_key": fold_text(fields.title),
        "description": fields.description,
        "task_type": fields.task_type,
        "priority": fields.priority.value,
        "priority_rank": fields.priority.rank,
        "status": status.value,
        "labels": fields.labels,
        "acceptance_criteria": fields.acceptance_criteria,
        "context_files": fields.context_files,
        "meta": fields.metadata,
        **command_ops.insert_values(ctx, fields.metadata, approve=approve),
        "parent_id": parent_id,
        "milestone_id": milestone_id,
        "pipeline_template": fields.pipeline_template,
        "retry_count": 0,
        "blocked_reason": blocked_reason,
        "source": fields.source.value,
        "external_id": fields.external_id,
        "assignee": fields.assignee,
        "effort_estimate": fields.effort_estimate,
        "due_date": fields.due_date,
        "unresolved_blockers": unresolved_blockers,
        "version": 1,
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "completed_at": ctx.now if status == S.DONE else None,
    }


def created_payload(
    fields: TaskCreate | TaskImportItem, *, ref: str, status: TaskStatus, blocked_by: list[str]
) -> dict[str, Any]:
    """The ``task.created`` payload both creating paths write (each adds its own last key)."""
    return {
        "ref": ref,
        "title": fields.title,
        "status": status.value,
        "priority": fields.priority.value,
        "task_type": fields.task_type,
        "blocked_by": blocked_by,
        "external_id": fields.external_id,
        "source": fields.source.value,
    }


def insert_attachment(
    conn: Connection, ctx: TxContext, task_id: str, item: AttachmentIn, data: bytes
) -> dict[str, Any]:
    """Store a file with a task (its bytes already decoded and checked); returns the row."""
    content_type = (
        item.content_type or mimetypes.guess_type(item.name)[0] or "application/octet-stream"
    )
    row = {
        "id": ctx.new_id(),
        "task_id": task_id,
        "name": item.name,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content": data,
        "created_at": ctx.now,
    }
    conn.execute(insert(t.attachments).values(**row))
    return row
