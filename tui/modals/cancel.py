"""``CancelModal``: confirm cancelling a task and say why; returns the reason, or ``None``."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from tui.modals.choice import Choice
from tui.modals.typed_answer import TypedAnswerModal


class CancelModal(TypedAnswerModal):
    """Cancel a task, with a reason.

    | Key | Action |
    | :- | :- |
    | enter (in the reason) | Cancel the task with this reason |
    | tab | To the numbered choices (1 cancels, 2 keeps) |
    | escape | Keep the task as it is |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Keep it", id="cancel.keep", tooltip="Do not cancel"),
    ]

    DEFAULT_CSS = """
    CancelModal {
        & > Vertical { width: 76; border: round $warning; }
        & #cancel-question { text-style: bold; }
        & #cancel-error { color: $text-error; text-style: bold; }
        &.-screen-reader > Vertical { border: none; }
    }
    """

    HELP = """
## Cancel a task

Type why (it is kept in the task's history) and press **enter**. A running step is stopped
and its process ends. **Escape** keeps the task as it is.
"""

    FIRST = 1  # "Keep it" first: enter on the list never cancels by accident
    CHOICES_ID = "cancel-choices"
    ANSWER = "cancel"
    FIELD_ID = "cancel-reason"
    ERROR_ID = "cancel-error"
    EMPTY_ERROR = "Error: say why the task is cancelled (one line is enough)."

    def __init__(self, ref: str, title: str, *, running: bool) -> None:
        # "cancel" answers with the typed reason, not with a fixed result.
        choices: list[Choice[str | None]] = [
            Choice("cancel", f"Cancel {ref} with this reason", None),
            Choice("keep", "Keep it", None),
        ]
        super().__init__(choices, left=None)
        self.ref = ref
        self.title_text = title
        self.running = running

    def compose_question(self) -> ComposeResult:
        stop = " Its running step is stopped and its process ends." if self.running else ""
        yield Static(
            f"Cancel {self.ref} “{self.title_text}”?{stop} It moves to cancelled; "
            "Retry brings it back.",
            id="cancel-question",
            markup=False,
        )
        yield Input(placeholder="Why? (kept in the history)", id="cancel-reason")
        yield Static("", id="cancel-error", markup=False)
