"""Live run output follows the tail, like ``tail -f`` in a pager (review findings 2 and 7).

The log follows new lines until the user scrolls up, follows again once they are back at the
end, and switches to a task's new attempt after a retry unless the user picked another run.
The task detail and the monitor are driven with real processes run by the app's own workers.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.domain.runs import RetryPolicy
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_runs import app_for, open_detail, open_monitor, seed
from tests.fixtures.waiting import wait_until
from tui.widgets.run_log import RunLog

SIZE = (120, 40)
CHATTY = "for i in $(seq 1 60); do echo line $i; sleep 0.01; done; echo all-done"
"""Five screenfuls of output in under a second, one line at a time."""


def at_the_end(log: RunLog) -> bool:
    return log.line_count > 0 and log.scroll_y == log.max_scroll_y


class OneLog(App[None]):
    def compose(self) -> ComposeResult:
        yield RunLog(id="log")


async def test_the_log_follows_new_lines_until_scrolled_up_and_end_follows_again() -> None:
    app = OneLog()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(RunLog)
        log.show("run-1")
        log.focus()
        for n in range(1, 41):
            log.write_output("stdout", f"line {n}\n")
            await pilot.pause(0.01)
        await wait_until(lambda: at_the_end(log), pilot=pilot, timeout=2)
        assert "line 40" in screen_text(app)

        await pilot.press("up", "up")  # reading further up: new lines leave the view alone
        top = log.scroll_y
        log.write_output("stdout", "line 41\n")
        await pilot.pause(0.05)
        assert log.scroll_y == top
        assert not log.following

        await pilot.press("end")  # back at the end: following again
        log.write_output("stdout", "line 42\nline 43\n")
        await wait_until(lambda: at_the_end(log), pilot=pilot, timeout=2)
        assert "line 43" in screen_text(app)


async def test_task_detail_output_follows_a_chatty_run_to_its_last_line(tmp_path: Path) -> None:
    url = await seed(tmp_path, TaskCreate(title="Chatty job", metadata={"command": CHATTY}))
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app, "TY-1")
        await pilot.press("R")
        log = screen.query_one(RunLog)
        await wait_until(lambda: "all-done" in log.lines, timeout=20, pilot=pilot)
        await wait_until(lambda: at_the_end(log), pilot=pilot, timeout=2)
        assert "all-done" in screen_text(app)


async def test_after_retry_the_detail_shows_the_new_attempt(tmp_path: Path) -> None:
    marker = tmp_path / "tried"
    command = f"if [ -e '{marker}' ]; then echo second-try; else echo first-try; exit 3; fi"
    marker.touch()  # attempt 1 failed while seeding; the retried attempt succeeds
    url = await seed(
        tmp_path,
        TaskCreate(title="Flaky", metadata={"command": command}, status=TaskStatus.READY),
        failed=True,
    )
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app, "TY-1")
        heading = screen.query_one("#runs-log-heading")
        assert "Output of attempt 1" in str(heading.render())
        await pilot.press("t")  # retry; the app's workers take it at once
        await wait_until(
            lambda: "Output of attempt 2" in str(heading.render()), timeout=20, pilot=pilot
        )
        log = screen.query_one(RunLog)
        await wait_until(lambda: "second-try" in log.lines, timeout=20, pilot=pilot)


async def test_the_monitor_follows_the_tail_and_moves_to_the_automatic_retry(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "tried"
    go = tmp_path / "go"
    first = f"touch '{marker}'; {CHATTY}; while [ ! -e '{go}' ]; do sleep 0.05; done; exit 3"
    command = f"if [ -e '{marker}' ]; then echo second-try; else {first}; fi"
    url = await seed(
        tmp_path,
        TaskCreate(title="Flaky", status=TaskStatus.READY, metadata={"command": command}),
        policy=RetryPolicy(max_attempts=2, backoff_seconds=0),
    )
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot, app)
        log = screen.query_one(RunLog)
        await wait_until(lambda: "all-done" in log.lines, timeout=20, pilot=pilot)
        await wait_until(lambda: at_the_end(log), pilot=pilot, timeout=2)
        assert "all-done" in screen_text(app)
        go.touch()  # attempt 1 fails; attempt 2 starts at once
        heading = screen.query_one("#monitor-log-heading")
        await wait_until(lambda: "TY-1 attempt 2" in str(heading.render()), timeout=20, pilot=pilot)
        await wait_until(lambda: "second-try" in log.lines, timeout=20, pilot=pilot)
