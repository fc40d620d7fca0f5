"""``KeyFooter``: the screen's keys on the bottom line, drawn by one widget.

Textual's ``Footer`` mounts a ``FooterKey`` widget per key and rebuilds them all (a recompose,
CSS for each new widget, then a layout of the screen) whenever the screen publishes
``bindings_updated``, which it does on every focus change and ``refresh_bindings``. Each
``FooterKey`` also starts compact and is then data-bound to not compact: two style updates per
key. Measured on the demo board, the footer was most of a screen's first paint and a third of
opening the task detail. Here the keys are one line of text: a bindings update that changes
what the footer says repaints one line, and one that changes nothing does nothing.

It reads like Textual's footer (same theme variables, key and description padding, the command
palette key on the right behind a thin rule) and behaves like it for the mouse: a click on a key
presses it, a click on a dimmed key rings the bell, and hovering a key shows its tooltip (every
binding tooltip is also in the help, so nothing is only reachable by mouse). Keys are shown
whole: those that do not fit in the width are left out rather than cut mid-word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

_RULE = "▏"
"""Drawn left of the command palette key, as Textual's footer does with a ``vkey`` border."""


@dataclass(frozen=True, slots=True)
class FooterItem:
    """One key as the footer shows it."""

    key: str
    """The key ``simulate_key`` presses when the item is clicked."""
    display: str
    description: str
    enabled: bool
    tooltip: str


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where an item was drawn on the line (cells ``start``..``end``)."""

    start: int
    end: int
    item: FooterItem


def footer_items(screen: Screen[Any]) -> tuple[tuple[FooterItem, ...], FooterItem | None]:
    """The keys the footer shows for ``screen``, and the command palette key if it has one.

    One item per action (the first binding that shows it), in the order of the screen's active
    bindings, as in Textual's footer.
    """
    app = screen.app
    seen: set[str] = set()
    items: list[FooterItem] = []
    for _node, binding, enabled, tooltip in screen.active_bindings.values():
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        items.append(_item(app.get_key_display(binding), binding, enabled, tooltip))
    palette: FooterItem | None = None
    if app.ENABLE_COMMAND_PALETTE:
        found = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if found is not None:
            _node, binding, enabled, _tooltip = found
            palette = _item(
                app.get_key_display(binding),
                binding,
                enabled,
                binding.tooltip or binding.description,
            )
    return tuple(items), palette


def _item(display: str, binding: Binding, enabled: bool, tooltip: str) -> FooterItem:
    return FooterItem(binding.key, display, binding.description, enabled, tooltip)


class KeyFooter(Widget, can_focus=False):
    """The active keys of the screen, docked on its last line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--rule",
        "key-footer--hover",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--rule {
            color: $foreground 20%;
        }
        & > .key-footer--hover {
            background: $block-hover-background;
        }
    }
    """

    _hovered: reactive[int | None] = reactive(None)
    """Index in ``_placed`` of the key under the mouse pointer."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._items: tuple[FooterItem, ...] = ()
        self._palette: FooterItem | None = None
        self._placed: list[_Placed] = []

    @property
    def items(self) -> tuple[FooterItem, ...]:
        """The keys on show (before any are left out for want of width)."""
        return self._items

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        # Textual's footer ignores updates while the terminal does not have focus (the app
        # then has no focused widget, and the keys would flicker to the screen's own).
        if not screen.app.app_focus or screen is not self.screen:
            return
        items, palette = footer_items(screen)
        if (items, palette) != (self._items, self._palette):
            self._items, self._palette = items, palette
            self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        description_style = self.get_component_rich_style("key-footer--description", partial=True)
        hover_style = self.get_component_rich_style("key-footer--hover", partial=True)
        palette_text = self._palette_text(key_style, description_style)
        room = width - palette_text.cell_len
        line = Text(no_wrap=True, overflow="crop", end="")
        self._placed = []
        for item in self._items:
            piece = _key_text(item, key_style, description_style)
            if line.cell_len + piece.cell_len > room:
                break  # whole keys only: the rest are in the help and the palette
            self._place(line, piece, item, hover_style)
        if palette_text.cell_len and self._palette is not None:
            line.append(" " * max(0, room - line.cell_len))
            self._place(line, palette_text, self._palette, hover_style)
        return line

    def _palette_text(self, key_style: Style, description_style: Style) -> Text:
        if self._palette is None:
            return Text()
        # Drawn as Textual draws it: the key unpadded, then `` palette `` (``▏^p palette ``).
        text = Text.assemble(
            (self._palette.display, key_style),
            (f" {self._palette.description} ", description_style),
        )
        if not self._palette.enabled:
            text.stylize(Style(dim=True))
        if not self.app.has_class("-screen-reader"):  # no decorative glyphs to read out
            rule_style = self.get_component_rich_style("key-footer--rule")
            text = Text.assemble((_RULE, rule_style), text)
        return text

    def _place(self, line: Text, piece: Text, item: FooterItem, hover_style: Style) -> None:
        if len(self._placed) == self._hovered:
            piece.stylize(hover_style)
        start = line.cell_len
        line.append_text(piece)
        self._placed.append(_Placed(start, line.cell_len, item))

    # -- the mouse ---------------------------------------------------------------------------
    def _index_at(self, x: int) -> int | None:
        return next(
            (n for n, placed in enumerate(self._placed) if placed.start <= x < placed.end), None
        )

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._index_at(event.x)
        if index != self._hovered:
            self._hovered = index
            self.tooltip = None if index is None else self._placed[index].item.tooltip or None

    def on_leave(self, _event: events.Leave) -> None:
        self._hovered = None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._index_at(event.x)
        if index is None:
            return
        item = self._placed[index].item
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()


def _key_text(item: FooterItem, key_style: Style, description_style: Style) -> Text:
    """`` k `` then ``description `` (Textual's paddings); a disabled key is dimmed."""
    if item.description:
        text = Text.assemble(
            (f" {item.display} ", key_style), (f"{item.description} ", description_style)
        )
    else:
        text = Text.assemble((item.display, key_style))
    if not item.enabled:
        text.stylize(Style(dim=True))
    return text
