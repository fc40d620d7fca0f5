"""What an empty column says (review findings 18 and 30): on a new board, how to start; under
a filter, that the filter hides its tasks rather than that there are none."""

from __future__ import annotations

from pathlib import Path

from core.domain.commands import BoardQuery
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.board_words import empty_words
from tui.screens.board import BoardScreen
from tui.settings import TuiSettings


async def test_a_new_board_says_how_to_start(tmp_path: Path) -> None:
    app = make_app(TuiSettings(db=f"sqlite:///{tmp_path / 'new.db'}", animations=False))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        start = next(i for i, line in enumerate(lines) if "(no tasks yet:" in line)
        # The Backlog column's first cells, wrapped to its width, read on.
        column = " ".join(line[:30].strip(" │╭╮╰╯") for line in lines[start : start + 5])
        words = " ".join(column.split())
        assert (
            "(no tasks yet: n creates a task, i imports a PRD, p switches project, "
            "D adds a demo project)"
        ) in words, column


async def test_empty_columns_under_a_filter_say_none_match(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "(no tasks)" in screen_text(demo_app)  # IN PROGRESS is empty, no filter
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        board.query_state = board.query_state.model_copy(update={"text": "two-factor"})
        board._filters_changed()
        await wait_until(lambda: "(none match the filter)" in screen_text(demo_app), pilot=pilot)
        assert "(no tasks)" not in screen_text(demo_app)


def test_empty_words_in_screen_reader_form() -> None:
    query = BoardQuery(labels=["auth"])
    assert empty_words(query, board_total=3, first=True, spoken=True) == "None match the filter."
    assert empty_words(BoardQuery(), board_total=0, first=False, spoken=True) == "No tasks."
