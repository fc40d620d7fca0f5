"""``ChoiceList``: a numbered ``OptionList`` whose highlight carries the terminal cursor.

Menus are numbered ("1. Ready") so a screen-reader user can type the number and press enter
instead of following a moving highlight, and the terminal cursor sits on the highlighted
choice, which is what braille displays and console screen readers follow. Each choice is
one line, so a choice's index is its line.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Offset
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.cursor import move_terminal_cursor

LAYOUT_TRIES = 5
"""Refreshes to wait for a just-shown list to be laid out before placing the cursor."""


class ChoiceList(OptionList):
    """One-line, numbered choices; digits jump to a choice, the cursor follows the highlight."""

    DEFAULT_CSS = """
    ChoiceList {
        height: auto;
        max-height: 20;
        & > .option-list--option-highlighted { text-style: bold; }
    }
    """

    def __init__(self, *choices: tuple[str, str], id: str | None = None) -> None:
        """Build from ``(option id, words)`` pairs; numbers are added in front."""
        options = [
            Option(f"{n}. {words}", id=option_id)
            for n, (option_id, words) in enumerate(choices, start=1)
        ]
        super().__init__(*options, id=id)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < self.option_count:
                event.stop()
                self.highlighted = index
                self.action_select()

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self.call_after_refresh(self.place_cursor)

    def on_focus(self, event: events.Focus) -> None:
        self.call_after_refresh(self.place_cursor)

    def place_cursor(self, tries: int = LAYOUT_TRIES) -> None:
        """Put the terminal cursor on the first character of the highlighted choice (its number).

        ``content_region`` already excludes the border and padding, so the choice's text
        starts at its left edge. A list shown and focused in the same moment (the monitor's,
        when its first overview arrives) has no size until a later refresh lays it out: the
        cursor is placed then, a few refreshes at most, rather than left where it was.
        """
        if not self.has_focus or self.highlighted is None:
            return
        region = self.content_region
        y = self.highlighted - int(self.scroll_y)
        if 0 <= y < region.height:
            move_terminal_cursor(self, Offset(region.x, region.y + y))
        elif region.height == 0 and tries > 0:
            self.call_after_refresh(self.place_cursor, tries - 1)
