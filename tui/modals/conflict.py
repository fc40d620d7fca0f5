"""Questions the task form asks: what to do about someone else's edit, and whether to discard.

Both are numbered menus; escape always picks the choice that loses nothing ("Keep editing").
"""

from __future__ import annotations

from typing import ClassVar, Literal, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.modals.choice import Choice, ChoiceModal

T = TypeVar("T")

ConflictChoice = Literal["merge", "overwrite", "keep"]


class FormQuestionModal(ChoiceModal[T]):
    """A question about the form's unsaved typing: a red border, the question in bold."""

    DEFAULT_CSS = """
    FormQuestionModal {
        & > Vertical { width: 84; border: round $error; }
        & .question { text-style: bold; margin-bottom: 1; }
        &.-screen-reader > Vertical { border: none; padding: 0; }
    }
    """

    def __init__(
        self, question: str, choices: list[Choice[T]], *, left: T, spoken: bool = False
    ) -> None:
        super().__init__(choices, left=left, spoken=spoken)
        self.question = question

    QUESTION_ID: ClassVar[str] = "question"

    def compose_question(self) -> ComposeResult:
        yield Static(self.question, id=self.QUESTION_ID, classes="question")


class ConflictModal(FormQuestionModal[ConflictChoice]):
    """Someone else saved the task first.

    | Key | Action |
    | :- | :- |
    | 1 / 2 / 3 | Merge / Overwrite / Keep editing |
    | escape | Keep editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave",
            "Keep editing",
            id="conflict.keep",
            tooltip="Back to the form; nothing is saved",
        ),
    ]

    HELP = """
## Someone else changed the task

- **Merge** reloads the task, keeps every field you changed and takes the other person's
  value for the fields you did not touch. Fields you both changed are marked in the form.
- **Overwrite** saves every field of your form over the other change.
- **Keep editing** goes back to the form; nothing is saved.
"""

    CHOICES_ID = "conflict-choices"
    QUESTION_ID = "conflict-message"

    def __init__(self, message: str, *, spoken: bool = False) -> None:
        choices: list[Choice[ConflictChoice]] = [
            Choice(
                "merge", "Merge: keep my changes, take theirs for fields I did not touch", "merge"
            ),
            Choice("overwrite", "Overwrite with mine", "overwrite"),
            Choice("keep", "Keep editing", "keep"),
        ]
        super().__init__(message, choices, left="keep", spoken=spoken)
        self.message = message


class DiscardModal(FormQuestionModal[bool]):
    """The form has unsaved changes: discard them?

    | Key | Action |
    | :- | :- |
    | 1 / 2 | Keep editing / Discard |
    | escape | Keep editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave",
            "Keep editing",
            id="discard.keep",
            tooltip="Back to the form with everything you typed",
        ),
    ]

    HELP = """
## Unsaved changes

Closing the form now would lose what you typed. **Keep editing** (or escape) goes back to it.
"""

    CHOICES_ID = "discard-choices"
    QUESTION_ID = "discard-message"

    def __init__(self, what: str, *, spoken: bool = False) -> None:
        choices = [
            Choice("keep", "Keep editing", False),
            Choice("discard", "Discard my changes and close", True),
        ]
        super().__init__(
            f"{what} has unsaved changes. Discard them?", choices, left=False, spoken=spoken
        )
        self.what = what
