"""Rows to domain models: the one place that knows how columns map to fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, or_, select

from core.domain.approval import CommandInfo, command_text
from core.domain.identifiers import format_ref
from core.domain.models import (
    Attachment,
    Milestone,
    Priority,
    Project,
    Task,
    TaskCard,
    TaskLink,
    TaskStatus,
)
from core.domain.runs import Run, RunStatus
from core.store import tables as t

T, P = t.tasks, t.projects

M = TypeVar("M", bound=BaseModel)

#: Task columns a card needs (no description, no JSON blobs but labels).
CARD_COLUMNS = (
    T.c.id,
    T.c.project_id,
    T.c.number,
    T.c.title,
    T.c.task_type,
    T.c.priority,
    T.c.status,
    T.c.labels,
    T.c.assignee,
    T.c.milestone_id,
    T.c.due_date,
    T.c.unresolved_blockers,
    T.c.version,
    T.c.created_at,
    T.c.updated_at,
    P.c.key,
    # The command half of ``claims.filters.may_run``, for the returned rows only: whether a
    # worker could run the card without a pipeline for its type (a ready card without says so).
    or_(T.c.pipeline_template.is_not(None), T.c.command_hash.is_not(None)).label(
        "has_command_or_pipeline"
    ),
    # A command no worker may run until someone approves it (``claims.filters.command_cleared``).
    and_(
        T.c.command_hash.is_not(None),
        or_(T.c.command_approved_hash.is_(None), T.c.command_hash != T.c.command_approved_hash),
    ).label("command_pending"),
)


def select_cards() -> Select[Any]:
    """``SELECT`` of card columns with the project key joined in (for refs)."""
    return select(*CARD_COLUMNS).select_from(T.join(P, P.c.id == T.c.project_id))


def select_tasks() -> Select[Any]:
    """``SELECT`` of every task column plus the project key."""
    return select(T, P.c.key).select_from(T.join(P, P.c.id == T.c.project_id))


def model_from_row(model: type[M], row: Mapping[Any, Any], **fields: Any) -> M:
    """``model`` from a row whose columns carry its fields' names.

    ``fields`` gives the ones that are not a column of that name (a converted value, a
    nested model, a column some queries leave out); every other field reads its column.
    """
    values = {name: row[name] for name in model.model_fields if name not in fields}
    return model.model_validate(values | fields)


def project_from_row(row: Mapping[Any, Any]) -> Project:
    """A ``Project`` from a ``projects`` row."""
    return model_from_row(Project, row)


def milestone_from_row(row: Mapping[Any, Any]) -> Milestone:
    """A ``Milestone`` from a ``milestones`` row."""
    return model_from_row(Milestone, row)


def card_from_row(row: Mapping[Any, Any]) -> TaskCard:
    """A ``TaskCard`` from a row of ``select_cards()`` (or ``select_tasks()``)."""
    return TaskCard(
        id=row["id"],
        ref=format_ref(row["key"], row["number"]),
        project_id=row["project_id"],
        title=row["title"],
        task_type=row["task_type"],
        priority=Priority(row["priority"]),
        status=TaskStatus(row["status"]),
        labels=row["labels"],
        assignee=row["assignee"],
        milestone_id=row["milestone_id"],
        due_date=row["due_date"],
        unresolved_blocker_count=row["unresolved_blockers"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        has_command_or_pipeline=_flag(row.get("has_command_or_pipeline")),
        command_pending=_pending(row),
    )


def _pending(row: Mapping[Any, Any]) -> bool:
    if "command_pending" in row:
        return bool(row["command_pending"])
    digest = row.get("command_hash")
    return digest is not None and digest != row.get("command_approved_hash")


def command_from_row(row: Mapping[Any, Any]) -> CommandInfo | None:
    """A task's ``CommandInfo`` from its row (``None``: no command)."""
    text = command_text(row["meta"] or {})
    digest = row["command_hash"]
    if text is None or digest is None:
        return None
    return CommandInfo.of(
        text,
        digest,
        set_by=row["command_set_by"],
        set_at=row["command_set_at"],
        approved_hash=row["command_approved_hash"],
        approved_by=row["command_approved_by"],
        approved_at=row["command_approved_at"],
    )


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def link_from_row(row: Mapping[Any, Any]) -> TaskLink:
    """A ``TaskLink`` from a row with id, key, number, title and status.

    Validated: pydantic's compiled validator (0.8 µs a link) is faster than the
    ``model_construct`` this used (1.6 µs), which is plain Python.
    """
    return TaskLink(
        id=row["id"],
        ref=format_ref(row["key"], row["number"]),
        title=row["title"],
        status=row["status"],
    )


def attachment_from_row(row: Mapping[Any, Any]) -> Attachment:
    """An ``Attachment`` (metadata only) from an ``attachments`` row."""
    return model_from_row(Attachment, row)


def task_from_row(
    row: Mapping[Any, Any],
    *,
    blocked_by: Iterable[TaskLink] = (),
    blocks: Iterable[TaskLink] = (),
    children_ids: Iterable[str] = (),
    attachments: Iterable[Attachment] = (),
    run_ids: Iterable[str] = (),
) -> Task:
    """A full ``Task`` from a row of ``select_tasks()`` and its related rows."""
    return Task.model_validate(
        {
            "id": row["id"],
            "ref": format_ref(row["key"], row["number"]),
            "project_id": row["project_id"],
            "title": row["title"],
            "description": row["description"],
            "task_type": row["task_type"],
            "priority": row["priority"],
            "status": row["status"],
            "labels": row["labels"],
            "parent_id": row["parent_id"],
            "children_ids": list(children_ids),
            "blocked_by": list(blocked_by),
            "blocks": list(blocks),
            "unresolved_blocker_count": row["unresolved_blockers"],
            "acceptance_criteria": row["acceptance_criteria"],
            "context_files": row["context_files"],
            "pipeline_template": row["pipeline_template"],
            "current_step": row["current_step"],
            "current_agent_id": row["current_agent_id"],
            "run_ids": list(run_ids),
            "retry_count": row["retry_count"],
            "interruptions": row.get("interruptions") or 0,
            "error": row["error"],
            "blocked_reason": row["blocked_reason"],
            "source": row["source"],
            "milestone_id": row["milestone_id"],
            "external_id": row["external_id"],
            "assignee": row["assignee"],
            "effort_estimate": row["effort_estimate"],
            "due_date": row["due_date"],
            "metadata": row["meta"],
            "command": command_from_row(row),
            "attachments": list(attachments),
            "version": row["version"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "completed_at": row["completed_at"],
        }
    )


def run_from_row(row: Mapping[Any, Any]) -> Run:
    """A ``Run`` from a ``runs`` row (the step position and lost bytes may be left out)."""
    return model_from_row(
        Run,
        row,
        status=RunStatus(row["status"]),
        step_index=row.get("step_index"),
        step_count=row.get("step_count"),
        lost_output_bytes=row.get("lost_output_bytes") or 0,
    )
