"""The execution commands as a user or an agent types them: worker, run, retry, cancel, runs,
logs and quick, with --json and with bad input (a clear message and a non-zero exit)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import CLI, ROOT, add

FAKE_AGENT = ROOT / "tests" / "fixtures" / "fake_agent.py"


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    runner = CLI(tmp_path)
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
        "[orchestrator.retry]\nmax_attempts = 1\n"
    )
    runner.env["TASKYARD_CONFIG"] = str(config)
    return runner


def test_worker_once_runs_the_queue_and_reports_each_claim(cli: CLI) -> None:
    ok = add(cli, "greet", "echo hello from a task", "--ready")
    bad = add(cli, "fails", "echo about to fail; exit 4", "--ready")
    result = cli.run("worker", "--once", "--slots", "2", "--id", "w-test")
    assert result.returncode == 1, result.stderr  # a run failed: scripts and CI notice
    out = result.stdout
    assert "Worker w-test: 2 slot(s)" in out
    assert f"database: {cli.db}" in out
    assert ok in out
    assert "succeeded -> in review" in out
    assert "step shell failed: exit code 4; blocked after 1 attempt (taskyard retry" in out
    assert "stopped after 2 run(s)" in out
    assert f"1 run(s) failed: {bad}" in out
    runs = cli.json("runs", ok)
    [run] = runs["items"]
    assert (run["status"], run["steps"][0]["name"], run["steps"][0]["summary"]) == (
        "succeeded",
        "shell",
        "hello from a task",
    )
    assert "hello from a task" in cli.ok("logs", run["id"])
    log = cli.json("logs", run["id"])
    assert [c["seq"] for c in log["items"]] == list(range(1, len(log["items"]) + 1))
    text = cli.ok("runs", bad)
    assert "failed" in text
    assert "exit 4" in text
    task = cli.json("task", "show", bad)["task"]
    assert task["status"] == "blocked"
    assert cli.json("retry", bad)["task"]["status"] == "ready"
    events = cli.run("worker", "--once", "--id", "w2", json_mode=True)
    kinds = [json.loads(line).get("event") for line in events.stdout.splitlines()]
    assert kinds[:2] == ["claimed", "step"]
    assert json.loads(events.stdout.splitlines()[-1])["kind"] == "worker_stopped"


def test_run_now_queues_or_runs_here_with_wait(cli: CLI) -> None:
    ref = add(cli, "later", "echo ran in the foreground")
    body = cli.json("run", ref)
    assert (body["ref"], body["run"]["status"]) == (ref, "queued")
    again = cli.json("run", ref)
    assert again["run"]["id"] == body["run"]["id"]  # twice: one run
    assert "waits for a worker" in cli.ok("run", ref)
    result = cli.run("run", ref, "--wait")
    assert result.returncode == 0, result.stderr
    assert "ran in the foreground" in result.stdout
    assert f"{ref}: run succeeded; the task is in review." in result.stdout
    failing = add(cli, "broken", "exit 9")
    result = cli.run("run", failing, "--wait")
    assert result.returncode == 1
    assert "the task is blocked" in result.stdout
    listing = cli.ok("runs", ref)  # the hint names the run to read, ready to paste
    assert f"Output: taskyard logs {body['run']['id']}" in listing


def test_cancel_stops_a_running_worker_step(cli: CLI) -> None:
    started = cli.tmp / "started"
    ref = add(cli, "slow", f"touch {started}; sleep 30", "--ready")
    worker = cli.start_worker("w-cancel")
    try:
        deadline = time.monotonic() + 30
        while not started.exists():  # the step's process runs (in progress is too early)
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert cli.json("task", "show", ref)["task"]["status"] == "in_progress"
        body = cli.json("cancel", ref, "--reason", "changed my mind")
        assert body["task"]["status"] == "cancelled"
        [run] = cli.json("runs", ref)["items"]
        assert run["status"] == "cancelled"
        assert "changed my mind" in run["error"]
        time.sleep(1.5)  # the worker's event follower sees the cancel and kills the step
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "killing its step" in out or "lease lost" in out, out  # whichever noticed first
    assert "lost its claim (cancelled, moved or expired); stopped" in out
    assert "stopped after 1 run(s)" in out


def test_quick_runs_promotes_lists_and_shows(cli: CLI) -> None:
    result = cli.run("quick", "echo quick hello")
    assert result.returncode == 0, result.stderr
    assert "quick hello" in result.stdout
    quick_id = result.stdout.split("Quick run ", 1)[1].split()[0]
    assert f"taskyard quick promote {quick_id}" in result.stdout
    assert cli.json("task", "list", "--all")["items"] == []
    failed = cli.run("quick", "echo nope; exit 3", json_mode=True)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["quickRun"]["status"] == "failed"
    listed = cli.json("quick", "list")
    assert [q["id"] for q in listed["items"]][1] == quick_id
    shown = cli.json("quick", "show", quick_id)
    assert shown["quickRun"]["prompt"] == "echo quick hello"
    assert "quick hello\n" in [c["text"] for c in shown["log"]]
    task = cli.json("quick", "promote", quick_id)["task"]
    assert (task["title"], task["source"]) == ("echo quick hello", "promoted_quick_action")
    again = cli.run("quick", "promote", quick_id)
    assert again.returncode == 4
    assert f"already promoted to {task['ref']}" in again.stderr
    assert len(cli.json("task", "list", "--all")["items"]) == 1
    # The promoted run names its task by ref, as people type it, not by its id.
    assert f"→ task {task['ref']}" in cli.ok("quick", "show", quick_id)
    assert f"echo quick hello  → task {task['ref']}" in cli.ok("quick", "list")


def test_bad_input_gets_a_clear_message_and_a_nonzero_exit(cli: CLI) -> None:
    for args, code, text in [
        (("worker", "--slots", "0"), 2, "--slots: '0' must be 1 or more"),
        (("worker", "--slots", "many"), 2, "'many' is not a whole number"),
        (("run", "TY-99"), 3, "No task 'TY-99'"),
        (("retry", "TY-99"), 3, "No task 'TY-99'"),
        (("cancel", "TY-99"), 3, "No task 'TY-99'"),
        (("runs", "TY-99"), 3, "No task 'TY-99'"),
        (("logs", "nope"), 3, "No run or quick run 'nope'"),
        (("quick", "show", "nope"), 3, "No quick run 'nope'"),
        (("quick",), 2, "Say what to run"),
        (("quick", "list", "extra"), 2, "list takes no arguments"),
        (("quick", "--profile", "nobody", "echo"), 2, "No profile 'nobody'"),
        (("worker", "--project", "nowhere", "--once"), 3, "nowhere"),
    ]:
        result = cli.run(*args)
        assert result.returncode == code, (args, result.stderr)
        assert text in result.stderr, (args, result.stderr)
    body = cli.run("run", "TY-99", json_mode=True)
    assert json.loads(body.stderr)["error"]["code"] == "not_found"
    cli.write("taskyard.toml", "[orchestrator]\nslots = 0\n")
    cli.env["TASKYARD_CONFIG"] = str(cli.tmp / "taskyard.toml")
    result = cli.run("worker", "--once")
    assert result.returncode == 2
    assert "[orchestrator] slots = 0" in result.stderr
    assert "at least 1" in result.stderr


def test_the_help_lists_the_new_commands(cli: CLI) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "core.cli", "--help"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    for command in ("worker", "run", "retry", "cancel", "runs", "logs", "quick"):
        assert command in out
