"""``ChoiceModal[T]``: a dialog answered from one numbered menu, each choice a typed result.

The move, project, conflict, discard, confirm and cancel dialogs are all a question above a
``ChoiceList`` (type a number or press enter) and a key that leaves without choosing. Each
gives its question (``compose_question``), its choices with the result of each, and the
result of leaving; this base lays them out and answers the same way for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import OptionList, Static

from tui.widgets.choice_list import ChoiceList
from tui.widgets.filter_list import FilterList
from tui.widgets.footer import KeyFooter

T = TypeVar("T")

TYPE_TO_FILTER = "Type to narrow the list."


@dataclass(frozen=True)
class Choice(Generic[T]):
    """One line of the menu: its id, its words, and what choosing it returns."""

    id: str
    words: str
    result: T


class ChoiceModal(ModalScreen[T]):
    """A question and its numbered answers.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 … 9 | Choose by number |

    Each dialog binds escape to ``leave`` (or to one of its choices) with its own words.
    """

    DEFAULT_CSS = """
    ChoiceModal {
        align: center middle;
        & > Vertical {
            height: auto;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    FIRST: ClassVar[int] = 0
    """The choice highlighted when the dialog opens: the one enter alone may safely take."""

    CHOICES_ID: ClassVar[str] = "choices"
    """The id of the menu (``ChoiceList``); its placeholder is ``<id>-placeholder``."""

    FILTERABLE: ClassVar[bool] = False
    """Typing narrows the menu (a ``FilterList``); the line under it says what is typed."""

    def __init__(
        self, choices: list[Choice[T]], *, left: T, placeholder: str = "", spoken: bool = False
    ) -> None:
        super().__init__()
        self.results = {c.id: c.result for c in choices}
        """Choice id -> what choosing it returns."""
        self._menu = [(c.id, c.words) for c in choices]
        self.left = left
        """What leaving without a choice returns."""
        self.placeholder = placeholder
        """Said in the menu's place while there are no choices (none yet, or none at all)."""
        self.spoken = spoken
        """Screen-reader mode: the dialog gets the ``-screen-reader`` class."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield from self.compose_question()
            if self._menu:
                yield self._menu_widget(self._menu)
            elif self.placeholder:
                yield Static(self.placeholder, id=f"{self.CHOICES_ID}-placeholder")
            if self.FILTERABLE:
                yield Static(TYPE_TO_FILTER, id=f"{self.CHOICES_ID}-typed", markup=False)
            yield from self.compose_notes()
        yield KeyFooter()

    def compose_question(self) -> ComposeResult:
        """What the dialog asks, above the menu."""
        yield from ()

    def compose_notes(self) -> ComposeResult:
        """Anything said under the menu."""
        yield from ()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        for menu in self.query(ChoiceList):
            menu.highlighted = self.FIRST
            self.first_focus(menu).focus()

    def first_focus(self, menu: ChoiceList) -> Widget:
        """What has focus when the dialog opens: the menu, unless the dialog asks for typing."""
        return menu

    async def show_choices(self, choices: list[Choice[T]], *, highlighted: int) -> None:
        """Put the menu in the placeholder's place (for choices read after the dialog opened)."""
        self.results = {c.id: c.result for c in choices}
        await self.query_one(f"#{self.CHOICES_ID}-placeholder").remove()
        menu = self._menu_widget([(c.id, c.words) for c in choices])
        typed = self.query(f"#{self.CHOICES_ID}-typed")
        await self.query_one(Vertical).mount(menu, before=typed.first() if typed else None)
        menu.highlighted = highlighted
        menu.focus()

    def _menu_widget(self, menu: list[tuple[str, str]]) -> ChoiceList:
        if self.FILTERABLE:
            return FilterList(*menu, id=self.CHOICES_ID)
        return ChoiceList(*menu, id=self.CHOICES_ID)

    @on(FilterList.Filtered)
    def _filtered(self, event: FilterList.Filtered) -> None:
        """Say what is typed and what is left, in words (the list alone is only shorter)."""
        event.stop()
        if not event.typed:
            words = TYPE_TO_FILTER
        elif event.shown:
            words = f"Typed “{event.typed}”: {event.shown} of {event.total} shown; "
            words += "backspace widens."
        else:
            words = f"Typed “{event.typed}”: none of {event.total} match; backspace widens."
        self.query_one(f"#{self.CHOICES_ID}-typed", Static).update(words)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id in self.results:
            self.choose(event.option.id)

    def choose(self, choice: str) -> None:
        """The user took ``choice``: dismiss with its result."""
        self.dismiss(self.results[choice])

    def action_choose(self, choice: str) -> None:
        self.choose(choice)

    def action_leave(self) -> None:
        self.dismiss(self.left)
