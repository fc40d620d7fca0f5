"""``BoardScreen``: the Tasks board, one column per state, and the default landing.

Data flow: the screen owns the ``BoardQuery`` (project, filters, search), asks the engine for
counts and windows in workers, and hands them down to its columns. Columns ask for more
windows with ``TaskList.WindowNeeded``. Engine events (from this app, the CLI, a worker or
another person) schedule one debounced reload that keeps every column's selection and scroll
position. Refused moves are explained in the status line under the board, where the user is
looking, and in the message log.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from core.domain.commands import BoardQuery
from core.domain.models import Event, TaskCard, TaskStatus
from core.domain.views import BoardView
from core.errors import TaskyardError
from tui import board_actions
from tui.board_actions import LastMove
from tui.board_keys import BOARD_BINDINGS
from tui.board_marks import Marks
from tui.board_running import RunningCards
from tui.board_words import context_line, empty_words, spoken_event
from tui.context import taskyard_app
from tui.first_board import PAGE
from tui.messages import LogEntry
from tui.task_words import BOARD_ORDER, move_targets
from tui.widgets.board_column import BoardColumn
from tui.widgets.board_columns import BoardColumns
from tui.widgets.footer import KeyFooter
from tui.widgets.search_box import SearchBox
from tui.widgets.task_list import TaskList

RELOAD_DELAY = 0.05
"""Seconds to gather a burst of events into one reload."""
Window = tuple[int, list[TaskCard], int]
"""A window of a column read again on reload: its offset, its cards, the column's count."""


