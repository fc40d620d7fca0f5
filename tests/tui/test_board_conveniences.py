"""Board keys that users of lazygit, k9s and gh dash expect, driven with keys only."""

from __future__ import annotations

from core.domain.models import TaskStatus
from tests.fixtures.tui import assert_cursor_on_title, settle
from tui.app import TaskyardApp
from tui.screens.board import BoardScreen
from tui.widgets.task_list import TaskList

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
