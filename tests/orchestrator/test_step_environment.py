"""What a step sees of its worker's environment: never taskyard's secrets, only what its profile
passes through, and a log line that names (never shows) what it got."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config_file import ConfigFile
from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.errors import ValidationError
from core.orchestrator.config import OrchestratorConfig
from core.orchestrator.environment import step_environment

from .conftest import REPO, Opener

WORKER_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/me",
    "LC_ALL": "C.UTF-8",
    "TASKYARD_TOKEN": "tok-secret-123",
    "TASKYARD_DB": "postgresql+asyncpg://ty:s3cret@db.internal/ty",
    "APP_URL": "postgresql://app:hunter2@db.example/app",
    "PLAIN_URL": "https://example.com/x",
    "DATABASE_URL": "sqlite:///app.db",
    "MY_AGENT_KEY": "k-123",
    "UNRELATED": "zzz",
}


def build(passthrough: tuple[str, ...], **options: object) -> dict[str, str]:
    return step_environment(WORKER_ENV, passthrough=passthrough, **options).variables  # type: ignore[arg-type]


def test_an_agent_gets_the_baseline_and_what_its_profile_names() -> None:
    env = build(("MY_AGENT_*",))
    assert env == {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/me",
        "LC_ALL": "C.UTF-8",
        "MY_AGENT_KEY": "k-123",
    }


def test_passing_everything_still_withholds_taskyards_secrets_and_url_passwords() -> None:
    result = step_environment(WORKER_ENV, passthrough=("*",))
    assert set(result.variables) == {
        "PATH", "HOME", "LC_ALL", "PLAIN_URL", "MY_AGENT_KEY", "UNRELATED",
    }  # fmt: skip
    assert result.withheld == ("APP_URL", "DATABASE_URL", "TASKYARD_DB", "TASKYARD_TOKEN")
    line = result.describe()
    assert "withheld: APP_URL, DATABASE_URL, TASKYARD_DB, TASKYARD_TOKEN" in line
    for value in WORKER_ENV.values():
        assert value not in line


def test_a_sensitive_variable_named_exactly_is_passed_but_taskyards_never_are() -> None:
    env = build(("*", "DATABASE_URL", "APP_URL", "TASKYARD_TOKEN"))
    assert env["DATABASE_URL"] == "sqlite:///app.db"
    assert env["APP_URL"] == WORKER_ENV["APP_URL"]
    assert "TASKYARD_TOKEN" not in env


def test_the_deny_list_and_secret_values_win_over_any_pass_through() -> None:
    env = build(("*", "APP_URL"), deny=("UNREL*",), secrets=(WORKER_ENV["APP_URL"],))
    assert "UNRELATED" not in env
    assert "APP_URL" not in env


def test_taskyards_own_values_are_set_over_inherited_ones() -> None:
    env = build(("*",), own={"TASKYARD_TASK_REF": "TY-1", "UNRELATED": "mine"})
    assert env["TASKYARD_TASK_REF"] == "TY-1"
    assert env["UNRELATED"] == "mine"


# ------------------------------------------------------------------------------ configuration
def config(
    profiles: dict[str, object], orchestrator: dict[str, object] | None = None
) -> OrchestratorConfig:
    data = {"profiles": profiles, "orchestrator": orchestrator or {}}
    return OrchestratorConfig.from_config(ConfigFile(data=data), environ={})


def test_profiles_declare_their_pass_through_and_builtins_have_defaults() -> None:
    cfg = config(
        {"mine": {"command": ["my-agent"], "env_passthrough": ["MY_AGENT_*"]}, "claude": {}},
        {"env_deny": ["AWS_SECRET_ACCESS_KEY"]},
    )
    assert cfg.profiles["mine"].env_passthrough == ("MY_AGENT_*",)
    assert "ANTHROPIC_*" in cfg.profiles["claude"].env_passthrough
    assert cfg.profiles["shell"].env_passthrough == ("*",)
    assert cfg.env_deny == ("AWS_SECRET_ACCESS_KEY",)


@pytest.mark.parametrize("value", ["MY_KEY", ["MY KEY"], [""], [3]])
def test_a_bad_pass_through_list_is_refused_with_an_example(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        config({"mine": {"command": ["my-agent"], "env_passthrough": value}})
    assert "env_passthrough" in caught.value.message
    assert 'env_passthrough = ["MY_AGENT_API_KEY"' in (caught.value.hint or "")


@pytest.mark.parametrize(
    "command",
    [
        ["sh", "-c", "my-agent --title '{title}'"],
        ["/bin/bash", "-lc", "cd {workdir} && my-agent {prompt}"],
        ["/usr/bin/env", "zsh", "-c", "run {command} now"],
    ],
)
def test_task_text_inside_a_shell_script_is_refused_with_the_safe_form(command: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        config({"mine": {"command": command}})
    message = caught.value.message
    assert "inside the shell script" in message
    assert "would run as shell code" in message
    assert "'my-agent \"$1\"'" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "command",
    [
        ["sh", "-c", 'my-agent --title "$1"', "sh", "{title}"],
        ["bash", "-c", "{command}"],
        ["sh", "-c", "cd {workdir} && make"],
        ["python3", "-c", "print('{title}')", "{prompt}"],
    ],
)
def test_task_text_as_an_argument_of_its_own_is_accepted(command: list[str]) -> None:
    assert config({"mine": {"command": command}}).profiles["mine"].command == tuple(command)


# ------------------------------------------------------------------------------ a real worker
DUMP = "import json, os, sys; open(sys.argv[1], 'w').write(json.dumps(dict(os.environ)))"


async def test_a_worker_hands_steps_neither_its_token_nor_its_database_url(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """Both steps run in a real ``taskyard worker --once`` whose environment holds the token,
    the database URL (with its password on PostgreSQL) and another URL with a password."""
    shell_out, agent_out = tmp_path / "shell.json", tmp_path / "agent.json"
    (tmp_path / "taskyard.toml").write_text(
        f"""
