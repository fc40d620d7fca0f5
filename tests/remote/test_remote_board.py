"""The board over a server: the same app, its engine an HttpTaskEngine, live by the stream."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.domain.commands import ProjectCreate, TaskCreate
from core.engine import TaskEngine
from core.remote.engine import HttpTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.remote import ThreadServer, issue_tester_token
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.settings import TuiSettings


async def test_the_board_shows_the_servers_tasks_and_another_clients_change(
    tmp_path: Path, sqlite_template: Path
) -> None:
    copy_migrated_sqlite(sqlite_template, tmp_path / "served.db")
    db_url = f"sqlite:///{tmp_path / 'served.db'}"
    secret = await issue_tester_token(db_url)
    server = ThreadServer(db_url)
    url = await asyncio.to_thread(server.start)
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
