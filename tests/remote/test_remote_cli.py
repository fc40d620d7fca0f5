"""The CLI through a server: ``--server``, ``login``, ``status``, ``logout``; the token kept secret.

Against a real ``taskyard serve`` subprocess; every command is a subprocess too, as a user
runs it. The token must never show: not in any command's output, not in the server's log,
not in the process list of a running remote command.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.remote import Served, cli_env, taskyard
from tests.fixtures.servers import ROOT

HEAVY = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg", "core.store", "fastapi", "uvicorn")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


def test_login_status_logout(served_sqlite: Served, config_dir: Path) -> None:
    """Login stores the token 0600 in a 0700 folder; status reports; logout forgets it."""
    env = cli_env(config_dir)
    token = served_sqlite.token
    login = taskyard(env, "login", served_sqlite.url, stdin=token + "\n")
    assert login.returncode == 0, login.stderr
    assert "as tester (scope admin)" in login.stdout
    assert "Commands still use the local database." in login.stdout
    assert f"pass --server {served_sqlite.url}" in login.stdout
    stored = config_dir / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    status = taskyard(env, "--json", "status", served_sqlite.url)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["ok"] is True
    assert (report["name"], report["scope"], report["projects"]) == ("tester", "admin", [])
    assert report["version"] == __import__("core").__version__
    assert report["revision"]
    assert report["round_trip_ms"] > 0
    assert report["token_source"] == str(stored)
    listed = taskyard(env, "--server", served_sqlite.url, "project", "list")
    assert listed.returncode == 0, listed.stderr
    out = taskyard(env, "logout", served_sqlite.url)
    assert out.returncode == 0
    assert served_sqlite.url not in stored.read_text()
    after = taskyard(env, "--server", served_sqlite.url, "project", "list")
    assert after.returncode == 7
    assert f"taskyard login {served_sqlite.url}" in after.stderr
    for run in (login, status, listed, out, after):
        assert token not in run.stdout + run.stderr


def test_login_and_status_say_when_commands_use_the_local_database(
    served_sqlite: Served, config_dir: Path
) -> None:
    """Logging in chooses a token, not where commands go: both commands say which it is."""
    env = cli_env(config_dir)
    login = taskyard(env, "--json", "login", served_sqlite.url, stdin=served_sqlite.token)
    local = taskyard(env, "status")
    local_json = taskyard(env, "--json", "status")
    env["TASKYARD_SERVER"] = served_sqlite.url
    chosen = taskyard(env, "--json", "login", served_sqlite.url, stdin=served_sqlite.token)
    remote = taskyard(env, "status")
    assert json.loads(login.stdout)["in_use"] is False
    assert json.loads(chosen.stdout)["in_use"] is True
    database = config_dir.parent / "data" / "taskyard.db"
    assert local.returncode == 0, local.stderr
    assert f"Local database: {database}" in local.stdout
    assert f"Logged in to: {served_sqlite.url}." in local.stdout
    assert json.loads(local_json.stdout) | {"kind": "status"} == {
        "schemaVersion": 1,
        "kind": "status",
        "server": None,
        "ok": True,
        "database": str(database),
        "logins": [served_sqlite.url],
    }
    assert "✓ Logged in as tester (scope admin, every project)" in remote.stdout


def test_status_exits_1_on_a_refused_token_or_a_server_that_is_down(
    served_sqlite: Served, config_dir: Path
) -> None:
    env = cli_env(config_dir, TASKYARD_TOKEN="ty_" + "x" * 43)
    refused = taskyard(env, "status", served_sqlite.url)
    assert refused.returncode == 1
    assert "✗" in refused.stdout
    assert "ty_xxx" not in refused.stdout + refused.stderr
    down = taskyard(env, "status", "http://127.0.0.1:9")
    assert down.returncode == 1
    assert "Cannot reach the taskyard server at http://127.0.0.1:9" in down.stdout


def test_commands_work_through_the_server_without_sql_or_the_store(
    served_sqlite: Served, config_dir: Path
) -> None:
    """``--server ... ready`` imports no SQLAlchemy, alembic, store or server code.

    Nor httpx's command-line client (click, rich, pygments), which ``core.remote`` blocks.
    """
    env = cli_env(config_dir, TASKYARD_SERVER=served_sqlite.url)
    token = served_sqlite.token
    added = taskyard(env, "--token", "-", "task", "add", "Remote task", stdin=token)
    assert added.returncode == 0, added.stderr
    env["TASKYARD_TOKEN"] = token
    ready = taskyard(env, "--json", "ready", python=("-X", "importtime"))
    assert ready.returncode == 0
    assert json.loads(ready.stdout)["kind"] == "ready"
    imported = {line.rsplit("|", 1)[-1].strip() for line in ready.stderr.splitlines()}
    assert not {m for m in imported if m.split(".")[0] in HEAVY or m.startswith(HEAVY)}
    assert not {m.split(".")[0] for m in imported} & {"click", "rich", "pygments"}
    assert token not in added.stdout + added.stderr + ready.stdout
    assert token not in served_sqlite.server.log_text()


def test_a_running_remote_command_shows_no_token_in_the_process_list(
    served_sqlite: Served, config_dir: Path
) -> None:
    env = cli_env(config_dir)
    argv = ["-m", "core.cli", "--server", served_sqlite.url, "--token", "-", "events", "--follow"]
    follower = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdin is not None
        follower.stdin.write(served_sqlite.token + "\n")
        follower.stdin.close()
        time.sleep(0.5)
        cmdline = Path(f"/proc/{follower.pid}/cmdline").read_bytes().decode()
        environ = Path(f"/proc/{follower.pid}/environ").read_bytes().decode()
        assert served_sqlite.token not in cmdline + environ
        assert "events" in cmdline
    finally:
        follower.terminate()
        follower.wait(timeout=30)


def test_serve_and_init_refuse_a_server(config_dir: Path) -> None:
    env = cli_env(config_dir)
    refused = taskyard(env, "--server", "http://127.0.0.1:9", "init")
    assert refused.returncode == 2
    assert "works on a database" in refused.stderr


def test_a_token_on_the_command_line_works_but_is_warned_about_without_repeating_it(
    served_sqlite: Served, config_dir: Path
) -> None:
    """``--token VALUE`` shows in ``ps`` while the command runs: say so, and how to avoid it."""
    env = cli_env(config_dir)
    token = served_sqlite.token
    text = taskyard(env, "--server", served_sqlite.url, "--token", token, "project", "list")
    assert text.returncode == 0, text.stderr
    assert "warning: a token given on the command line shows in the process list" in text.stderr
    assert "TASKYARD_TOKEN" in text.stderr
    as_json = taskyard(
        env, "--server", served_sqlite.url, "--token", token, "--json", "project", "list"
    )
    assert as_json.returncode == 0, as_json.stderr
    warning = json.loads(as_json.stderr.strip().splitlines()[0])["warning"]
    assert warning["code"] == "token_on_command_line"
    json.loads(as_json.stdout)  # stdout stays one JSON document
    quiet = taskyard(
        env, "--server", served_sqlite.url, "--token", "-", "project", "list", stdin=token + "\n"
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "warning" not in quiet.stderr
    for run in (text, as_json, quiet):
        assert token not in run.stdout + run.stderr
