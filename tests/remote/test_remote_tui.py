"""The TUI on a real ``taskyard serve`` subprocess through an outage: it shows the server is
gone, refuses changes instead of losing them, and comes back by itself with what others did.

The server is killed (SIGKILL, as a crash or a pulled cable: no goodbye on the stream) while
the board is open; a client writes to the database while it is down and another through the
server after it is restarted on the same port; the board must show both without a restart.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.remote.engine import HttpTaskEngine
from core.store.engine import SqlTaskEngine
from tests.fixtures.demo import build_demo_database
from tests.fixtures.remote import issue_tester_token
from tests.fixtures.servers import ServerProcess
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import remote_app
from tui.app import TaskyardApp
from tui.settings import TuiSettings
from tui.widgets.connection_line import ConnectionLine

SIZE = (160, 40)
RECOVERY = 90.0
"""Seconds for a restarted server to start (a subprocess on a loaded 2-core machine) and for
the follower's backoff (up to 30 s) to find it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def line(app: TaskyardApp) -> str:
    found = app.screen.query(ConnectionLine)
    return str(found.first().render()) if found else ""


def board_status(app: TaskyardApp) -> str:
    return str(app.screen.query_one("#board-status").render())


async def start_server(db_url: str, folder: Path, port: int) -> ServerProcess:
    # The last --port wins over ServerProcess's own "--port 0": the same port after a restart.
    return await asyncio.to_thread(ServerProcess, db_url, folder, "--port", str(port))


@pytest.mark.slow  # two server subprocesses and the follower's backoff: 15-60 s
async def test_the_board_goes_offline_and_recovers_with_every_change_made_meanwhile(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'served.db'}"
    await build_demo_database(db_url)
    secret = await issue_tester_token(db_url, empty_log=False)
    port = free_port()
    server = await start_server(db_url, tmp_path, port)
    app = remote_app(TuiSettings(animations=False), server.url, secret)
    other: HttpTaskEngine | None = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: "Server: connected" in line(app), pilot=pilot, timeout=30)
            await settle(pilot)
            assert "WEB-5" in screen_text(app)

            server.process.kill()
            await asyncio.to_thread(server.process.wait)
            await wait_until(lambda: "Server: offline since" in line(app), pilot=pilot, timeout=30)
            assert "WEB-5" in screen_text(app)  # the board stays readable from what it has

            await pilot.press("l", "shift+left")  # move WEB-5 (Ready) to backlog: refused
            await wait_until(lambda: "not sent" in board_status(app), pilot=pilot, timeout=10)

            # Another client writes straight to the database while the server is down.
            local = await SqlTaskEngine.open(db_url, actor="other")
            try:
                await local.create_task(TaskCreate(title="Written while down", project="web-app"))
            finally:
                await local.close()

            server = await start_server(db_url, tmp_path, port)
            other = await HttpTaskEngine.open(server.url, secret)
            await other.create_task(TaskCreate(title="Written after restart", project="web-app"))
            await other.transition_task("WEB-7", TaskStatus.BACKLOG)

            def recovered() -> bool:
                text = screen_text(app)
                return (
                    "Server: connected" in line(app)
                    and "Written while down" in text
                    and "Written after restart" in text
                    and "READY · 1" in text  # WEB-7 left Ready; WEB-5 did not move
                )

            await wait_until(
                recovered, pilot=pilot, timeout=RECOVERY, message=lambda: screen_text(app)
            )
            assert any("Server connected again" in entry.text for entry in app.message_log)
    finally:
        if other is not None:
            await other.close()
        await asyncio.to_thread(server.stop)
