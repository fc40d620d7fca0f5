"""``TaskList``: one board column's cards as a virtual list, fast at 100,000 tasks.

The list knows how many cards its column holds but keeps only the windows it has been given.
It draws lines with the Line API (``render_line``), so scrolling costs the lines on screen, not
the tasks in the column; a line whose card is not loaded yet asks its parent for that window
(``WindowNeeded``) and reads "loading…" until it arrives. Never a widget per task.

Every state a card is in is said in words and glyphs as well as colour: the selected card has
a ``›`` marker, the priority a glyph and its name, a blocked card "⊘ blocked by N".
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.domain.models import Priority, TaskCard, TaskStatus
from tui.cursor import move_terminal_cursor
from tui.first_board import PAGE
from tui.widgets.card_words import (
    COMMAND_PENDING_MARK,
    NOTHING_TO_RUN_MARK,
    PRIORITY_GLYPH,
    blocked_words,
    command_pending,
    shorten_sentence,
    spoken_card,
)

MAX_PAGES = 30
"""Windows kept in memory; the ones furthest from the cursor are dropped first."""


class TaskList(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtual, windowed list of one column's cards.

    | Key | Action |
    | :- | :- |
    | up / k | Previous card |
    | down / j | Next card |
    | page up / page down | A screen up or down |
    | home / g, end / G | First or last card |
    | enter | Open the card |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous card", show=False, id="board.cursor-up"),
        Binding("down,j", "cursor_down", "Next card", show=False, id="board.cursor-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="board.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="board.page-down"),
        Binding("home,g", "select_first", "First card", show=False, id="board.first"),
        Binding("end,G", "select_last", "Last card", show=False, id="board.last"),
        Binding(
            "enter",
            "open_task",
            "Open",
            show=False,
            id="board.open-task",
            tooltip="Open the task's details",
        ),
    ]

    HELP = """
## A board column

