"""The Tasks board, driven with keys only, checked the way a user would see it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from core.domain.commands import BoardQuery, ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.domain.views import BoardView
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import assert_cursor_on_title, screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.board_words import off_screen_words
from tui.first_board import first_board_query
from tui.modals.help import HelpModal
from tui.modals.message_log import MessageLogModal
from tui.modals.move import MoveModal
from tui.screens.board import BoardScreen
from tui.settings import TuiSettings
from tui.widgets.task_list import TaskList


def board(app: TaskyardApp) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def focused_list(app: TaskyardApp) -> TaskList:
    focused = app.focused
    assert isinstance(focused, TaskList), focused
    return focused


def status_line(app: TaskyardApp) -> str:
    return str(board(app).query_one("#board-status").render())


async def test_opening_shows_every_state_with_counts_and_cards(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        text = screen_text(demo_app)
        for heading in ("BACKLOG · 6", "READY · 2", "IN PROGRESS · 0", "IN REVIEW · 1"):
            assert heading in text
        assert "WEB-12" in text
        assert "Two-factor sign-in" in text
        assert "▲ high" in text  # priority as a glyph and the word
        assert "⊘ blocked by 2 tasks" in text  # blocked marker says by how many
        assert "#backend #auth  @ben" in text  # labels and assignee
        # The demo's ready cards have no command, and no pipeline is configured: no worker
        # would run them, and their cards say so.
        assert "∅ nothing to run  #tests" in text
        assert "(no tasks)" in text
        assert focused_list(demo_app).status == TaskStatus.BACKLOG
        assert_cursor_on_title(demo_app)


async def test_arrows_and_hjkl_move_the_selection_and_the_cursor_follows(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert focused_list(demo_app).selected.ref == "WEB-6"  # type: ignore[union-attr]
        assert_cursor_on_title(demo_app)
        await pilot.press("down", "k")
        assert focused_list(demo_app).selected.ref == "WEB-6"  # type: ignore[union-attr]
        await pilot.press("l")
        await settle(pilot)
        assert focused_list(demo_app).status == TaskStatus.READY
        assert_cursor_on_title(demo_app)
        await pilot.press("right", "right")
        await settle(pilot)
        assert focused_list(demo_app).status == TaskStatus.IN_REVIEW
        assert focused_list(demo_app).selected.ref == "WEB-2"  # type: ignore[union-attr]
        assert_cursor_on_title(demo_app)
        await pilot.press("left", "h", "end", "home")
        assert focused_list(demo_app).status == TaskStatus.READY


async def test_a_legal_move_changes_the_task_and_the_selection_follows_it(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")  # Ready: WEB-5 first
        await pilot.press("shift+left")
        await wait_until(
            lambda: "WEB-5 moved to backlog." in status_line(demo_app), timeout=5, pilot=pilot
        )
        await settle(pilot)
        task_list = focused_list(demo_app)
        assert task_list.status == TaskStatus.BACKLOG
        assert task_list.selected is not None
        assert task_list.selected.ref == "WEB-5"
        assert "READY · 1" in screen_text(demo_app)
        assert_cursor_on_title(demo_app)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        assert (await engine.get_task("WEB-5")).status == TaskStatus.BACKLOG
    finally:
        await engine.close()


async def test_an_illegal_move_is_refused_with_the_blockers_and_the_way_out(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert focused_list(demo_app).selected.ref == "WEB-12"  # type: ignore[union-attr]
        await pilot.press("shift+right")
        await wait_until(lambda: "not moved" in status_line(demo_app), timeout=5, pilot=pilot)
        line = status_line(demo_app)
        assert "WEB-12 cannot move to ready" in line
        assert "WEB-2" in line
        assert "in review" in line
        assert "WEB-7" in line
        assert "remove the dependency" in line  # what to do next
        # Kept in the message log, not only a toast.
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(demo_app.screen, MessageLogModal)
        assert "WEB-12 cannot move to ready" in screen_text(demo_app)
        assert "ERROR" in screen_text(demo_app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(demo_app.screen, BoardScreen)
        assert focused_list(demo_app).selected.ref == "WEB-12"  # type: ignore[union-attr]


async def test_the_message_log_wraps_long_messages(demo_app: TaskyardApp) -> None:
    """Review finding 22: at 80 columns a refusal is read to its end (its way out) in the log,
    wrapped, not cut at the dialog's edge."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("shift+right")  # WEB-12 is blocked: refused, with what to do next
        await wait_until(lambda: "not moved" in status_line(demo_app), timeout=5, pilot=pilot)
        await pilot.press("L")
        await wait_until(lambda: isinstance(demo_app.screen, MessageLogModal), pilot=pilot)
        await settle(pilot)
        log = demo_app.screen.query("RichLog, Log").first().region
        rows = screen_text(demo_app).splitlines()[log.y : log.bottom]
        text = " ".join(row[log.x : log.right] for row in rows)
        assert "remove the dependency" in " ".join(text.split())


