"""What tools answer: compact JSON by default, the domain models in full on request.

An agent pays for every token of an answer. The compact shapes keep what it acts on (refs,
titles, states, the claim token) and drop what it rarely reads (ids, timestamps, versions
of linked tasks); ``full=True`` answers with the model exactly as ``/api/v2`` sends it.
Answers are one text block of JSON without spaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mcp_types import CallToolResult, TextContent

if TYPE_CHECKING:
    from pydantic import BaseModel

    from core.domain.models import Event, Task, TaskCard, TaskLink
    from core.domain.runs import Run


def answer(data: Any) -> CallToolResult:
    """A tool's answer: ``data`` as compact JSON text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)])


def entire(model: BaseModel) -> dict[str, Any]:
    """A model in full, as the API sends it."""
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


def card(task: Task | TaskCard) -> dict[str, Any]:
    """A task in a list: its ref, title, state and priority."""
    return {
        "ref": task.ref,
        "title": task.title,
        "status": task.status.value,
        "priority": task.priority.value,
    }


def links(items: Iterable[TaskLink]) -> list[str]:
    """Linked tasks as ``REF (status)``."""
    return [f"{link.ref} ({link.status.value})" for link in items]


def task_detail(task: Task) -> dict[str, Any]:
    """One task as an agent works from it: what to do, what holds it back, what waits on it."""
    detail: dict[str, Any] = card(task) | {
        "type": task.task_type,
        "version": task.version,
        "description": task.description,
        "criteria": task.acceptance_criteria,
        "blocked_by": links(task.blocked_by),
        "blocks": links(task.blocks),
    }
    optional = {
        "labels": task.labels,
        "assignee": task.assignee,
        "context_files": task.context_files,
        "runs": task.run_ids,
        "error": task.error,
        "blocked_reason": task.blocked_reason.model_dump(mode="json")
        if task.blocked_reason
        else None,
    }
    detail.update({key: value for key, value in optional.items() if value})
    return detail


def run_brief(run: Run) -> dict[str, Any]:
    """A run in a task's list of runs."""
    brief: dict[str, Any] = {
        "id": run.id,
        "attempt": run.attempt,
        "status": run.status.value,
        "worker": run.worker_id,
    }
    if run.error:
        brief["error"] = run.error
    if run.summary:
        brief["summary"] = run.summary
    return brief


def event_brief(event: Event) -> dict[str, Any]:
    """An event in the feed: its number, kind, who and which task."""
    brief: dict[str, Any] = {"seq": event.seq, "type": event.type, "actor": event.actor}
    ref = event.payload.get("ref")
    if ref:
        brief["ref"] = ref
    return brief
