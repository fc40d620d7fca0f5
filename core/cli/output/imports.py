"""Imports: a JSON Lines import's result, a PRD preview (the plan as a tree) and import jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.cli.output.text import iso, plural, ref_list, shorten

if TYPE_CHECKING:
    from core.domain.views import ImportResult
    from core.prd.models import ImportJob, ImportPlan, ImportPreview, TaskDiff


def import_lines(
    result: ImportResult, *, commands: int = 0, approved_by: str | None = None
) -> list[str]:
    """What an import wrote: created and existing refs (the first few), edges and warnings.

    ``commands``: how many imported tasks carry a command; ``approved_by``: who approved
    them as they were imported (``None``: nobody, they await approval).
    """
    out = [
        f"Imported: {len(result.created)} created, {len(result.existing)} already there, "
        f"{plural(result.edges, 'dependency', 'dependencies')}."
    ]
    if result.created:
        out.append("  created: " + ref_list(result.created))
    if result.existing:
        out.append("  existing (unchanged): " + ref_list(result.existing))
    if commands:
        verb = "carries a command" if commands == 1 else "carry commands"
        if approved_by is not None:
            how = (
                f"approved by {approved_by} (you, on this database): workers will run them"
                if commands > 1
                else f"approved by {approved_by} (you, on this database): workers will run it"
            )
        else:
            how = "awaiting approval (taskyard approve REF)"
        out.append(f"  {plural(commands, 'task')} {verb} (metadata.command), {how}")
    out.extend(f"warning: {w}" for w in result.warnings)
    return out


DIFF_ORDER = ("new", "renamed", "changed", "unchanged", "removed")


def _short_key(key: str, source_key: str) -> str:
    """A task key without the document prefix every key of the plan shares."""
    for prefix in (source_key + "/", source_key + ":", source_key + "#", source_key):
        if source_key and key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def preview_counts(preview: ImportPreview) -> dict[str, int]:
    """``{"new": n, "renamed": n, "changed": n, "unchanged": n, "removed": n}``."""
    counts = dict.fromkeys(DIFF_ORDER, 0)
    for d in preview.diff:
        counts[str(d.kind)] = counts.get(str(d.kind), 0) + 1
    return counts


def preview_lines(preview: ImportPreview, *, commit_hint: str) -> list[str]:
    """A preview as people read it: counts, the task tree, waves, critical path, warnings."""
    plan = preview.plan
    short = {t.key: _short_key(t.key, plan.source_key) for t in plan.tasks}
    counts = preview_counts(preview)
    out = [
        f"Preview of {plan.source} ({plan.options.granularity.value}): "
        f"{plural(len(plan.tasks), 'task')}, "
        f"{plural(len(plan.edges), 'dependency', 'dependencies')}. Nothing was written.",
        # "renamed" only when a task was: most previews have none, and say so by omission.
        "  "
        + ", ".join(
            f"{kind} {counts[kind]}" for kind in DIFF_ORDER if kind != "renamed" or counts[kind]
        ),
    ]
    commands = sum(1 for t in plan.tasks if t.command is not None)
    if commands:
        out.append(
            f"  ! {plural(commands, 'task')} will carry a shell command (shown under each "
            "task). None runs until approved: read them, then after the commit: "
            "taskyard approve REF"
        )
    out.append("")
    out.append("Tasks:")
    out.extend(_tree_lines(plan, preview.diff, short))
    out.extend(_removed_lines(plan, preview.diff))
    out.extend(_suggestion_lines(plan, short))
    out.extend(_schedule_lines(plan, short))
    out.extend(_not_task_lines(plan))
    if plan.warnings:
        out.append("")
        out.append("Warnings:")
        for w in plan.warnings:
            where = f"line {w.line}: " if w.line is not None else ""
            out.append(f"  {where}{w.code}: {w.message}")
    out.append("")
    out.append(f"Commit with: {commit_hint}")
    return out


def _suggestion_lines(plan: ImportPlan, short: dict[str, str]) -> list[str]:
    """What an agent suggested (``--planner agent``): applied, or refused and why."""
    if not plan.suggestions:
        return []
    out = ["", f"Suggested by {plan.suggestions[0].agent} (applied above unless refused):"]
    for s in plan.suggestions:
        task = short.get(s.task_key, s.task_key)
        if s.kind == "edge":
            what = f"{task} waits for {short.get(s.blocker_key or '', s.blocker_key)}"
        elif s.kind == "priority":
            what = f"{task} priority {s.priority.value if s.priority else '?'}"
        else:
            what = f"split {task} into: " + "; ".join(s.parts)
        state = f"refused: {s.refused}" if s.refused else "applied"
        out.append(f"  {what} — {s.reason or 'no reason given'} ({state})")
    return out


def _not_task_lines(plan: ImportPlan) -> list[str]:
    """The sections the planner did not make tasks, each with its reason."""
    if not plan.not_tasks:
        return []
    out = ["", "Not tasks (why):"]
    for skipped in plan.not_tasks:
        where = " > ".join(skipped.section_path)
        out.append(f"  line {skipped.line_start}: {where} — {skipped.reason}")
    return out


def _tree_lines(plan: ImportPlan, diffs: Sequence[TaskDiff], short: dict[str, str]) -> list[str]:
    """The planned tasks, each under its parent, with what the commit would do to it."""
    diff = {d.key: d for d in diffs}
    blockers: dict[str, list[str]] = {}
    for e in plan.edges:
        mark = " (suggested)" if e.reason == "suggested" else ""
        blockers.setdefault(e.task_key, []).append(short.get(e.blocker_key, e.blocker_key) + mark)
    children: dict[str | None, list[str]] = {}
    for t in plan.tasks:
        parent = t.parent_key if t.parent_key in short else None
        children.setdefault(parent, []).append(t.key)
    tasks = {t.key: t for t in plan.tasks}
    width = max((len(k) for k in short.values()), default=0)
    out: list[str] = []
    stack = [(k, 0) for k in reversed(children.get(None, []))]
    while stack:
        k, depth = stack.pop()
        t, d = tasks[k], diff.get(k)
        kind = str(d.kind) if d else "new"
        line = (
            f"  {kind:<9}  {'  ' * depth}{short[k]:<{width}}  {shorten(t.title, 60)}"
            f"  [{t.task_type}, {t.priority.value}]"
        )
        if blockers.get(k):
            line += "  waits for: " + ", ".join(blockers[k])
        if d is not None and d.ref:
            line += f"  ({d.ref})"
        if d is not None and d.previous_title is not None:
            line += f"  was: “{shorten(d.previous_title, 60)}”"
        if d is not None and d.changed_fields:
            line += "  changed: " + ", ".join(d.changed_fields)
        if d is not None and d.started:
            line += "  STARTED: kept as is, flagged"
        out.append(line)
        if t.command is not None:
            out.extend(_command_lines(t.command, indent=" " * (13 + 2 * depth)))
        stack.extend((c, depth + 1) for c in reversed(children.get(k, [])))
    return out


def _removed_lines(plan: ImportPlan, diffs: Sequence[TaskDiff]) -> list[str]:
    """Tasks of an earlier import that the document no longer has (they are kept)."""
    out: list[str] = []
    for d in diffs:
        if str(d.kind) == "removed":
            state = "started" if d.started else "not started"
            out.append(
                f"  removed    {_short_key(d.key, plan.source_key)}  {shorten(d.title, 60)}"
                f"  ({d.ref}, {state}: kept, flagged)"
            )
    return out


def _schedule_lines(plan: ImportPlan, short: dict[str, str]) -> list[str]:
    """Waves, the critical path, where to start, and the milestones."""
    out: list[str] = []
    if plan.waves:
        out.append("")
        out.append(f"Waves (at most {plan.options.max_parallelism_hint} in parallel):")
        for n, wave in enumerate(plan.waves, 1):
            out.append(f"  {n}: " + ", ".join(short.get(k, k) for k in wave))
    if plan.critical_path:
        out.append("")
        out.append(
            f"Critical path: {plural(len(plan.critical_path), 'task')} ("
            + " → ".join(short.get(k, k) for k in plan.critical_path)
            + ")"
        )
    if plan.blocked_roots:
        out.append("Blocked roots (start here): " + ", ".join(
            short.get(k, k) for k in plan.blocked_roots
        ))  # fmt: skip
    if plan.milestones:
        out.append("Milestones: " + ", ".join(m.name for m in plan.milestones))
    return out


COMMAND_PREVIEW_LINES = 12
"""Lines of a planned command the text preview shows (``--json`` has them all)."""


def _command_lines(command: str, *, indent: str) -> list[str]:
    """A planned command under its task, each line behind ``$ `` so it reads as a command."""
    lines = command.splitlines() or [""]
    shown = [f"{indent}$ {line}" for line in lines[:COMMAND_PREVIEW_LINES]]
    if len(lines) > COMMAND_PREVIEW_LINES:
        rest = len(lines) - COMMAND_PREVIEW_LINES
        shown.append(f"{indent}  … {plural(rest, 'more line')} (the whole command: --json)")
    return [f"{indent}runs, once approved:", *shown]


def import_job_lines(job: ImportJob) -> list[str]:
    """A committed import: what it created, updated and flagged, and its warnings."""
    out = [
        f"Import {job.id} {job.status.value} from {job.source} at {iso(job.created_at)}: "
        f"{plural(job.task_count, 'task')}, "
        f"{plural(job.edge_count, 'dependency', 'dependencies')} in the document.",
        f"  created {len(job.created_task_ids)}, updated {len(job.updated_task_ids)}, "
        f"flagged {len(job.flagged_task_ids)}",
    ]
    if job.created_refs:
        out.append("  created: " + ref_list(job.created_refs))
    for w in job.warnings:
        where = f"line {w.line}: " if w.line is not None else ""
        out.append(f"warning: {where}{w.message}")
    return out


def import_list_lines(jobs: Sequence[ImportJob]) -> list[str]:
    """One line per import job, newest first."""
    if not jobs:
        return ["No imports yet. Preview one with `taskyard import prd FILE`."]
    return [_import_list_line(job) for job in jobs]


def _import_list_line(job: ImportJob) -> str:
    head = f"{job.id}  {iso(job.created_at)}  {job.source}  "
    if job.status.value == "failed":
        why = next((w.message for w in job.warnings if w.code == "import_failed"), "")
        return head + "FAILED, nothing written" + (f": {shorten(why, 100)}" if why else "")
    return (
        head + f"created {len(job.created_task_ids)}, "
        f"updated {len(job.updated_task_ids)}, flagged {len(job.flagged_task_ids)}"
    )
