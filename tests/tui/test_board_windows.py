"""A column far longer than one window of cards: the board still shows every card it reaches.

``TaskList`` holds a column as windows of ``PAGE`` cards, asks for a window when a line
without a card comes into view (that line reads "loading…" meanwhile) and drops the windows
furthest from the cursor beyond ``MAX_PAGES``. Every test here uses the long board fixture
(tests/fixtures/long_board.py: ``LONG_COLUMN`` backlog cards titled by their position), so a
card shown in the wrong place, a window that never arrives or the wrong window dropped is a
visible difference, not an internal one.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from core.domain.commands import TaskPatch
from core.store.engine import SqlTaskEngine
from tests.fixtures.long_board import LONG_COLUMN, card_title
from tests.fixtures.tui import assert_cursor_on_title, screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.first_board import PAGE
from tui.settings import TuiSettings
from tui.widgets.task_list import MAX_PAGES, TaskList

LOADING = "loading…"


def long_app(url: str, *, spoken: bool = False) -> TaskyardApp:
    return make_app(
        TuiSettings(
            db=url,
            animations=False,
            embedded_workers=False,
            screen_reader=spoken,
            screen_reader_source="test",
        )
    )


def backlog(app: TaskyardApp) -> TaskList:
    task_list = app.focused
    assert isinstance(task_list, TaskList), task_list
    return task_list


async def shown_in_full(pilot: Pilot[Any], *titles: str) -> None:
    """Wait until every window on screen has arrived and ``titles`` are all on it."""
    app = pilot.app
    await wait_until(
        lambda: LOADING not in (text := screen_text(app)) and all(t in text for t in titles),
        pilot=pilot,
        message=lambda: f"expected {titles} and no {LOADING!r} on screen:\n{screen_text(app)}",
    )


def assert_selected(app: TaskyardApp, index: int) -> None:
    """The cursor is at ``index`` and the card there is the one imported at ``index``."""
    task_list = backlog(app)
    assert task_list.cursor == index
    assert task_list.selected is not None, f"card {index} is not loaded"
    assert task_list.selected.title == card_title(index)


async def test_end_and_home_show_the_last_and_first_cards_of_a_long_column(
    long_board_url: str,
) -> None:
    app = long_app(long_board_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert f"BACKLOG · {LONG_COLUMN}" in screen_text(app)
        await pilot.press("end")
        last = LONG_COLUMN - 1
        await shown_in_full(pilot, card_title(last), card_title(last - 1))
        assert_selected(app, last)
        assert_cursor_on_title(app)
        await pilot.press("home")
        await shown_in_full(pilot, card_title(0), card_title(1))
        assert_selected(app, 0)
        assert_cursor_on_title(app)


async def test_page_down_crosses_into_the_next_window(long_board_url: str) -> None:
    """In screen-reader form (one line a card) a page is ~35 cards: four pages pass card 100."""
    app = long_app(long_board_url, spoken=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        while backlog(app).cursor < PAGE + 10:
            await pilot.press("pagedown")
            index = backlog(app).cursor
            await shown_in_full(pilot, f"{index + 1} of {LONG_COLUMN}: LG-{index + 1} ")
            assert_selected(app, index)
            # The spoken line at the cursor names the card the cursor is on.
            assert f"{card_title(index)}," in screen_text(app)
        assert backlog(app).cursor // PAGE >= 1


async def test_a_change_made_elsewhere_reloads_the_window_deep_in_the_column(
    long_board_url: str,
) -> None:
    """At the end of the column, a rename made by another process shows there, in place."""
    app = long_app(long_board_url)
    last = LONG_COLUMN - 1
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await shown_in_full(pilot, card_title(last))
        near = last - 2  # on screen, two cards above the cursor
        engine = await SqlTaskEngine.open(long_board_url, actor="someone-else")
        try:
            await engine.update_task(
                f"LG-{near + 1}", TaskPatch(title="Renamed elsewhere"), expected_version=None
            )
        finally:
            await engine.close()
        await shown_in_full(pilot, "Renamed elsewhere", card_title(last))
        await settle(pilot)
        assert card_title(near) not in screen_text(app)
        assert_selected(app, last)
        assert_cursor_on_title(app)


async def test_walking_a_column_of_thousands_keeps_at_most_max_pages_windows(
    long_board_url: str,
) -> None:
    """Page down to the end of a column longer than ``MAX_PAGES`` windows, then home.

    The list drops the windows furthest from the cursor: the one the cursor is in stays, so
    every line on screen is a card, never "loading…", and at most ``MAX_PAGES`` windows are
    held. A tall terminal in screen-reader form shows ~150 cards a page, so 23 pages reach
    card 3,299.
    """
    assert LONG_COLUMN > (MAX_PAGES + 1) * PAGE
    app = long_app(long_board_url, spoken=True)
    async with app.run_test(size=(120, 160)) as pilot:
        await settle(pilot)
        while backlog(app).cursor < LONG_COLUMN - 1:
            await pilot.press("pagedown")
            index = backlog(app).cursor
            await shown_in_full(pilot, f"{card_title(index)},")
        assert_selected(app, LONG_COLUMN - 1)
        assert len(list(backlog(app).cards_loaded())) <= MAX_PAGES * PAGE
        await pilot.press("home")
        await shown_in_full(pilot, f"{card_title(0)},")
        assert_selected(app, 0)
        assert len(list(backlog(app).cards_loaded())) <= MAX_PAGES * PAGE
