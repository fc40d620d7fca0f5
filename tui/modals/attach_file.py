"""``AttachFileModal``: type the path of a file to attach to a task; returns what was stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from core.domain.models import Attachment

Attach = Callable[[str], Awaitable[Attachment | str]]
"""Attaches the file at the typed path: what was stored, or why not in words."""


class AttachFileModal(ModalScreen[Attachment | None]):
    """Type a path and press enter; a refusal appears under the field, which keeps focus.

    The dialog stays open until the file is stored, so a mistyped path is corrected in place.

    | Key | Action |
    | :- | :- |
    | enter | Attach |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="attach.cancel", tooltip="Attach nothing"),
    ]

    DEFAULT_CSS = """
    AttachFileModal {
        align: center middle;
        & > Vertical {
            width: 80;
            height: auto;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #attach-title { text-style: bold; }
        & #attach-error { color: $text-error; text-style: bold; display: none; }
        & #attach-error.-shown { display: block; }
        & #attach-note { color: $text-muted; }
    }
    """

    def __init__(self, ref: str, attach: Attach, *, directory: Path) -> None:
        super().__init__()
        self.ref = ref
        self.attach_path = attach
        self.directory = directory

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Attach a file to {self.ref}. Its path:", id="attach-title", markup=False)
            yield Input(placeholder=f"{self.directory}/notes.txt", id="attach-path")
            yield Static("", id="attach-error", markup=False)
            yield Static(
                f"A relative path starts in {self.directory}. The file keeps its name.",
                id="attach-note",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#attach-path")
    async def _path_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self._error("Error: type the path of the file to attach.")
            return
        outcome = await self.attach_path(text)
        if isinstance(outcome, str):
            self._error(f"Error: {outcome}")
            return
        self.dismiss(outcome)

    def _error(self, text: str) -> None:
        error = self.query_one("#attach-error", Static)
        error.update(text)
        error.add_class("-shown")
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
