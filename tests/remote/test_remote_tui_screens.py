"""The TUI's screens on one real ``taskyard serve`` subprocess, shared by the module.

The server runs on the demo database; each test makes its own task through a second client
(``other``) and finds it with the board's search, so the tests do not depend on each other's
changes. What each checks is what a user does locally, now over HTTP: read the board and a
task, move a card, edit with someone else saving first (412, the merge dialog), the monitor,
a revoked token (the re-login dialog, then a pasted token that works), a quick action,
a PRD import, and Run Now with a remote worker's live output.

The server's start is paid once per module; the whole module runs with ``make slow`` (CI),
since a server subprocess under a Pilot app costs the default run more than its 8 minutes allow
(``tests/remote/test_remote_board.py`` keeps a quick remote board in ``make test``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from core.domain.access import TokenCreate, TokenScope
from core.domain.commands import TaskCreate, TaskPatch, TaskQuery
from core.domain.models import Priority, Task, TaskSource, TaskStatus
from core.remote.engine import HttpTaskEngine
from tests.fixtures.demo import build_demo_database
from tests.fixtures.remote import Served, cli_env
from tests.fixtures.servers import ROOT
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.tui_runs import log_text
from tests.fixtures.waiting import wait_until
from tui.__main__ import remote_app
from tui.app import TaskyardApp
from tui.modals.confirm import ConfirmModal
from tui.modals.conflict import ConflictModal
from tui.modals.name_prompt import NameModal
from tui.modals.project_picker import ProjectPickerModal
from tui.modals.relogin import ReloginModal
from tui.modals.task_form import TaskFormModal
from tui.screens.board import BoardScreen
from tui.screens.prd_import import PrdImportScreen
from tui.screens.quick_action import QuickActionScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.settings import TuiSettings
from tui.widgets.choice_list import ChoiceList
from tui.widgets.connection_line import ConnectionLine

SIZE = (160, 44)
S = TypeVar("S", bound=Screen[Any])
CROSS_REFS = ROOT / "tests" / "fixtures" / "prds" / "cross_refs.md"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server subprocess on the demo database for the whole module (its start costs
    seconds on a loaded machine; each test works on tasks of its own)."""
    folder = tmp_path_factory.mktemp("served-tui")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    asyncio.run(build_demo_database(db_url))
    served = Served(db_url, folder)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
async def other(served: Served) -> AsyncIterator[HttpTaskEngine]:
    """Another client of the same server: the colleague whose changes the board must show."""
    engine = await served.engine()
    try:
        yield engine
    finally:
        await engine.close()


def app_on(served: Served, token: str | None = None) -> TaskyardApp:
    return remote_app(TuiSettings(animations=False), served.url, token or served.token)


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
    """Once the board is open, search it for ``task`` (in backlog, the first column) and
    select it.

    Only the title's unique tail is typed: each key is a search of the board.
    """
    await open_board(pilot)
    await pilot.press("slash", *task.title.split()[-1], "enter")
    await wait_until(lambda: task.ref in screen_text(pilot.app), pilot=pilot, timeout=10)
    await settle(pilot)


async def open_on(pilot: Pilot[Any], task: Task | None, key: str, kind: type[S]) -> S:
    """On the board (with ``task`` selected), press ``key`` and wait for a ``kind`` screen."""
    if task is None:
        await open_board(pilot)
    else:
        await select(pilot, task)
    await pilot.press(key)
    await wait_until(lambda: isinstance(pilot.app.screen, kind), pilot=pilot)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


def board_status(app: App[Any]) -> str:
    return str(app.screen.query_one("#board-status").render())


async def move_to_ready(pilot: Pilot[Any], task: Task) -> None:
    """Move the selected ``task`` one column right (backlog to ready) and see it said."""
    await pilot.press("shift+right")
    await wait_until(
        lambda: f"{task.ref} moved to ready" in board_status(pilot.app), pilot=pilot, timeout=10
    )


async def test_the_board_and_a_tasks_detail_over_http(
    served: Served, other: HttpTaskEngine
) -> None:
    task = await probe(other, "Detail probe", description="Read from the server")
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        assert "WEB-5" in screen_text(app)  # the demo board, read through the API
        await open_on(pilot, task, "enter", TaskDetailScreen)
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
        await select(pilot, task)
        await move_to_ready(pilot, task)
    assert (await other.get_task(task.ref)).status == TaskStatus.READY


