"""``TaskyardApp``: modes, app-wide keys, the engine's lifetime and the live event feed.

The app opens its ``TaskEngine`` itself (snapshot tests run it in a fresh event loop) through
the factory it is given, follows the engine's event log in one long-lived worker and fans the
events out to screens through a ``Signal``. When the settings ask for it, it also runs an
embedded worker pool once the engine is open, and stops it (cancelling or finishing what it
runs, so nothing stays claimed) before the engine is closed. Everything the user is told
also lands in the message log, which ``L`` reopens: nothing important lives only in a
five-second toast.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from core.config import database_url, default_database_url, shown_database
from core.domain.commands import BoardQuery
from core.domain.models import Event
from core.domain.views import BoardView
from core.engine import TaskEngine
from core.errors import AuthenticationError, TaskyardError
from core.heap import frozen_heap
from tui.board_words import MOVE_EVENTS
from tui.commands import ScreenActions
from tui.connection import ConnectionWatch
from tui.embedded import EmbeddedPool, PoolFactory
from tui.first_board import EarlyRead, same_query
from tui.messages import LogEntry, Severity
from tui.screens.board import BoardScreen
from tui.settings import THEMES, TuiSettings, remember
from tui.themes import TASKYARD_THEMES

if TYPE_CHECKING:
    from core.orchestrator.config import OrchestratorConfig

EngineFactory = Callable[[], Awaitable[TaskEngine]]
STOP_GRACE = 5.0
"""Seconds running steps get to finish when the workers are switched off in the monitor."""
QUIT_GRACE = 1.0
"""Seconds they get when the app quits: quitting should not hang on a long step."""
Clock = Callable[[], datetime]
SWITCH_PAINT_DELAY = 0.1
"""Seconds after a mode switch when its screen is woken to paint (Textual holds 0.05 s)."""
FIRST_PAINT_HOLD = 1.5
"""Seconds the first frame waits for the board's data before the empty board is shown."""

HEAP_FREEZE_DELAY = 1.0
"""Seconds after the first frame before what start-up built is frozen (``core.heap``): the
first board's cards and screens are built by then, and the user sees no pause for it."""


def _now() -> datetime:
    return datetime.now(UTC)


