"""The board in words: the context line above it, and the line read out for a change.

Both are plain sentences: the context line names the project, every filter in force and the
number of tasks; in screen-reader mode, each change made elsewhere is announced once.
"""

from __future__ import annotations

from core.domain.commands import BoardQuery
from core.domain.models import Event


def context_line(
    query: BoardQuery,
    *,
    project_name: str | None,
    total: int,
    spoken: bool,
    screen_reader_source: str | None,
    off_screen: tuple[int, int] = (0, 0),
) -> str:
    """``Project: Web app · labels auth · search “login” · 3 tasks``; in screen-reader mode
    (``spoken``) it starts by saying so and what turned it on (``screen_reader_source``).

    On a terminal too narrow for every column it ends with how many columns are off screen
    on each side (``off_screen``): ``1 column left, 4 right (←/→)``."""
    parts = [f"Project: {project_name or query.project or 'all projects'}"]
    if spoken:
        parts.insert(0, f"Screen-reader mode on ({screen_reader_source})")
    if query.milestone:
        parts.append(f"milestone {query.milestone}")
    if query.labels:
        parts.append("labels " + ", ".join(query.labels))
    if query.priorities:
        parts.append("priority " + " or ".join(p.value for p in query.priorities))
    if query.assignee:
        parts.append(f"assignee {query.assignee}")
    if query.text:
        parts.append(f"search “{query.text}”")
    parts.append(f"{total} task" + ("" if total == 1 else "s"))
    if any(off_screen):
        parts.append(off_screen_words(*off_screen))
    return " · ".join(parts)


def off_screen_words(left: int, right: int) -> str:
    """``1 column left, 4 right (←/→)``, ``4 columns right (→)``, ``2 columns left (←)``."""
    sides = [(left, "left", "←"), (right, "right", "→")]
    shown = [(count, side, key) for count, side, key in sides if count]
    first_count = shown[0][0]
    noun = "column" if first_count == 1 else "columns"
    words = [f"{first_count} {noun} {shown[0][1]}"] + [f"{c} {side}" for c, side, _ in shown[1:]]
    keys = "/".join(key for _, _, key in shown)
    return ", ".join(words) + f" ({keys})"


MOVE_EVENTS = frozenset(
    {"task.status_changed", "task.completed", "task.blocked", "task.cancelled", "task.unblocked"}
)
"""The event kinds that move a task to another state."""


def spoken_event(event: Event) -> str | None:
    """One plain line for a change made elsewhere, for screen-reader announcements."""
    ref = str(event.payload.get("ref") or "A task")
    kind = event.type
    if kind == "task.created":
        title = event.payload.get("title")
        return f"{ref} {title} was created by {event.actor}." if title else None
    if kind in MOVE_EVENTS:
        to = str(event.payload.get("to", "")).replace("_", " ")
        return f"{ref} moved to {to} by {event.actor}." if to else None
    if kind == "task.deleted":
        return f"{ref} was deleted by {event.actor}."
    return None


def filtered(query: BoardQuery) -> bool:
    """Whether a filter or search hides tasks (the project is where the board looks, not a
    filter)."""
    return bool(query.milestone or query.labels or query.priorities or query.assignee or query.text)


def empty_words(query: BoardQuery, *, board_total: int, first: bool, spoken: bool) -> str:
    """What an empty column says: that the filter hides its tasks, or, on an empty board, how
    to start (in the ``first`` column only)."""
    if filtered(query):
        return "None match the filter." if spoken else "(none match the filter)"
    if board_total == 0 and first:
        start = "n creates a task, i imports a PRD, p switches project, D adds a demo project"
        return f"No tasks yet: {start}." if spoken else f"(no tasks yet: {start})"
    return "No tasks." if spoken else "(no tasks)"
