"""``CancelModal``: confirm cancelling a task and say why; returns the reason, or ``None``."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static

from tui.context import taskyard_app
from tui.widgets.choice_list import ChoiceList


class CancelModal(ModalScreen[str | None]):
    """Cancel a task, with a reason.

    | Key | Action |
    | :- | :- |
    | enter (in the reason) | Cancel the task with this reason |
    | tab | To the numbered choices (1 cancels, 2 keeps) |
    | escape | Keep the task as it is |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "keep", "Keep it", id="cancel.keep", tooltip="Do not cancel"),
    ]

    DEFAULT_CSS = """
    CancelModal {
        align: center middle;
        & > Vertical {
            width: 76;
            height: auto;
            border: round $warning;
            background: $surface;
            padding: 0 1;
        }
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

    def __init__(self, ref: str, title: str, *, running: bool) -> None:
        super().__init__()
        self.ref = ref
        self.title_text = title
        self.running = running

    def compose(self) -> ComposeResult:
        stop = " Its running step is stopped and its process ends." if self.running else ""
        with Vertical():
            yield Static(
                f"Cancel {self.ref} “{self.title_text}”?{stop} It moves to cancelled; "
                "Retry brings it back.",
                id="cancel-question",
                markup=False,
            )
            yield Input(placeholder="Why? (kept in the history)", id="cancel-reason")
            yield Static("", id="cancel-error", markup=False)
            yield ChoiceList(
                ("cancel", f"Cancel {self.ref} with this reason"),
                ("keep", "Keep it"),
                id="cancel-choices",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(taskyard_app(self).settings.screen_reader, "-screen-reader")
        self.query_one("#cancel-error").display = False
        choices = self.query_one(ChoiceList)
        choices.highlighted = 1  # "Keep it" first: enter on the list never cancels by accident
        reason = self.query_one("#cancel-reason", Input)
        reason.cursor_blink = taskyard_app(self).settings.animations  # reduced motion (R11)
        reason.focus()

    def _confirm(self) -> None:
        reason_input = self.query_one("#cancel-reason", Input)
        reason = reason_input.value.strip()
        if not reason:
            error = self.query_one("#cancel-error", Static)
            error.update("Error: say why the task is cancelled (one line is enough).")
            error.display = True
            reason_input.focus()
            return
        self.dismiss(reason)

    @on(Input.Submitted, "#cancel-reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._confirm()

    @on(OptionList.OptionSelected, "#cancel-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "cancel":
            self._confirm()
        else:
            self.dismiss(None)

    def action_keep(self) -> None:
        self.dismiss(None)