async def test_an_edit_after_someone_elses_save_opens_the_merge_dialog(
    served: Served, other: HttpTaskEngine
) -> None:
    task = await probe(other, "Conflict probe", priority=Priority.LOW)
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, task, "e", TaskFormModal)
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


@pytest.mark.slow  # the longest walks here (10-30 s on a loaded machine)
async def test_a_revoked_token_asks_to_log_in_and_a_pasted_one_works(
    served: Served, other: HttpTaskEngine
) -> None:
    name = f"tui-{uuid.uuid4().hex[:6]}"
    issued = await other.create_token(TokenCreate(name=name, scope=TokenScope.ADMIN))
    task = await probe(other, "Token probe")
    app = app_on(served, issued.secret)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, task)
        await other.revoke_token(name)
        await pilot.press("shift+right")
        await wait_until(lambda: isinstance(app.screen, ReloginModal), pilot=pilot, timeout=10)
        assert f"taskyard login {served.url}" in screen_text(app)
        await pilot.press(*served.token, "enter")
        await wait_until(lambda: isinstance(app.screen, BoardScreen), pilot=pilot, timeout=10)
        await settle(pilot)
        await move_to_ready(pilot, task)
    assert (await other.get_task(task.ref)).status == TaskStatus.READY


@pytest.mark.slow  # the longest walks here (10-30 s on a loaded machine)
async def test_a_quick_action_runs_here_and_is_promoted_through_the_server(
    served: Served, other: HttpTaskEngine
) -> None:
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_on(pilot, None, "a", QuickActionScreen)
        await pilot.press(*"echo", "space", *"quick-remote", "ctrl+r")
        await wait_until(lambda: "quick-remote" in log_text(screen), pilot=pilot, timeout=20)
        await wait_until(lambda: screen.check_action("promote", ()) is True, pilot=pilot)
        await pilot.press("ctrl+t")  # asks the title (kept as typed), then the project
        await wait_until(lambda: isinstance(app.screen, NameModal), timeout=20, pilot=pilot)
        await pilot.press("enter")
        await wait_until(
            lambda: (
                isinstance(app.screen, ProjectPickerModal)
                and app.screen.query_one(ChoiceList).option_count > 1
            ),
            timeout=20,
            pilot=pilot,
        )
        await pilot.press("enter")

        def status() -> str:
            return str(screen.query_one("#quick-status").render())

        await wait_until(lambda: "Promoted to task " in status(), pilot=pilot, timeout=20)
        ref = status().split("Promoted to task ")[1].split()[0].rstrip(".")
    promoted = await other.get_task(ref)
    assert promoted.source == TaskSource.PROMOTED_QUICK_ACTION


@pytest.mark.slow  # the longest walks here (10-30 s on a loaded machine)
async def test_a_prd_is_previewed_and_imported_through_the_server(
    served: Served, other: HttpTaskEngine
) -> None:
    app = app_on(served)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_on(pilot, None, "i", PrdImportScreen)
        await pilot.press(*str(CROSS_REFS), "enter")

        def summary() -> str:
            return str(screen.query_one("#prd-summary").render())

        await wait_until(lambda: "5 tasks, 5 dependencies" in summary(), pilot=pilot, timeout=20)
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), pilot=pilot)
        await pilot.press("y")

        def status() -> str:
            return str(screen.query_one("#prd-status").render())

        await wait_until(lambda: "5 tasks created" in status(), pilot=pilot, timeout=20)
    imported = await other.list_tasks(TaskQuery(text="Index schema", include_completed=True))
    assert any(t.source == TaskSource.PRD_IMPORT for t in imported.items)


# Last in the module: its worker runs what is ready on the shared board.
@pytest.mark.slow  # a worker subprocess, its start and its polls: 20-60 s on a loaded machine
async def test_run_now_shows_a_remote_workers_live_output(
    served: Served, other: HttpTaskEngine, tmp_path: Path
) -> None:
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.2\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
    )
    env = cli_env(
        tmp_path / "config",
        TASKYARD_SERVER=served.url,
        TASKYARD_TOKEN=served.token,
        TASKYARD_CONFIG=str(config),
    )
    task = await probe(other, "Run probe", metadata={"command": "echo hello-remote-run"})
    worker = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, "-m", "core.cli", "worker", "--project", "web-app", "--id", "w-tui"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = app_on(served)
    try:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_on(pilot, task, "enter", TaskDetailScreen)
            await pilot.press("R")  # queued for a worker: the remote one adopts it
            await wait_until(
                lambda: "hello-remote-run" in log_text(detail), pilot=pilot, timeout=90
            )
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 30)
