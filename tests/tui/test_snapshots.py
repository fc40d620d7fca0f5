"""Snapshots of the board: what a reviewer must see is in each test's docstring.

Every source of nondeterminism is pinned: the demo database has fixed ids, refs and times,
the terminal size is fixed, animations are off, and no clock is shown on screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
        """A brand-new database: seven columns with their names and "· 0" counts; Backlog
        says how to start ("(no tasks yet: n creates a task, i imports a PRD, p switches
        project, D adds a demo project)", wrapped), the others "(no tasks)"; the context
        line says "all projects · 0 tasks"; the footer lists the keys in words."""
        app = app_for(f"sqlite:///{tmp_path / 'empty.db'}")
        assert snap_compare(app, run_before=loaded, terminal_size=(230, 30))

    def test_demo_board(self, snap_compare: Any, demo_db_url: str) -> None:
        """The demo project at 120 columns: four columns of 30 cells on screen (Backlog 6,
        Ready 2, In progress 0, In review 1); Done, Blocked and Cancelled are off to the
        right, which the horizontal scrollbar shows and the context line says ("12 tasks ·
        3 columns right (→)"). WEB-12 is selected in Backlog with the
        `›` marker; cards show the priority glyph and word, "⊘ blocked by N tasks", labels
        and @assignee."""
        assert snap_compare(app_for(demo_db_url), run_before=loaded, terminal_size=SIZE)

    def test_narrow_terminal(self, snap_compare: Any, demo_db_url: str) -> None:
        """70 columns wide after moving right twice: two whole columns of 35 cells (Ready,
        In progress), not seven squashed ones nor a sliver of a third; the horizontal
        scrollbar shows there is more and the context line says how many ("1 column left,
        4 right (←/→)"); the focused In progress column has the highlighted border. The
        footer shows the keys that fit whole (up to "p Project") and the palette key."""

        async def run_before(pilot: Pilot[int]) -> None:
            await loaded(pilot)
            await pilot.press("l", "l")
            await loaded(pilot)

        assert snap_compare(app_for(demo_db_url), run_before=run_before, terminal_size=(70, 30))

    def test_help(self, snap_compare: Any, demo_db_url: str) -> None:
        """The help dialog over the board: a first line saying how to move around the help
        (home and end, escape, ? or q), what the board shows, then a table of keys with the
        action in words, what it does (never an empty cell), and the binding id for [keymap]
        (y Copy ref and d / del Delete among them); the footer reads "home Top end End esc
        Close"."""

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
        footer glyphs; the last line tells how to move between columns. WEB-11's sentence
        is too long for the line: it ends after a whole clause with ", …" ("assigned to
        dev, …"), never mid-word."""
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


class TestExecutionSnapshots:
    """The execution screens on fixed data (tests/fixtures/execution.py) with a frozen clock:
    every time, elapsed time and heartbeat age is the same on every run, and no embedded
    workers run."""

    @staticmethod
    def execution_app(tmp_path: Path, **settings: Any) -> TaskyardApp:
        import asyncio

        from tests.fixtures.execution import build_execution_database, frozen, open_frozen_engine

        url = f"sqlite:///{tmp_path / 'execution.db'}"
        asyncio.run(build_execution_database(url))
        return make_app(
            TuiSettings(db=url, animations=False, **settings),
            lambda: open_frozen_engine(url),
            clock=frozen(),
        )

    @staticmethod
    def after_keys(*keys: str, quiet: bool = False) -> Callable[[Pilot[int]], Awaitable[None]]:
        """A ``run_before`` that presses ``keys`` (letting the screen settle after each), then
        gives the live followers their first read; ``quiet`` clears the notifications."""

        async def run_before(pilot: Pilot[int]) -> None:
            await loaded(pilot)
            for key in keys:
                await pilot.press(key)
                await loaded(pilot)
            await pilot.pause(0.3)  # the output and event followers' first read
            await loaded(pilot)
            if quiet:
                pilot.app.clear_notifications()

        return run_before

    def test_task_detail_with_runs_and_output(self, snap_compare: Any, tmp_path: Path) -> None:
        """WEB-5 opened from the monitor's running list: "Runs (1): attempt 1 is running";
        the Run now line says "not now, it is running already", Retry says when it applies,
        Cancel is offered; the run reads "▶ attempt 1 · running, step 2 of 3 · implement ·
        worker w-laptop-1 · 09:53"; step 1 plan succeeded (3 changes), step 2 implement is
        running, "1 more step to come"; the output box shows five lines, the last one
        "stderr: warning: slow test (2.1 s)"."""

        app = self.execution_app(tmp_path)
        assert snap_compare(app, run_before=self.after_keys("x", "enter"), terminal_size=SIZE)

    def test_execution_monitor(self, snap_compare: Any, tmp_path: Path) -> None:
        """The monitor: "embedded workers off" in the heading; 1 queued, 1 running, last hour
        1 completed; Queue: WEB-7 ▲ high, "nothing to run: it has no command and feature
        tasks have no pipeline (add an sh code block to its description, or
        [pipelines.feature] to taskyard.toml)" (the demo board configures none); Running
        (focused, highlighted): WEB-5 at "running, step 2 of 3 · implement · worker
        w-laptop-1 · 09:53 · last: warning: slow test (2.1 s)"; Workers: "● w-laptop-1 ·
        active · heartbeat 4 s ago · 1 of 2 slots busy"; Recent: "✓ WEB-13 Smoke test the
        login page · attempt 1 · succeeded, exit code 0"; the output of WEB-5 below; the
        footer lists Pause/resume (dimmed: no embedded workers), Workers on/off, Cancel task,
        Quick action."""

        app = self.execution_app(tmp_path)
        assert snap_compare(app, run_before=self.after_keys("x"), terminal_size=SIZE)

    def test_execution_monitor_screen_reader(self, snap_compare: Any, tmp_path: Path) -> None:
        """Screen-reader mode: no borders, no footer; every section one under the other with
        a heading in words ("Queue, in the order workers take it: 1 task"); rows read "1 of
        1: …", WEB-7's reason in words ("an sh code block", no backticks); the running task
        says "running, step 2 of 3" and "started 12:00:48" instead of a ticking elapsed time;
        the worker line has no heartbeat age ("w-laptop-1, active, 1 of 2 slots busy")."""

        app = self.execution_app(
            tmp_path, screen_reader=True, screen_reader_source="--screen-reader"
        )
        run_before = self.after_keys("x", quiet=True)
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)

    def test_quick_action(self, snap_compare: Any, tmp_path: Path) -> None:
        """Quick action: the label "One-off run — not on the board unless you promote it" on
        top; an empty prompt box with the cursor in it; the numbered profiles, "1. shell
        (chosen): runs the text as a shell command, the default" first; the output of the
        last quick run (" M api/auth/login.py", "?? notes.md"); the recent list with "✓
        12:01:15 shell · git status --short · succeeded, exit code 0"; the footer shows Run,
        Promote to task, and Stop and Go to task dimmed."""

        app = self.execution_app(tmp_path)
        assert snap_compare(app, run_before=self.after_keys("a"), terminal_size=SIZE)
