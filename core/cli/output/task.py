"""One task: every field of it, what a change did to it, and its command.

``task show`` prints ``task_detail_lines``; ``task add``, ``edit``, ``move`` and ``assign`` and
``approve`` print the one-line results below it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.cli.output.text import iso, label, link_text, number, resolved, shorten, size

if TYPE_CHECKING:
    from core.domain.models import Attachment, Milestone, Project, Task, TaskLink
    from core.domain.views import BulkResult


@dataclass
class TaskContext:
    """What ``task show`` looks up besides the task: names for the ids it holds."""

    project: Project | None = None
    milestone: Milestone | None = None
    parent: TaskLink | None = None
    children: list[TaskLink] = field(default_factory=list)
    nothing_to_run: str | None = None
    """Why no worker would run the task, when none would."""
    actor: str | None = None
    """Who is looking (their name reads "alice (you)")."""


def task_detail_lines(task: Task, ctx: TaskContext) -> list[str]:
    """Every field of a task, its dependencies both ways, and what to do if it is stuck.

    The fields come first, then sections (each after a blank line, left out when empty), and
    the description last.
    """
    rows = _field_rows(task, ctx)
    width = max(len(name) for name, _ in rows) + 1
    out = [f"{task.ref}  {task.title}"]
    out.extend(f"  {(name + ':').ljust(width)} {value}" for name, value in rows)
    command = command_lines(task, actor=ctx.actor)
    sections = [
        *_dependency_sections(task, ctx),
        blocked_advice(task),
        command,
        _idle_lines(task, ctx.nothing_to_run),
        *_detail_sections(task, shows_command=bool(command)),
    ]
    for section in sections:
        if section:
            out.append("")
            out.extend(section)
    out.append("")
    if task.description.strip():
        out.append("Description:")
        out.extend(f"  {line}".rstrip() for line in task.description.splitlines())
    else:
        out.append("Description: (none)")
    return out


def _field_rows(task: Task, ctx: TaskContext) -> list[tuple[str, str]]:
    """The ``name: value`` rows at the top of ``task show``; unset optional fields left out."""
    rows: list[tuple[str, str]] = [
        ("status", label(task.status)),
        ("type", task.task_type),
        ("priority", str(task.priority)),
    ]
    if ctx.project is not None:
        rows.append(("project", f"{ctx.project.name} ({ctx.project.slug}, key {ctx.project.key})"))
    else:
        rows.append(("project", task.project_id))
    if task.milestone_id:
        m = ctx.milestone
        rows.append(("milestone", f"{m.name} ({m.slug})" if m else task.milestone_id))
    rows.append(("labels", ", ".join(task.labels) if task.labels else "(none)"))
    rows.append(("assignee", task.assignee or "(unassigned)"))
    if task.effort_estimate is not None:
        rows.append(("estimate", number(task.effort_estimate)))
    if task.due_date is not None:
        rows.append(("due", iso(task.due_date)))
    if task.parent_id:
        rows.append(("parent", link_text(ctx.parent) if ctx.parent else task.parent_id))
    if task.external_id:
        rows.append(("external id", task.external_id))
    rows.append(("source", str(task.source)))
    if task.pipeline_template:
        rows.append(("pipeline", task.pipeline_template))
    if task.current_step:
        rows.append(("current step", task.current_step))
    if task.current_agent_id:
        rows.append(("agent", task.current_agent_id))
    if task.run_ids:
        rows.append(("runs", ", ".join(task.run_ids)))
    if task.retry_count:
        rows.append(("retries", str(task.retry_count)))
    if task.error:
        rows.append(("error", task.error))
    rows.append(("version", str(task.version)))
    rows.append(("created", iso(task.created_at)))
    rows.append(("updated", iso(task.updated_at)))
    if task.completed_at is not None:
        rows.append(("completed", iso(task.completed_at)))
    rows.append(("id", task.id))
    return rows


def _dependency_sections(task: Task, ctx: TaskContext) -> list[list[str]]:
    """What the task waits for, what waits for it, and its subtasks."""
    blocked_by = [
        f"Blocked by ({task.unresolved_blocker_count} of {len(task.blocked_by)} not done or "
        "cancelled):",
        *(f"  {link_text(b)}{'  resolved' if resolved(b.status) else ''}" for b in task.blocked_by),
    ]
    blocks = [f"Blocks ({len(task.blocks)}):", *(f"  {link_text(d)}" for d in task.blocks)]
    children = [
        f"Subtasks ({len(ctx.children)}):",
        *(f"  {link_text(c)}" for c in ctx.children),
    ]
    return [
        blocked_by if task.blocked_by else [],
        blocks if task.blocks else [],
        children if ctx.children else [],
    ]


def _idle_lines(task: Task, nothing_to_run: str | None) -> list[str]:
    """Why no worker would take the task and how to give it something to run; else empty."""
    if not nothing_to_run:
        return []
    return [
        f"Workers will not take it: {nothing_to_run}.",
        f'  Give it a command (taskyard task edit {task.ref} --command "…"), a pipeline '
        f"(--pipeline NAME), or add [pipelines.{task.task_type}] to taskyard.toml.",
    ]


def _detail_sections(task: Task, *, shows_command: bool) -> list[list[str]]:
    """Criteria, context files, attachments and metadata (without a command shown above)."""
    metadata = {k: v for k, v in task.metadata.items() if k != "command" or not shows_command}
    sections: list[list[str]] = []
    if task.acceptance_criteria:
        sections.append(["Acceptance criteria:", *(f"  - {c}" for c in task.acceptance_criteria)])
    if task.context_files:
        sections.append(["Context files:", *(f"  - {f}" for f in task.context_files)])
    if task.attachments:
        sections.append(
            [
                f"Attachments ({len(task.attachments)}):",
                *(f"  {attachment_text(a)}" for a in task.attachments),
            ]
        )
    if metadata:
        sections.append(
            [
                "Metadata:",
                *(
                    f"  {k}: {json.dumps(v, ensure_ascii=False)}"
                    for k, v in sorted(metadata.items())
                ),
            ]
        )
    return sections


def attachment_text(a: Attachment) -> str:
    """``notes.txt  (1.2 KiB, text/plain)  id 3f2c…``."""
    return f"{a.name}  ({size(a.size)}, {a.content_type})  id {a.id}"


def blocked_advice(task: Task) -> list[str]:
    """Why the task cannot move on, and the command that gets it going; empty when it can."""
    ref = task.ref
    unresolved = [b for b in task.blocked_by if not resolved(b.status)]
    reason = task.blocked_reason
    if str(task.status) == "blocked" and reason is not None:
        if reason.kind == "dependencies":
            waiting = unresolved or [b for b in task.blocked_by if b.id in set(reason.blockers)]
            names = ", ".join(link_text(b) for b in waiting) or "its blockers"
            drop = (
                f"taskyard dep rm {ref} {waiting[0].ref}"
                if waiting
                else f"taskyard dep rm {ref} REF"
            )
            return [
                f"Blocked: waiting for {names}.",
                "  It becomes ready by itself once they are done or cancelled.",
                f"  To stop waiting, remove a dependency: `{drop}`.",
            ]
        if reason.kind == "failure":
            lines = [f"Blocked: {reason.headline()}"]
            if reason.output_tail:
                lines.append("  Last output:")
                lines.extend(f"    {line}".rstrip() for line in reason.output_tail.splitlines())
            lines.append(f"  Fix the cause, then retry: `taskyard retry {ref}`.")
            return lines
        return [
            f"Blocked by hand: {reason.message}",
            f"  When that is sorted out: `taskyard task move {ref} ready`.",
        ]
    if str(task.status) == "blocked":
        return [f"Blocked. When it can go on: `taskyard task move {ref} ready`."]
    if unresolved and str(task.status) == "backlog":
        return [
            f"Cannot become ready yet: waits for {', '.join(b.ref for b in unresolved)}.",
            f"  Queue it to become ready by itself: `taskyard task move {ref} ready "
            "--when-unblocked`.",
        ]
    return []


def command_lines(task: Task, *, actor: str | None = None) -> list[str]:
    """A task's command: the text, who set it, and who approved it (or how to approve it)."""
    info = task.command
    if info is None:
        return []

    def you(who: str) -> str:
        return f"{who} (you)" if actor and who == actor else who

    set_by = f"set by {you(info.set_by)}" if info.set_by else "set"
    if info.set_at is not None:
        set_by += f" at {iso(info.set_at)}"
    out = [f"Command ({set_by}; hash {info.hash[:12]}):"]
    out.extend(f"  {line}".rstrip() for line in info.text.splitlines() or [""])
    if info.approved:
        when = f" at {iso(info.approved_at)}" if info.approved_at else ""
        out.append(f"  Approved by {you(info.approved_by or '?')}{when}: workers run it.")
    else:
        lapsed = " (it changed since it was approved)" if info.lapsed else ""
        out.append(
            f"  Not approved{lapsed}: workers will not run it until someone approves it "
            f"(taskyard approve {task.ref})."
        )
    return out


