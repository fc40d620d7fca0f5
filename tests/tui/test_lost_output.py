"""A run that lost output says so in the task detail's run panel, before anyone reads a log
with a gap in it."""

from __future__ import annotations

from pathlib import Path

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui_runs import app_for, lines_of, log_text, open_detail, seed
from tests.fixtures.waiting import wait_until


async def test_the_run_panel_shows_how_much_output_a_run_lost(tmp_path: Path) -> None:
    url = await seed(tmp_path, TaskCreate(title="Noisy", status=TaskStatus.READY))
    engine = await SqlTaskEngine.open(url, actor="test")
    try:
        await engine.register_worker("w-test", host="test", pid=1)
        [claim] = await engine.claim_tasks("w-test")
        await engine.append_log(claim.run_id, claim.claim_token, "first line\n")
        await engine.record_lost_output(
            claim.run_id, claim.claim_token, lost_bytes=123_456, reason="disk full"
        )
        await engine.finish_run(claim.run_id, claim.claim_token, success=True, exit_code=0)
    finally:
        await engine.close()
    app = app_for(url, workers=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, app, "TY-1")
        [line] = lines_of(app, "#runs-list")
        assert "lost 123,456 bytes of output" in line
        await wait_until(lambda: "disk full" in log_text(screen), timeout=20, pilot=pilot)
        assert "[taskyard] 123,456 bytes of output were lost: disk full" in log_text(screen)
