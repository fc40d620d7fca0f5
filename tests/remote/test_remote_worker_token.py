"""A remote worker's token stays secret: not in any process list, log or error message.

``test_remote_cli`` holds the same line for ``login``, ``status``, ``logout`` and a remote
command; this is the worker's half. The worker gets its token through ``TASKYARD_TOKEN``;
its steps are processes of their own, and must get neither the token nor a way to read it.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures.remote import Served, cli_env, taskyard
from tests.fixtures.remote_workers import RemoteWorker

LOOK = (
    "tr '\\0' '\\n' < /proc/self/environ > {dir}/env.txt; ps -eo args > {dir}/ps.txt; echo looked"
)
"""A step that writes what it can see: its own environment and every process's arguments."""


def worker_config(folder: Path) -> str:
    """One shell step running ``LOOK`` into ``folder``."""
    look = LOOK.format(dir=folder)
    return (
        "[orchestrator]\npoll_seconds = 0.2\nheartbeat_seconds = 1\nlease_seconds = 20\n"
        "[orchestrator.retry]\nmax_attempts = 1\n[pipelines]\n"
        f"feature = [{{ name = \"look\", profile = \"shell\", command = '''{look} ''' }}]\n"
    )


@pytest.mark.slow  # a worker process and a handful of CLI processes: ~30 s on a loaded machine
def test_a_remote_worker_shows_its_token_nowhere(served_sqlite: Served, tmp_path: Path) -> None:
    token = served_sqlite.token
    env = cli_env(tmp_path / "config", TASKYARD_SERVER=served_sqlite.url, TASKYARD_TOKEN=token)
    slug = json.loads(taskyard(env, "--json", "project", "add", "Token worker").stdout)["project"][
        "slug"
    ]
    added = taskyard(env, "--json", "task", "add", "look", "--project", slug, "--ready")
    assert added.returncode == 0, added.stderr
    ref = json.loads(added.stdout)["task"]["ref"]
    worker = RemoteWorker(
        served_sqlite.url, token, tmp_path, "w-secret", worker_config(tmp_path),
        "--once", "--project", slug,
    )  # fmt: skip
    while_running = ""
    try:
        while worker.process.poll() is None and not (tmp_path / "ps.txt").exists():
            while_running = subprocess.run(
                ["ps", "-eo", "args"], capture_output=True, text=True, check=True
            ).stdout
            time.sleep(0.2)
        assert worker.process.wait(timeout=120) == 0, worker.text()
    finally:
        worker.stop()
    seen_by_step = {name: (tmp_path / name).read_text() for name in ("ps.txt", "env.txt")}
    assert "worker --id w-secret" in while_running + seen_by_step["ps.txt"]
    runs = json.loads(taskyard(env, "--json", "runs", ref).stdout)["items"]
    assert [r["status"] for r in runs] == ["succeeded"]
    log = taskyard(env, "logs", runs[0]["id"])
    assert "looked" in log.stdout

    refused_env = {**env, "TASKYARD_TOKEN": "ty_" + "q" * 43}
    refused = taskyard(refused_env, "worker", "--once", "--project", slug, "--id", "w-refused")
    assert refused.returncode != 0
    assert "login" in refused.stderr  # it says how to fix it ...
    assert "ty_qqq" not in refused.stdout + refused.stderr  # ... without echoing the token

    everywhere = {
        "the process list while the worker ran": while_running,
        "the process list the step saw": seen_by_step["ps.txt"],
        "the step's environment": seen_by_step["env.txt"],
        "the worker's output": worker.text(),
        "the run's log": log.stdout + log.stderr,
        "the server's log": served_sqlite.server.log_text(),
    }
    for where, text in everywhere.items():
        assert token not in text, where
