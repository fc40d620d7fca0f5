"""``NameModal``: ask for one name (a new project, a new milestone); returns it, or ``None``."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from tui.modals.choice import Choice
from tui.modals.typed_answer import TypedAnswerModal


class NameModal(TypedAnswerModal):
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
    ANSWER = "create"
    FIELD_ID = "name-input"
    ERROR_ID = "name-error"
    EMPTY_ERROR = "Error: type a name first."

    def __init__(
        self,
        question: str,
        *,
        placeholder: str,
        create: str,
        allow_empty: bool = False,
        value: str = "",
    ) -> None:
        # "create" answers with the typed name, not with a fixed result.
        choices: list[Choice[str | None]] = [
            Choice("create", create, None),
            Choice("leave", "Cancel", None),
        ]
        super().__init__(choices, left=None)
        self.question = question
        self.input_placeholder = placeholder
        self.allow_empty = allow_empty  # an assignee cleared
        self.value = value
        """What the field starts with (a title to accept or change)."""

    def compose_question(self) -> ComposeResult:
        yield Static(self.question, id="name-question", markup=False)
        yield Input(self.value, placeholder=self.input_placeholder, id="name-input")
        yield Static("", id="name-error", markup=False)
