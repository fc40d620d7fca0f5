"""The TUI shows an MCP agent's work live: its claim, its progress notes and its finish.

The agent is the SDK's client of a ``taskyard mcp`` subprocess on the app's SQLite file, a
separate process as a coding agent is; the app has no workers of its own, so everything
the monitor shows comes from the agent, through the event log, without a key press.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.tui_runs import app_for, lines_of, log_text, seed
from tests.fixtures.waiting import wait_until
from tests.mcp.clients import call, over_stdio
from tui.screens.monitor import ExecutionMonitorScreen

pytestmark = pytest.mark.slow

SIZE = (120, 40)


async def test_monitor_follows_an_mcp_agent(tmp_path: Path) -> None:
    url = await seed(tmp_path, TaskCreate(title="Agent work", status=TaskStatus.READY))
    app = app_for(url, workers=False)
    async with app.run_test(size=SIZE) as pilot, over_stdio(url, tmp_path, "claude") as agent:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(
            lambda: isinstance(app.screen, ExecutionMonitorScreen), timeout=20, pilot=pilot
        )
        got = await call(agent, "claim", agent="claude")
        run, token = got["run_id"], got["claim_token"]

        def running() -> str:
            return " ".join(lines_of(app, "#monitor-running"))

        await wait_until(lambda: "TY-1 Agent work" in running(), timeout=20, pilot=pilot)
        workers = str(app.screen.query_one("#monitor-workers", Static).render())
        assert "mcp:claude" in workers
        await call(agent, "progress", run_id=run, claim_token=token, text="tests written")
        await wait_until(lambda: "tests written" in log_text(app.screen), timeout=20, pilot=pilot)
        await call(agent, "finish", run_id=run, claim_token=token, outcome="done")
        await wait_until(
            lambda: "TY-1 Agent work" in " ".join(lines_of(app, "#monitor-recent")),
            timeout=20,
            pilot=pilot,
        )
        assert "TY-1" not in running()


async def test_the_board_follows_an_mcp_agent(tmp_path: Path) -> None:
    """The card moves from Ready to In progress on the agent's claim and to In review on its
    finish, with no key pressed: the board reads the agent's work from the event log."""
    url = await seed(tmp_path, TaskCreate(title="Agent work", status=TaskStatus.READY))
    app = app_for(url, workers=False)
    async with app.run_test(size=SIZE) as pilot, over_stdio(url, tmp_path, "claude") as agent:
        await settle(pilot)
        assert "READY · 1" in screen_text(app)
        got = await call(agent, "claim", agent="claude")
        run, token = got["run_id"], got["claim_token"]
        await wait_until(lambda: "IN PROGRESS · 1" in screen_text(app), timeout=20, pilot=pilot)
        assert "READY · 0" in screen_text(app)
        await call(agent, "finish", run_id=run, claim_token=token, outcome="in_review")
        await wait_until(lambda: "IN REVIEW · 1" in screen_text(app), timeout=20, pilot=pilot)
        assert "IN PROGRESS · 0" in screen_text(app)