def command_change_text(task: Task, actor: str) -> str:
    """A task's command just set or changed: "approved by you", or that it awaits approval."""
    info = task.command
    if info is None:
        return "no command now"
    if info.approved:
        return "approved by you" if info.approved_by == actor else f"approved by {info.approved_by}"
    return f"it awaits approval, workers will not run it until then (taskyard approve {task.ref})"


def approved_lines(tasks: Sequence[Task], actor: str) -> list[str]:
    """What ``taskyard approve`` approved: each task's command in full.

    The approver sees exactly what workers will now run.
    """
    out: list[str] = []
    for task in tasks:
        info = task.command
        if info is None:  # pragma: no cover - the engine refuses tasks without one
            continue
        if out:
            out.append("")
        out.append(
            f'Approved {task.ref} "{shorten(task.title)}" as {actor} (hash {info.hash[:12]}); '
            "workers may run:"
        )
        out.extend(f"  {line}".rstrip() for line in info.text.splitlines() or [""])
    return out


def created_line(task: Task, created: bool, *, actor: str | None = None) -> str:
    """What ``task add`` did, in one line (with the command's approval, given the actor)."""
    if not created:
        return f"{task.ref} already exists for external id {task.external_id} (not created)"
    text = f'Created {task.ref} "{shorten(task.title)}" ({label(task.status)})'
    parked = parked_text(task)
    text += f"; {parked}" if parked else ""
    if actor is not None and task.command is not None:
        text += f"; command set, {command_change_text(task, actor)}"
    return text


