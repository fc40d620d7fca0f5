"""``TypedAnswerModal``: a question answered by typing one line (a reason, a name).

Enter in the field, or the first numbered choice, takes what is typed; an empty answer is
refused next to the field (R14) unless the dialog accepts one. The cancel and name dialogs
share this; each gives its field's and error line's ids and its words.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.context import taskyard_app
from tui.modals.choice import ChoiceModal
from tui.widgets.choice_list import ChoiceList


class TypedAnswerModal(ChoiceModal[str | None]):
    """Answered with the typed line (the ``ANSWER`` choice or enter); leaving returns None."""

    ANSWER: ClassVar[str] = "answer"
    """The choice that takes the typed line (the others answer with their own result)."""
    FIELD_ID: ClassVar[str] = "answer-field"
    ERROR_ID: ClassVar[str] = "answer-error"
    EMPTY_ERROR: ClassVar[str] = "Error: type an answer first."

    allow_empty = False
    """An empty line is an answer too, not an error."""

    def on_mount(self) -> None:
        self.spoken = taskyard_app(self).settings.screen_reader
        self.query_one(f"#{self.ERROR_ID}").display = False
        field = self.query_one(f"#{self.FIELD_ID}", Input)
        field.cursor_blink = taskyard_app(self).settings.animations  # reduced motion (R11)
        super().on_mount()

    def first_focus(self, menu: ChoiceList) -> Widget:
        return self.query_one(f"#{self.FIELD_ID}", Input)

    def choose(self, choice: str) -> None:
        """The answer choice takes the typed line (and asks for one when there is none)."""
        if choice != self.ANSWER:
            super().choose(choice)
            return
        field = self.query_one(f"#{self.FIELD_ID}", Input)
        answer = field.value.strip()
        if not answer and not self.allow_empty:
            error = self.query_one(f"#{self.ERROR_ID}", Static)
            error.update(self.EMPTY_ERROR)
            error.display = True
            field.focus()
            return
        self.dismiss(answer)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.FIELD_ID:
            event.stop()
            self.choose(self.ANSWER)
