"""``ListSection``: a headed section of a page whose entries are a numbered ``ChoiceList``.

When there are no entries the list is hidden and a line says so in its place. Refilling keeps
the highlight (and so the terminal cursor) where it was, so a reload does not move the user.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.widgets.choice_list import ChoiceList

T = TypeVar("T")


class ListSection(Vertical, Generic[T]):
    """A heading (class ``detail-section``, which the screen styles), a line shown when the
    list is empty, and the list (id ``list_id``; the others are ``<list_id>-heading`` and
    ``<list_id>-empty``). Enter on an entry calls ``chosen``."""

    DEFAULT_CSS = """
    ListSection { height: auto; }
    """

    def __init__(self, heading: str, *, list_id: str) -> None:
        super().__init__()
        self.heading = heading
        self.list_id = list_id
        self.entries: list[T] = []
        """The entries in list order."""

    def compose(self) -> ComposeResult:
        yield Static(self.heading, id=f"{self.list_id}-heading", classes="detail-section")
        yield Static(id=f"{self.list_id}-empty", markup=False)
        yield ChoiceList(id=self.list_id)

    def on_mount(self) -> None:
        self.query_one(ChoiceList).display = False

    @property
    def selected(self) -> T | None:
        """The highlighted entry; ``None`` when the list is empty."""
        choice_list = self.query_one(ChoiceList)
        index = choice_list.highlighted
        if not choice_list.display or index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    def fill(self, heading: str, entries: list[tuple[T, str]], empty: str) -> None:
        """Show ``(entry, words)`` pairs under ``heading``, or ``empty`` when there are none."""
        self.query_one(f"#{self.list_id}-heading", Static).update(heading)
        self.entries = [entry for entry, _ in entries]
        choice_list = self.query_one(ChoiceList)
        keep = choice_list.highlighted
        choice_list.set_options(
            Option(f"{n}. {words}", id=f"entry-{n}") for n, (_, words) in enumerate(entries, 1)
        )
        choice_list.display = bool(entries)
        if entries:
            choice_list.highlighted = min(keep or 0, len(entries) - 1)
        elif choice_list.has_focus:
            self._focus_page()
        empty_line = self.query_one(f"#{self.list_id}-empty", Static)
        empty_line.update("" if entries else empty)
        empty_line.display = not entries

    def _focus_page(self) -> None:
        """The emptied list had focus: give it to the scrolling page that holds the section."""
        for node in self.ancestors:
            if isinstance(node, Widget) and node.focusable:
                node.focus()
                return

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.selected
        if entry is not None:
            self.chosen(entry)

    def chosen(self, entry: T) -> None:
        """Enter was pressed on ``entry``: subclasses tell their screen."""
