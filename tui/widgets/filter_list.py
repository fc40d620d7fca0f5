"""``FilterList``: a numbered ``ChoiceList`` that typing narrows, as pickers in k9s and fzf do.

Letters (and, once something is typed, spaces and punctuation) narrow the list to the choices
whose words contain what was typed; backspace takes the last character off. Digits still
choose by number, and the numbers are those of the choices shown, so what a user reads is
what a digit takes. Each change posts ``Filtered`` so the dialog can say what is typed and
how many choices are left: the state is in words, not only in a shorter list.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets.option_list import Option

from tui.widgets.choice_list import ChoiceList


class FilterList(ChoiceList):
    """Numbered choices narrowed by typing; digits choose, backspace widens."""

    @dataclass
    class Filtered(Message):
        """What is typed, and how many of the choices it leaves."""

        filter_list: FilterList
        typed: str
        shown: int
        total: int

        @property
        def control(self) -> FilterList:
            return self.filter_list

    def __init__(self, *choices: tuple[str, str], id: str | None = None) -> None:
        super().__init__(*choices, id=id)
        self._choices = list(choices)
        self.typed = ""
        """What the user has typed to narrow the list ("" shows every choice)."""

    def on_key(self, event: events.Key) -> None:
        # Textual calls ``ChoiceList.on_key`` after this one (digits choose by number).
        character = event.character
        if event.key == "backspace" and self.typed:
            event.stop()
            self.narrow(self.typed[:-1])
        elif character and character.isprintable() and not character.isdigit():
            if character == " " and not self.typed:
                return  # a leading space narrows nothing
            event.stop()
            event.prevent_default()
            self.narrow(self.typed + character)

    def narrow(self, typed: str) -> None:
        """Show the choices whose words contain ``typed`` (any case), numbered from 1."""
        self.typed = typed
        needle = typed.strip().lower()
        shown = [(cid, words) for cid, words in self._choices if needle in words.lower()]
        self.clear_options()
        self.add_options(
            Option(f"{n}. {words}", id=cid) for n, (cid, words) in enumerate(shown, start=1)
        )
        self.highlighted = 0 if shown else None
        self.post_message(self.Filtered(self, typed, len(shown), len(self._choices)))

    def reword(self, option_id: str, words: str) -> None:
        """Give one choice new words (a renamed project).

        What is typed stays, and the highlight goes to that choice when it is still shown.
        """
        self._choices = [(cid, words if cid == option_id else old) for cid, old in self._choices]
        self.narrow(self.typed)
        with_id = [
            i for i in range(self.option_count) if self.get_option_at_index(i).id == option_id
        ]
        if with_id:
            self.highlighted = with_id[0]