def parked_text(task: Task) -> str:
    """For a task waiting in blocked for its blockers: what it waits for; else empty."""
    reason = task.blocked_reason
    if str(task.status) != "blocked" or reason is None or reason.kind != "dependencies":
        return ""
    waiting = [b.ref for b in task.blocked_by if not resolved(b.status)]
    they = "it is" if len(waiting) == 1 else "they are"
    return (
        f"it waits for {', '.join(waiting) or 'its blockers'} and becomes ready by itself "
        f"when {they} done or cancelled"
    )


def moved_lines(task: Task, requested: str) -> list[str]:
    """What ``task move`` did, and what it set in motion for the tasks waiting on this one."""
    if requested == "ready" and str(task.status) == "blocked":
        return [f"{task.ref} is queued in blocked: {parked_text(task)}."]
    out = [f'{task.ref} "{shorten(task.title)}" is now {label(task.status)}.']
    if task.blocks and resolved(task.status):
        out.append("Tasks waiting for it: " + ", ".join(link_text(d) for d in task.blocks))
    return out


def bulk_lines(result: BulkResult, assignee: str | None) -> list[str]:
    """Per-task results of ``task assign`` and a summary."""
    out: list[str] = []
    width = max((len(i.ref) for i in result.items), default=0)
    for item in result.items:
        if item.ok:
            what = f"assigned to {assignee}" if assignee else "unassigned"
            out.append(f"  {item.ref.ljust(width)}  {what}")
        else:
            err = item.error or {}
            text = f"  {item.ref.ljust(width)}  failed: {err.get('message', 'unknown error')}"
            if err.get("hint"):
                text += f" ({err['hint']})"
            out.append(text)
    verb = "assigned" if assignee else "unassigned"
    summary = f"{result.succeeded} {verb}"
    if result.failed:
        summary += f", {result.failed} failed"
    out.append(summary + ".")
    return out
