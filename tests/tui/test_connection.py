"""The server link as the TUI tells it, fed with the follower's reports by hand.

The app runs on the demo SQLite database and is told it is remote (``watch_server``), so
these tests need no server; ``tests/remote/test_remote_tui.py`` runs the same paths against a
real one. What the user must meet: a line in words on every screen of a remote app (none on a
local one), one announcement per change of state, writes refused before they are sent while
the server is unreachable (a form keeping its text), and the re-login dialog on a refused
token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.modals.relogin import ReloginModal
from tui.modals.task_form import TaskFormModal
from tui.screens.board import BoardScreen
from tui.screens.quick_action import QuickActionScreen
from tui.settings import TuiSettings
from tui.widgets.connection_line import ConnectionLine

SERVER = "http://127.0.0.1:9"
SIZE = (160, 40)
DOWN = datetime(2026, 3, 2, 15, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Report:
    """A follower report (``core.remote.stream.ConnectionStatus``'s shape)."""

    state: str
    since: datetime = DOWN
    retry_in: float | None = None
    reason: str | None = None


def remote_demo(db_url: str, *, spoken: bool = False) -> TaskyardApp:
    app = make_app(TuiSettings(db=db_url, animations=False, screen_reader=spoken))
    app.connection.watch_server(SERVER)
    return app


def report(app: TaskyardApp, *states: str, retry_in: float | None = 4) -> None:
    """The follower's reports, in order (each but ``connected`` with a wait)."""
    for state in states:
        app.connection.report_status(
            Report(state, retry_in=None if state == "connected" else retry_in)
        )


def line_text(app: TaskyardApp) -> str:
    return str(app.screen.query_one(ConnectionLine).render())


def board_status(app: TaskyardApp) -> str:
    return str(app.screen.query_one("#board-status").render())


async def test_a_local_database_shows_no_connection_line(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not demo_app.screen.query(ConnectionLine)
        assert "Server:" not in screen_text(demo_app)


async def test_the_line_says_the_state_in_words_on_the_board_and_the_monitor(
    demo_db_url: str,
) -> None:
    app = remote_demo(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report(app, "connected")
        await pilot.pause()
        assert f"Server: connected to {SERVER}" in screen_text(app)
        report(app, "offline")
        await pilot.pause()
        assert "offline since" in line_text(app)
        assert "reconnecting in 4 s" in line_text(app) or "in 3 s" in line_text(app)
        await pilot.press("x")  # the monitor gets its own line, current from the start
        await settle(pilot)
        assert not isinstance(app.screen, BoardScreen)
        assert "offline since" in line_text(app)


async def test_offline_moves_are_refused_with_the_reason_and_nothing_is_sent(
    demo_db_url: str,
) -> None:
    app = remote_demo(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report(app, "connected", "offline")
        await pilot.press("l")  # Ready: WEB-5 first
        await pilot.press("shift+left")
        await wait_until(lambda: "not moved" in board_status(app), timeout=5, pilot=pilot)
        assert "Offline since" in board_status(app)
        assert "your change was not sent" in board_status(app)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        assert (await engine.get_task("WEB-5")).status == TaskStatus.READY
    finally:
        await engine.close()


async def test_an_offline_save_keeps_the_forms_text(demo_db_url: str) -> None:
    app = remote_demo(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report(app, "reconnecting", retry_in=2)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TaskFormModal)
        await pilot.press("end", *" again")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TaskFormModal)
        assert "your change was not sent" in screen_text(app)
        title = app.screen.query_one("#form-title").value  # type: ignore[attr-defined]
        assert title.endswith(" again")


async def test_each_change_is_announced_once_and_the_board_reads_again(
    demo_db_url: str,
) -> None:
    app = remote_demo(demo_db_url, spoken=True)
    reloads: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.engine_events.subscribe(app, lambda events: reloads.append(len(events)))
        start = len(app.message_log)
        app.connection.report_status(Report("connected"))
        for wait in (0.5, 1, 2, 4, 8):  # every attempt reports; only changes are said
            state = "reconnecting" if wait < 2 else "offline"
            app.connection.report_status(Report(state, retry_in=wait))
        app.connection.report_status(Report("connected"))
        await settle(pilot)
        said = [entry.text for entry in app.message_log[start:]]
        assert len(said) == 3, said
        assert said[0].startswith("Server: connection lost")
        assert said[1].startswith("Server: offline since")
        assert said[2].startswith("Server connected again")
        assert reloads == [0]  # "read everything again"
        # The line does not count down in screen-reader mode: it would be read every second.
        assert line_text(app) == f"Server: connected to {SERVER}"


async def test_a_refused_token_asks_to_log_in_again(demo_db_url: str) -> None:
    app = remote_demo(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.connection.report_status(Report("unauthorized", reason="the token was revoked"))
        await settle(pilot)
        assert isinstance(app.screen, ReloginModal)
        text = screen_text(app)
        assert f"taskyard login {SERVER}" in text
        assert "--token" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert "Server: unauthorized" in line_text(app)


async def test_an_offline_quick_action_is_not_started(demo_db_url: str) -> None:
    """A quick run is recorded on the server as it runs: while offline it does not start."""
    app = remote_demo(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report(app, "connected", "offline")
        await pilot.press("a")
        await wait_until(lambda: isinstance(app.screen, QuickActionScreen), pilot=pilot)
        await settle(pilot)
        await pilot.press(*"echo", "space", *"never-run", "ctrl+r")
        status = app.screen.query_one("#quick-status")
        await wait_until(lambda: "Not run: Offline since" in str(status.render()), pilot=pilot)
        assert "never-run" in screen_text(app)  # the prompt is still there to run again