async def test_a_toast_never_covers_the_status_line(demo_db_url: str) -> None:
    """Review finding 22: the toast of a refused move stands above the status line."""
    app = make_app(TuiSettings(db=demo_db_url, animations=False))
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("shift+right")
        await wait_until(lambda: bool(app.screen.query("Toast")), pilot=pilot)
        await settle(pilot)
        status = app.screen.query_one("#board-status").region
        for toast in app.screen.query("Toast"):
            assert not toast.region.overlaps(status), (toast.region, status)


async def test_the_move_menu_is_numbered_and_queues_a_blocked_task(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(demo_app.screen, MoveModal)
        text = screen_text(demo_app)
        # Review finding 17: the move that will be accepted first, the refused one says why.
        assert "1. Ready when unblocked" in text
        assert "2. Ready (refused now: blocked by 2 tasks not yet done)" in text
        assert "3. Cancelled" in text
        await pilot.press("1")
        await wait_until(
            lambda: "waiting in blocked" in status_line(demo_app), timeout=5, pilot=pilot
        )
        await settle(pilot)
        assert focused_list(demo_app).status == TaskStatus.BLOCKED
        assert focused_list(demo_app).selected.ref == "WEB-12"  # type: ignore[union-attr]
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        task = await engine.get_task("WEB-12")
        assert task.status == TaskStatus.BLOCKED
        assert task.blocked_reason is not None
        assert task.blocked_reason.kind == "dependencies"
    finally:
        await engine.close()


async def test_filters_narrow_the_board_and_say_so(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("tab", "tab")  # project -> milestone -> labels
        await pilot.press(*"security", "enter")
        await settle(pilot)
        text = screen_text(demo_app)
        assert "labels security" in text
        assert "BACKLOG · 2" in text
        assert "READY · 1" in text
        assert "Dark mode" not in text
        # A project that does not exist is explained next to its field.
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*"web-ap", "enter")
        await settle(pilot)
        text = screen_text(demo_app)
        assert "web-ap" in text
        assert "web-app" in text
        await pilot.press("escape")


async def test_search_finds_tasks_by_text_as_you_type(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"login")
        await pilot.pause(0.3)
        await settle(pilot)
        text = screen_text(demo_app)
        assert "search “login”" in text
        assert "Build the login API" in text
        assert "Dark mode" not in text
        await pilot.press("enter")
        assert isinstance(demo_app.focused, TaskList)
        await pilot.press("escape")
        await pilot.pause(0.3)
        await settle(pilot)
        assert "Dark mode" in screen_text(demo_app)


async def test_switching_project_shows_only_its_tasks(demo_db_url: str) -> None:
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        await engine.create_project(ProjectCreate(name="Ops", slug="ops", key="OPS"))
        await engine.create_task(TaskCreate(title="Rotate the certificates", project="ops"))
    finally:
        await engine.close()
    app = make_app(TuiSettings(db=demo_db_url, animations=False))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "Rotate the certificates" in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        text = screen_text(app)
        assert "1. All projects" in text
        assert "Ops  (OPS, ops)" in text
        await pilot.press("down", "down", "enter")  # All, Ops, Web App (by slug)
        await settle(pilot)
        text = screen_text(app)
        assert "Project: Web App" in text
        assert "Rotate the certificates" not in text


async def test_a_change_made_by_another_process_appears_without_losing_the_selection(
    demo_app: TaskyardApp, demo_db_url: str, tmp_path: Path
) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        before = focused_list(demo_app).selected
        assert before is not None
        env = {**os.environ, "TASKYARD_ACTOR": "cli-user"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "core.cli",
            "--db",
            demo_db_url,
            "task",
            "add",
            "Added from the CLI",
            "--project",
            "web-app",
            "--priority",
            "critical",
            env=env,
            stdout=subprocess.DEVNULL,
        )
        assert await proc.wait() == 0
        await wait_until(
            lambda: "Added from the CLI" in screen_text(demo_app), timeout=10, pilot=pilot
        )
        await settle(pilot)
        assert "BACKLOG · 7" in screen_text(demo_app)
        after = focused_list(demo_app).selected
        assert after is not None
        assert after.id == before.id


async def test_hiding_empty_columns(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "IN PROGRESS · 0" in screen_text(demo_app)
        await pilot.press("E")
        await settle(pilot)
        assert "IN PROGRESS" not in screen_text(demo_app)
        assert "Empty columns hidden." in status_line(demo_app)
        await pilot.press("l", "l")
        assert focused_list(demo_app).status == TaskStatus.IN_REVIEW  # skips the hidden one


async def test_help_lists_every_key_in_words_and_escape_returns_focus(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        opener = demo_app.focused
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(demo_app.screen, HelpModal)
        text = demo_app.screen.text
        for words in ("Create a task", "Move right", "Filter", "Switch project", "board.new-task"):
            assert words in text
        await pilot.press("escape")
        await settle(pilot)
        assert demo_app.focused is opener  # R5: focus goes back to the opener


async def test_narrow_terminal_scrolls_to_the_focused_column(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(70, 30)) as pilot:
        await settle(pilot)
        assert "BACKLOG" in screen_text(demo_app)
        await pilot.press("l", "l", "l", "l")
        await settle(pilot)
        text = screen_text(demo_app)
        assert "DONE · 1" in text
        assert "BACKLOG" not in text
        assert_cursor_on_title(demo_app)


async def test_a_narrow_board_shows_whole_columns_and_says_how_many_are_off_screen(
    demo_app: TaskyardApp,
) -> None:
    """Review finding 23: at 70 cells two columns fit whole (35 each, no sliver of a third);
    the context line counts the columns off screen on each side as the view moves."""

    def top_lines() -> tuple[str, str]:
        context, borders = screen_text(demo_app).splitlines()[:2]
        return context, borders

    async with demo_app.run_test(size=(70, 30)) as pilot:
        await settle(pilot)
        await wait_until(lambda: "5 columns right (→)" in top_lines()[0], pilot=pilot)
        borders = top_lines()[1]
        assert borders.count("╭") == 2, borders
        assert borders.rstrip().endswith("╮"), borders
        await pilot.press("l", "l")
        await wait_until(
            lambda: top_lines()[0].endswith("1 column left, 4 right (←/→)"), pilot=pilot
        )
        assert top_lines()[1].startswith("╭─ READY")
        await pilot.press("l", "l", "l", "l")
        await wait_until(lambda: top_lines()[0].endswith("5 columns left (←)"), pilot=pilot)
        await pilot.resize_terminal(220, 30)  # every column fits: nothing is said
        await wait_until(lambda: top_lines()[0].endswith("12 tasks"), pilot=pilot)


def test_off_screen_words() -> None:
    assert off_screen_words(0, 1) == "1 column right (→)"
    assert off_screen_words(2, 0) == "2 columns left (←)"
    assert off_screen_words(1, 4) == "1 column left, 4 right (←/→)"


async def test_keymap_from_the_config_remaps_keys_and_reports_unknown_ids(
    demo_db_url: str,
) -> None:
    settings = TuiSettings(
        db=demo_db_url, animations=False, keymap={"board.filters": "z", "board.nonsense": "x"}
    )
    app = make_app(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert any("board.nonsense" in e.text for e in app.message_log)
        await pilot.press("z")
        await settle(pilot)
        assert type(app.screen).__name__ == "FilterModal"


async def test_screen_reader_mode_reads_one_column_at_a_time(demo_db_url: str) -> None:
    settings = TuiSettings(
        db=demo_db_url,
        animations=False,
        screen_reader=True,
        screen_reader_source="TASKYARD_SCREEN_READER=1",
    )
    app = make_app(settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert (
            text.splitlines()[0]
            .strip()
            .startswith("Screen-reader mode on (TASKYARD_SCREEN_READER=1)")
        )
        assert "Backlog, 6 tasks." in text
        assert "Ready, 2 tasks." not in text  # never two columns side by side
        assert (
            "1 of 6: WEB-12 Two-factor sign-in, priority high, labels auth, security, "
            "assigned to ana, blocked by 2 tasks" in text
        )
        for ch in text:  # nothing decorative: no box drawing or block glyphs
            assert not 0x2500 <= ord(ch) <= 0x259F, ch
        await pilot.press("l")
        await settle(pilot)
        text = screen_text(app)
        assert "Ready, 2 tasks." in text
        assert "Backlog, 6 tasks." not in text
        _x, y = app.cursor_position
        assert "WEB-5 Fix flaky signup test" in text.splitlines()[y]
        # A move is announced once, as a plain line.
        await pilot.press("shift+left")
        await wait_until(
            lambda: any("WEB-5 moved to backlog" in e.text for e in app.message_log),
            timeout=5,
            pilot=pilot,
        )
        await settle(pilot)
        assert sum("WEB-5 moved to backlog" in e.text for e in app.message_log) == 1


_EARLY_READ = """
import asyncio, sys
from core.bootstrap import open_engine
from core.early_board import read_board_early
from tui.first_board import first_board_query
from tui.settings import TuiSettings

query = first_board_query(TuiSettings(db=sys.argv[1]))
early = read_board_early(sys.argv[1], actor=None, query=query)
assert early is not None


async def main() -> None:
    view = await early.result()
    engine = await open_engine(sys.argv[1])
    try:
        assert view == await engine.board(query), "the early board differs from the engine's"
    finally:
        await engine.close()
    print(sum(c.count for c in view.columns))


asyncio.run(main())
"""


def test_the_early_board_read_is_what_the_engine_answers(demo_db_url: str) -> None:
    """``read_board_early`` (a forked helper, as ``taskyard`` starts) gives ``board()``'s view.

    Run in a fresh interpreter: like ``taskyard``, it forks before any thread exists (the test
    process has pytest-xdist's threads).
    """
    out = subprocess.run(
        [sys.executable, "-c", _EARLY_READ, demo_db_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert int(out.stdout) > 0


class _GivenEarlyBoard:
    """An early read whose answer the test gives (the real one forks)."""

    def __init__(self, query: BoardQuery, view: BoardView | None) -> None:
        self.query = query
        self.view = view
        self.asked = 0

    async def result(self) -> BoardView | None:
        self.asked += 1
        return self.view


async def test_the_board_shows_an_early_read_then_opens_its_own_engine(
    demo_db_url: str,
) -> None:
    """The first frame shows the early read; the app's engine opens after it and takes over."""
    settings = TuiSettings(db=demo_db_url, animations=False)
    query = first_board_query(settings)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        view = await engine.board(query)
        # The early read is older than the database: a task added since must arrive through
        # the app's own engine, which follows the event log from the early read's snapshot.
        project = await engine.get_project("web-app")
        await engine.create_task(
            TaskCreate(project=project.slug, title="Added after the early read")
        )
    finally:
        await engine.close()
    early = _GivenEarlyBoard(query, view)
    app = make_app(settings, early_board=early)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await wait_until(
            lambda: "Added after the early read" in screen_text(app), timeout=10, pilot=pilot
        )
        assert "BACKLOG · 7" in screen_text(app)
    assert early.asked == 2  # the board's first load, and the app before opening its engine


async def test_an_early_read_for_another_query_is_not_used(demo_db_url: str) -> None:
    """The board asks for no early read that answers another query; only the app awaits it,
    once, before opening its engine. (The screen alone cannot tell: the event replay from
    ``last_event_seq=0`` reloads the board, so a wrongly used empty read would not show.)"""
    settings = TuiSettings(db=demo_db_url, animations=False)
    other = first_board_query(settings).model_copy(update={"text": "nothing matches this"})
    early = _GivenEarlyBoard(other, BoardView(columns=[], last_event_seq=0))
    app = make_app(settings, early_board=early)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "BACKLOG · 6" in screen_text(app)
    assert early.asked == 1  # the app before opening its engine; the board did not use it
