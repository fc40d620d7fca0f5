"""``AttachFileModal``: type the path of a file to attach to a task; returns what was stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from core.domain.models import Attachment
from tui.modals.attachments import PathModal

Attach = Callable[[str], Awaitable[Attachment | str]]
"""Attaches the file at the typed path: what was stored, or why not in words."""


class AttachFileModal(PathModal[Attachment]):
    """Type a path and press enter; a refusal appears under the field, which keeps focus.

    | Key | Action |
    | :- | :- |
    | enter | Attach |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="attach.cancel", tooltip="Attach nothing"),
    ]

    PREFIX = "attach"
    EMPTY_ERROR = "Error: type the path of the file to attach."

    def __init__(self, ref: str, attach: Attach, *, directory: Path) -> None:
        super().__init__(
            f"Attach a file to {ref}. Its path:",
            f"A relative path starts in {directory}. The file keeps its name.",
            placeholder=f"{directory}/notes.txt",
        )
        self.attach_path = attach

    async def accept(self, text: str) -> Attachment | str:
        outcome = await self.attach_path(text)
        return f"Error: {outcome}" if isinstance(outcome, str) else outcome
