"""Board keys that users of lazygit, k9s and gh dash expect, driven with keys only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.containers import VerticalScroll

from core.domain.commands import TaskPatch
from core.domain.models import Task, TaskStatus
from core.errors import NotFoundError
from core.store.engine import SqlTaskEngine
from tests.fixtures.execution import (
    NOW,
    build_execution_database,
    frozen,
    open_frozen_engine,
)
from tests.fixtures.tui import assert_cursor_on_title, screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.board_running import running_words
from tui.modals.bulk_move import BulkMoveModal
from tui.modals.confirm import ConfirmModal
from tui.modals.filters import FilterModal
from tui.modals.help import HelpModal
from tui.modals.name_prompt import NameModal
from tui.screens.board import BoardScreen
from tui.settings import TuiSettings
from tui.widgets.task_list import TaskList
from tui.widgets.tick_box import TickBox

SIZE = (160, 40)


def focused_list(app: TaskyardApp) -> TaskList:
    focused = app.focused
    assert isinstance(focused, TaskList), focused
    return focused


def board(app: TaskyardApp) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def status_line(app: TaskyardApp) -> str:
    return str(board(app).query_one("#board-status").render())


async def test_g_and_shift_g_go_to_the_top_and_bottom_of_a_column(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        backlog = focused_list(demo_app)
        assert backlog.status == TaskStatus.BACKLOG
        await pilot.press("G")
        await settle(pilot)
        assert backlog.cursor == backlog.total - 1 > 0
        assert_cursor_on_title(demo_app)
        await pilot.press("g")
        await settle(pilot)
        assert backlog.cursor == 0
        assert_cursor_on_title(demo_app)


async def test_y_copies_the_ref_and_says_so(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert demo_app.clipboard == "WEB-12"
        assert "Copied WEB-12 to the clipboard." in status_line(demo_app)


async def test_u_undoes_the_last_move_through_the_engine(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "Nothing to undo" in status_line(demo_app)
        await pilot.press("l", "shift+left")  # WEB-5: ready -> backlog
        await wait_until(lambda: "WEB-5 moved to backlog." in status_line(demo_app), pilot=pilot)
        await settle(pilot)
        await pilot.press("u")
        await wait_until(lambda: "Undone: WEB-5" in status_line(demo_app), pilot=pilot)
        await settle(pilot)
        assert "WEB-5 is back in ready" in status_line(demo_app)
        selected = focused_list(demo_app).selected
        assert selected is not None
        assert selected.ref == "WEB-5"  # the selection followed
        assert focused_list(demo_app).status == TaskStatus.READY
        await pilot.press("u")  # one level: the undo itself is not undone
        await settle(pilot)
        assert "Nothing to undo" in status_line(demo_app)
    assert (await _task(demo_db_url, "WEB-5")).status == TaskStatus.READY


async def test_undo_refuses_when_the_task_changed_since_the_move(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "shift+left")  # WEB-5: ready -> backlog
        await wait_until(lambda: "WEB-5 moved to backlog." in status_line(demo_app), pilot=pilot)
        engine = await SqlTaskEngine.open(demo_db_url)  # someone else edits it meanwhile
        try:
            task = await engine.get_task("WEB-5")
            await engine.update_task("WEB-5", TaskPatch(title="Renamed"), expected_version=None)
        finally:
            await engine.close()
        await settle(pilot)
        await pilot.press("u")
        await wait_until(lambda: "not moved" in status_line(demo_app), pilot=pilot)
    after = await _task(demo_db_url, "WEB-5")
    assert after.status == TaskStatus.BACKLOG
    assert after.version == task.version + 1


async def test_d_deletes_the_task_after_asking(demo_app: TaskyardApp, demo_db_url: str) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_until(lambda: isinstance(demo_app.screen, ConfirmModal), pilot=pilot)
        assert "Delete WEB-12" in screen_text(demo_app)
        await pilot.press("enter")  # "Keep it" is highlighted: enter alone deletes nothing
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)
        await pilot.press("d")
        await wait_until(lambda: isinstance(demo_app.screen, ConfirmModal), pilot=pilot)
        await pilot.press("y")
        await wait_until(lambda: "WEB-12 deleted." in status_line(demo_app), pilot=pilot)
        await settle(pilot)
        assert "BACKLOG · 5" in screen_text(demo_app)  # six before
        assert_cursor_on_title(demo_app)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        with pytest.raises(NotFoundError):
            await engine.get_task("WEB-12")
    finally:
        await engine.close()


async def test_shift_r_runs_the_selected_task_now(demo_app: TaskyardApp, demo_db_url: str) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "R")  # WEB-5, first in ready
        await wait_until(lambda: "WEB-5 attempt 1" in status_line(demo_app), pilot=pilot)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        assert [run.attempt for run in await engine.runs_of("WEB-5")] == [1]
    finally:
        await engine.close()


async def test_new_project_and_milestone_from_the_board(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await wait_until(lambda: isinstance(demo_app.screen, NameModal), pilot=pilot)
        await pilot.press("enter")  # no name yet: said next to the field, nothing created
        await settle(pilot)
        assert "Error: type a name first." in screen_text(demo_app)
        await pilot.press(*"Mobile app", "enter")
        await wait_until(lambda: "Project Mobile app created" in status_line(demo_app), pilot=pilot)
        await settle(pilot)
        assert "Project: Mobile app" in screen_text(demo_app)
        await pilot.press("M")  # the milestones dialog: "New milestone…" is highlighted
        await wait_until(
            lambda: "enter creates the first one" in screen_text(demo_app), pilot=pilot
        )
        await pilot.press("enter")
        await wait_until(lambda: isinstance(demo_app.screen, NameModal), pilot=pilot)
        assert "New milestone in project Mobile app." in screen_text(demo_app)
        await pilot.press(*"Beta", "enter")
        await wait_until(lambda: "Milestone Beta created" in status_line(demo_app), pilot=pilot)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        project = await engine.get_project("mobile-app")
        assert [m.name for m in await engine.list_milestones(project.slug)] == ["Beta"]
    finally:
        await engine.close()


async def _task(url: str, ref: str) -> Task:
    engine = await SqlTaskEngine.open(url)
    try:
        return await engine.get_task(ref)
    finally:
        await engine.close()


async def test_a_running_card_says_its_step_time_and_worker(tmp_path: Path) -> None:
    """WEB-5 runs at step 2 of 3 on w-laptop-1 (tests/fixtures/execution.py), 9 min 53 s in."""
    url = f"sqlite:///{tmp_path / 'execution.db'}"
    await build_execution_database(url)
    app = make_app(TuiSettings(db=url, animations=False), lambda: open_frozen_engine(url))
    app.clock = frozen()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Seven columns at 160: the card shows the longest words that fit.
        await wait_until(lambda: "▶ running 9 min · 2/3" in screen_text(app), pilot=pilot)
        run = (await (await app.engine()).runs_of("WEB-5"))[-1]
    assert running_words(run, NOW, spoken=False)[0] == (
        "▶ running, step 2 of 3 implement · 9 min · worker w-laptop-1"
    )
    spoken = make_app(
        TuiSettings(db=url, animations=False, screen_reader=True),
        lambda: open_frozen_engine(url),
    )
    spoken.clock = frozen()
    async with spoken.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")  # In progress: one column at a time
        await wait_until(
            lambda: (
                "WEB-5 Fix flaky signup test, priority high, running, step 2 of 3 "
                "implement, started 12:00:48, worker w-laptop-1" in screen_text(spoken)
            ),
            pilot=pilot,
        )


async def test_screen_reader_filter_priorities_fit_the_dialog(demo_db_url: str) -> None:
    """Spoken, each box says its state in words: one per line, none past the dialog's edge."""
    app = make_app(TuiSettings(db=demo_db_url, animations=False, screen_reader=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await wait_until(lambda: isinstance(app.screen, FilterModal), pilot=pilot)
        await settle(pilot)
        dialog = app.screen.query_one(VerticalScroll).content_region
        boxes = list(app.screen.query(TickBox))
        assert len(boxes) == 4
        for box in boxes:
            assert box.region.right <= dialog.right, box.words
        assert len({box.region.y for box in boxes}) == 4  # one line each
        await pilot.press("escape")


async def test_help_footer_shows_its_keys_and_end_reaches_the_end(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_until(lambda: isinstance(demo_app.screen, HelpModal), pilot=pilot)
        await settle(pilot)
        footer = screen_text(demo_app).splitlines()[-1]
        for key in ("esc Close", "home Top", "end End"):
            assert key in footer
        assert "home and end go to its top and its end" in screen_text(demo_app)
        scroller = demo_app.screen.query_one("#help-scroll", VerticalScroll)
        await pilot.press("end")
        await settle(pilot)
        assert scroller.scroll_y == scroller.max_scroll_y > 0
        assert "Keys can be changed in the" in screen_text(demo_app)
        await pilot.press("home")
        await settle(pilot)
        assert scroller.scroll_y == 0


async def test_space_marks_cards_for_a_bulk_move(demo_app: TaskyardApp, demo_db_url: str) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "space")  # WEB-5 in ready
        await settle(pilot)
        assert "WEB-5 marked; 1 task marked: m moves them" in status_line(demo_app)
        assert "[x] WEB-5" in screen_text(demo_app)
        await pilot.press("j", "space")  # WEB-7
        await settle(pilot)
        assert "2 tasks marked" in status_line(demo_app)
        await pilot.press("m")
        await wait_until(lambda: isinstance(demo_app.screen, BulkMoveModal), pilot=pilot)
        assert "Move 2 marked tasks (WEB-5, WEB-7) to:" in screen_text(demo_app)
        await pilot.press(*"back", "enter")  # typing narrows this menu too
        await wait_until(lambda: "2 tasks moved to backlog." in status_line(demo_app), pilot=pilot)
        await settle(pilot)
        assert "[x]" not in screen_text(demo_app)  # the marks are spent
    for ref in ("WEB-5", "WEB-7"):
        assert (await _task(demo_db_url, ref)).status == TaskStatus.BACKLOG


async def test_bulk_assign_and_escape_clears_the_marks(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "j", "space", "j", "space", "space")  # WEB-12, WEB-6
        await settle(pilot)
        assert "2 tasks marked" in status_line(demo_app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Marks cleared." in status_line(demo_app)
        assert "[x]" not in screen_text(demo_app)
        await pilot.press("k", "space", "k", "space", "A")  # WEB-6, WEB-12
        await wait_until(lambda: isinstance(demo_app.screen, NameModal), pilot=pilot)
        assert "Assign WEB-6, WEB-12 to" in screen_text(demo_app)
        await pilot.press(*"dana", "enter")
        await wait_until(lambda: "2 tasks assigned to dana." in status_line(demo_app), pilot=pilot)
    for ref in ("WEB-6", "WEB-12"):
        assert (await _task(demo_db_url, ref)).assignee == "dana"


async def test_an_empty_board_offers_the_demo_project_and_d_adds_it(tmp_path: Path) -> None:
    """Review finding 18: the first start offers a next step, the demo project among them;
    D adds it and shows its board. Once the board has tasks D does nothing (in the task
    detail D deletes, so it must not surprise anyone on a full board)."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = make_app(TuiSettings(db=url, animations=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        backlog = screen_text(app).split("BACKLOG", 1)[1]
        words = " ".join(line.split("│")[1].strip() for line in backlog.splitlines()[1:6])
        assert "p switches project, D adds a demo project)" in words, words
        await pilot.press("D")
        await wait_until(lambda: "Demo project Web App added" in status_line(app), pilot=pilot)
        await wait_until(lambda: "Project: Web App" in screen_text(app), pilot=pilot)
        await settle(pilot)
        assert "Two-factor sign-in" in screen_text(app)
        assert "12 tasks" in screen_text(app)
        await pilot.press("D")  # the board has tasks now: nothing happens
        await settle(pilot)
        assert "Demo project not added" not in status_line(app)
    engine = await SqlTaskEngine.open(url)
    try:
        assert [p.slug for p in await engine.list_projects()] == ["web-app"]
        [milestone] = await engine.list_milestones("web-app")
        assert milestone.due_date is not None
        assert milestone.due_date > date.today()
    finally:
        await engine.close()
