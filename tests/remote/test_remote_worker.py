"""``taskyard worker --server URL``: a worker process that claims, logs and finishes over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.remote import Served, cli_env, taskyard


@pytest.mark.slow  # six CLI processes and a worker's polling: ~35 s on a loaded machine
def test_a_remote_worker_runs_the_queue_through_the_api(
    served_sqlite: Served, tmp_path: Path
) -> None:
    """An admin token's command is approved as it is set; the worker runs it to in review."""
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
        "[orchestrator.retry]\nmax_attempts = 1\n"
    )
    env = cli_env(
        tmp_path / "config",
        TASKYARD_SERVER=served_sqlite.url,
        TASKYARD_TOKEN=served_sqlite.token,
        TASKYARD_CONFIG=str(config),
    )
    project = taskyard(env, "--json", "project", "add", "Worker remote")
    slug = json.loads(project.stdout)["project"]["slug"]
    added = taskyard(
        env, "--json", "task", "add", "greet", "--project", slug, "--ready",
        "--command", "echo hello from a remote worker",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    ref = json.loads(added.stdout)["task"]["ref"]
    worker = taskyard(env, "worker", "--once", "--project", slug, "--id", "w-remote")
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "succeeded -> in review" in worker.stdout
    assert f"  server: {served_sqlite.url}" in worker.stdout
    # Its max_attempts = 1 is not the server's: the worker says so rather than pretend.
    assert "retries and auto_approve are the server's settings" in worker.stdout
    shown = json.loads(taskyard(env, "--json", "task", "show", ref).stdout)["task"]
    assert shown["status"] == "in_review"
    runs = json.loads(taskyard(env, "--json", "runs", ref).stdout)["items"]
    log = taskyard(env, "logs", runs[0]["id"])
    assert "hello from a remote worker" in log.stdout
    assert served_sqlite.token not in worker.stdout + worker.stderr + log.stdout
