"""Attachment dialogs: read a text attachment, and save any attachment to a file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from core.domain.models import Attachment
from tui.widgets.attachments_list import size_words
from tui.widgets.footer import KeyFooter

T = TypeVar("T")

_TEXT_TYPES = {"application/json", "application/xml", "application/x-yaml", "application/toml"}


def as_text(attachment: Attachment, data: bytes) -> str | None:
    """The attachment as text when it is text (by type, or UTF-8 without NUL bytes)."""
    kind = attachment.content_type.split(";")[0].strip().lower()
    textual_type = kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith("+json")
    if not textual_type and b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write(path: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``path`` (or to ``name`` inside it, when it is a folder)."""
    path = path.expanduser()
    if path.is_dir():
        path = path / name
    path.write_bytes(data)
    return path


class AttachmentViewModal(ModalScreen[None]):
    """A text attachment, read-only.

    | Key | Action |
    | :- | :- |
    | arrows, page up / page down | Read |
    | escape | Close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="attachment.close", tooltip="Back to the task"),
    ]

    DEFAULT_CSS = """
    AttachmentViewModal {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 85%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #attachment-title { text-style: bold; height: auto; }
        & TextArea { height: 1fr; }
    }
    """

    def __init__(self, attachment: Attachment, text: str) -> None:
        super().__init__()
        self.attachment = attachment
        self.text = text

    def compose(self) -> ComposeResult:
        a = self.attachment
        with Vertical():
            yield Static(
                f"Attachment {a.name} ({size_words(a.size)}, {a.content_type}), read-only:",
                id="attachment-title",
                markup=False,
            )
            yield TextArea(self.text, read_only=True, show_line_numbers=False, id="attachment-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class PathModal(ModalScreen[T]):
    """Type a path and press enter; a refusal appears under the field, which keeps focus.

    The dialog stays open until ``accept`` takes the path, so a mistyped one is corrected in
    place. Each dialog names its parts with ``PREFIX`` (``save-path``, ``save-error``).
    """

    PREFIX: ClassVar[str] = "path"
    EMPTY_ERROR: ClassVar[str] = "Error: type a path."

    DEFAULT_CSS = """
    PathModal {
        align: center middle;
        & > Vertical {
            width: 80;
            height: auto;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & .-title { text-style: bold; }
        & .-error { color: $text-error; text-style: bold; display: none; }
        & .-error.-shown { display: block; }
        & .-note { color: $text-muted; }
    }
    """

    def __init__(self, title: str, note: str, *, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_words = title
        self.note = note
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical():
            yield Static(self.title_words, id=f"{p}-title", classes="-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id=f"{p}-path")
            yield Static("", id=f"{p}-error", classes="-error", markup=False)
            yield Static(self.note, id=f"{p}-note", classes="-note", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    async def accept(self, text: str) -> T | str:
        """What the dialog returns for the typed path, or why it cannot, in words."""
        raise NotImplementedError

    @on(Input.Submitted)
    async def _path_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        outcome = await self.accept(text) if text else self.EMPTY_ERROR
        if isinstance(outcome, str):
            error = self.query_one(f"#{self.PREFIX}-error", Static)
            error.update(outcome)
            error.add_class("-shown")
            self.query_one(Input).focus()
            return
        self.dismiss(outcome)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveAttachmentModal(PathModal[Path]):
    """Type where to save an attachment; errors appear under the field, which keeps focus.

    | Key | Action |
    | :- | :- |
    | enter | Save |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="save.cancel", tooltip="Do not save"),
    ]

    PREFIX = "save"
    EMPTY_ERROR = "Error: type a file path to save to."

    def __init__(self, attachment: Attachment, data: bytes, *, directory: Path) -> None:
        a = attachment
        super().__init__(
            f"Save {a.name} ({size_words(a.size)}) to this file:",
            "A folder saves under the attachment's name. An existing file is replaced.",
            value=str(directory / a.name),
        )
        self.attachment = attachment
        self.data = data
        self.directory = directory

    async def accept(self, text: str) -> Path | str:
        try:
            return await asyncio.to_thread(_write, Path(text), self.attachment.name, self.data)
        except OSError as exc:
            where = exc.filename or text
            reason = exc.strerror or type(exc).__name__
            return f"Error: cannot write {where}: {reason}. Choose a folder you can write to."
