"""``BoardColumn``: a state's header (name and count, in words) over its ``TaskList``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from core.domain.models import TaskStatus
from tui.widgets.task_list import TaskList


def column_heading(status: TaskStatus, count: int, *, spoken: bool) -> str:
    """``READY · 3`` on the board; ``Ready, 3 tasks.`` read aloud."""
    if spoken:
        noun = "task" if count == 1 else "tasks"
        return f"{status.label.capitalize()}, {count} {noun}."
    return f"{status.label.upper()} · {count}"


class BoardColumn(Vertical):
    """One column of the board; its header always shows the state's name and count."""

    DEFAULT_CSS = """
    BoardColumn {
        width: 30;
        height: 1fr;
        border: round $foreground 45%;
        border-title-color: $text-muted;
        border-title-style: bold;
        &:focus-within { border: round $primary; border-title-color: $text-primary; }
        & > .column-count { display: none; }
    }
    """

    def __init__(self, status: TaskStatus, *, spoken: bool = False) -> None:
        super().__init__(id=f"column-{status.value}")
        self.status = status
        self.spoken = spoken
        self.count = 0
        self.task_list = TaskList(status, spoken=spoken, id=f"list-{status.value}")

    def compose(self) -> ComposeResult:
        if self.spoken:
            yield Static(column_heading(self.status, 0, spoken=True), classes="column-heading")
        yield self.task_list

    def on_mount(self) -> None:
        self.set_count(0)

    def set_count(self, count: int) -> None:
        """Show a new count in the header."""
        self.count = count
        heading = column_heading(self.status, count, spoken=self.spoken)
        if self.spoken:
            self.query_one(".column-heading", Static).update(heading)
        else:
            self.border_title = heading
