"""Running tasks from the TUI, driven with keys only, on real SQLite files and real processes.

The embedded worker pool is the app's own (``TuiSettings(embedded_workers=True)``), with a
short lease and heartbeat so a cancelled step is noticed within a second. Tasks carry their
command in ``metadata.command`` (approved by the local actor who set it): the shell profile
runs it as a subprocess.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from core.domain.commands import TaskCreate, TaskQuery
from core.domain.models import FailureReason, TaskStatus
from core.domain.runs import RunStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import settle
from tests.fixtures.tui_runs import app_for, lines_of, log_text, open_detail, seed
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.modals.cancel import CancelModal
from tui.modals.confirm import ConfirmModal
from tui.modals.name_prompt import NameModal
from tui.modals.project_picker import ProjectPickerModal
from tui.screens.monitor import ExecutionMonitorScreen
from tui.screens.quick_action import QuickActionScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.widgets.choice_list import ChoiceList

SIZE = (120, 40)


def sh(command: str) -> dict[str, str]:
    return {"command": command}


async def status_of(app: TaskyardApp, ref: str) -> TaskStatus:
    return (await (await app.engine()).get_task(ref)).status


async def wait_for_status(
    pilot: Pilot[int], app: TaskyardApp, ref: str, status: TaskStatus, seconds: float = 20
) -> None:
    async def reached() -> bool:
        return await status_of(app, ref) == status

    async def actual() -> str:
        return f"{ref} is {await status_of(app, ref)}, not {status}"

    await wait_until(reached, timeout=seconds, pilot=pilot, message=actual)


def text(app: TaskyardApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_text(pilot: Pilot[int], words: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in words))


# -- the task detail ---------------------------------------------------------------------------
async def test_run_now_runs_the_task_in_the_app_and_shows_its_output(tmp_path: Path) -> None:
    url = await seed(tmp_path, TaskCreate(title="Say hello", metadata=sh("echo hello-run")))
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the backlog card TY-1
        await wait_until(lambda: isinstance(app.screen, TaskDetailScreen), timeout=20, pilot=pilot)
        await settle(pilot)
        screen = app.screen
        assert "Run now (R): starts it now" in text(app, "#runs-actions")
        await pilot.press("R")
        await wait_until(lambda: "hello-run" in log_text(screen), timeout=20, pilot=pilot)
        await wait_for_status(pilot, app, "TY-1", TaskStatus.IN_REVIEW)
        await wait_until(
            lambda: "succeeded" in " ".join(lines_of(app, "#runs-list")), timeout=20, pilot=pilot
        )
        assert lines_of(app, "#runs-list")[0].startswith("1. ✓ attempt 1 · succeeded")
        assert "TY-1 attempt 1" in text(app, "#detail-status")
    # Which database the workers took it from is said when they start (a mistyped --db shows).
    started = [e.text for e in app.message_log if e.text.startswith("Embedded workers on")]
    assert started
    assert started[0].endswith(f"database {tmp_path}/{Path(url).name}.")


async def test_retry_puts_a_failed_task_back_in_ready(tmp_path: Path) -> None:
    url = await seed(
        tmp_path,
        TaskCreate(title="Flaky", metadata=sh("exit 3"), status=TaskStatus.READY),
        failed=True,
    )
    app = app_for(url, workers=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app, "TY-1")
        assert screen.shown_task is not None
        assert isinstance(screen.shown_task.blocked_reason, FailureReason)
        assert "Retry (t): back to ready" in text(app, "#runs-actions")
        await pilot.press("t")
        await wait_for_status(pilot, app, "TY-1", TaskStatus.READY)
        await wait_until(
            lambda: "back in ready" in text(app, "#detail-status"), timeout=20, pilot=pilot
        )


async def test_cancel_stops_a_running_step_and_its_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    url = await seed(
        tmp_path, TaskCreate(title="Long", metadata=sh(f"echo $$ > {pid_file}; exec sleep 30"))
    )
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, app, "TY-1")
        await pilot.press("R")
        await wait_until(
            lambda: pid_file.exists() and pid_file.read_text().strip() != "",
            timeout=20,
            pilot=pilot,
        )
        pid = int(pid_file.read_text())
        os.kill(pid, 0)  # running
        await wait_until(
            lambda: app.screen.check_action("cancel_task", ()) is True, timeout=20, pilot=pilot
        )
        await pilot.press("c")
        await wait_until(lambda: isinstance(app.screen, CancelModal), timeout=20, pilot=pilot)
        await pilot.press("enter")  # no reason yet: refused inline, focus stays in the field
        assert "say why" in text(app, "#cancel-error")
        await type_text(pilot, "not needed")
        await pilot.press("enter")
        await wait_for_status(pilot, app, "TY-1", TaskStatus.CANCELLED)

        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            return False

        await wait_until(gone, timeout=15, pilot=pilot)
        await wait_until(
            lambda: "cancelled" in " ".join(lines_of(app, "#runs-list")), timeout=20, pilot=pilot
        )


async def test_quitting_with_a_step_running_asks_first(tmp_path: Path) -> None:
    """q with a step running in the app's workers asks; "no" keeps it running, "yes" quits,
    stops the step's process and records the run as interrupted; the task is back in ready
    with no failed attempt used."""
    pid_file = tmp_path / "pid"
    url = await seed(
        tmp_path,
        TaskCreate(
            title="Long",
            status=TaskStatus.READY,
            metadata=sh(f"echo $$ > {pid_file}; exec sleep 30"),
        ),
    )
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: pid_file.exists() and pid_file.read_text().strip() != "",
            timeout=20,
            pilot=pilot,
        )
        pid = int(pid_file.read_text())
        await pilot.press("q")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), timeout=20, pilot=pilot)
        question = text(app, "#confirm-question")
        assert "1 task is running in this app's workers (TY-1)" in question
        assert "Quit anyway?" in question
        await pilot.press("q")  # asking again does not stack a second question
        await settle(pilot)
        assert sum(isinstance(s, ConfirmModal) for s in app.screen_stack) == 1
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert app.is_running
        os.kill(pid, 0)  # still running
        await pilot.press("q")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), timeout=20, pilot=pilot)
        await pilot.press("y")
        await wait_until(lambda: not app.is_running, timeout=10, pilot=pilot)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    engine = await SqlTaskEngine.open(url, actor="test")
    try:
        [run] = await engine.runs_of("TY-1")
        assert run.status == RunStatus.INTERRUPTED
        task = await engine.get_task("TY-1")
        assert task.status == TaskStatus.READY
        assert task.retry_count - task.interruptions == 0
    finally:
        await engine.close()


async def test_run_now_is_refused_and_the_blockers_are_named(demo_db_url: str) -> None:
    app = app_for(demo_db_url, workers=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, app, "WEB-12")
        before = text(app, "#runs-actions")
        assert "not now, it waits for WEB-2" in before
        assert "WEB-7" in before
        await pilot.press("R")
        await wait_until(
            lambda: "Run now refused" in text(app, "#detail-status"), timeout=20, pilot=pilot
        )
        status = text(app, "#detail-status")
        assert "WEB-2" in status
        assert "WEB-7" in status
        assert await status_of(app, "WEB-12") == TaskStatus.BACKLOG


# -- the execution monitor ---------------------------------------------------------------------
async def test_monitor_shows_queue_running_and_workers_live(tmp_path: Path) -> None:
    go = tmp_path / "go"  # TY-1 runs until the test has seen it running, however slow the machine
    url = await seed(
        tmp_path,
        TaskCreate(
            title="First",
            metadata=sh(f"echo one; while [ ! -e '{go}' ]; do sleep 0.05; done"),
            status=TaskStatus.READY,
        ),
        TaskCreate(title="Second", metadata=sh("echo two"), status=TaskStatus.READY),
    )
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(
            lambda: isinstance(app.screen, ExecutionMonitorScreen), timeout=20, pilot=pilot
        )
        # The running list and the queue are two lists, drawn one after the other.
        await wait_until(
            lambda: (
                "TY-1 First" in " ".join(lines_of(app, "#monitor-running"))
                and "TY-2 Second" in " ".join(lines_of(app, "#monitor-queue"))
            ),
            timeout=20,
            pilot=pilot,
            message=lambda: (
                f"running {lines_of(app, '#monitor-running')}, queue "
                f"{lines_of(app, '#monitor-queue')}, recent {lines_of(app, '#monitor-recent')}, "
                f"summary {text(app, '#monitor-summary')!r}"
            ),
        )
        workers = text(app, "#monitor-workers")
        assert app.pool is not None
        assert app.pool.worker_id in workers
        assert "active" in workers
        await wait_until(lambda: "one" in log_text(app.screen), timeout=20, pilot=pilot)
        go.touch()
        # Live: TY-1 finishes, TY-2 runs and finishes, without a key press.
        await wait_until(
            lambda: (
                "TY-2 Second" in " ".join(lines_of(app, "#monitor-recent"))
                and "TY-1 First" in " ".join(lines_of(app, "#monitor-recent"))
            ),
            timeout=20,
            pilot=pilot,
        )
        assert "Nothing is ready to run." in text(app, "#monitor-queue-empty")


async def test_a_task_graph_runs_in_dependency_order_and_the_monitor_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema <- API <- UI and an independent Docs task, on two embedded worker slots with
    auto-approve: Docs runs beside Schema, API and UI wait for their blockers (never in the
    queue early), and the monitor's recent list ends up newest first in dependency order."""
    monkeypatch.setenv("FEATURE_PRD_AUTO_APPROVE_REVIEW", "true")
    when_unblocked: dict[str, Any] = {"status": TaskStatus.READY, "when_unblocked": True}
    """Ready once the blockers are done: parked in blocked until then."""
    go = tmp_path / "go"
    hold = f"while [ ! -e '{go}' ]; do sleep 0.05; done"
    url = await seed(
        tmp_path,
        TaskCreate(title="Schema", metadata=sh(f"echo schema; {hold}"), status=TaskStatus.READY),
        TaskCreate(title="API", metadata=sh("echo api"), blocked_by=["TY-1"], **when_unblocked),
        TaskCreate(title="UI", metadata=sh("echo ui"), blocked_by=["TY-2"], **when_unblocked),
        TaskCreate(title="Docs", metadata=sh(f"echo docs; {hold}"), status=TaskStatus.READY),
    )
    app = app_for(url, worker_slots=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(
            lambda: isinstance(app.screen, ExecutionMonitorScreen), timeout=20, pilot=pilot
        )

        def running() -> str:
            return " ".join(lines_of(app, "#monitor-running"))

        await wait_until(
            lambda: "TY-1 Schema" in running() and "TY-4 Docs" in running(), timeout=20, pilot=pilot
        )
        assert "Nothing is ready to run." in text(app, "#monitor-queue-empty")  # API, UI wait
        go.touch()

        def recent() -> list[str]:  # the refs, newest first
            return [re.findall(r"TY-\d+", line)[0] for line in lines_of(app, "#monitor-recent")]

        await wait_until(
            lambda: len(recent()) == 4,
            timeout=20,
            pilot=pilot,
            message=lambda: (
                f"recent {recent()}, running {running()!r}, queue "
                f"{' '.join(lines_of(app, '#monitor-queue'))!r}"
            ),
        )
        assert [ref for ref in recent() if ref != "TY-4"] == ["TY-3", "TY-2", "TY-1"]
        engine = await app.engine()
        runs = {ref: (await engine.runs_of(ref))[0] for ref in ("TY-1", "TY-2", "TY-3")}
        for blocker, dependent in (("TY-1", "TY-2"), ("TY-2", "TY-3")):
            finished = runs[blocker].finished_at
            assert finished is not None
            assert runs[dependent].started_at >= finished
        for ref in ("TY-1", "TY-2", "TY-3", "TY-4"):
            assert await status_of(app, ref) == TaskStatus.DONE


async def test_pause_and_resume_the_embedded_workers(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(lambda: app.pool is not None, timeout=20, pilot=pilot)
        await settle(pilot)
        await pilot.press("p")
        assert app.pool is not None
        assert app.pool.paused
        assert "paused" in text(app, "#monitor-heading")
        engine = await app.engine()
        await engine.create_task(
            TaskCreate(
                title="Wait", project="tests", metadata=sh("echo go"), status=TaskStatus.READY
            )
        )
        await wait_until(
            lambda: "TY-1 Wait" in " ".join(lines_of(app, "#monitor-queue")),
            timeout=20,
            pilot=pilot,
        )
        await pilot.pause(1.0)
        assert await status_of(app, "TY-1") == TaskStatus.READY  # paused: not claimed
        await pilot.press("p")
        assert not app.pool.paused
        await wait_for_status(pilot, app, "TY-1", TaskStatus.IN_REVIEW)


async def test_workers_can_be_switched_off_and_on(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_for(url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(lambda: app.pool is not None, timeout=20, pilot=pilot)
        await pilot.press("w")
        await wait_until(lambda: app.pool is None, timeout=20, pilot=pilot)
        await wait_until(
            lambda: "embedded workers off" in text(app, "#monitor-heading"), timeout=20, pilot=pilot
        )
        await pilot.press("w")
        await wait_until(lambda: app.pool is not None, timeout=20, pilot=pilot)


# -- quick action -------------------------------------------------------------------------------
async def test_quick_action_runs_and_promotes_exactly_one_task(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_for(url, workers=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_until(lambda: isinstance(app.screen, QuickActionScreen), timeout=20, pilot=pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QuickActionScreen)
        assert "not on the board unless you promote it" in text(app, "#quick-label")
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, "echo quick-hello")
        await pilot.press("ctrl+r")
        await wait_until(lambda: "quick-hello" in log_text(screen), timeout=20, pilot=pilot)
        await wait_until(
            lambda: screen.check_action("promote", ()) is True, timeout=20, pilot=pilot
        )
        engine = await app.engine()
        assert (await engine.list_tasks(TaskQuery())).total == 0  # not on the board yet
        assert "succeeded" in " ".join(lines_of(app, "#quick-recent"))
        await pilot.press("ctrl+t")
        await wait_until(lambda: isinstance(app.screen, NameModal), timeout=20, pilot=pilot)
        await pilot.press("escape")  # leaving the title promotes nothing
        await wait_until(lambda: app.screen is screen, timeout=20, pilot=pilot)
        assert "Not promoted." in text(app, "#quick-status")
        assert (await engine.list_tasks(TaskQuery())).total == 0
        await pilot.press("ctrl+t")
        await wait_until(lambda: isinstance(app.screen, NameModal), timeout=20, pilot=pilot)
        title = app.screen.query_one(Input)
        assert title.value == "echo quick-hello"  # the prompt's first line
        title.value = "Say hello"
        await pilot.press("enter")
        await wait_until(
            lambda: (
                isinstance(app.screen, ProjectPickerModal)
                and app.screen.query_one(ChoiceList).option_count > 1
            ),
            timeout=20,
            pilot=pilot,
        )
        await pilot.press("enter")  # the highlighted project: the one the board opened on
        await wait_until(
            lambda: "Promoted to task " in text(app, "#quick-status"), timeout=20, pilot=pilot
        )
        assert "“Say hello”" in text(app, "#quick-status")
        ref = text(app, "#quick-status").split("Promoted to task ")[1].split()[0]
        await settle(pilot)
        await pilot.press("ctrl+t")  # promoted already: the key does nothing now
        await settle(pilot)
        assert (await engine.list_tasks(TaskQuery())).total == 1
        await pilot.press("ctrl+g")
        await wait_until(lambda: isinstance(app.screen, TaskDetailScreen), timeout=20, pilot=pilot)
        detail = app.screen
        assert isinstance(detail, TaskDetailScreen)
        await settle(pilot)
        assert detail.ref == ref


@pytest.mark.parametrize("mode", ["monitor", "quick"])
async def test_escape_goes_back_to_the_board(demo_db_url: str, mode: str) -> None:
    app = app_for(demo_db_url, workers=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x" if mode == "monitor" else "a")
        await settle(pilot)
        assert app.current_mode == mode
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "board"
