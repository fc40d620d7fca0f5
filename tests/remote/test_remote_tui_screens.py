"""The TUI's screens on one real ``taskyard serve`` subprocess, shared by the module.

The server runs on the demo database; each test makes its own task through a second client
(``other``) and finds it with the board's search, so the tests do not depend on each other's
changes. What each checks is what a user does locally, now over HTTP: read the board and a
task, move a card, edit with someone else saving first (412, the merge dialog), the monitor,
and a revoked token (the re-login dialog, then a pasted token that works).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from textual.pilot import Pilot

from core.domain.access import TokenCreate, TokenScope
from core.domain.commands import TaskCreate, TaskPatch
from core.domain.models import Priority, Task, TaskStatus
from core.remote.engine import HttpTaskEngine
from tests.fixtures.demo import build_demo_database
from tests.fixtures.remote import issue_tester_token
from tests.fixtures.servers import ServerProcess
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import remote_app
from tui.app import TaskyardApp
from tui.modals.conflict import ConflictModal
from tui.modals.relogin import ReloginModal
from tui.modals.task_form import TaskFormModal
from tui.screens.board import BoardScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.settings import TuiSettings
from tui.widgets.connection_line import ConnectionLine

SIZE = (160, 40)


@dataclass(frozen=True)
class Served:
    url: str
    secret: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server subprocess on the demo database for the whole module (its start costs
    seconds on a loaded machine; each test works on tasks of its own)."""
    folder = tmp_path_factory.mktemp("served-tui")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    asyncio.run(build_demo_database(db_url))
    secret = asyncio.run(issue_tester_token(db_url, empty_log=False))
    server = ServerProcess(db_url, folder)
    try:
        yield Served(server.url, secret)
    finally:
        server.stop()


@pytest.fixture
async def other(served: Served) -> AsyncIterator[HttpTaskEngine]:
    """Another client of the same server: the colleague whose changes the board must show."""
    engine = await HttpTaskEngine.open(served.url, served.secret)
    try:
        yield engine
    finally:
        await engine.close()


def app_on(served: Served, token: str | None = None) -> TaskyardApp:
    return remote_app(TuiSettings(animations=False), served.url, token or served.secret)


async def probe(other: HttpTaskEngine, what: str, **fields: Any) -> Task:
    """A backlog task with a title no other test uses."""
    title = f"{what} {uuid.uuid4().hex[:6]}"
    return (await other.create_task(TaskCreate(title=title, project="web-app", **fields))).task


async def open_board(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_until(
        lambda: (
            "Server: connected" in str(app.screen.query_one(ConnectionLine).render())
            if app.screen.query(ConnectionLine)
            else False
        ),
        pilot=pilot,
        timeout=30,
    )
    await settle(pilot)


async def select(pilot: Pilot[Any], task: Task) -> None:
    """Search the board for ``task`` (in backlog, the first column) and select it.

    Only the title's unique tail is typed: each key is a search of the board.
    """
    await pilot.press("slash", *task.title.split()[-1], "enter")
    await wait_until(lambda: task.ref in screen_text(pilot.app), pilot=pilot, timeout=10)
    await settle(pilot)


def board_status(app: TaskyardApp) -> str:
    return str(app.screen.query_one("#board-status").render())


async def test_the_board_and_a_tasks_detail_over_http(
    served: Served, other: HttpTaskEngine
) -> None:
    task = await probe(other, "Detail probe", description="Read from the server")
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        assert "WEB-5" in screen_text(app)  # the demo board, read through the API
        await select(pilot, task)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, TaskDetailScreen), pilot=pilot)
        await settle(pilot)
        text = screen_text(app)
        assert task.title in text
        assert "Read from the server" in text
        assert "Server: connected" in text  # the detail screen has its line too
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, BoardScreen), pilot=pilot)


async def test_a_move_goes_through_the_server(served: Served, other: HttpTaskEngine) -> None:
    task = await probe(other, "Move probe")
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await select(pilot, task)
        await pilot.press("shift+right")
        await wait_until(
            lambda: f"{task.ref} moved to ready" in board_status(app), pilot=pilot, timeout=10
        )
    assert (await other.get_task(task.ref)).status == TaskStatus.READY


async def test_an_edit_after_someone_elses_save_opens_the_merge_dialog(
    served: Served, other: HttpTaskEngine
) -> None:
    task = await probe(other, "Conflict probe", priority=Priority.LOW)
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await select(pilot, task)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, TaskFormModal), pilot=pilot)
        await settle(pilot)
        await pilot.press("end", "space", "v", "2")
        await other.update_task(
            task.ref, TaskPatch(priority=Priority.CRITICAL), expected_version=None
        )
        await pilot.press("ctrl+s")  # If-Match names the old version: 412
        await wait_until(lambda: isinstance(app.screen, ConflictModal), pilot=pilot, timeout=10)
        dialog = app.screen
        assert isinstance(dialog, ConflictModal)
        assert "priority" in dialog.message
        await pilot.press("1")  # Merge
        await wait_until(lambda: isinstance(app.screen, BoardScreen), pilot=pilot, timeout=10)
    saved = await other.get_task(task.ref)
    assert saved.title == f"{task.title} v2"
    assert saved.priority == Priority.CRITICAL


async def test_the_monitor_over_http(served: Served) -> None:
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("x")
        await wait_until(
            lambda: "Execution monitor" in screen_text(app) and "Queue" in screen_text(app),
            pilot=pilot,
            timeout=10,
        )
        await settle(pilot)
        text = screen_text(app)
        assert "Server: connected" in text
        assert "WEB-5" in text  # a ready task, in the queue


async def test_a_revoked_token_asks_to_log_in_and_a_pasted_one_works(
    served: Served, other: HttpTaskEngine
) -> None:
    name = f"tui-{uuid.uuid4().hex[:6]}"
    issued = await other.create_token(TokenCreate(name=name, scope=TokenScope.ADMIN))
    task = await probe(other, "Token probe")
    app = app_on(served, issued.secret)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await select(pilot, task)
        await other.revoke_token(name)
        await pilot.press("shift+right")
        await wait_until(lambda: isinstance(app.screen, ReloginModal), pilot=pilot, timeout=10)
        assert f"taskyard login {served.url}" in screen_text(app)
        await pilot.press(*served.secret, "enter")
        await wait_until(lambda: isinstance(app.screen, BoardScreen), pilot=pilot, timeout=10)
        await settle(pilot)
        await pilot.press("shift+right")
        await wait_until(
            lambda: f"{task.ref} moved to ready" in board_status(app), pilot=pilot, timeout=10
        )
    assert (await other.get_task(task.ref)).status == TaskStatus.READY
