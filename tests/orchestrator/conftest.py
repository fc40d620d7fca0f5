"""Orchestrator fixtures: a real engine per backend, the fake agent, configs from TOML data."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core.config_file import ConfigFile
from core.orchestrator.config import OrchestratorConfig
from core.store.engine import SqlTaskEngine

FAKE_AGENT = Path(__file__).resolve().parents[1] / "fixtures" / "fake_agent.py"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of the parameter's kind."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_schema_url"))
    return f"sqlite:///{tmp_path / 'orch.db'}"


Opener = Callable[..., Awaitable[SqlTaskEngine]]


@pytest.fixture
async def open_engine(db_url: str) -> AsyncIterator[Opener]:
    """Opens engines on the test's database (closed at the end)."""
    opened: list[SqlTaskEngine] = []

    async def opener(config: OrchestratorConfig | None = None, **options: Any) -> SqlTaskEngine:
        if config is not None:
            options.setdefault("retry_policy", config.retry)
            options.setdefault("lease_seconds", config.lease_seconds)
            options.setdefault("auto_approve", config.auto_approve)
        engine = await SqlTaskEngine.open(db_url, actor="tester", **options)
        opened.append(engine)
        return engine

    yield opener
    for engine in opened:
        await engine.close()


def agent_command(*args: str) -> list[str]:
    """The fake agent's command line with ``args``."""
    return [sys.executable, str(FAKE_AGENT), *args]


def make_config(data: dict[str, Any]) -> OrchestratorConfig:
    """An orchestrator config from TOML-shaped data, quick to react (tests wait on it)."""
    orch = data.setdefault("orchestrator", {})
    orch.setdefault("poll_seconds", 0.1)
    orch.setdefault("lease_seconds", 5)
    orch.setdefault("heartbeat_seconds", 0.5)
    orch.setdefault("kill_grace_seconds", 1)
    orch.setdefault("stop_grace_seconds", 2)
    orch.setdefault("retry", {"max_attempts": 2, "backoff_seconds": 0})
    return OrchestratorConfig.from_config(ConfigFile(data=data), environ={})


def records(path: Path) -> list[dict[str, Any]]:
    """The fake agent's invocation records."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (checked through /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
