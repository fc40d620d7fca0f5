"""The monitor's worker list (review finding 16): every board session that ran workers
leaves a stopped worker behind; those stopped long ago are counted in one line, not listed
one by one, and in screen-reader mode a stopped worker is said like an active one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Static

from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import settle
from tests.fixtures.tui_runs import seed
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.screens.monitor import ExecutionMonitorScreen
from tui.settings import TuiSettings


async def test_workers_stopped_long_ago_are_counted_not_listed(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    engine = await SqlTaskEngine.open(url, actor="tester")
    try:
        for n in range(3):
            await engine.register_worker(f"old-{n}", host="laptop", pid=100 + n, slots=1)
            await engine.stop_worker(f"old-{n}")
        await engine.register_worker("live", host="laptop", pid=200, slots=1)
    finally:
        await engine.close()
    later = datetime.now(UTC) + timedelta(minutes=30)
    settings = TuiSettings(db=url, animations=False, screen_reader=True, screen_reader_source="t")
    app = make_app(settings, clock=lambda: later)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(lambda: isinstance(app.screen, ExecutionMonitorScreen), pilot=pilot)

        def workers() -> str:
            return str(app.screen.query_one("#monitor-workers", Static).render())

        await wait_until(lambda: "stopped over 10 minutes ago" in workers(), pilot=pilot)
        text = workers()
        assert "3 workers stopped over 10 minutes ago, not listed." in text
        assert "old-" not in text
        assert "live, " in text  # the one still registered, said without a glyph
        heading = str(app.screen.query_one("#monitor-workers-heading", Static).render())
        assert heading == "Workers: 1"
