"""``NameModal``: ask for one name (a new project, a new milestone); returns it, or ``None``."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.context import taskyard_app
from tui.modals.choice import Choice, ChoiceModal
from tui.widgets.choice_list import ChoiceList


class NameModal(ChoiceModal[str | None]):
    """Type a name and press enter; escape leaves without creating anything.

    | Key | Action |
    | :- | :- |
    | enter (in the name) | Create |
    | tab | To the numbered choices (1 creates, 2 leaves) |
    | escape | Leave without creating |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="name.cancel", tooltip="Create nothing"),
    ]

    DEFAULT_CSS = """
    NameModal {
        & > Vertical { width: 72; }
        & #name-question { text-style: bold; }
        & #name-error { color: $text-error; text-style: bold; }
    }
    """

    CHOICES_ID = "name-choices"

    def __init__(
        self, question: str, *, placeholder: str, create: str, allow_empty: bool = False
    ) -> None:
        # "create" answers with the typed name (``choose``), not with a fixed result.
        choices: list[Choice[str | None]] = [
            Choice("create", create, None),
            Choice("leave", "Cancel", None),
        ]
        super().__init__(choices, left=None)
        self.question = question
        self.input_placeholder = placeholder
        self.allow_empty = allow_empty
        """An empty name is an answer too (an assignee cleared), not an error."""

    def compose_question(self) -> ComposeResult:
        yield Static(self.question, id="name-question", markup=False)
        yield Input(placeholder=self.input_placeholder, id="name-input")
        yield Static("", id="name-error", markup=False)

    def on_mount(self) -> None:
        self.spoken = taskyard_app(self).settings.screen_reader
        self.query_one("#name-error").display = False
        self.query_one("#name-input", Input).cursor_blink = taskyard_app(self).settings.animations
        super().on_mount()

    def first_focus(self, menu: ChoiceList) -> Widget:
        return self.query_one("#name-input", Input)

    def choose(self, choice: str) -> None:
        """Choosing "create" takes the typed name (and asks for one when there is none)."""
        if choice != "create":
            super().choose(choice)
            return
        field = self.query_one("#name-input", Input)
        name = field.value.strip()
        if not name and not self.allow_empty:
            error = self.query_one("#name-error", Static)
            error.update("Error: type a name first.")
            error.display = True
            field.focus()
            return
        self.dismiss(name)

    @on(Input.Submitted, "#name-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.choose("create")
