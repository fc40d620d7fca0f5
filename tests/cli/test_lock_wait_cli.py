"""Another process holding the SQLite write lock (a long import, say): CLI writes wait for it,
then fail as "busy" with exit 6, never as an internal error; a worker rides it out."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixtures.cli import CLI

HOLD = (
    "import sqlite3, sys, time\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN IMMEDIATE')\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "conn.execute('ROLLBACK')\n"
)


@contextmanager
def lock_held(db: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holds ``BEGIN IMMEDIATE`` on ``db`` for ``seconds`` (killed on exit)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait(10)


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    runner = CLI(tmp_path)
    runner.ok("init")
    return runner


def test_a_write_waits_out_another_process_holding_the_lock(cli: CLI) -> None:
    """``task add`` while an import holds the lock past one busy timeout (1 s here) waits,
    then succeeds once the lock is released within the lock wait."""
    cli.env["TASKYARD_LOCK_WAIT"] = "8"
    start = time.monotonic()
    with lock_held(cli.db, 2.5) as holder:
        result = cli.run("task", "add", "while locked", json_mode=True)
        holder.wait(10)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start >= 2
    assert json.loads(result.stdout)["task"]["title"] == "while locked"


def test_a_write_that_outwaits_the_lock_exits_6_saying_busy(cli: CLI) -> None:
    """Held past the lock wait: exit 6 (storage) with the busy message and nothing written,
    not exit 70 "internal error ... this is a bug"."""
    cli.env["TASKYARD_LOCK_WAIT"] = "1.5"
    with lock_held(cli.db, 60):
        start = time.monotonic()
        result = cli.run("task", "add", "never written", json_mode=True)
        waited = time.monotonic() - start
    assert result.returncode == 6, result.stderr
    error = json.loads(result.stdout or result.stderr)["error"]
    assert error["code"] == "storage_error"
    assert error["message"].startswith(
        "The database is busy (another process holds its write lock: e.g. an import or a "
        "worker); try again."
    )
    assert "bug" not in (error["hint"] or "").lower()
    assert waited < 8
    assert "never written" not in cli.ok("task", "list")


def test_a_worker_survives_a_lock_held_past_the_lock_wait(cli: CLI, tmp_path: Path) -> None:
    """A worker whose claims and heartbeats give up on the lock reports it and carries on:
    once the lock is released it claims and runs a ready task, and stops cleanly."""
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
    )
    cli.env["TASKYARD_CONFIG"] = str(config)
    cli.env["TASKYARD_LOCK_WAIT"] = "1"
    worker = cli.start_worker("w-lock")
    try:
        assert worker.stdout is not None
        assert "Worker w-lock" in worker.stdout.readline()
        with lock_held(cli.db, WORKER_HOLD_SECONDS) as holder:
            holder.wait(WORKER_HOLD_SECONDS + 10)
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        body = cli.json(
            "task",
            "add",
            "after the lock",
            "--ready",
            "--command",
            "echo ran after the lock",
        )
        ref = body["task"]["ref"]
        deadline = time.monotonic() + 30
        while cli.json("task", "show", ref)["task"]["status"] in ("ready", "in_progress"):
            assert time.monotonic() < deadline
            assert worker.poll() is None
            time.sleep(0.2)
        [run] = cli.json("runs", ref)["items"]
        assert run["status"] == "succeeded"
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "The database is busy" in out + err
    assert "internal error" not in out + err


WORKER_HOLD_SECONDS = 4.0
"""Past the lock wait (1 s): claims and heartbeats fail as busy while the lock is held."""
