"""``BlockersField``: the task form's dependency section, the tasks the task will wait for.

The form adds blockers it found with its picker (``add``) and hands loaded or merged ones
down (``links``); removing one happens here (delete or x in the list), and the form hears of
it through ``Removed``. Nothing is saved until the form is.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static

from core.domain.models import TaskLink
from tui.form_data import LABELS
from tui.widgets.blocker_list import BlockerList


class BlockersField(Vertical):
    """The label, "None yet." or the numbered blockers, and the field's error and note lines."""

    DEFAULT_CSS = """
    BlockersField {
        height: auto;
        & #form-blockers-empty { color: $text-muted; }
    }
    """

    @dataclass
    class Removed(Message):
        """The user removed the blocker ``ref`` from the list."""

        ref: str

    def __init__(self) -> None:
        super().__init__()
        self._links: list[TaskLink] = []

    def compose(self) -> ComposeResult:
        yield Label(LABELS["blocked_by"])
        yield Static("None yet.", id="form-blockers-empty")
        yield BlockerList(id="form-blockers")
        yield Static(id="form-blockers-error", classes="field-error")
        yield Static(id="form-blockers-note", classes="field-note")

    def on_mount(self) -> None:
        self._show()

    @property
    def links(self) -> list[TaskLink]:
        """The blockers, in the order shown."""
        return list(self._links)

    @links.setter
    def links(self, links: list[TaskLink]) -> None:
        self._links = list(links)
        self._show()

    def add(self, link: TaskLink) -> None:
        """Add ``link`` at the end, highlight it, and clear the field's error."""
        self.links = [*self._links, link]
        self.query_one(BlockerList).highlighted = len(self._links) - 1
        self.query_one("#form-blockers-error").remove_class("-shown")

    def _show(self) -> None:
        blocker_list = self.query_one(BlockerList)
        blocker_list.set_links(self._links)
        blocker_list.display = bool(self._links)
        self.query_one("#form-blockers-empty", Static).display = not self._links

    @on(BlockerList.RemoveRequested)
    def _remove(self, event: BlockerList.RemoveRequested) -> None:
        event.stop()
        self.links = [b for b in self._links if b.ref != event.ref]
        self.post_message(self.Removed(event.ref))
