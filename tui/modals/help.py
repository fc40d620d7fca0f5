"""``HelpModal``: every key of the screen underneath, in words, with its id for the keymap."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from tui.widgets.footer import KeyFooter


def help_markdown(screen: Screen[object], *, spoken: bool = False) -> str:
    """The screen's help text and a table of the keys active on it, as Markdown.

    ``spoken`` (screen-reader mode): one sentence per key instead of the table, whose frame
    a screen reader reads out cell border by cell border.
    """
    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key, active in sorted(
        screen.active_bindings.items(), key=lambda kv: kv[1].binding.id or ""
    ):
        binding = active.binding
        if binding.action in {"command_palette"} or not binding.description:
            continue
        shown = screen.app.get_key_display(binding)
        ident = (binding.description, binding.id or "")
        if ident in seen:
            continue
        seen.add(ident)
        others = [
            screen.app.get_key_display(b.binding)
            for k, b in screen.active_bindings.items()
            if k != key and b.binding.action == binding.action and b.binding.id == binding.id
        ]
        keys = " / ".join([shown, *others])
        detail = binding.tooltip or binding.description  # no empty cell for Textual's keys
        remap = f"`{binding.id}`" if binding.id else "(Textual's own; not remappable)"
        rows.append((keys, binding.description, detail, remap))
    rows.sort(key=lambda row: row[1].lower())
    rows.append(("ctrl+p", "Command palette", "Every action by name", ""))
    if spoken:
        table = "\n".join(
            f"- {keys}: {action}"
            + (f", {detail}" if detail != action else "")
            + (f"; id {remap}" if remap else "")
            + "."
            for keys, action, detail, remap in rows
        )
    else:
        table = "\n".join(
            [
                "| Key | Action | What it does | Id for [keymap] |",
                "| :- | :- | :- | :- |",
                *(f"| {' | '.join(row)} |" for row in rows),
            ]
        )
    screen_help = (getattr(screen, "HELP", None) or "").strip()
    intro = (
        "Keys can be changed in the `[keymap]` table of taskyard.toml, for example "
        '`"board.new-task" = "a"`.'
    )
    return f"{screen_help}\n\n## Keys\n\n{table}\n\n{intro}\n"


HELP_KEYS = (
    "This help scrolls with the arrows and page up/page down; home and end go to its top "
    "and its end; escape, ? or q closes it.\n\n"
)


class HelpModal(ModalScreen[None]):
    """Help for the screen underneath.

    | Key | Action |
    | :- | :- |
    | escape / ? / q | Close |
    | home, end | The top or the end of the help (the arrows and page keys scroll) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
        # In the footer, so the keys that move around the help are on screen too. Priority:
        # otherwise the focused scroller's own (unshown) home and end hide them there.
        Binding(
            "home",
            "scroll_help('home')",
            "Top",
            priority=True,
            id="help.top",
            tooltip="The first line",
        ),
        Binding(
            "end",
            "scroll_help('end')",
            "End",
            priority=True,
            id="help.end",
            tooltip="The last line",
        ),
    ]

    DEFAULT_CSS = """
    HelpModal {
        align: center middle;
        & > Vertical {
            width: 90%;
            max-width: 110;
            height: 90%;
            border: round $primary;
            background: $surface;
        }
        & #help-scroll { height: 1fr; }
    }
    """

    def __init__(self, under: Screen[object], *, spoken: bool = False) -> None:
        super().__init__()
        self.text = HELP_KEYS + help_markdown(under, spoken=spoken)

    def compose(self) -> ComposeResult:
        with Vertical(), VerticalScroll(id="help-scroll"):
            # The scroller takes focus (a Markdown cannot): arrows and page keys read on, and
            # the keyboard and the cursor leave the screen underneath (R5, R1).
            yield Markdown(self.text, id="help-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_help(self, where: str) -> None:
        scroller = self.query_one("#help-scroll", VerticalScroll)
        if where == "home":
            scroller.scroll_home(animate=False)
        else:
            scroller.scroll_end(animate=False)
