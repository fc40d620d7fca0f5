"""``BlockerList``: the tasks a task waits for, numbered; delete or x removes one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets.option_list import Option

from core.domain.models import TaskLink
from tui.widgets.choice_list import ChoiceList


class BlockerList(ChoiceList):
    """Chosen blockers.

    | Key | Action |
    | :- | :- |
    | up / down | Move between blockers |
    | delete / backspace / x | Remove the highlighted blocker |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "delete,backspace,x",
            "remove",
            "Remove dependency",
            id="form.remove-dependency",
            tooltip="Remove the highlighted blocker from the list",
        ),
    ]

    HELP = """
## Dependencies

The tasks this one waits for. **delete** or **x** removes the highlighted one;
**ctrl+d** adds another.
"""

    @dataclass
    class RemoveRequested(Message):
        """The user asked to remove the blocker with this ref."""

        ref: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.links: list[TaskLink] = []

    def set_links(self, links: list[TaskLink]) -> None:
        """Show ``links``, keeping the highlight near where it was."""
        keep = self.highlighted
        self.links = list(links)
        self.clear_options()
        self.add_options(
            [
                Option(f"{n}. {link.ref} {link.title} ({link.status.label})", id=link.ref)
                for n, link in enumerate(self.links, start=1)
            ]
        )
        if self.links:
            self.highlighted = min(keep or 0, len(self.links) - 1)

    def action_remove(self) -> None:
        index = self.highlighted
        if index is not None and 0 <= index < len(self.links):
            self.post_message(self.RemoveRequested(self.links[index].ref))
