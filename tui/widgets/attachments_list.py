"""``AttachmentsList``: a task's attachments, numbered, with their size and type."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from core.domain.models import Attachment
from tui.widgets.list_section import ListSection


def size_words(n: int) -> str:
    """A byte count as people read it."""
    if n < 1024:
        return f"{n} byte" + ("" if n == 1 else "s")
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


class AttachmentsList(ListSection[Attachment]):
    """A task's attachments; enter asks the screen to show the highlighted one."""

    @dataclass
    class Opened(Message):
        """Enter on an attachment: show it (or offer to save it when it is not text)."""

        attachment: Attachment

    def __init__(self, *, list_id: str) -> None:
        super().__init__("Attachments", list_id=list_id)

    def show(self, attachments: list[Attachment]) -> None:
        """Show ``attachments``, in the order given."""
        self.fill(
            f"Attachments ({len(attachments)})",
            [(a, f"{a.name} ({size_words(a.size)}, {a.content_type})") for a in attachments],
            "None.",
        )

    def chosen(self, entry: Attachment) -> None:
        self.post_message(self.Opened(entry))
