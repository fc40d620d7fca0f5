"""``DependenciesList``: the tasks a task waits for and the tasks waiting for it, numbered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from core.domain.models import Task, TaskLink
from tui.task_words import link_words
from tui.widgets.list_section import ListSection

Direction = Literal["blocked_by", "blocks"]
"""``blocked_by``: the shown task waits for the other; ``blocks``: the other waits for it."""


class DependenciesList(ListSection[tuple[Direction, TaskLink]]):
    """Both directions of a task's dependencies; enter asks the screen to open the other task."""

    @dataclass
    class Opened(Message):
        """Enter on a dependency: open the other task."""

        link: TaskLink

    def __init__(self, *, list_id: str) -> None:
        super().__init__("Dependencies", list_id=list_id)

    def show(self, task: Task) -> None:
        """Show ``task``'s blockers, then the tasks it blocks."""
        entries: list[tuple[tuple[Direction, TaskLink], str]] = [
            (("blocked_by", link), f"Blocked by {link_words(link)}") for link in task.blocked_by
        ]
        entries += [(("blocks", link), f"Blocks {link_words(link)}") for link in task.blocks]
        self.fill(
            f"Dependencies: blocked by {len(task.blocked_by)} "
            f"({task.unresolved_blocker_count} not done or cancelled), "
            f"blocks {len(task.blocks)}",
            entries,
            "None: this task waits for no task and no task waits for it.",
        )

    def chosen(self, entry: tuple[Direction, TaskLink]) -> None:
        self.post_message(self.Opened(entry[1]))
