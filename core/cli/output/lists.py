"""Many things, one line each: board, task pages, ready queue, projects, milestones, events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.cli.output.text import (
    card_line,
    iso,
    label,
    plural,
    ref_list,
    ref_width,
    resolved,
    shorten,
    table,
)

if TYPE_CHECKING:
    from core.domain.models import Event, Milestone, Project, Task, TaskCard
    from core.domain.views import BoardView

COMMAND_AWAITS = "command awaits approval"
"""The mark of a ready task whose command no worker runs until someone approves it."""


def board_lines(board: BoardView, *, filter_hint: str = "") -> list[str]:
    """The board as text: one section per state in board order, ``READY (3)`` headers.

    Args:
        board: The board to show.
        filter_hint: Options to repeat in the "and N more" pointer (``--project x``).
    """
    width = ref_width(card for col in board.columns for card in col.cards)
    out = [f"Board: {plural(board.total, 'task')}"]
    for col in board.columns:
        out.append("")
        out.append(f"{label(col.status).upper()} ({col.count})")
        if col.count == 0:
            out.append("  (none)")
            continue
        out.extend("  " + card_line(card, width) for card in col.cards)
        hidden = col.count - len(col.cards) - col.offset
        if hidden > 0:
            where = f"taskyard task list --status {col.status}{filter_hint}"
            if resolved(col.status):
                where += " --all"
            out.append(f"  … and {hidden} more (see them with `{where}`)")
    return out


def task_list_lines(
    tasks: Sequence[Task], *, total: int, page: int, limit: int, include_completed: bool
) -> list[str]:
    """A page of tasks, one per line with its state, and where the next page is."""
    if not tasks:
        if total:
            return [f"Page {page} is past the end: {plural(total, 'task')} match."]
        msg = "No tasks match."
        if not include_completed:
            msg += " Done and cancelled tasks are hidden; add --all to include them."
        return [msg]
    width = ref_width(tasks)
    status_width = max(len(label(t.status)) for t in tasks)
    out = [card_line(t, width, status_width=status_width) for t in tasks]
    first = (page - 1) * limit + 1
    last = first + len(tasks) - 1
    pages = max(1, -(-total // limit))
    if pages == 1:
        out.append(f"{plural(total, 'task')}.")
    else:
        footer = f"Showing {first}–{last} of {total} tasks (page {page} of {pages})."
        if page < pages:
            footer += f" Next page: --page {page + 1}"
        out.append(footer)
    return out


def ready_lines(
    cards: Sequence[TaskCard],
    *,
    total: int | None = None,
    nothing_to_run: Mapping[str, str] | None = None,
) -> list[str]:
    """The ready queue, numbered in the order workers take the tasks.

    Args:
        cards: The page of the queue to show.
        total: The whole queue's size, when it is larger than the page.
        nothing_to_run: Why no worker would take a task, by ref: those are marked, and the
            fix follows the list.
    """
    if not cards:
        return [
            "Nothing is ready. Move a task there with `taskyard task move REF ready` "
            "(add --when-unblocked to queue one that still waits for blockers)."
        ]
    idle = nothing_to_run or {}
    width = ref_width(cards)
    n_width = len(str(len(cards)))
    size = f"{len(cards)} of {total}" if total is not None and total > len(cards) else len(cards)
    pending = [c.ref for c in cards if c.command_pending]
    out = [f"Ready queue ({size}), in the order workers take them:"]
    for n, card in enumerate(cards, 1):
        mark = ""
        if card.command_pending:
            mark = f"  <- {COMMAND_AWAITS}"
        elif card.ref in idle:
            mark = "  <- nothing to run"
        out.append(f"  {str(n).rjust(n_width)}. {card_line(card, width)}{mark}")
    if pending or idle:
        taken = len([c for c in cards if not c.command_pending and c.ref not in idle])
        out.append(f"  Workers will take {taken} of these {len(cards)}.")
    if pending:
        out.append("")
        out.append(
            f"Workers leave {ref_list(pending)} in ready until their command is approved: "
            f"read it (taskyard task show {pending[0]}), then taskyard approve {pending[0]}."
        )
    idle = {ref: why for ref, why in idle.items() if ref not in set(pending)}
    if idle:
        refs = list(idle)
        reasons = set(idle.values())
        why = (
            reasons.pop()
            if len(reasons) == 1
            else "nothing to run: no command, and no pipeline for their types"
        )
        out.append("")
        out.append(
            f"Workers leave {', '.join(refs[:10])}{' …' if len(refs) > 10 else ''} in ready: {why}."
        )
        out.append(
            f'  Give it a command (taskyard task edit {refs[0]} --command "…"), a pipeline '
            "(--pipeline NAME), or add [pipelines.TYPE] to taskyard.toml."
        )
    return out


def project_lines(projects: Sequence[Project]) -> list[str]:
    """Projects as aligned columns with a header row."""
    if not projects:
        return ["No projects yet. Create one with `taskyard project add NAME`."]
    rows = [("SLUG", "KEY", "NAME", "REPOSITORY")] + [
        (p.slug, p.key, p.name, p.repo_path or "") for p in projects
    ]
    return table(rows)


def milestone_lines(milestones: Sequence[Milestone], project_slugs: Mapping[str, str]) -> list[str]:
    """Milestones as aligned columns with their project and dates."""
    if not milestones:
        return ["No milestones."]
    rows = [("PROJECT", "SLUG", "NAME", "START", "DUE")] + [
        (
            project_slugs.get(m.project_id, m.project_id),
            m.slug,
            m.name,
            iso(m.start_date),
            iso(m.due_date),
        )
        for m in milestones
    ]
    return table(rows)


def event_line(event: Event) -> str:
    """``#12  2025-01-01T10:00:00+00:00  alice  task.created  TY-3  title="Fix login" …``."""
    payload = dict(event.payload)
    ref = payload.pop("ref", None)
    parts = [f"#{event.seq}", iso(event.at), event.actor, event.type]
    if ref:
        parts.append(str(ref))
    summary = " ".join(f"{k}={_scalar(v)}" for k, v in payload.items() if v not in (None, [], {}))
    if summary:
        parts.append(shorten(summary, 120))
    return "  ".join(parts)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if (" " in value or not value) else value
    return json.dumps(value, ensure_ascii=False, default=str)
