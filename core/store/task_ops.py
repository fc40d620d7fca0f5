"""Write operations on tasks: create, update, transition, delete, assign, attach.

Each function is one transaction body with the handler shape: load (locking what it will
change), decide in the domain, write the rows, record the events.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from core.domain.commands import AttachmentIn, TaskCreate, TaskImportItem, TaskPatch
from core.domain.identifiers import format_ref, slugify
from core.domain.models import Attachment, DependencyReason, ManualReason, TaskLink, TaskStatus
from core.domain.states import is_resolved, plan_transition
from core.domain.views import BulkItemResult, BulkResult
from core.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    TaskyardError,
    ValidationError,
)
from core.store import command_ops, run_ops
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import (
    adjust_dependents,
    blockers_of,
    ref_of,
    set_status,
)
from core.store.lookup import (
    TaskResolver,
    find_milestone,
    find_task,
    find_tasks,
    project_or_default,
    require_same_project,
    task_not_found,
)
from core.store.rows import attachment_from_row, card_from_row, link_from_row, select_cards

T, D, L, P, M = t.tasks, t.task_dependencies, t.task_labels, t.projects, t.milestones
S = TaskStatus


def _locking(ctx: TxContext) -> bool:
    return ctx.dialect == "postgresql"


def resolve_milestone(
    conn: Connection, ctx: TxContext, project_id: str, ref: str, *, create: bool
) -> str:
    """The milestone id for ``ref`` in the project, creating it when asked and missing.

    Raises:
        NotFoundError: it does not exist and ``create`` is false.
    """
    try:
        return str(find_milestone(conn, project_id, ref)["id"])
    except NotFoundError:
        if not create:
            raise
    slug = slugify(ref)
    if not slug:
        raise ValidationError(
            f"Milestone {ref!r} has no letters or digits to make a slug from.",
            field="milestone",
            hint="Name the milestone with letters or digits.",
        )
    milestone_id = ctx.new_id()
    conn.execute(
        insert(M).values(
            id=milestone_id, project_id=project_id, slug=slug, name=ref.strip(), created_at=ctx.now
        )
    )
    ctx.emit(
        "milestone.created",
        project_id=project_id,
        payload={"milestone_id": milestone_id, "slug": slug, "name": ref.strip()},
    )
    return milestone_id


def _check_parent(conn: Connection, task_id: str | None, parent: RowMapping) -> None:
    """A task cannot be its own ancestor."""
    seen: set[str] = set()
    current: str | None = parent["id"]
    while current is not None and current not in seen:
        if current == task_id:
            raise ValidationError(
                f"{ref_of(parent)} is this task or one of its children; it cannot be the parent.",
                field="parent",
                hint="Pick a parent outside this task's own subtree.",
            )
        seen.add(current)
        current = conn.execute(select(T.c.parent_id).where(T.c.id == current)).scalar()


def _decode_attachments(
    items: Sequence[AttachmentIn], limit: int
) -> list[tuple[AttachmentIn, bytes]]:
    return [(item, item.decode(limit=limit)) for item in items]


def _insert_attachment(
    conn: Connection, ctx: TxContext, task_id: str, item: AttachmentIn, data: bytes
) -> dict[str, Any]:
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
    files = _decode_attachments(req.attachments, ctx.settings.attachment_max_bytes)

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
    stored = [_insert_attachment(conn, ctx, task_id, item, data) for item, data in files]
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


def _stale(conn: Connection, row: RowMapping, expected: int) -> ConflictError:
    last = conn.execute(
        select(t.events.c.actor, t.events.c.at, t.events.c.type)
        .where(t.events.c.task_id == row["id"])
        .order_by(t.events.c.seq.desc())
        .limit(1)
    ).first()
    who = f" by {last.actor} at {last.at:%Y-%m-%d %H:%M} UTC" if last is not None else ""
    return ConflictError(
        f"{ref_of(row)} was changed{who} after you read it "
        f"(you had version {expected}, it is now version {row['version']}). Nothing was saved.",
        hint="Reload the task to see the other change, then apply yours again — or overwrite "
        "it deliberately.",
        details={
            "ref": ref_of(row),
            "expected_version": expected,
            "current_version": row["version"],
            "changed_by": None if last is None else last.actor,
        },
    )


#: Patch fields stored under another column name.
_COLUMN_FOR = {"metadata": "meta"}


def update_task(
    conn: Connection,
    ctx: TxContext,
    ref: str,
    patch: TaskPatch,
    *,
    expected_version: int | None,
    approve_commands: bool | None = None,
) -> str:
    """Change a task's fields; refuses if it changed since ``expected_version``.

    A changed command text is approved by the actor when ``approve_commands`` says so (the
    engine's ``approve_own_commands`` when ``None``); otherwise its approval lapses.

    Raises:
        NotFoundError: the task, milestone or parent does not exist.
        ConflictError: the task's version is not ``expected_version``; nothing was written.
        ValidationError: a value is invalid (cleared required field, parent cycle, ...).
    """
    row = find_task(conn, ref, lock=_locking(ctx))
    if expected_version is not None and row["version"] != expected_version:
        raise _stale(conn, row, expected_version)
    changes = patch.changes()
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "priority":
            values["priority"], values["priority_rank"] = value.value, value.rank
        elif name == "milestone":
            values["milestone_id"] = (
                None
                if value is None
                else resolve_milestone(conn, ctx, row["project_id"], value, create=False)
            )
        elif name == "parent":
            if value is None:
                values["parent_id"] = None
            else:
                parent = find_task(conn, value, field="parent")
                require_same_project(row, parent, field="parent")
                _check_parent(conn, row["id"], parent)
                values["parent_id"] = parent["id"]
        elif name == "external_id" and value is not None:
            clash = conn.execute(
                select(T.c.id).where(
                    T.c.project_id == row["project_id"],
                    T.c.external_id == value,
                    T.c.id != row["id"],
                )
            ).first()
            if clash is not None:
                raise ValidationError(
                    f"Another task in this project already has external id {value!r}.",
                    field="external_id",
                    hint="External ids are unique per project; pick another.",
                )
            values["external_id"] = value
        else:
            values[_COLUMN_FOR.get(name, name)] = value
    effective = {k: v for k, v in values.items() if row[k] != v}
    if not effective:
        return str(row["id"])
    command_said = None
    if "meta" in effective:
        approve = (
            ctx.settings.approve_own_commands if approve_commands is None else approve_commands
        )
        command_columns, command_said = command_ops.update_values(
            ctx, row, effective["meta"], approve=approve
        )
        effective.update(command_columns)
    if "labels" in effective:
        conn.execute(delete(L).where(L.c.task_id == row["id"]))
        if effective["labels"]:
            conn.execute(
                insert(L), [{"task_id": row["id"], "label": x} for x in effective["labels"]]
            )
    result = conn.execute(
        update(T)
        .where(T.c.id == row["id"], T.c.version == row["version"])
        .values(**effective, version=T.c.version + 1, updated_at=ctx.now)
    )
    if result.rowcount != 1:  # pragma: no cover - the row is locked (PG) or we are the writer
        raise _stale(conn, row, row["version"])
    shown = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in effective.items()
        if k not in {"description", "meta"} and not k.startswith("command_")
    }
    fields = sorted(k for k in effective if not k.startswith("command_"))
    payload: dict[str, Any] = {"ref": ref_of(row), "fields": fields, "changes": shown}
    if command_said is not None:
        payload["command"] = command_said
    if set(fields) != {"assignee"}:
        ctx.emit("task.updated", task_id=row["id"], project_id=row["project_id"], payload=payload)
    if "assignee" in effective:
        _emit_assigned(ctx, row, effective["assignee"], payload)
    return str(row["id"])


def _emit_assigned(
    ctx: TxContext, row: RowMapping, assignee: str | None, payload: dict[str, Any]
) -> None:
    """Event ``task.assigned`` (the spec's name for an assignment).

    A change of the assignee alone emits only this event; with other fields it follows
    their ``task.updated``. The previous and new assignee are ``previous_assignee`` and
    ``assignee``, not ``from``/``to``: readers take those keys as a move between states.
    """
    ctx.emit(
        "task.assigned",
        task_id=row["id"],
        project_id=row["project_id"],
        payload={**payload, "assignee": assignee, "previous_assignee": row["assignee"]},
    )


def transition_task(
    conn: Connection,
    ctx: TxContext,
    ref: str,
    status: TaskStatus,
    *,
    reason: str | None,
    force: bool,
    when_unblocked: bool,
    expected_version: int | None,
) -> str:
    """Move a task through the state machine (dependents follow in the same transaction).

    ``force`` into ``in_progress`` marks the task as worked on by a person: no run and no
    lease are opened, so no worker runs it and no lease sweep moves it back; it stays until
    someone moves it on. Run Now (``run_ops.run_now``) is the path that has a worker run it.

    Raises:
        NotFoundError: no such task.
        ConflictError: it changed since ``expected_version``.
        InvalidTransitionError: the table, the claim guard or the dependency guard refuses.
    """
    row = find_task(conn, ref, lock=_locking(ctx))
    if expected_version is not None and row["version"] != expected_version:
        raise _stale(conn, row, expected_version)
    plan = plan_transition(
        ref=ref_of(row),
        current=TaskStatus(row["status"]),
        requested=status,
        blockers=blockers_of(conn, row["id"]),
        reason=reason,
        auto_approve=ctx.settings.auto_approve,
        force=force,
        when_unblocked=when_unblocked,
    )
    payload: dict[str, Any] = {}
    if plan.parked:
        payload = {"requested": plan.requested.value, "queued_until_unblocked": True}
    if force:
        payload["forced"] = True
    extra: dict[str, Any] = {}
    if plan.target == TaskStatus.READY:
        # Back to ready by hand after runs (a failure, a cancel): the next run is the next
        # attempt, as after ``retry``, never a second run numbered like the last one.
        last = conn.execute(
            select(func.max(t.runs.c.attempt)).where(t.runs.c.task_id == row["id"])
        ).scalar()
        if last is not None and last > row["retry_count"]:
            extra["retry_count"] = last
    set_status(
        conn,
        ctx,
        row,
        plan.target,
        blocked_reason=plan.blocked_reason,
        reason=reason,
        payload=payload,
        extra_values=extra or None,
    )
    if row["status"] == TaskStatus.IN_PROGRESS.value:
        # The worker running it loses its claim: its next fenced write is refused.
        run_ops.close_active_run(conn, ctx, row["id"], f"task moved to {plan.target.value} by hand")
    return str(row["id"])


def delete_task(conn: Connection, ctx: TxContext, ref: str) -> tuple[str, str]:
    """Delete a task, its edges, labels and attachments; dependents lose it as a blocker.

    Returns:
        ``(task id, ref)`` of the deleted task.

    Raises:
        NotFoundError: no such task.
        InvalidTransitionError: it is in progress (cancel it first).
    """
    row = find_task(conn, ref, lock=_locking(ctx))
    status = TaskStatus(row["status"])
    if status == S.IN_PROGRESS:
        raise InvalidTransitionError(
            f"{ref_of(row)} is in progress and cannot be deleted while it runs.",
            hint=f"Cancel it first (taskyard task move {ref_of(row)} cancelled), then delete it.",
            details={"ref": ref_of(row), "status": status.value},
        )
    blocks = [
        r.task_id for r in conn.execute(select(D.c.task_id).where(D.c.blocker_id == row["id"]))
    ]
    blocked_by = [
        r.blocker_id for r in conn.execute(select(D.c.blocker_id).where(D.c.task_id == row["id"]))
    ]
    if not is_resolved(status):
        # Its dependents no longer wait for it: some may become ready.
        adjust_dependents(conn, ctx, row["id"], -1, cause=f"{ref_of(row)} (deleted)")
    conn.execute(delete(T).where(T.c.id == row["id"]))
    ctx.emit(
        "task.deleted",
        task_id=row["id"],
        project_id=row["project_id"],
        payload={
            "ref": ref_of(row),
            "title": row["title"],
            "status": status.value,
            "blocked_by": sorted(blocked_by),
            "blocks": sorted(blocks),
        },
    )
    return str(row["id"]), ref_of(row)


def assign_tasks(
    conn: Connection, ctx: TxContext, refs: Sequence[str], assignee: str | None
) -> BulkResult:
    """Set (or clear) the assignee of many tasks; each reference gets its own result."""
    if assignee is not None and not (0 < len(assignee.strip()) <= 100):
        raise ValidationError(
            "assignee must be 1-100 characters.", field="assignee", hint="Give a shorter name."
        )
    found = find_tasks(conn, list(dict.fromkeys(refs)), lock=_locking(ctx))
    items: list[BulkItemResult] = []
    current: dict[str, str | None] = {}  # a task named twice (TY-1, ty-1) changes once
    for ref in refs:
        row = found.get(ref)
        if row is None:
            err: TaskyardError = task_not_found(conn, ref)
            items.append(BulkItemResult(ref=ref, ok=False, error=err.to_dict()))
            continue
        if current.setdefault(row["id"], row["assignee"]) != assignee:
            current[row["id"]] = assignee
            conn.execute(
                update(T)
                .where(T.c.id == row["id"])
                .values(assignee=assignee, version=T.c.version + 1, updated_at=ctx.now)
            )
            _emit_assigned(
                ctx,
                row,
                assignee,
                {"ref": ref_of(row), "fields": ["assignee"], "changes": {"assignee": assignee}},
            )
        card = conn.execute(select_cards().where(T.c.id == row["id"])).mappings().one()
        items.append(BulkItemResult(ref=ref, ok=True, task=card_from_row(card)))
    return BulkResult(items=items)


def add_attachment(conn: Connection, ctx: TxContext, ref: str, item: AttachmentIn) -> Attachment:
    """Store a file with a task.

    Raises:
        NotFoundError: no such task.
        ValidationError: not base64, or over the size limit.
    """
    row = find_task(conn, ref, lock=_locking(ctx))
    data = item.decode(limit=ctx.settings.attachment_max_bytes)
    stored = _insert_attachment(conn, ctx, row["id"], item, data)
    conn.execute(
        update(T).where(T.c.id == row["id"]).values(version=T.c.version + 1, updated_at=ctx.now)
    )
    ctx.emit(
        "task.attachment_added",
        task_id=row["id"],
        project_id=row["project_id"],
        payload={
            "ref": ref_of(row),
            "attachment_id": stored["id"],
            "name": stored["name"],
            "size": stored["size"],
        },
    )
    return attachment_from_row(stored)
