"""``ReloginModal``: the server refused this app's token; how to log in again.

The app stays open behind it (the board keeps what it read). The dialog says how to get a
new token onto this machine (``taskyard login URL``, or ``--token`` / ``TASKYARD_TOKEN`` on
the next start) and, when the app can re-open its engine, takes a pasted token at once.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ReloginModal(ModalScreen[str | None]):
    """How to log in again, and a field for a token.

    | Key | Action |
    | :- | :- |
    | enter | Use the pasted token |
    | escape | Close; the board stays readable from what it has |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Close", id="relogin.close", tooltip="Keep the board as it is"),
    ]

    DEFAULT_CSS = """
    ReloginModal {
        align: center middle;
        & > Vertical {
            width: 80;
            height: auto;
            border: round $error;
            background: $surface;
            padding: 0 1;
        }
        & #relogin-title { text-style: bold; }
    }
    """

    def __init__(self, server: str, *, can_paste: bool) -> None:
        super().__init__()
        self.server = server
        self.can_paste = can_paste

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Log in again", id="relogin-title", markup=False)
            yield Static(
                f"The server at {self.server} refused this app's token: it was revoked or has "
                "expired. The board stays open with what it has read; changes are not sent.\n"
                f"In another terminal, run: taskyard login {self.server}\n"
                "then restart taskyard (or start it with --token or TASKYARD_TOKEN).",
                id="relogin-how",
                markup=False,
            )
            if self.can_paste:
                yield Static("Or paste a token here and press enter:", markup=False)
                yield Input(password=True, placeholder="token", id="relogin-token")
            yield Static("Escape closes this dialog.", markup=False)

    @on(Input.Submitted, "#relogin-token")
    def _submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        if token:
            self.dismiss(token)

    def action_leave(self) -> None:
        self.dismiss(None)
