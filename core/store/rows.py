"""Rows to domain models: the one place that knows how columns map to fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, String, and_, cast, or_, select

from core.domain.approval import CommandInfo, command_text
from core.domain.identifiers import format_ref
from core.domain.models import (
    Attachment,
    Milestone,
    Project,
    Task,
    TaskLink,
)
from core.domain.runs import Run, RunStatus
from core.store import tables as t
from core.store.card_json import card_object, json_bool, json_value, utc_text

T, P = t.tasks, t.projects

M = TypeVar("M", bound=BaseModel)

#: Whether a task carries a command or names a pipeline: the command half of
#: ``claims.filters.may_run``, so a ready card without either says it has nothing to run.
HAS_COMMAND_OR_PIPELINE = or_(T.c.pipeline_template.is_not(None), T.c.command_hash.is_not(None))

#: A command no worker may run until someone approves it (``claims.filters.command_cleared``).
COMMAND_PENDING = and_(
    T.c.command_hash.is_not(None),
    or_(T.c.command_approved_hash.is_(None), T.c.command_hash != T.c.command_approved_hash),
)

#: A task's card as one JSON object, built by the database (``core/store/card_json.py``).
CARD = card_object(
    id=T.c.id,
    ref=P.c.key.concat("-").concat(cast(T.c.number, String)),
    project_id=T.c.project_id,
    title=T.c.title,
    task_type=T.c.task_type,
    priority=T.c.priority,
    status=T.c.status,
    labels=json_value(T.c.labels),
    assignee=T.c.assignee,
    milestone_id=T.c.milestone_id,
    due_date=T.c.due_date,
    unresolved_blocker_count=T.c.unresolved_blockers,
    version=T.c.version,
    created_at=utc_text(T.c.created_at),
    updated_at=utc_text(T.c.updated_at),
    has_command_or_pipeline=json_bool(HAS_COMMAND_OR_PIPELINE),
    command_pending=json_bool(COMMAND_PENDING),
).label("card")


def select_cards() -> Select[Any]:
    """``SELECT`` of each task's card (column ``card``: JSON text, see ``cards_from_json``)."""
    return select(CARD).select_from(T.join(P, P.c.id == T.c.project_id))


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
