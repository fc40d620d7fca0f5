"""The board over a server: the same app, its engine an HttpTaskEngine, live by the stream."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.domain.commands import ProjectCreate, TaskCreate
from core.engine import TaskEngine
from core.remote.engine import HttpTaskEngine
from tests.fixtures.remote import start_thread_server
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.settings import TuiSettings


async def test_the_board_shows_the_servers_tasks_and_another_clients_change(
    tmp_path: Path, sqlite_template: Path
) -> None:
    server, url, secret = await start_thread_server(tmp_path, sqlite_template)
    other = await HttpTaskEngine.open(url, secret)
    await other.create_project(ProjectCreate(name="Web", slug="web", key="WEB"))
    await other.create_task(TaskCreate(title="Served task", project="web"))

    async def open_remote() -> TaskEngine:
        return await HttpTaskEngine.open(url, secret)

    app = TaskyardApp(TuiSettings(db=url, animations=False), open_remote)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            assert "Served task" in screen_text(app)
            await other.create_task(TaskCreate(title="Made elsewhere", project="web"))
            await wait_until(lambda: "Made elsewhere" in screen_text(app), pilot=pilot, timeout=20)
    finally:
        await other.close()
        await asyncio.to_thread(server.stop)
