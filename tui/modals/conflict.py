"""Questions the task form asks: what to do about someone else's edit, and whether to discard.

Both are numbered ``ChoiceList`` menus; escape always picks the choice that loses nothing
("Keep editing").
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from tui.widgets.choice_list import ChoiceList

ConflictChoice = Literal["merge", "overwrite", "keep"]

_DIALOG_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 84;
        height: auto;
        border: round $error;
        background: $surface;
        padding: 0 1;
    }}
    & .question {{ text-style: bold; margin-bottom: 1; }}
    &.-screen-reader > Vertical {{ border: none; padding: 0; }}
}}
"""


class ConflictModal(ModalScreen[ConflictChoice]):
    """Someone else saved the task first.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 / 2 / 3 | Merge / Overwrite / Keep editing |
    | escape | Keep editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
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

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConflictModal")

    def __init__(self, message: str, *, spoken: bool = False) -> None:
        super().__init__()
        self.message = message
        self.spoken = spoken

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.message, id="conflict-message", classes="question")
            yield ChoiceList(
                ("merge", "Merge: keep my changes, take theirs for fields I did not touch"),
                ("overwrite", "Overwrite with mine"),
                ("keep", "Keep editing"),
                id="conflict-choices",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        choices = self.query_one(ChoiceList)
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id
        if choice == "merge":
            self.dismiss("merge")
        elif choice == "overwrite":
            self.dismiss("overwrite")
        else:
            self.dismiss("keep")

    def action_keep(self) -> None:
        self.dismiss("keep")


class DiscardModal(ModalScreen[bool]):
    """The form has unsaved changes: discard them?

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 / 2 | Keep editing / Discard |
    | escape | Keep editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep editing",
            id="discard.keep",
            tooltip="Back to the form with everything you typed",
        ),
    ]

    HELP = """
## Unsaved changes

Closing the form now would lose what you typed. **Keep editing** (or escape) goes back to it.
"""

    DEFAULT_CSS = _DIALOG_CSS.format(name="DiscardModal")

    def __init__(self, what: str, *, spoken: bool = False) -> None:
        super().__init__()
        self.what = what
        self.spoken = spoken

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"{self.what} has unsaved changes. Discard them?",
                id="discard-message",
                classes="question",
            )
            yield ChoiceList(
                ("keep", "Keep editing"),
                ("discard", "Discard my changes and close"),
                id="discard-choices",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        choices = self.query_one(ChoiceList)
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id == "discard")

    def action_keep(self) -> None:
        self.dismiss(False)
