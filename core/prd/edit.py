"""Changing an import plan before it is committed, and recomputing what the preview shows.

The preview screen lets people drop a task or an edge, change a priority or a type, and make a
section the planner left out a task after all; each
edit returns a new plan whose waves, critical path and blocked roots are recomputed here, so
what is shown is always what ``commit_import`` would write. Pure: no I/O.
"""

from __future__ import annotations

from core.domain.graph import critical_path, waves
from core.domain.identifiers import slugify
from core.domain.models import Priority
from core.errors import NotFoundError, ValidationError
from core.prd.models import ImportPlan, PlannedEdge, PlannedTask, SourceSpan


def summarize(plan: ImportPlan) -> ImportPlan:
    """The plan with ``waves``, ``critical_path`` and ``blocked_roots`` recomputed.

    Raises:
        CycleError: the edges form a cycle (an edited plan can only lose edges, so this
            means the plan was built elsewhere).
    """
    graph: dict[str, list[str]] = {task.key: [] for task in plan.tasks}
    for edge in plan.edges:
        if edge.task_key in graph and edge.blocker_key in graph:
            graph[edge.task_key].append(edge.blocker_key)
    rank = {task.key: task.priority.rank for task in plan.tasks}
    order = {task.key: i for i, task in enumerate(plan.tasks)}
    waited_for = {edge.blocker_key for edge in plan.edges}
    return plan.model_copy(
        update={
            "waves": waves(
                graph,
                max_parallelism=plan.options.max_parallelism_hint,
                order_key=lambda key: (rank[key], order[key]),
            ),
            "critical_path": critical_path(graph),
            "blocked_roots": [
                task.key for task in plan.tasks if not graph[task.key] and task.key in waited_for
            ],
        }
    )


def _task(plan: ImportPlan, key: str) -> PlannedTask:
    for task in plan.tasks:
        if task.key == key:
            return task
    raise NotFoundError(
        f"The plan has no task {key!r}.", hint="Preview the document again; keys come from it."
    )


def drop_task(plan: ImportPlan, key: str) -> ImportPlan:
    """Leave a task out of the import, with its edges; its children move up to its parent.

    Raises:
        NotFoundError: no such task in the plan.
    """
    dropped = _task(plan, key)
    tasks = [
        t.model_copy(update={"parent_key": dropped.parent_key}) if t.parent_key == key else t
        for t in plan.tasks
        if t.key != key
    ]
    edges = [e for e in plan.edges if key not in (e.task_key, e.blocker_key)]
    return summarize(plan.model_copy(update={"tasks": tasks, "edges": edges}))


def drop_edge(plan: ImportPlan, task_key: str, blocker_key: str) -> ImportPlan:
    """Leave one dependency out of the import.

    Raises:
        NotFoundError: the plan has no such edge.
    """
    edges = [e for e in plan.edges if (e.task_key, e.blocker_key) != (task_key, blocker_key)]
    if len(edges) == len(plan.edges):
        raise NotFoundError(
            f"The plan has no dependency of {task_key!r} on {blocker_key!r}.",
            hint="Preview the document again to see its dependencies.",
        )
    return summarize(plan.model_copy(update={"edges": edges}))


def set_priority(plan: ImportPlan, key: str, priority: Priority) -> ImportPlan:
    """Change a planned task's priority.

    Raises:
        NotFoundError: no such task in the plan.
    """
    return _replace(plan, _task(plan, key).model_copy(update={"priority": priority}))


def drop_command(plan: ImportPlan, key: str) -> ImportPlan:
    """Keep the task but not its command (the code block stays in its description).

    Raises:
        NotFoundError: no such task in the plan.
    """
    return _replace(plan, _task(plan, key).model_copy(update={"command": None}))


def set_task_type(plan: ImportPlan, key: str, task_type: str) -> ImportPlan:
    """Change a planned task's type.

    Raises:
        NotFoundError: no such task in the plan.
        ValidationError: the type is empty or not a single word.
    """
    cleaned = task_type.strip().lower()
    if not cleaned or not cleaned.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(
            f"{task_type!r} is not a task type.",
            field="task_type",
            hint="Use one word such as feature, bug, chore, docs or test.",
        )
    return _replace(plan, _task(plan, key).model_copy(update={"task_type": cleaned}))


def blockers_of(plan: ImportPlan, key: str) -> list[PlannedEdge]:
    """The edges that make ``key`` wait, in plan order."""
    return [e for e in plan.edges if e.task_key == key]


def make_task(plan: ImportPlan, line_start: int) -> ImportPlan:
    """Make the section the planner left out at ``line_start`` a task after all.

    The person overrules the planner's reason (a "Rollout" that is work in this document):
    the section becomes a task of its own, titled by its heading, its text the description.

    Raises:
        NotFoundError: no section left out starts at that line.
    """
    skipped = next((n for n in plan.not_tasks if n.line_start == line_start), None)
    if skipped is None:
        raise NotFoundError(
            f"No section left out at line {line_start}.",
            hint="Preview again: the document may have changed.",
        )
    path = skipped.section_path
    key = f"{plan.source_key}:{'/'.join(slugify(p) for p in path) or 'section'}"
    while any(t.key == key for t in plan.tasks):
        key += "~made"
    task = PlannedTask(
        key=key,
        title=path[-1] if path else "(untitled)",
        description=skipped.text,
        source=SourceSpan(
            section_path=path, line_start=skipped.line_start, line_end=skipped.line_end
        ),
    )
    rest = [n for n in plan.not_tasks if n is not skipped]
    at = next((i for i, t in enumerate(plan.tasks) if t.source.line_start > line_start), None)
    tasks = [*plan.tasks[:at], task, *plan.tasks[at:]] if at is not None else [*plan.tasks, task]
    return summarize(plan.model_copy(update={"tasks": tasks, "not_tasks": rest}))


def _replace(plan: ImportPlan, task: PlannedTask) -> ImportPlan:
    tasks = [task if t.key == task.key else t for t in plan.tasks]
    return summarize(plan.model_copy(update={"tasks": tasks}))
