"""``FieldsPanel``: a task's fields as "Field: value" lines, what holds it back, its command
and the moves allowed from its state.

The screen hands the task down (``show``) with what the panel cannot know by itself: the
milestone's name, the moves the state machine allows and the keys of the screen's actions,
which the lines name so they follow the user's keymap.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from core.domain.models import Task, TaskStatus
from tui.task_words import KeyName, blocked_lines, can_queue, unresolved_blockers, when
from tui.widgets.card_words import PRIORITY_GLYPH, blocked_words


def field_rows(task: Task, milestone: str | None) -> list[tuple[str, str]]:
    """Every field of ``task`` as ``(name, value)``, in reading order; ``milestone`` is its
    milestone as shown (``None``: it has none)."""
    rows: list[tuple[str, str]] = [
        ("Status", task.status.label),
        ("Priority", f"{PRIORITY_GLYPH[task.priority]} {task.priority.value}"),
        ("Type", task.task_type),
        ("Labels", ", ".join(task.labels) or "none"),
        ("Milestone", "none" if milestone is None else milestone),
        ("Assignee", task.assignee or "unassigned"),
        ("Due", when(task.due_date) or "no due date"),
        (
            "Effort",
            f"{task.effort_estimate:g}" if task.effort_estimate is not None else "not estimated",
        ),
        ("Created", when(task.created_at)),
        ("Updated", when(task.updated_at)),
        ("Completed", when(task.completed_at) or "not completed"),
        ("Source", task.source.value.replace("_", " ")),
        ("External id", task.external_id or "none"),
    ]
    if task.unresolved_blocker_count:
        rows.insert(1, ("Blocked", f"⊘ {blocked_words(task.unresolved_blocker_count)}"))
    return rows


def command_lines(task: Task, key: KeyName) -> list[str]:
    """The command, who set it, and whether workers may run it (or the key to approve)."""
    info = task.command
    if info is None:
        return [f"None (a code block in the description never runs; {key('edit')} sets one)."]
    lines = [f"$ {line}" for line in info.text.splitlines() or [""]]
    if info.set_by:
        lines.append(f"Set by {info.set_by} at {when(info.set_at)}.")
    if info.approved:
        lines.append(f"Approved by {info.approved_by} at {when(info.approved_at)}: workers run it.")
    else:
        lapsed = " (it changed since it was approved)" if info.lapsed else ""
        lines.append(
            f"⚠ Not approved{lapsed}: workers will not run it. Press "
            f"{key('approve_command')} to approve it after reading it."
        )
    return lines


def way_out_lines(task: Task, targets: list[TaskStatus], key: KeyName) -> list[str]:
    """The keys that get a held-back task going."""
    unresolved = unresolved_blockers(task)
    if not unresolved and task.status != TaskStatus.BLOCKED:
        return []
    lines: list[str] = []
    if unresolved:
        lines.append(
            f"Way out: in the dependencies list, {key('go_to_dependency')} opens the "
            f"selected blocker and {key('remove_dependency')} removes that dependency."
        )
        if can_queue(task, targets):
            lines.append(
                f"Or press {key('queue_when_unblocked')} to queue it: it waits in "
                "blocked and becomes ready by itself when its blockers are done or cancelled."
            )
    elif task.status == TaskStatus.BLOCKED:
        lines.append(f"Way out: when the cause is sorted out, {key('choose_move')} moves it.")
    return lines


def moves_words(task: Task, targets: list[TaskStatus], key: KeyName) -> str:
    """``Moves from backlog (m): ready, blocked, cancelled.``"""
    names = ", ".join(s.label for s in targets) or "nowhere"
    text = f"Moves from {task.status.label} ({key('choose_move')}): {names}."
    if TaskStatus.IN_PROGRESS in targets:
        text += " In progress is entered when a worker starts it."
    return text


class FieldsPanel(Vertical):
    """The top of a task's page: fields, blockers and the way out, command, moves."""

    DEFAULT_CSS = """
    FieldsPanel { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="detail-fields", markup=False)
        yield Static(id="detail-blocked", markup=False)
        yield Static("Command", id="detail-command-heading", classes="detail-section")
        yield Static(id="detail-command", markup=False)
        yield Static(id="detail-moves", markup=False)

    def show(
        self, task: Task, *, milestone: str | None, targets: list[TaskStatus], key: KeyName
    ) -> None:
        """Show ``task``; ``milestone`` is its milestone as shown, ``targets`` its moves."""
        text = Text()
        for i, (name, value) in enumerate(field_rows(task, milestone)):
            if i:
                text.append("\n")
            text.append(f"{name}: ", style="bold")
            text.append(value)
        self.query_one("#detail-fields", Static).update(text)
        blocked = blocked_lines(task) + way_out_lines(task, targets, key)
        block_widget = self.query_one("#detail-blocked", Static)
        block_widget.update("\n".join(blocked))
        block_widget.display = bool(blocked)
        self.query_one("#detail-command", Static).update("\n".join(command_lines(task, key)))
        self.query_one("#detail-moves", Static).update(moves_words(task, targets, key))
