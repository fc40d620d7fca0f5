"""``taskyard --server URL --json ready``: a cold read through the standard library's client.

It must be the engine path's twin: the same bytes on stdout, the same error and exit code on
every failure, while importing neither httpx nor pydantic. Each case runs three ways against
a real ``taskyard serve``: the light path; the engine path (a proxy in the environment sends
the command there, since only httpx would honour it); and, where it can, the local command
on the served file itself.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.remote import Served, cli_env, taskyard

LIGHT_NEVER = ("httpx", "httpcore", "anyio", "pydantic", "core.domain", "core.api", "asyncio")
"""What the light path must not import (what made a cold remote read slow)."""

ENGINE_PATH = {"HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
"""A proxy for https only: the light path steps aside; httpx ignores it for an http URL."""

PIPELINES = '[pipelines]\nbug = [{ name = "fix", profile = "shell", command = "true" }]\n'


def imported(run: subprocess.CompletedProcess[str]) -> set[str]:
    """The modules a ``python -X importtime`` run imported."""
    lines = [line for line in run.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip() for line in lines}


def messages(run: subprocess.CompletedProcess[str]) -> str:
    """Its stderr without the import times."""
    return "\n".join(line for line in run.stderr.splitlines() if not line.startswith("import "))


def both_ways(
    env: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The command through the light path and through the engine path; checks which ran."""
    light = taskyard(env, *args, python=("-X", "importtime"))
    engine = taskyard({**env, **ENGINE_PATH}, *args, python=("-X", "importtime"))
    light_modules = imported(light)
    heavy = {
        m for m in light_modules if m.split(".")[0] in LIGHT_NEVER or m.startswith(LIGHT_NEVER)
    }
    assert not heavy, sorted(heavy)
    assert "httpx" in imported(engine), "the proxy did not send the command to the engine path"
    return light, engine


@pytest.fixture
def env(served_sqlite: Served, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "taskyard.toml"
    config.write_text(PIPELINES)
    return cli_env(
        tmp_path / "config",
        TASKYARD_SERVER=served_sqlite.url,
        TASKYARD_TOKEN=served_sqlite.token,
        TASKYARD_CONFIG=str(config),
    )


def add(env: dict[str, str], *args: str) -> None:
    done = taskyard(env, "--json", "task", "add", *args)
    assert done.returncode == 0, done.stderr


def test_ready_prints_the_same_bytes_as_the_engine_and_the_local_command(
    served_sqlite: Served, env: dict[str, str]
) -> None:
    """Full page (the total asked separately), a card with nothing to run, a configured type."""
    project = json.loads(taskyard(env, "--json", "project", "add", "Light reads").stdout)
    slug = project["project"]["slug"]
    add(env, "Docs without a command", "--project", slug, "--type", "docs", "--ready")
    add(env, "A bug with a pipeline", "--project", slug, "--type", "bug", "--ready")
    add(env, "Anything with a command", "--project", slug, "--ready", "--command", "make test")
    add(env, "Waiting in the backlog", "--project", slug)

    args = ("--json", "ready", "--project", slug, "--limit", "2")
    light, engine = both_ways(env, *args)
    assert light.returncode == engine.returncode == 0, light.stderr + engine.stderr
    assert light.stdout == engine.stdout
    local_env = {k: v for k, v in env.items() if k not in {"TASKYARD_SERVER", "TASKYARD_TOKEN"}}
    local_db = served_sqlite.db_url.split(":///", 1)[1]
    local = taskyard(local_env, "--db", local_db, *args)
    assert local.stdout == light.stdout

    answer = json.loads(light.stdout)
    assert answer["kind"] == "ready"
    assert (answer["total"], answer["limit"], len(answer["items"])) == (3, 2, 2)
    idle = {item["title"]: item["nothingToRun"] for item in answer["items"]}
    assert idle == {
        "Docs without a command": "nothing to run: no command, and docs tasks have no pipeline",
        "A bug with a pipeline": None,
    }


@pytest.mark.parametrize(
    ("case", "args", "exit_code", "code"),
    [
        ("unknown project", ("--project", "no-such-project"), 3, "not_found"),
        ("a token the server does not know", ("--token", "ty_" + "x" * 43), 7, "unauthorized"),
    ],
)
def test_refusals_are_the_engine_paths_errors(
    env: dict[str, str], case: str, args: tuple[str, ...], exit_code: int, code: str
) -> None:
    light, engine = both_ways(env, "--json", "ready", *args)
    assert (light.returncode, engine.returncode) == (exit_code, exit_code), case
    assert messages(light) == messages(engine), case
    error = json.loads(messages(light).splitlines()[-1])["error"]
    assert error["code"] == code, error
    assert light.stdout == engine.stdout == ""


@pytest.mark.parametrize("where", ["a port nobody listens on", "a host that does not exist"])
def test_a_server_that_cannot_be_reached_is_the_same_error_both_ways(
    env: dict[str, str], where: str
) -> None:
    if where == "a host that does not exist":
        server = "http://taskyard.invalid:8765"
    else:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            server = f"http://127.0.0.1:{sock.getsockname()[1]}"
    light, engine = both_ways({**env, "TASKYARD_SERVER": server}, "--json", "ready")
    assert light.returncode == engine.returncode == 6
    assert messages(light) == messages(engine)
    error = json.loads(messages(light).splitlines()[-1])["error"]
    assert error["code"] == "server_unreachable"
    assert error["message"].startswith(f"Cannot reach the taskyard server at {server}: ")