class BoardScreen(Screen[None]):
    """The Tasks board.

    | Key | Action |
    | :- | :- |
    | left / h, right / l | Previous or next column |
    | shift+left, shift+right | Move the task to the neighbouring state (when allowed) |
    | m | Every move allowed from here |
    | n, e | New task; edit the task |
    | enter | Open the task |
    | /, f, p | Search; filters; switch project |
    | i | Import a PRD (preview before anything is written) |
    | x | Execution monitor: queue, running tasks, workers |
    | a | Quick action: a one-off run, not on the board unless promoted |
    | E | Hide or show empty columns |
    | r | Reload |
    | y, u | Copy the task's ref; undo the last move made here (unless the task changed) |
    | R, d / delete | Run the task now; delete it (asks first) |
    | P | New project |
    | M | Milestones: create one, show its board, rename one (f2) |
    | D | On an empty board: add the demo project (a first look around) |
    | space, A | Mark the task (m moves the marked tasks); assign them, or this one |
    """

    CSS_PATH = "board.tcss"
    AUTO_FOCUS = None

    # Textual's ``Screen.focused`` is a plain ``Reactive`` (repaint=True): every focus change
    # marks the whole screen dirty and redraws all of its cells, a full update that was most
    # of a column switch (~90 ms at 160x45 on the 2-vCPU VM). What a focus change alters is
    # already repainted where it happens: Textual re-applies ``:focus``/``:focus-within``
    # styles to the nodes concerned (``Screen._update_focus_styles``) and ``TaskList``
    # refreshes itself on focus and blur. Same name, same watcher (``_watch_focused``), no
    # repaint of everything.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    BINDINGS: ClassVar[list[BindingType]] = BOARD_BINDINGS

    HELP = """
## The Tasks board

One column per state. A card shows its ref, priority (a glyph and the word), title, labels,
assignee and, when it waits for other tasks, **⊘ blocked by N tasks**.

A move the state machine refuses is explained in the line under the board and kept in the
message log (**L**).
"""

    def __init__(self) -> None:
        super().__init__()
        self.query_state = BoardQuery(per_column=PAGE)
        """The filters in force (project, milestone, labels, priorities, assignee, text)."""
        self.hide_empty = False
        self._reload_timer: Timer | None = None
        self.running_cards = RunningCards(self)
        self.marks = Marks(self)
        self.last_move: LastMove | None = None
        """The last move made here, which ``u`` undoes."""
        self._follow: str | None = None
        """A task the selection should follow to its new column after the next reload."""
        self._loaded = False
        self.project_name: str | None = None
        self._columns: list[BoardColumn] | None = None
        self._current: BoardColumn | None = None
        """The column the keyboard is in. An attribute, not a CSS class: toggling a class
        re-applies the stylesheet to both columns' subtrees on every column change."""
        self.off_screen = (0, 0)
        """Columns not wholly on screen on the left and right (narrow terminals)."""

    # -- layout ---------------------------------------------------------------------------
    @property
    def spoken(self) -> bool:
        return taskyard_app(self).settings.screen_reader

    def compose(self) -> ComposeResult:
        settings = taskyard_app(self).settings
        yield Static(id="board-context")
        yield SearchBox(placeholder="Search titles, refs, labels…", id="board-search")
        with BoardColumns(id="board-columns"):
            for status in settings.columns:
                yield BoardColumn(status, spoken=settings.screen_reader)
        yield Static("Opening the database…", id="board-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        settings = taskyard_app(self).settings
        self.hide_empty = settings.hide_empty_columns
        if settings.project:
            self.query_state = self.query_state.model_copy(update={"project": settings.project})
        self.set_class(self.spoken, "-screen-reader")
        # Footer key hints are glyphs (⏎, ←); in screen-reader mode the help says it in words.
        self.query_one(KeyFooter).display = not self.spoken
        taskyard_app(self).engine_events.subscribe(self, self._on_engine_events)
        taskyard_app(self).announcements.subscribe(self, self._on_announcement)
        first = self.columns()[0] if self.columns() else None
        if first is not None:
            self._set_current(first)
        self._apply_hide_empty()  # screen-reader mode shows one column from the first frame
        self.update_context()
        self.load_board()

    def on_screen_suspend(self) -> None:
        """A dialog is on top: redraw the lists so the focus marker leaves the board."""
        for task_list in self.query(TaskList):
            task_list.refresh()

    def on_screen_resume(self) -> None:
        """Back on top: lists redraw their marker and the cursor returns to the card (R1)."""
        for task_list in self.query(TaskList):
            task_list.refresh()
        self.call_after_refresh(taskyard_app(self).place_cursor_on, self.focused)

    def columns(self) -> list[BoardColumn]:
        # The columns are composed once and never added or removed: query the DOM once (a
        # query walks the whole screen, and ``check_action`` asks for the current column on
        # every binding refresh).
        if self._columns is None:
            found = list(self.query(BoardColumn))
            if not found:  # not composed yet
                return found
            self._columns = found
        return list(self._columns)

    def column(self, status: TaskStatus) -> BoardColumn | None:
        try:
            return self.query_one(f"#column-{status.value}", BoardColumn)
        except NoMatches:
            return None

    @property
    def current_column(self) -> BoardColumn | None:
        return self._current

    @property
    def selected_card(self) -> TaskCard | None:
        column = self.current_column
        return column.task_list.selected if column else None

    def _set_current(self, column: BoardColumn, *, focus: bool = True) -> None:
        self._current = column
        if focus:
            column.task_list.focus(scroll_visible=False)  # scrolled just below, if needed
        self._scroll_into_view(column)

    def _scroll_into_view(self, column: BoardColumn) -> None:
        self.query_one(BoardColumns).scroll_to_column(column, self.columns())

    def update_context(self) -> None:
        """The line above the board: which project, filters and search are in force."""
        settings = taskyard_app(self).settings
        total = sum(c.count for c in self.columns())
        line = context_line(
            self.query_state,
            project_name=self.project_name,
            total=total,
            spoken=self.spoken,
            screen_reader_source=settings.screen_reader_source,
            off_screen=self.off_screen,
        )
        self.query_one("#board-context", Static).update(line)
        for index, column in enumerate(self.columns()):
            column.task_list.say_when_empty(
                empty_words(
                    self.query_state, board_total=total, first=index == 0, spoken=self.spoken
                )
            )

    def set_status(self, text: str, *, error: bool = False) -> None:
        """The line under the board: the last thing the user should read."""
        status = self.query_one("#board-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share the width between the shown columns; the current one stays in view."""
        shown = [c for c in self.columns() if c.display]
        if not shown:
            return
        self.query_one(BoardColumns).fit(shown, fallback_width=self.size.width)
        current = self.current_column
        if current is not None:
            self.call_after_refresh(self._scroll_into_view, current)

    @on(BoardColumns.OffScreen)
    def _off_screen_changed(self, event: BoardColumns.OffScreen) -> None:
        self.off_screen = (event.left, event.right)
        self.update_context()

    def _apply_hide_empty(self) -> None:
        self.query_one(BoardColumns).show_columns(
            self.columns(), self.current_column, hide_empty=self.hide_empty, only=self.spoken
        )
        self._fit_columns()

    # -- loading --------------------------------------------------------------------------
    @work(exclusive=True, group="load_board", exit_on_error=False)
    async def load_board(self) -> None:
        try:
            await self._load_board()
        finally:
            # The first frame waits for the first load (see ``TaskyardApp``), whatever it gave.
            taskyard_app(self).release_first_paint()

    async def _load_board(self) -> None:
        """Read the board again, with every window the columns have loaded, and show it:
        each column keeps its selection, or it moves to the task ``_follow`` names."""
        shown = [c.status for c in self.columns()]
        query = self.query_state.model_copy(update={"statuses": shown, "per_column": PAGE})
        # The first load may find the board already read (``read_board_early``); then it
        # needs no engine (one that opens after the first frame), unless it wants more below.
        view = None if self._loaded else await taskyard_app(self).early_board(query)
        if view is None and not await self._engine_opened():
            return
        try:
            if view is None:
                view = await (await taskyard_app(self).engine()).board(query)
            extra = await self._read_extra_windows(query)
            follow = self._follow
            position = None
            if follow is not None:
                engine = await taskyard_app(self).engine()
                position = await engine.card_position(query, follow)
        except TaskyardError as exc:
            taskyard_app(self).report_error(exc, title="Cannot read the board")
            self.set_status(f"{exc.message} {exc.hint or ''}".strip(), error=True)
            return
        self._show_view(view, extra)
        self.running_cards.reload()
        if follow is not None:
            self._follow = None
            if position is not None:
                await self._select_followed(query, *position)
        self._apply_hide_empty()
        self.update_context()
        if not self._loaded:
            self._first_loaded(view)

    async def _engine_opened(self) -> bool:
        """Whether the engine is open; if it failed to (the app reported it), say why here."""
        try:
            await taskyard_app(self).engine()
        except TaskyardError as exc:
            self.set_status(f"{exc.message} {exc.hint or ''}".strip(), error=True)
            return False
        return True

    async def _read_extra_windows(self, query: BoardQuery) -> dict[TaskStatus, list[Window]]:
        """Each column's loaded windows past the first, read again: a reload keeps them."""
        extra: dict[TaskStatus, list[Window]] = {}
        for column in self.columns():
            for offset in column.task_list.window_offsets():
                if offset:
                    engine = await taskyard_app(self).engine()
                    window = await engine.board_column(
                        query, column.status, offset=offset, limit=PAGE
                    )
                    extra.setdefault(column.status, []).append(
                        (offset, list(window.cards), window.count)
                    )
        return extra

    def _show_view(self, view: BoardView, extra: dict[TaskStatus, list[Window]]) -> None:
        """Hand each column its count and cards, keeping its selection where it can."""
        for col_view in view.columns:
            column = self.column(col_view.status)
            if column is None:
                continue
            task_list = column.task_list
            keep = task_list.selected
            keep_index = task_list.cursor
            column.set_count(col_view.count)
            task_list.replace(col_view.count, 0, list(col_view.cards))
            for offset, cards, count in extra.get(col_view.status, []):
                task_list.add_window(count, offset, cards)
            if keep is None or not task_list.select_id(keep.id):
                task_list.select_index(keep_index)

    async def _select_followed(self, query: BoardQuery, status: TaskStatus, index: int) -> None:
        """Go to the followed card's column and select it, reading its window if needed."""
        target = self.column(status)
        if target is None:
            return
        self._set_current(target, focus=self.app.focused is not None)
        if index >= PAGE:
            engine = await taskyard_app(self).engine()
            window = await engine.board_column(
                query, status, offset=(index // PAGE) * PAGE, limit=PAGE
            )
            target.task_list.add_window(window.count, window.offset, list(window.cards))
        target.task_list.select_index(index)

    def _first_loaded(self, view: BoardView) -> None:
        """After the first load: pipelines, the idle words, the live feed, focus."""
        self._loaded = True
        ready = self.column(TaskStatus.READY)
        if ready is not None:  # after the first frame: reading taskyard.toml costs a little
            ready.task_list.set_pipelines(taskyard_app(self).worker_pipelines())
        self.set_status(
            "Left and right change column; m moves a task; question mark lists every key."
            if self.spoken
            else "Ready. ? for every key, ctrl+p for every action."
        )
        taskyard_app(self).start_following_from(view.last_event_seq)
        if self.app.screen is self:
            self._focus_current()

    @on(TaskList.WindowNeeded)
    def _window_needed(self, event: TaskList.WindowNeeded) -> None:
        event.stop()
        self.load_window(event.task_list, event.offset, event.limit)

    @work(group="load_window", exit_on_error=False)
    async def load_window(self, task_list: TaskList, offset: int, limit: int) -> None:
        engine = await taskyard_app(self).engine()
        query = self.query_state.model_copy(update={"per_column": PAGE})
        try:
            window = await engine.board_column(query, task_list.status, offset=offset, limit=limit)
        except TaskyardError as exc:
            taskyard_app(self).report_error(exc, title="Cannot read the board")
            return
        task_list.add_window(window.count, offset, list(window.cards))

    def _on_engine_events(self, events: list[Event]) -> None:
        if self.spoken:
            for event in events:
                line = spoken_event(event)
                if line and not taskyard_app(self).said_already(event):
                    taskyard_app(self).report(line)
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_timer = self.set_timer(RELOAD_DELAY, self.load_board)

    def _on_announcement(self, entry: LogEntry) -> None:
        if entry.severity == "error" or self.spoken:
            self.set_status(entry.text, error=entry.severity == "error")

    # -- navigation -----------------------------------------------------------------------
    def action_focus_column(self, step: int) -> None:
        columns = [c for c in self.columns() if not (self.hide_empty and c.count == 0)]
        current = self.current_column
        if not columns or current is None:
            return
        index = columns.index(current) if current in columns else 0
        target = columns[max(0, min(len(columns) - 1, index + step))]
        if target is current:
            return
        row = current.task_list.cursor - int(current.task_list.scroll_y) // max(
            1, current.task_list.card_height
        )
        self._set_current(target)
        if self.hide_empty or self.spoken:  # otherwise every column shows whatever is current
            self._apply_hide_empty()
        target.task_list.select_index(
            int(target.task_list.scroll_y) // target.task_list.card_height + max(0, row)
        )

    @on(TaskList.Highlighted)
    def _highlighted(self, event: TaskList.Highlighted) -> None:
        column = self.column(event.task_list.status)
        if column is not None and event.task_list.has_focus and column is not self._current:
            self._set_current(column, focus=False)
        # Move and Edit are dimmed without a selected card (check_action): the footer must
        # follow when the selection appears (first load) or goes (an empty column). The
        # stable footer recomposes only when that actually changes what it shows.
        self.refresh_bindings()

    # -- actions on the selected card -----------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_card = {"move_card", "edit_task", "copy_ref", "run_now", "delete_task", "toggle_mark"}
        if action in {"choose_move", "assign"} and self.marks.cards:
            return True
        if action in {*on_card, "choose_move", "assign"} and self.selected_card is None:
            return None
        if action == "demo_project":  # a first look, offered while the board is empty only:
            # D deletes in the task detail, so it does nothing where there is a task to delete.
            return not any(c.count for c in self.columns())
        return True

    def action_move_card(self, step: int) -> None:
        card = self.selected_card
        if card is None:
            return
        index = BOARD_ORDER.index(card.status) + step
        if not 0 <= index < len(BOARD_ORDER):
            edge = "first" if step < 0 else "last"
            self.set_status(f"{card.ref} is in {card.status.label}, the {edge} state.")
            return
        self.move_task(card, BOARD_ORDER[index])

    def action_choose_move(self) -> None:
        card = self.selected_card
        if self.marks.cards:
            self.marks.choose_move()
            return
        if card is None:
            return
        from tui.modals.move import MoveChoice, MoveModal

        targets = move_targets(card.status, auto_approve=taskyard_app(self).auto_approve)

        def chosen(choice: MoveChoice | None) -> None:
            if choice is not None:
                self.move_task(card, choice.status, when_unblocked=choice.when_unblocked)

        self.app.push_screen(MoveModal(card, targets, spoken=self.spoken), chosen)

    @work(group="move_task", exit_on_error=False)
    async def move_task(
        self, card: TaskCard, status: TaskStatus, *, when_unblocked: bool = False
    ) -> None:
        from tui.moves import move_task

        outcome = await move_task(
            taskyard_app(self), card.ref, status, when_unblocked=when_unblocked
        )
        task = outcome.task
        if task is None:  # the refusal is reported, and so already in the status line
            return
        self.last_move = LastMove(card.ref, task.id, card.status, task.status, task.version)
        if self.spoken:  # said once, and kept in the message log with what the feed says
            taskyard_app(self).report(outcome.text)
        else:
            self.set_status(outcome.text)
        self._follow = task.id
        self.load_board()

    def action_new_task(self) -> None:
        from tui.modals.task_form import open_task_form

        column = self.current_column
        open_task_form(
            self.app,
            None,
            project=self.query_state.project,
            default_status=column.status if column else None,
        )

    def action_edit_task(self) -> None:
        card = self.selected_card
        if card is None:
            return
        from tui.modals.task_form import open_task_form

        open_task_form(self.app, card.ref, project=self.query_state.project)

    @on(TaskList.Opened)
    def _open(self, event: TaskList.Opened) -> None:
        from tui.screens.task_detail import TaskDetailScreen

        self.app.push_screen(TaskDetailScreen(event.card.ref))

    # -- search, filters, project ---------------------------------------------------------
    def action_search(self) -> None:
        self.query_one(SearchBox).open()

    @on(Input.Changed, "#board-search")
    def _search_changed(self, event: Input.Changed) -> None:
        text = event.value.strip() or None
        if text != self.query_state.text:
            self.query_state = self.query_state.model_copy(update={"text": text})
            if self._reload_timer is not None:
                self._reload_timer.stop()
            self._reload_timer = self.set_timer(0.15, self._filters_changed)

    @on(Input.Submitted, "#board-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._focus_current()

    def action_clear_search(self) -> None:
        if self.query_one(SearchBox).close():
            self._focus_current()
        else:
            self.marks.clear()

    def _focus_current(self) -> None:
        current = self.current_column
        if current is not None:
            current.task_list.focus()

    def _filters_changed(self) -> None:
        for column in self.columns():
            column.task_list.select_index(0)
            column.task_list.scroll_to(y=0, animate=False)
        self.update_context()
        self.load_board()

    def action_filters(self) -> None:
        from tui.modals.filters import FilterModal

        def chosen(query: BoardQuery | None) -> None:
            if query is not None:
                self.query_state = query
                self.query_one(SearchBox).show_text(query.text or "")
                self._filters_changed()

        self.app.push_screen(FilterModal(self.query_state), chosen)

    def action_switch_project(self) -> None:
        from tui.modals.project_picker import ProjectChoice, ProjectPickerModal

        def chosen(choice: ProjectChoice | None) -> None:
            if choice is not None:
                self.show_project(choice.slug, choice.name)

        self.app.push_screen(
            ProjectPickerModal(self.query_state.project, spoken=self.spoken), chosen
        )

    def show_milestone(self, slug: str | None) -> None:
        """Narrow the board to one milestone (``None``: any milestone), filters kept."""
        self.query_state = self.query_state.model_copy(update={"milestone": slug})
        self._filters_changed()

    def show_project(
        self, slug: str | None, name: str | None, *, milestone: str | None = None
    ) -> None:
        """Show one project's board (every project's for ``None``), of one ``milestone``."""
        update = {"project": slug, "milestone": milestone}
        self.query_state = self.query_state.model_copy(update=update)
        self.project_name = name
        self._filters_changed()

    def show_task(self, task_id: str) -> None:
        """Select a task wherever it is on the board (after an import, for example)."""
        self._follow = task_id
        self.load_board()

    def action_import_prd(self) -> None:
        self.app.switch_mode("import")

    def action_monitor(self) -> None:
        self.app.switch_mode("monitor")

    def action_quick_action(self) -> None:
        self.app.switch_mode("quick")

    def action_toggle_empty(self) -> None:
        self.hide_empty = not self.hide_empty
        self._apply_hide_empty()
        self.set_status("Empty columns hidden." if self.hide_empty else "Every column shown.")

    def action_reload_board(self) -> None:
        self.load_board()

    # -- conveniences (tui/board_actions.py) ----------------------------------------------
    def action_copy_ref(self) -> None:
        board_actions.copy_ref(self)

    def action_undo_move(self) -> None:
        board_actions.undo_move(self)

    def action_run_now(self) -> None:
        board_actions.run_now(self)

    def action_delete_task(self) -> None:
        board_actions.delete_task(self)

    def action_new_project(self) -> None:
        board_actions.new_project(self)

    def action_milestones(self) -> None:
        board_actions.milestones(self)

    def action_demo_project(self) -> None:
        self.run_worker(board_actions.add_demo(self), group="create", exit_on_error=False)

    def action_toggle_mark(self) -> None:
        self.marks.toggle()

    def action_assign(self) -> None:
        self.marks.choose_assignee()
