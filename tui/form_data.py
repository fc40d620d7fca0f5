"""The task form's data: its fields in reading order, their text from a task, the request
built from that text, and the three-way merge after someone else's edit.

Everything here works on ``Raw``, the text of each field as the form shows it, so what the
form reads, writes, compares and merges is the same thing the user sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.models import Task, TaskLink, TaskStatus
from core.errors import CycleError, DependencyBlockedError, TaskyardError, ValidationError

OTHER_TYPE = "*other*"
WHEN_UNBLOCKED = "ready-when-unblocked"

FIELDS = (
    "title",
    "project",
    "status",
    "description",
    "task_type",
    "priority",
    "labels",
    "assignee",
    "milestone",
    "due_date",
    "effort_estimate",
    "acceptance_criteria",
    "context_files",
    "command",
    "blocked_by",
)
"""Every field, in reading (and tab) order."""
EDITABLE = tuple(f for f in FIELDS if f not in {"project", "status", "blocked_by"})
"""The fields a ``TaskPatch`` can change."""
WIDGET_ID = {
    "title": "form-title",
    "project": "form-project",
    "status": "form-status",
    "description": "form-description",
    "task_type": "form-task-type",
    "priority": "form-priority",
    "labels": "form-labels",
    "assignee": "form-assignee",
    "milestone": "form-milestone",
    "due_date": "form-due-date",
    "effort_estimate": "form-effort",
    "acceptance_criteria": "form-acceptance",
    "context_files": "form-context-files",
    "command": "form-command",
    "blocked_by": "form-blockers",
}
LABELS = {
    "title": "Title",
    "project": "Project (slug or key; empty for the default project)",
    "status": "Start in",
    "description": "Description (Markdown; ctrl+e opens your editor)",
    "task_type": "Type",
    "priority": "Priority",
    "labels": "Labels (comma-separated)",
    "assignee": "Assignee",
    "milestone": "Milestone (slug; suggestions as you type)",
    "due_date": "Due date (YYYY-MM-DD)",
    "effort_estimate": "Effort estimate (a number, for example 2.5)",
    "acceptance_criteria": "Acceptance criteria (one per line)",
    "context_files": "Context files (one path per line)",
    "command": (
        "Command (a shell command workers run for it, once approved; a code block in the "
        "description never runs)"
    ),
    "blocked_by": "Dependencies: waits for (ctrl+d adds; delete or x removes)",
}
_ERROR_FIELD = {
    "when_unblocked": "status",
    "parent": "title",
    "parent_external_id": "title",
    "attachments": "title",
    "external_id": "title",
    "task": "title",
    "metadata": "command",
}

Raw = dict[str, str]
"""A form's fields as the text in its widgets, by field name."""


@dataclass
class Loaded:
    """A task as the form shows it: its raw field values, blockers and version."""

    task: Task
    raw: Raw
    blockers: list[TaskLink]


def _split_commas(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def raw_from_task(task: Task, milestone_slug: str | None) -> Raw:
    """The text each widget shows for ``task``."""
    return {
        "title": task.title,
        "description": task.description,
        "task_type": task.task_type,
        "priority": task.priority.value,
        "labels": ", ".join(task.labels),
        "assignee": task.assignee or "",
        "milestone": milestone_slug or "",
        "due_date": task.due_date.isoformat() if task.due_date else "",
        "effort_estimate": _number(task.effort_estimate),
        "acceptance_criteria": "\n".join(task.acceptance_criteria),
        "context_files": "\n".join(task.context_files),
        "command": task.command.text if task.command is not None else "",
    }


def request_data(
    raw: Raw, fields: tuple[str, ...] | list[str], metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Request fields from widget text: lists split, empty optional text as ``None``.

    The command is ``metadata.command``: ``metadata`` is the task's as loaded (an edit
    replaces metadata whole, so its other keys are kept), and empty text removes it.
    """
    data: dict[str, Any] = {}
    for name in fields:
        text = raw.get(name, "")
        if name == "command":
            kept = dict(metadata or {})
            if text.strip():
                kept["command"] = text
            else:
                kept.pop("command", None)
            data["metadata"] = kept
        elif name == "labels":
            data[name] = _split_commas(text)
        elif name in {"acceptance_criteria", "context_files"}:
            data[name] = _lines(text)
        elif name in {"assignee", "milestone", "due_date", "effort_estimate", "project"}:
            data[name] = text.strip() or None
        elif name == "status":
            if text == WHEN_UNBLOCKED:
                data["status"], data["when_unblocked"] = TaskStatus.READY, True
            else:
                data["status"] = text or TaskStatus.BACKLOG.value
        else:
            data[name] = text
    return data


def merge(mine: Raw, base: Raw, theirs: Raw) -> tuple[Raw, set[str]]:
    """Three-way merge of form values: mine where I changed a field, theirs elsewhere.

    Returns the merged values and the fields both sides changed to different values.
    """
    merged: Raw = {}
    both: set[str] = set()
    for name in EDITABLE:
        mine_changed = mine.get(name, "") != base.get(name, "")
        theirs_changed = theirs.get(name, "") != base.get(name, "")
        merged[name] = mine[name] if mine_changed else theirs.get(name, "")
        if mine_changed and theirs_changed and mine.get(name) != theirs.get(name):
            both.add(name)
    return merged, both


def command_words(task: Task, before: str | None) -> str:
    """After a save: what happened to the command ("; command changed; approved by you").

    A command approved in the same write that set it was approved by whoever saved it.
    """
    info = task.command
    after = info.hash if info is not None else None
    if after == before:
        return ""
    if info is None:
        return "; command removed"
    change = "command changed" if before is not None else "command set"
    if info.approved:
        mine = info.approved_by == info.set_by and info.approved_at == info.set_at
        who = "you" if mine else info.approved_by
        return f"; {change}; approved by {who}"
    return f"; {change}; it awaits approval, workers will not run it until then"


def error_field(field: str | None) -> str | None:
    """The form field an error's ``field`` (or pydantic ``loc``) points at."""
    if not field:
        return None
    head = field.split(".")[0]
    if head in FIELDS:
        return head
    return _ERROR_FIELD.get(head)


def field_errors(exc: TaskyardError) -> list[tuple[str | None, str]]:
    """The ``(field, message)`` lines a refusal puts under the form's fields (``None``: the
    form's own error line): each problem of a validation error, else the one message."""
    problems = exc.details.get("errors") if isinstance(exc, ValidationError) else None
    if isinstance(problems, list) and problems:
        return [(p.get("field"), p.get("message", "")) for p in problems]
    field = exc.details.get("field")
    if isinstance(exc, DependencyBlockedError):
        field = "status"
    elif isinstance(exc, CycleError):
        field = "blocked_by"
    text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
    return [(field if isinstance(field, str) else None, text)]


def changed_names(theirs: Loaded, base: Raw, base_blockers: list[TaskLink]) -> list[str]:
    """What someone else changed since the form loaded ``base``, as the labels name it."""
    names = [LABELS[n].split(" (")[0].lower() for n in EDITABLE if theirs.raw.get(n) != base.get(n)]
    if {b.ref for b in theirs.blockers} != {b.ref for b in base_blockers}:
        names.append("dependencies")
    return names


def merge_blockers(
    mine: list[TaskLink], base: list[TaskLink], theirs: list[TaskLink]
) -> list[TaskLink]:
    """The three-way merge of blockers: what either side added, less what either removed."""
    before = {b.ref for b in base}
    now = {b.ref for b in mine}
    blockers = [b for b in theirs if b.ref in now or b.ref not in before]
    blockers += [b for b in mine if b.ref not in before and b not in blockers]
    return blockers