Move between cards with the arrow keys or **j**/**k**, a screen at a time with
**page up**/**page down**, and to the ends with **home**/**end** (or **g**/**G**).
**Enter** opens a card.
"""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-list--ref",
        "task-list--title",
        "task-list--meta",
        "task-list--blocked",
        "task-list--running",
        "task-list--urgent",
        "task-list--selected",
        "task-list--loading",
    }

    DEFAULT_CSS = """
    TaskList {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
        & > .task-list--ref { color: $text-muted; text-style: bold; }
        & > .task-list--title { color: $text; }
        & > .task-list--meta { color: $text-muted; }
        & > .task-list--blocked { color: $text-warning; }
        & > .task-list--running { color: $text-success; }
        & > .task-list--urgent { color: $text-error; text-style: bold; }
        & > .task-list--selected { background: $block-cursor-blurred-background; }
        & > .task-list--loading { color: $text-muted; }
        &:focus > .task-list--selected {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        &:focus > .task-list--ref { color: $text-primary; }
    }
    """

    cursor: reactive[int] = reactive(0, init=False, always_update=True, repaint=False)
    """Index of the selected card in the column (0 when the column is empty)."""

    @dataclass
    class WindowNeeded(Message):
        """Cards ``offset`` .. ``offset + limit`` are needed on screen; load them."""

        task_list: TaskList
        offset: int
        limit: int

        @property
        def control(self) -> TaskList:
            return self.task_list

    @dataclass
    class Highlighted(Message):
        """The selected card changed (``card`` is None in an empty column)."""

        task_list: TaskList
        card: TaskCard | None

        @property
        def control(self) -> TaskList:
            return self.task_list

    @dataclass
    class Opened(Message):
        """Enter was pressed on a card."""

        task_list: TaskList
        card: TaskCard

        @property
        def control(self) -> TaskList:
            return self.task_list

    def __init__(
        self,
        status: TaskStatus,
        *,
        spoken: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.status = status
        self.spoken = spoken
        """Screen-reader form: one sentence per card, no decoration."""
        self.total = 0
        self._cards: dict[int, TaskCard] = {}
        self._pages: dict[int, None] = {}
        """Loaded window offsets, least recently used first."""
        self._pending: set[int] = set()
        self._request_scheduled = False
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(2048)
        self._frame: tuple[Style, int] | None = None
        """The base style and width, fixed for the lines of one ``render_lines`` call."""
        self._pipelines: frozenset[str] | None = None
        """The workers' pipelines, to mark ready cards none would run (``None``: unknown)."""
        self._empty_words = "No tasks." if spoken else "(no tasks)"
        self._marked: frozenset[str] = frozenset()
        """Ids of the cards marked for a bulk move or assign (``set_marked``)."""
        self._run_words: dict[str, tuple[str, ...]] = {}
        """Task id -> how its run is going, in words, longest first (``set_running``)."""

    def say_when_empty(self, words: str) -> None:
        """What the list says while it has no cards: why it is empty, and what to do."""
        if words != self._empty_words:
            self._empty_words = words
            if self.total == 0:
                self.refresh()

    def set_pipelines(self, pipelines: Iterable[str] | None) -> None:
        """Tell the list which task types have a pipeline, so it can mark the ready cards
        that no worker would run ("∅ nothing to run")."""
        self._pipelines = None if pipelines is None else frozenset(pipelines)
        self._strips.clear()
        self.refresh()

    def set_marked(self, marked: frozenset[str]) -> None:
        """Show ``[x]`` on the cards with these ids (marked for a bulk action)."""
        if marked != self._marked:
            self._marked = marked
            self._strips.clear()
            self.refresh()

    def set_running(self, running: dict[str, tuple[str, ...]]) -> None:
        """Say on each running card (by task id) how its run is going: the longest of its
        words that fits the card."""
        if running != self._run_words:
            self._run_words = running
            self._strips.clear()
            self.refresh()

    def _nothing_to_run(self, card: TaskCard) -> bool:
        from core.orchestrator.outcome import card_has_nothing_to_run

        return card_has_nothing_to_run(card, self._pipelines)

    # -- what the parent gives -----------------------------------------------------------
    @property
    def card_height(self) -> int:
        """Lines per card: three and a gap, or one sentence in screen-reader form."""
        return 1 if self.spoken else 4

    @property
    def selected(self) -> TaskCard | None:
        """The selected card, if it is loaded."""
        return self._cards.get(self.cursor) if self.total else None

    def cards_loaded(self) -> Iterable[TaskCard]:
        """Every card currently held (for tests and lookups)."""
        return self._cards.values()

    def replace(self, total: int, offset: int, cards: list[TaskCard]) -> None:
        """Show a fresh count and window, dropping every other window (which may be stale)."""
        self._cards.clear()
        self._pages.clear()
        self._pending.clear()
        self._strips.clear()
        self._set_total(total)
        self._store(offset, cards)
        self.refresh()
        self._announce_selection()

    def add_window(self, total: int, offset: int, cards: list[TaskCard]) -> None:
        """Add a window that was asked for; the count may have changed meanwhile."""
        self._pending.discard(offset)
        if total != self.total:
            self._set_total(total)
        self._store(offset, cards)
        self.refresh()
        if offset <= self.cursor < offset + len(cards):
            self._announce_selection()

    def window_offsets(self) -> list[int]:
        """The window offsets covering the visible lines (what a reload must fetch again)."""
        first = int(self.scroll_y) // self.card_height
        last = first + self.scrollable_content_region.height // self.card_height + 1
        last = max(first, min(last, self.total - 1))
        return sorted({(i // PAGE) * PAGE for i in (first, last, self.cursor)})

    def select_index(self, index: int) -> None:
        """Select a card by its position in the column (clamped)."""
        self.cursor = max(0, min(index, self.total - 1)) if self.total else 0

    def select_id(self, task_id: str) -> bool:
        """Select the loaded card with this id; ``False`` when it is not loaded here."""
        for index, card in self._cards.items():
            if card.id == task_id:
                self.cursor = index
                return True
        return False

    # -- internals ------------------------------------------------------------------------
    def _set_total(self, total: int) -> None:
        self.total = total
        self.virtual_size = Size(self.scrollable_content_region.width, total * self.card_height)
        if total and self.cursor >= total:
            self.set_reactive(TaskList.cursor, total - 1)
        elif not total:
            self.set_reactive(TaskList.cursor, 0)

    def _store(self, offset: int, cards: list[TaskCard]) -> None:
        for i, card in enumerate(cards):
            self._cards[offset + i] = card
        self._pages.pop(offset, None)
        self._pages[offset] = None
        while len(self._pages) > MAX_PAGES:
            far = max(self._pages, key=lambda page: abs(page - self.cursor))
            del self._pages[far]
            for i in range(far, far + PAGE):
                self._cards.pop(i, None)

    def _need(self, index: int) -> None:
        offset = (index // PAGE) * PAGE
        if offset in self._pending:
            return
        self._pending.add(offset)
        if not self._request_scheduled:
            self._request_scheduled = True
            self.call_later(self._request_windows)

    def _request_windows(self) -> None:
        self._request_scheduled = False
        for offset in sorted(self._pending):
            self.post_message(self.WindowNeeded(self, offset, PAGE))

    def _announce_selection(self) -> None:
        self.post_message(self.Highlighted(self, self.selected))
        self.call_after_refresh(self.place_cursor)

    def place_cursor(self) -> None:
        """Put the terminal cursor on the selected card's title (screen readers follow it)."""
        if not self.has_focus or not self.is_mounted:
            return
        region = self.content_region
        height = self.card_height
        y = self.cursor * height + (0 if self.spoken else 1) - int(self.scroll_y)
        if self.total == 0:
            move_terminal_cursor(self, Offset(region.x + 2, region.y))
        elif 0 <= y < region.height:
            move_terminal_cursor(self, Offset(region.x + 2, region.y + y))

    @property
    def keyboard_here(self) -> bool:
        """Whether keys go to this list: it has focus and its screen is the one on top."""
        return self.has_focus and self.is_mounted and self.app.screen is self.screen

    # -- Textual hooks --------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        """Repaint only the two cards whose selection changed (a scroll repaints the rest).

        Readers that speak new text read every line rewritten: repainting the whole list
        would read the column again on every arrow key (R10).
        """
        height = self.card_height
        top = int(self.scroll_y)
        self.scroll_to_region(
            Region(0, new * height, 1, height), animate=False, force=True, immediate=True
        )
        if int(self.scroll_y) != top:
            self.refresh()
        else:
            width = self.size.width
            self.refresh(
                Region(0, old * height - top, width, height),
                Region(0, new * height - top, width, height),
            )
        self._announce_selection()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.call_after_refresh(self.place_cursor)

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()
        self._announce_selection()

    def on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total * self.card_height)
        self._strips.clear()
        self.call_after_refresh(self.place_cursor)

    def on_click(self, event: events.Click) -> None:
        index = (int(self.scroll_y) + event.y) // self.card_height
        if 0 <= index < self.total:
            self.focus()
            self.cursor = index

    def action_cursor_up(self) -> None:
        if self.cursor > 0:
            self.cursor -= 1

    def action_cursor_down(self) -> None:
        if self.cursor < self.total - 1:
            self.cursor += 1

    def action_page_up(self) -> None:
        self.select_index(self.cursor - max(1, self.size.height // self.card_height))

    def action_page_down(self) -> None:
        self.select_index(self.cursor + max(1, self.size.height // self.card_height))

    def action_select_first(self) -> None:
        self.select_index(0)

    def action_select_last(self) -> None:
        self.select_index(self.total - 1)

    def action_open_task(self) -> None:
        card = self.selected
        if card is not None:
            self.post_message(self.Opened(self, card))

    # -- drawing --------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # ``rich_style`` walks every ancestor's styles and ``scrollable_content_region`` the
        # layout: both are the same for every line of a frame, so compute them once, not per line
        # (a full board is ~290 lines; this was about a third of a frame's time).
        self._frame = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        base, width = self._frame or (self.rich_style, self.scrollable_content_region.width)
        line = int(self.scroll_y) + y
        index, row = divmod(line, self.card_height)
        if self.total == 0:
            # Wrapped to the column: the words say how to start, and columns are narrow.
            lines = textwrap.wrap(self._empty_words, max(8, width - 3)) if line < 6 else []
            if line < len(lines):
                style = base + self._part_style("task-list--loading")
                text = ("  " if line == 0 else "   ") + lines[line]
                return Strip([Segment(text, style)]).extend_cell_length(width, base)
        if index >= self.total:
            return Strip.blank(width, base)
        card = self._cards.get(index)
        if card is None:
            self._need(index)
            text = "  loading…" if row == 0 else ""
            style = base + self.get_component_rich_style("task-list--loading")
            return Strip([Segment(text.ljust(width)[:width], style)])
        selected = index == self.cursor
        key = (card.id, card.version, row, width, selected, self.keyboard_here, self.total, index)
        cached = self._strips.get(key)
        if cached is None:
            cached = self._render_card_line(card, index, row, width, selected, base)
            self._strips[key] = cached
        return cached

    def _part_style(self, name: str) -> Style:
        """A part's text colour and attributes, without its background.

        ``partial=True`` would be simpler, but it resolves ``auto`` colours (``$text``,
        ``$text-muted``) as if on no background, which draws white text on a light theme.
        """
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, dim=full.dim, italic=full.italic)

    def _render_card_line(
        self, card: TaskCard, index: int, row: int, width: int, selected: bool, plain: Style
    ) -> Strip:
        """One screen line of a card, its spans left to right.

        Longer than our usual function on purpose: it runs for every visible line on every
        frame of a scroll (bench/tui_keys.py times key repeats), and it reads as one pass
        over the line's parts in the order they are drawn.
        """

        def style(name: str) -> Style:
            # The selected card is drawn in the selection's own colours only: a part's colour
            # on top of the selection background (white on yellow) would be unreadable.
            if selected and name != "task-list--selected":
                return Style()
            if name == "task-list--selected":
                return self.get_component_rich_style(name, partial=True)
            return self._part_style(name)

        base = plain + (style("task-list--selected") if selected else Style())
        # The marker shows where the keyboard is, so only the focused column draws it, and not
        # while a dialog on top has the keyboard (a reader would find two "›" on screen).
        marker = "› " if selected and self.keyboard_here else "  "
        segments: list[Segment]
        if self.spoken:
            segments = [
                Segment(marker, base),
                Segment(
                    shorten_sentence(
                        spoken_card(
                            card,
                            index,
                            self.total,
                            nothing_to_run=self._nothing_to_run(card),
                            running=self._run_words.get(card.id, ("",))[0],
                            marked=card.id in self._marked,
                        ),
                        width - len(marker),
                    ),
                    base,
                ),
            ]
        elif row == 0:
            glyph = PRIORITY_GLYPH[card.priority]
            prio_style = (
                style("task-list--urgent")
                if card.priority in (Priority.CRITICAL, Priority.HIGH)
                else style("task-list--meta")
            )
            segments = [
                Segment(marker, base),
                Segment("[x] " if card.id in self._marked else "", base),
                # On the selected card the ref takes the selection's colours (contrast).
                Segment(
                    card.ref, base + (Style(bold=True) if selected else style("task-list--ref"))
                ),
                Segment("  ", base),
                Segment(f"{glyph} {card.priority}", base + prio_style),
            ]
            if card.task_type != "feature":
                segments.append(Segment(f" · {card.task_type}", base + style("task-list--meta")))
        elif row == 1:
            segments = [
                Segment(marker, base),
                Segment(card.title, base + style("task-list--title")),
            ]
        elif row == 2:
            # The blocked marker goes first: it is what a narrow column must not cut off.
            segments = [Segment("  ", base)]
            running = self._run_words.get(card.id)
            if running:
                fit = next((w for w in running if cell_len(w) + 2 < width), running[-1])
                segments.append(Segment(fit + "  ", base + style("task-list--running")))
            elif card.unresolved_blocker_count:
                segments.append(
                    Segment(
                        "⊘ " + blocked_words(card.unresolved_blocker_count) + "  ",
                        base + style("task-list--blocked"),
                    )
                )
            elif command_pending(card):
                segments.append(
                    Segment(COMMAND_PENDING_MARK + "  ", base + style("task-list--blocked"))
                )
            elif self._nothing_to_run(card):
                segments.append(
                    Segment(NOTHING_TO_RUN_MARK + "  ", base + style("task-list--blocked"))
                )
            meta = " ".join(f"#{label}" for label in card.labels)
            if card.assignee:
                meta = f"{meta}  @{card.assignee}" if meta else f"@{card.assignee}"
            if meta:
                segments.append(Segment(meta, base + style("task-list--meta")))
        else:
            return Strip.blank(width, plain)
        strip = Strip(segments)
        if strip.cell_length > width:
            strip = strip.crop(0, max(0, width - 1))
            strip = Strip([*strip, Segment("…", base)])
        return strip.extend_cell_length(width, base)
