"""Tools over tasks: the ready queue, find, show, create, update, move, dependencies.

Each tool makes the engine call the CLI and the API make, as the caller (``server.calls``);
the state machine's refusals come back as tool errors with its reason and hint.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult

from core.domain.commands import TaskCreate, TaskPatch, TaskQuery, parse
from core.domain.models import TaskStatus
from core.errors import ValidationError
from core.mcp.results import answer, card, entire, run_brief, task_detail
from core.mcp.server import calls
from core.mcp.spec import READS, tools, writes


def given(**fields: Any) -> dict[str, Any]:
    """The fields a caller gave (``None`` is "not given")."""
    return {name: value for name, value in fields.items() if value is not None}


def status_named(status: str) -> TaskStatus:
    """The state ``status`` names.

    Raises:
        ValidationError: it names none.
    """
    try:
        return TaskStatus(status.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in TaskStatus)
        raise ValidationError(
            f"No state {status!r}.", field="status", hint=f"Use one of: {names}."
        ) from None


async def ready(
    ctx: Context, project: str | None = None, limit: int = 20, full: bool = False
) -> CallToolResult:
    """The ready queue in the order workers take it (priority, then age)."""
    engine, guard = await calls(ctx)
    project = await guard.project(engine, project)
    cards = await engine.ready_tasks(
        limit=max(1, min(limit, 500)), project=project, in_projects=guard.within()
    )
    return answer([entire(c) if full else card(c) for c in cards])


async def find(
    ctx: Context,
    text: str | None = None,
    status: list[str] | None = None,
    project: str | None = None,
    milestone: str | None = None,
    labels: list[str] | None = None,
    assignee: str | None = None,
    include_done: bool = False,
    limit: int = 20,
    full: bool = False,
) -> CallToolResult:
    """Find tasks by text (title, description, ref) and filters; newest first."""
    engine, guard = await calls(ctx)
    query = parse(
        TaskQuery,
        given(
            text=text,
            statuses=status,
            project=await guard.project(engine, project),
            milestone=milestone,
            labels=labels,
            assignee=assignee,
            include_completed=include_done or None,
            limit=limit,
            in_projects=guard.within(),
        ),
    )
    page = await engine.list_tasks(query)
    items = [entire(t) if full else card(t) for t in page.items]
    return answer({"total": page.total, "items": items})


async def show(ctx: Context, ref: str, full: bool = False) -> CallToolResult:
    """One task: description, criteria, blockers, dependents and runs."""
    engine, guard = await calls(ctx)
    task = await guard.task(engine, ref)
    if not full:
        return answer(task_detail(task))
    runs = await engine.runs_of(task.id) if task.run_ids else []
    return answer(entire(task) | {"runs": [run_brief(r) for r in runs]})


async def create(
    ctx: Context,
    title: str,
    project: str | None = None,
    description: str | None = None,
    type: str | None = None,
    priority: str | None = None,
    labels: list[str] | None = None,
    criteria: list[str] | None = None,
    blocked_by: list[str] | None = None,
    milestone: str | None = None,
    external_id: str | None = None,
    ready: bool = False,
) -> CallToolResult:
    """Create a task (backlog, or ready). With external_id, a second call returns the first."""
    engine, guard = await calls(ctx, write=True)
    for blocker in blocked_by or ():
        await guard.check_task(engine, blocker, field="blocked_by")
    request = parse(
        TaskCreate,
        given(
            title=title,
            project=await guard.write_project(engine, project),
            description=description,
            task_type=type,
            priority=priority,
            labels=labels,
            acceptance_criteria=criteria,
            blocked_by=blocked_by,
            milestone=milestone,
            external_id=external_id,
            status=TaskStatus.READY if ready else None,
        ),
    )
    result = await engine.create_task(request)
    return answer(card(result.task) | {"created": result.created})


async def update(
    ctx: Context,
    ref: str,
    title: str | None = None,
    description: str | None = None,
    type: str | None = None,
    priority: str | None = None,
    labels: list[str] | None = None,
    criteria: list[str] | None = None,
    assignee: str | None = None,
    milestone: str | None = None,
    expected_version: int | None = None,
) -> CallToolResult:
    """Change a task's fields; expected_version refuses if someone changed it since."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_task(engine, ref)
    patch = parse(
        TaskPatch,
        given(
            title=title,
            description=description,
            task_type=type,
            priority=priority,
            labels=labels,
            acceptance_criteria=criteria,
            assignee=assignee,
            milestone=milestone,
        ),
    )
    task = await engine.update_task(ref, patch, expected_version=expected_version)
    return answer(card(task) | {"version": task.version})


async def move(
    ctx: Context,
    ref: str,
    status: str,
    reason: str | None = None,
    when_unblocked: bool = False,
    expected_version: int | None = None,
) -> CallToolResult:
    """Move a task through the state machine; a refusal says why and what to do instead."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_task(engine, ref)
    task = await engine.transition_task(
        ref,
        status_named(status),
        reason=reason,
        when_unblocked=when_unblocked,
        expected_version=expected_version,
    )
    return answer(card(task) | {"version": task.version})


async def add_dependency(ctx: Context, ref: str, blocker: str) -> CallToolResult:
    """Make ref wait for blocker (refused if it would close a cycle)."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_task(engine, ref)
    await guard.check_task(engine, blocker, field="blocker")
    task = await engine.add_dependency(ref, blocker)
    return answer(card(task) | {"blocked_by": [link.ref for link in task.blocked_by]})


async def remove_dependency(ctx: Context, ref: str, blocker: str) -> CallToolResult:
    """Stop ref waiting for blocker."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_task(engine, ref)
    await guard.check_task(engine, blocker, field="blocker")
    task = await engine.remove_dependency(ref, blocker)
    return answer(card(task) | {"blocked_by": [link.ref for link in task.blocked_by]})


TOOLS = tools(
    (ready, READS),
    (find, READS),
    (show, READS),
    (create, writes(destructive=False, idempotent=False)),
    (update, writes(destructive=True, idempotent=True)),
    (move, writes(destructive=True, idempotent=False)),
    (add_dependency, writes(destructive=False, idempotent=False)),
    (remove_dependency, writes(destructive=True, idempotent=False)),
)
"""The task tools, in the order the listing shows them."""
