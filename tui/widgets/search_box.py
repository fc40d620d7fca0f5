"""``SearchBox``: the board's search field, hidden until it is opened.

Its text is the board's text filter: the screen listens to ``Input.Changed``. Closing it
empties it (and so clears the filter); a filter set elsewhere (the filter dialog) is shown
in it without counting as typing.
"""

from __future__ import annotations

from textual.widgets import Input


class SearchBox(Input):
    """The search field; the ``-open`` class shows it."""

    def open(self) -> None:
        """Show the field and put the cursor in it."""
        self.add_class("-open")
        self.focus()

    def close(self) -> bool:
        """Empty and hide the field; ``False`` when it was not open."""
        if not self.has_class("-open"):
            return False
        self.value = ""
        self.remove_class("-open")
        return True

    def show_text(self, text: str) -> None:
        """Show ``text`` as the search in force (open when there is one), without posting
        ``Changed``: it comes from the filters, not from typing."""
        with self.prevent(Input.Changed):
            self.value = text
        self.set_class(bool(text), "-open")
