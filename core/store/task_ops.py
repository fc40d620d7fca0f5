"""Write operations on tasks: update, transition, delete, assign, attach (``task_create`` creates).

Each function is one transaction body with the handler shape: load (locking what it will
change), decide in the domain, write the rows, record the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from core.domain.commands import AttachmentIn, TaskPatch
from core.domain.models import Attachment, TaskStatus
from core.domain.states import is_resolved, plan_transition
from core.domain.views import BulkItemResult, BulkResult
from core.errors import (
    ConflictError,
    InvalidTransitionError,
    TaskyardError,
    ValidationError,
)
from core.store import command_ops, run_ops
from core.store import tables as t
from core.store.card_json import card_from_json
from core.store.context import TxContext
from core.store.folding import fold_text
from core.store.graph_ops import (
    adjust_dependents,
    blockers_of,
    ref_of,
    set_status,
    task_event,
)
from core.store.lookup import (
    find_task,
    find_tasks,
    require_same_project,
    task_not_found,
)
from core.store.project_ops import resolve_milestone
from core.store.rows import attachment_from_row, select_cards
from core.store.task_create import insert_attachment

T, D, L, P = t.tasks, t.task_dependencies, t.task_labels, t.projects
S = TaskStatus


def _locking(ctx: TxContext) -> bool:
    return ctx.dialect == "postgresql"


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
    values = _column_values(conn, ctx, row, changes)
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
    # The folded title follows the title (the list's sort by title); not a field of its own.
    title_key = {"title_key": fold_text(effective["title"])} if "title" in effective else {}
    result = conn.execute(
        update(T)
        .where(T.c.id == row["id"], T.c.version == row["version"])
        .values(**effective, **title_key, version=T.c.version + 1, updated_at=ctx.now)
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


def _column_values(
    conn: Connection, ctx: TxContext, row: RowMapping, changes: dict[str, Any]
) -> dict[str, Any]:
    """A patch's changes as column values, with the references in them resolved and checked.

    Raises:
        NotFoundError: the milestone or parent does not exist.
        ValidationError: the parent is in another project or below the task, or the external
            id is another task's.
    """
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
    return values


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
    task_event(
        ctx,
        row,
        "task.deleted",
        {
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
        card = conn.execute(select_cards().where(T.c.id == row["id"])).scalar_one()
        items.append(BulkItemResult(ref=ref, ok=True, task=card_from_json(card)))
    return BulkResult(items=items)


def add_attachment(conn: Connection, ctx: TxContext, ref: str, item: AttachmentIn) -> Attachment:
    """Store a file with a task.

    Raises:
        NotFoundError: no such task.
        ValidationError: not base64, or over the size limit.
    """
    row = find_task(conn, ref, lock=_locking(ctx))
    data = item.decode(limit=ctx.settings.attachment_max_bytes)
    stored = insert_attachment(conn, ctx, row["id"], item, data)
    conn.execute(
        update(T).where(T.c.id == row["id"]).values(version=T.c.version + 1, updated_at=ctx.now)
    )
    task_event(
        ctx,
        row,
        "task.attachment_added",
        {"attachment_id": stored["id"], "name": stored["name"], "size": stored["size"]},
    )
    return attachment_from_row(stored)
