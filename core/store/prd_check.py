"""Checking a PRD plan before anything is written, and turning its tasks into import items.

Pure: no database. Both the preview and the commit (``prd_import``) check a plan here first,
so a plan that cannot be committed is refused before anything is read or written: unique
keys, parent, milestone and edge keys that name something in the plan, every field within
the store's limits (a ``ValidationError`` names the task key and the field), and no
dependency cycle among the plan's edges (``CycleError`` with the path of keys).
"""

from __future__ import annotations

from datetime import date

from core.domain import graph
from core.domain.commands import TaskImportItem, parse
from core.domain.identifiers import slugify
from core.domain.models import TaskSource
from core.errors import ValidationError
from core.prd.models import ImportPlan, PlannedMilestone, PlannedTask

META_KEY = "prd_import"
"""Where a created task records its provenance in ``meta`` (source, source_key, section)."""

MAX_MILESTONE_NAME = 200


def _bad(key: str, field_name: str, message: str, hint: str | None = None) -> ValidationError:
    return ValidationError(
        f"Task {key!r}: {message}. Nothing was imported.",
        field=field_name,
        hint=hint or "Fix the plan (or the document) and commit again.",
        details={"key": key, "field": field_name},
    )


def check_plan(plan: ImportPlan) -> dict[str, TaskImportItem]:
    """Validate a plan as the store will write it; returns each task as an import item.

    The items carry no blockers, parent or milestone yet (the commit fills those in).

    Raises:
        ValidationError: naming the task key and the field (``details["key"]``).
        CycleError: the plan's edges form a cycle (the path of keys in the message).
    """
    tasks = _check_keys(plan)
    milestones = _check_milestones(plan)
    for task in plan.tasks:
        if task.parent_key is not None and task.parent_key not in tasks:
            raise _bad(
                task.key, "parent_key", f"parent {task.parent_key!r} is not a task of this plan"
            )
        if task.milestone_key is not None and task.milestone_key not in milestones:
            raise _bad(
                task.key,
                "milestone_key",
                f"milestone {task.milestone_key!r} is not a milestone of this plan",
            )
    _check_parents(tasks)
    _check_edges(plan, tasks)
    items: dict[str, TaskImportItem] = {}
    for task in plan.tasks:
        try:
            items[task.key] = parse(TaskImportItem, _item_data(plan, task))
        except ValidationError as exc:
            raise _bad(task.key, exc.field or "task", exc.message.rstrip(".")) from exc
    return items


def _check_keys(plan: ImportPlan) -> dict[str, PlannedTask]:
    tasks: dict[str, PlannedTask] = {}
    for task in plan.tasks:
        if task.key in tasks:
            raise _bad(task.key, "key", "the key appears twice in the plan")
        if not task.key or len(task.key) > 200:
            raise _bad(task.key, "key", "a key must be 1 to 200 characters long")
        tasks[task.key] = task
    return tasks


def _check_milestones(plan: ImportPlan) -> dict[str, PlannedMilestone]:
    milestones: dict[str, PlannedMilestone] = {}
    for m in plan.milestones:
        if not m.name.strip() or len(m.name) > MAX_MILESTONE_NAME or not slugify(m.name):
            raise _bad(m.key, "milestones.name", f"milestone name {m.name!r} is not usable")
        if m.due_date is not None:
            try:
                date.fromisoformat(m.due_date)
            except ValueError:
                raise _bad(
                    m.key, "milestones.due_date", f"due date {m.due_date!r} is not YYYY-MM-DD"
                ) from None
        milestones[m.key] = m
    return milestones


def _check_parents(tasks: dict[str, PlannedTask]) -> None:
    for start in tasks:
        seen = {start}
        current = tasks[start].parent_key
        while current is not None:
            if current in seen:
                raise _bad(start, "parent_key", "its parents form a loop")
            seen.add(current)
            current = tasks[current].parent_key


def _check_edges(plan: ImportPlan, tasks: dict[str, PlannedTask]) -> None:
    for edge in plan.edges:
        if edge.task_key not in tasks:
            raise _bad(edge.task_key, "task_key", "an edge names a task that is not in the plan")
        if edge.blocker_key not in tasks:
            raise _bad(
                edge.task_key,
                "blocker_key",
                f"blocker {edge.blocker_key!r} is not a task of this plan",
            )
    cycle = graph.find_cycle(edges_by_task(plan))
    if cycle is not None:
        err = graph.cycle_error(cycle, label=lambda k: f"{k} ({tasks[k].title})")
        err.message += " Nothing was imported."
        err.hint = "Drop one of the edges on that path from the plan and commit again."
        raise err


def _item_data(plan: ImportPlan, task: PlannedTask) -> dict[str, object]:
    """A planned task as the fields of an import item (validated by the caller)."""
    return {
        "title": task.title,
        "description": task.description,
        "task_type": task.task_type,
        "priority": task.priority,
        "labels": task.labels,
        "acceptance_criteria": task.acceptance_criteria,
        "context_files": task.context_files,
        "external_id": task.key,
        "metadata": {
            META_KEY: {
                "source": plan.source,
                "source_key": plan.source_key,
                "section_path": task.source.section_path,
                "lines": [task.source.line_start, task.source.line_end],
            },
            **({"command": task.command} if task.command is not None else {}),
        },
        "source": TaskSource.PRD_IMPORT,
    }


def edges_by_task(plan: ImportPlan) -> dict[str, list[str]]:
    """Each planned task's blockers (keys), in the plan's order, each once."""
    out: dict[str, list[str]] = {task.key: [] for task in plan.tasks}
    for edge in plan.edges:
        if edge.blocker_key not in out[edge.task_key]:
            out[edge.task_key].append(edge.blocker_key)
    return out
