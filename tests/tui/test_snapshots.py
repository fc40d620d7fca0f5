"""Snapshots of the board: what a reviewer must see is in each test's docstring.

Every source of nondeterminism is pinned: the demo database has fixed ids, refs and times,
the terminal size is fixed, animations are off, and no clock is shown on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.fixtures.tui import settle
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.settings import TuiSettings

SIZE = (120, 40)
loaded = settle  # what run_before waits for


def app_for(url: str, **settings: Any) -> TaskyardApp:
    return make_app(TuiSettings(db=url, animations=False, **settings))


class TestBoardSnapshots:
    def test_empty_board(self, snap_compare: Any, tmp_path: Path) -> None:
        """A brand-new database: seven columns with their names and "· 0" counts, each
        saying "(no tasks)"; the context line says "all projects · 0 tasks"; the footer
        lists the keys in words."""
        app = app_for(f"sqlite:///{tmp_path / 'empty.db'}")
        assert snap_compare(app, run_before=loaded, terminal_size=(230, 30))

    def test_demo_board(self, snap_compare: Any, demo_db_url: str) -> None:
        """The demo project: Backlog 6, Ready 2, In progress 0, In review 1, Done 1 on
        screen (Blocked and Cancelled are scrolled to the right, with a horizontal
        scrollbar). WEB-12 is selected in Backlog with the `›` marker; cards show the
        priority glyph and word, "⊘ blocked by N tasks", labels and @assignee."""
        assert snap_compare(app_for(demo_db_url), run_before=loaded, terminal_size=SIZE)

    def test_narrow_terminal(self, snap_compare: Any, demo_db_url: str) -> None:
        """70 columns wide after moving right twice: two whole columns (Ready, In progress)
        are shown at a readable width, not seven squashed ones; the horizontal scrollbar
        shows there is more; the focused In progress column has the highlighted border."""

        async def run_before(pilot: Pilot[int]) -> None:
            await loaded(pilot)
            await pilot.press("l", "l")
            await loaded(pilot)

        assert snap_compare(app_for(demo_db_url), run_before=run_before, terminal_size=(70, 30))

    def test_help(self, snap_compare: Any, demo_db_url: str) -> None:
        """The help dialog over the board: what the board shows, then a table of keys
        with the action in words, what it does, and the binding id for [keymap]."""

        async def run_before(pilot: Pilot[int]) -> None:
            await loaded(pilot)
            await pilot.press("question_mark")
            await loaded(pilot)

        assert snap_compare(app_for(demo_db_url), run_before=run_before, terminal_size=SIZE)

    def test_illegal_move_explained(self, snap_compare: Any, demo_db_url: str) -> None:
        """After shift+right on WEB-12 (blocked by two tasks): the line under the board, in
        the error style, says WEB-12 was not moved, names WEB-2 (in review) and WEB-7
        (ready), and says what to do next."""

        async def run_before(pilot: Pilot[int]) -> None:
            await loaded(pilot)
            await pilot.press("shift+right")
            await loaded(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(app_for(demo_db_url), run_before=run_before, terminal_size=SIZE)

    def test_screen_reader_mode(self, snap_compare: Any, demo_db_url: str) -> None:
        """Screen-reader mode: the first line says it is on and that --screen-reader turned
        it on; one column (Backlog, 6 tasks.) as numbered sentences; no borders, no
        footer glyphs; the last line tells how to move between columns."""
        app = app_for(demo_db_url, screen_reader=True, screen_reader_source="--screen-reader")
        assert snap_compare(app, run_before=loaded, terminal_size=SIZE)

    def test_high_contrast(self, snap_compare: Any, demo_db_url: str) -> None:
        """The high-contrast theme: white text on black, yellow focus border and selection,
        every card still readable; the same content as the demo board."""
        app = app_for(demo_db_url, theme="high-contrast")
        assert snap_compare(app, run_before=loaded, terminal_size=SIZE)

    def test_no_color(
        self, snap_compare: Any, demo_db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """NO_COLOR=1: no colours at all, yet the selected card keeps its `›` marker, the
        priority its glyph and word, and blocked cards say "⊘ blocked by N tasks"."""
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(app_for(demo_db_url), run_before=loaded, terminal_size=SIZE)

    def test_light_theme(self, snap_compare: Any, demo_db_url: str) -> None:
        """The light theme: dark text on light columns (titles, labels and the muted
        priority words all readable, none white on white); the selected card is white on
        dark blue."""
        app = app_for(demo_db_url, theme="taskyard-light")
        assert snap_compare(app, run_before=loaded, terminal_size=SIZE)