class TaskyardApp(App[int]):
    """The taskyard board.

    | Key | Action |
    | :- | :- |
    | ? | Every key on this screen, with what it does |
    | ctrl+p | Command palette: every action by name |
    | L | The message log (every message of this session) |
    | q | Quit |
    """

    TITLE = "taskyard"
    COMMANDS = App.COMMANDS | {ScreenActions}
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "board": BoardScreen,
        "import": lambda: _prd_import_screen(),
        "monitor": lambda: _monitor_screen(),
        "quick": lambda: _quick_action_screen(),
    }
    DEFAULT_MODE = "board"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave taskyard"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key, explained"),
        # Priority: Textual moves focus on tab only once the key has bubbled up from the
        # focused widget, and keys that arrive meanwhile (a paste, a fast typist) are already
        # queued for the old field. Handled here, before any widget sees a key, focus has
        # moved by the time the next key is routed (review finding 28).
        Binding(
            "tab",
            "focus_next",
            "Next field",
            show=False,
            priority=True,
            id="app.focus-next",
            tooltip="Move to the next field or list, in reading order",
        ),
        Binding(
            "shift+tab",
            "focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="app.focus-previous",
            tooltip="Move to the previous field or list",
        ),
        Binding(
            "L",
            "message_log",
            "Messages",
            id="app.message-log",
            tooltip="Reopen every message of this session",
        ),
    ]

    def __init__(
        self,
        settings: TuiSettings,
        engine_factory: EngineFactory,
        *,
        clock: Clock = _now,
        pool_factory: PoolFactory | None = None,
        early_board: EarlyRead | None = None,
    ) -> None:
        self.settings = settings
        self._theme_kept = settings.theme
        """The theme the next start opens with, as far as this app knows."""
        self._engine_factory = engine_factory
        self._pool_factory = pool_factory
        self.pool: EmbeddedPool | None = None
        """The embedded worker pool while it runs; ``None`` when it is off."""
        self._asking_to_quit = False
        self._pool_lock: asyncio.Lock | None = None
        self._early_board = early_board
        """The first board, read before the app started; handed to the board once."""
        self._open_after = early_board
        """The app's own engine opens after this early read (and the first frame)."""
        self._first_paint_released = asyncio.Event()
        self._engine_future: asyncio.Future[TaskEngine] | None = None
        self.clock = clock
        self.message_log: list[LogEntry] = []
        """Every message shown this session, oldest first."""
        super().__init__(driver_class=_visible_cursor_driver() if settings.cursor_visible else None)
        self.engine_events: Signal[list[Event]] = Signal(self, "engine-events")
        """Published with each batch of new events; screens subscribe to stay current."""
        self.announcements: Signal[LogEntry] = Signal(self, "announcements")
        """Published with each message, for the screen-reader announcement line."""
        self.connection = ConnectionWatch(self, self, spoken=settings.screen_reader)
        """The server link (for a remote engine): its line, refusals and re-login."""
        self.last_event_seq = 0
        self._following = False
        self.auto_approve = False
        self.own_moves: Counter[str] = Counter()
        """Refs this session is moving in screen-reader mode: each move says itself, so the
        event feed does not say it a second time (``said_already``)."""
        """Whether in review can be skipped (``FEATURE_PRD_AUTO_APPROVE_REVIEW``)."""
        self.animation_level = "full" if settings.animations else "none"
        self._first_paint_hold = ExitStack()
        self._first_paint_timer: Timer | None = None
        self._first_paint_done = False
        self._heap = ExitStack()
        self._heap_given_back = False
        # No frame until the board has its cards (or FIRST_PAINT_HOLD passes): the empty
        # skeleton was a full render, and the layouts and frames between it and the data
        # cost as much again, all on the way to the frame the user is waiting for.
        self._first_paint_hold.enter_context(self.batch_update())

    # -- start and stop -------------------------------------------------------------------
    def on_mount(self) -> None:
        for theme in TASKYARD_THEMES:
            self.register_theme(theme)
        self.theme = self.settings.theme
        if self.settings.screen_reader:
            self.add_class("-screen-reader")
            self.report(
                "Screen-reader mode is on (turned on by "
                f"{self.settings.screen_reader_source}). Press question mark for every key."
            )
        self.mode_change_signal.subscribe(self, self._mode_changed)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        # The first screen comes on top without a screen change: it gets its line here.
        self.call_after_refresh(lambda: self.connection.show_on(self.screen))
        self.open_engine()
        self.apply_keymap()
        self._first_paint_timer = self.set_timer(FIRST_PAINT_HOLD, self.release_first_paint)

    def _mode_changed(self, _mode: str) -> None:
        """Paint the new mode's screen once Textual's switch delay is over.

        ``switch_mode`` holds updates for 50 ms (``delay_update``). A screen that goes idle
        within them skips its paint, and the refresh at the end of the delay finds it already
        marked dirty and does not wake it: the old screen stayed on the terminal until the next
        key (escape from PRD import or the monitor, seen in a real terminal). Waking it after
        the delay paints it.
        """
        self.set_timer(SWITCH_PAINT_DELAY, lambda: self.screen.check_idle())

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """A screen came on top (pushed, popped, a mode switched to): the cursor goes to what
        has focus there, once it is laid out (R1). A screen whose focus does not change sends
        no focus event, so nothing else would move the cursor off the screen it covered."""
        self.place_cursor_after_layout(screen.focused)
        self.connection.show_on(screen)

    def release_first_paint(self) -> None:
        """Let frames through: the board has its data, failed to get it, or took too long.

        Only the first call does anything: a second one (the hold's timer after the board
        loaded) must not schedule another frame on an idle screen.
        """
        if self._first_paint_done:
            return
        self._first_paint_done = True
        if self._first_paint_timer is not None:
            self._first_paint_timer.stop()
        self._first_paint_hold.close()
        self.call_after_refresh(self._first_paint_released.set)
        self.set_timer(HEAP_FREEZE_DELAY, self._freeze_heap)

    def _freeze_heap(self) -> None:
        """Keep what start-up built out of full collections: at 100k tasks they took up to
        160 ms each, eight in 200 key presses, and were the board's slowest keys. No
        collection first: that would be such a pause itself, with the board on screen."""
        if not self._heap_given_back:
            self._heap.enter_context(frozen_heap(collect=False))

    async def early_board(self, query: BoardQuery) -> BoardView | None:
        """The board read before the app started, once, if it answers ``query``."""
        early, self._early_board = self._early_board, None
        if early is None or not same_query(early.query, query):
            return None
        return await early.result()

    def apply_keymap(self) -> None:
        """Apply ``[keymap]`` from taskyard.toml, reporting ids that name no key."""
        keymap = self.settings.keymap
        if not keymap:
            return
        known = {b.id for b in self._all_bindings() if b.id}
        unknown = sorted(set(keymap) - known)
        for binding_id in unknown:
            self.report(
                f"[keymap] names {binding_id!r}, which is not a key of taskyard; ignored. "
                "Press question mark to see every key with its id.",
                severity="warning",
            )
        self.set_keymap({k: v for k, v in keymap.items() if k in known})

    def _all_bindings(self) -> list[Binding]:
        from tui.keys import all_bindings

        return all_bindings()

    def _future(self) -> asyncio.Future[TaskEngine]:
        """The engine-to-be, created on first use (inside the app's own event loop)."""
        if self._engine_future is None:
            self._engine_future = asyncio.get_running_loop().create_future()
        return self._engine_future

    @work(exclusive=True, group="open_engine", exit_on_error=False)
    async def open_engine(self) -> None:
        future = self._future()
        early = self._open_after
        if early is not None:
            # The first board is being read for us: open our engine after it is in (never
            # two schema upgrades at once) and after the first frame (the store's import and
            # the open are not in front of it).
            await early.result()
            await self._first_paint_released.wait()
        try:
            engine = await self._engine_factory()
        except TaskyardError as exc:
            future.set_exception(exc)
            where = "the server" if self.connection.remote else "the database"
            self.report_error(exc, title=f"Cannot open {where}")
            return
        self.auto_approve = bool(engine.state_machine().get("auto_approve", False))
        future.set_result(engine)
        if self.settings.embedded_workers and self._pool_factory is not None:
            await self.start_pool()

    # -- the embedded worker pool ---------------------------------------------------------
    def _lock(self) -> asyncio.Lock:
        if self._pool_lock is None:
            self._pool_lock = asyncio.Lock()
        return self._pool_lock

    async def start_pool(self) -> bool:
        """Start the embedded workers (after the engine is open); says what happened."""
        async with self._lock():
            if self.pool is not None:
                return True
            if self._pool_factory is None:
                self.report(
                    "This app was built without embedded workers; start `taskyard worker`.",
                    severity="warning",
                )
                return False
            try:
                engine = await self.engine()
                pool = self._pool_factory(engine)
                await pool.start()
            except TaskyardError as exc:
                self.report_error(exc, title="Embedded workers not started")
                return False
            self.pool = pool
        slots = f"{pool.slots} slot" + ("" if pool.slots == 1 else "s")
        db = self.settings.db
        where = shown_database(database_url(db) if db else default_database_url())
        self.report(f"Embedded workers on: {slots}, worker {pool.worker_id}, database {where}.")
        return True

    async def stop_pool(self, *, quiet: bool = False, grace: float = STOP_GRACE) -> None:
        """Stop the embedded workers: running steps get ``grace`` seconds, then they are
        killed and their runs recorded, so no task is left claimed."""
        async with self._lock():
            pool, self.pool = self.pool, None
            if pool is None:
                return
            try:
                await pool.stop(grace)
            except TaskyardError as exc:
                if not quiet:
                    self.report_error(exc, title="Embedded workers did not stop cleanly")
                return
        if not quiet:
            self.report("Embedded workers off: this app runs no tasks until they are on again.")

    def worker_config(self) -> OrchestratorConfig | None:
        """The orchestrator settings of taskyard.toml, as workers started here read them;
        ``None`` when they are invalid (the pool reports that when it starts)."""
        from core.orchestrator.config import OrchestratorConfig

        try:
            return OrchestratorConfig.from_config(self.settings.config)
        except TaskyardError:
            return None

    def worker_pipelines(self) -> tuple[str, ...] | None:
        """The pipelines taskyard.toml gives workers, so the monitor can tell which ready
        tasks none would run; ``None`` when the file's orchestrator settings are invalid.
        """
        config = self.worker_config()
        return None if config is None else tuple(config.pipelines)

    async def engine(self) -> TaskEngine:
        """The open engine, waiting for it if it is still opening.

        Raises:
            TaskyardError: the engine could not be opened.
        """
        return await asyncio.shield(self._future())

    async def on_unmount(self) -> None:
        self._heap_given_back = True
        self._heap.close()
        # The pool first: its running steps are cancelled and their runs recorded while the
        # engine is still open, so nothing is left claimed until a lease expires.
        await self.stop_pool(quiet=True, grace=QUIT_GRACE)
        future = self._engine_future
        if (
            future is not None
            and future.done()
            and not future.cancelled()
            and future.exception() is None
        ):
            await future.result().close()

    # -- the live feed ---------------------------------------------------------------------
    def start_following_from(self, seq: int) -> None:
        """Follow the event log after ``seq`` (the first board snapshot); later calls no-op.

        Starting from the snapshot's sequence number, not from 0, means a database with a long
        history does not replay it, and nothing committed after the snapshot is missed.
        """
        if self._following:
            return
        self._following = True
        self.last_event_seq = seq
        self.follow_events(seq)

    @work(exclusive=True, group="follow_events", exit_on_error=False)
    async def follow_events(self, since: int) -> None:
        engine = await self.engine()
        try:
            async for event in engine.follow_events(since=since):
                self.last_event_seq = event.seq
                self.engine_events.publish([event])
        except AuthenticationError:
            if not self.connection.remote:
                raise
            # The server refused the token: the connection line and the re-login dialog
            # say so (``ConnectionWatch``); the feed resumes when an engine replaces this one.

    def reread_everything(self) -> None:
        """Every screen reads its data again (an empty batch of events means "anything may
        have changed"): the link came back after events it may not have replayed."""
        self.engine_events.publish([])

    async def replace_engine(self, engine: TaskEngine) -> None:
        """Use ``engine`` from now on (the same server, a new token): the feed follows it from
        the last event seen, every screen reads again, and the old engine is closed."""
        old = self._engine_future
        self._engine_future = asyncio.get_running_loop().create_future()
        self._engine_future.set_result(engine)
        self._following = False
        self.start_following_from(self.last_event_seq)
        self.reread_everything()
        if old is not None and old.done() and not old.cancelled() and old.exception() is None:
            await old.result().close()

    # -- telling the user ------------------------------------------------------------------
    def report(
        self, text: str, *, severity: Severity = "information", title: str | None = None
    ) -> None:
        """Tell the user something: a toast (or an announcement line) and the message log."""
        entry = LogEntry(self.clock(), severity, f"{title}: {text}" if title else text)
        self.message_log.append(entry)
        self.announcements.publish(entry)
        if not self.settings.screen_reader:
            self.notify(text, title=title or "", severity=severity)

    def said_already(self, event: Event) -> bool:
        """Whether ``event`` is a move this session made and has already said (once each)."""
        ref = str(event.payload.get("ref"))
        if event.type not in MOVE_EVENTS or self.own_moves[ref] <= 0:
            return False
        self.own_moves[ref] -= 1
        return True

    def report_error(self, exc: TaskyardError, *, title: str | None = None) -> None:
        """Report an engine error with its hint."""
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        self.report(text, severity="error", title=title)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Keep the terminal cursor on whatever has focus (R1: screen readers follow it).

        Lists place it on their highlighted item themselves (``place_cursor``), and Textual's
        text inputs place it at the caret; anything else gets it at its top-left corner.
        A text input does that when it gets focus, from its region before the form scrolls it
        into view, so it is placed again at the caret once that scroll is laid out; otherwise
        the cursor stays above a field that tab has scrolled to.
        """
        widget = event.widget
        if hasattr(widget, "place_cursor"):
            return
        if isinstance(widget, Input | TextArea):
            self.place_cursor_after_layout(widget)
            return
        self.call_after_refresh(self.place_cursor_on, widget)

    def place_cursor_after_layout(self, widget: Widget | None) -> None:
        """Re-place the cursor on ``widget`` once the content above it has been laid out.

        New content (a reloaded detail, a longer description) can take two refreshes to
        settle: the first lays out the changed widgets, the second the ones they pushed down.
        """
        self.call_after_refresh(lambda: self.call_after_refresh(self.place_cursor_on, widget))

    def place_cursor_on(self, widget: Widget | None) -> None:
        """Put the terminal cursor where ``widget`` (focused) wants it: its item, its caret,
        or its top-left corner. Screens call this when they come back on top (R1)."""
        if widget is None or not widget.has_focus or not widget.is_mounted:
            return
        if widget.screen is not self.screen:  # a screen behind, or in another mode
            return
        place = getattr(widget, "place_cursor", None)
        if callable(place):
            place()
            return
        if isinstance(widget, Input | TextArea):
            where = widget.cursor_screen_offset
        else:
            region = widget.content_region
            where = Offset(region.x, region.y)
        if where != self.cursor_position:  # an unchanged screen writes nothing (R10)
            self.cursor_position = where
            self.refresh()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported, never shown as a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, TaskyardError):
            self.report_error(error)
            return
        self.report(
            f"Something went wrong ({type(error).__name__}: {error}). The board is still "
            "usable; if this repeats, run with TASKYARD_DEBUG=1 and report the message log.",
            severity="error",
            title="Unexpected error",
        )

    # -- themes ----------------------------------------------------------------------------
    def search_themes(self) -> None:
        """The palette's theme list (``ctrl+p`` → theme): the themes ``--theme`` accepts."""
        from textual.command import CommandPalette

        from tui.commands import ThemeChoices

        self.push_screen(CommandPalette(providers=[ThemeChoices], placeholder="Search for themes…"))

    def watch_theme(self, name: str) -> None:
        """A theme picked in the palette is kept for the next start (``remember_in``)."""
        path = self.settings.remember_in
        if path is None or name == self._theme_kept or name not in THEMES:
            return
        self._theme_kept = name
        try:
            remember(path, "theme", name)
        except OSError as exc:
            self.report(
                f"Theme {name} for this session: it cannot be kept for the next start "
                f"({exc.strerror or exc}).",
                severity="warning",
            )
            return
        source = self.settings.theme_source
        later = f", but {source} chooses the next start's theme" if source else ""
        self.report(f"Theme {name}, remembered in {path}{later}.")

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab is left to a text area that indents with it (``tab_behavior="indent"``)."""
        if action in {"focus_next", "focus_previous"}:
            focused = self.focused
            return not (isinstance(focused, TextArea) and focused.tab_behavior == "indent")
        return True

    def action_help(self) -> None:
        from tui.modals.help import HelpModal

        self.push_screen(HelpModal(self.screen, spoken=self.settings.screen_reader))

    def action_message_log(self) -> None:
        from tui.modals.message_log import MessageLogModal

        self.push_screen(MessageLogModal(self.message_log))

    async def action_quit(self) -> None:
        """Leave taskyard; with steps running in this app's workers, ask first.

        Quitting stops those steps (after ``QUIT_GRACE``): an agent an hour into its work
        would start over, so one key press must not do it unasked.
        """
        pool = self.pool
        refs = [] if pool is None else pool.running_refs
        if not refs:
            self.exit()
            return
        if self._asking_to_quit:
            return
        from tui.modals.confirm import ConfirmModal

        shown = ", ".join(refs[:4]) + (f" and {len(refs) - 4} more" if len(refs) > 4 else "")
        if len(refs) == 1:
            what = f"1 task is running in this app's workers ({shown}). Quitting stops its "
            what += "step and puts the task back in ready, to start again from the beginning"
        else:
            what = f"{len(refs)} tasks are running in this app's workers ({shown}). Quitting "
            what += "stops their steps and puts the tasks back in ready, to start again"
        question = f"{what} (no failed attempt is used). Quit anyway?"

        def answered(quit_anyway: bool | None) -> None:
            self._asking_to_quit = False
            if quit_anyway:
                self.exit()

        self._asking_to_quit = True
        self.push_screen(
            ConfirmModal(question, yes="Quit and stop them", no="Keep them running"), answered
        )


def _monitor_screen() -> Screen[Any]:
    """The execution monitor, imported on first use."""
    from tui.screens.monitor import ExecutionMonitorScreen

    return ExecutionMonitorScreen()


def _quick_action_screen() -> Screen[Any]:
    """The quick action screen, imported on first use."""
    from tui.screens.quick_action import QuickActionScreen

    return QuickActionScreen()


def _prd_import_screen() -> Screen[Any]:
    """The PRD import screen, imported on first use (start-up does not pay for it)."""
    from tui.screens.prd_import import PrdImportScreen

    return PrdImportScreen()


def _visible_cursor_driver() -> type | None:
    """A driver that keeps the terminal cursor visible (for braille and screen readers)."""
    import sys

    if sys.platform == "win32":  # pragma: no cover - Textual's Windows driver differs
        return None
    from tui.cursor_driver import VisibleCursorDriver

    return VisibleCursorDriver