[pipelines]
chore = [{{ name = "look", profile = "peek" }}]

[profiles.peek]
command = {json.dumps([sys.executable, "-c", DUMP, str(agent_out)])}
env_passthrough = ["MY_AGENT_*"]
"""
    )
    engine = await open_engine()
    shell_task = await engine.create_task(
        TaskCreate(
            title="shell",
            status=TaskStatus.READY,
            metadata={"command": f'{sys.executable} -c "{DUMP}" {shell_out}'},
        )
    )
    await engine.create_task(TaskCreate(title="agent", status=TaskStatus.READY, task_type="chore"))
    secrets = {
        "TASKYARD_TOKEN": "tok-secret-123",
        "TASKYARD_DB": db_url,
        "APP_URL": "postgresql://app:hunter2@db.example/app",
    }
    env = {
        **os.environ,
        **secrets,
        "MY_AGENT_KEY": "k-123",
        "UNRELATED": "zzz",
        "TASKYARD_CONFIG": str(tmp_path / "taskyard.toml"),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", "worker", "--once"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shell_env = json.loads(shell_out.read_text())
    agent_env = json.loads(agent_out.read_text())
    for seen in (shell_env, agent_env):
        for name, value in secrets.items():
            assert name not in seen
            assert value not in seen.values()
        assert seen["TASKYARD_STEP"] in ("shell", "look")  # the step's own context is there
    assert shell_env["UNRELATED"] == "zzz"  # the shell profile passes the rest through
    assert agent_env["MY_AGENT_KEY"] == "k-123"  # a profile's declared pass-through arrives
    assert "UNRELATED" not in agent_env
    [run] = await engine.runs_of(shell_task.task.ref)
    log = "".join(chunk.text for chunk in await engine.read_log(run.id))
    [withheld] = [line for line in log.splitlines() if "withheld: " in line]
    assert {"APP_URL", "TASKYARD_DB", "TASKYARD_TOKEN"} <= set(
        withheld.split("withheld: ")[1].split(", ")
    )
    assert "tok-secret-123" not in log
    assert "hunter2" not in log
