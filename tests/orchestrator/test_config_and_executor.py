"""Orchestrator config (defaults, the clear refusals) and the step executor (batching, summary,
timeout, process groups) without a database."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from core.config_file import ConfigFile
from core.errors import ValidationError
from core.orchestrator.config import FEATURE_STEPS, OrchestratorConfig
from core.orchestrator.executor import Invocation, LogBatcher, StepProcess
from core.orchestrator.profiles import BUILTIN_PROFILES
from tests.fixtures.waiting import wait_until

from .conftest import agent_command, pid_alive


def config(data: dict[str, Any], env: dict[str, str] | None = None) -> OrchestratorConfig:
    return OrchestratorConfig.from_config(
        ConfigFile(Path("taskyard.toml"), data), environ=env or {}
    )


# ------------------------------------------------------------------------------ config
def test_defaults_need_no_file() -> None:
    default = config({})
    assert (default.slots, default.lease_seconds, default.auto_approve) == (2, 15.0, False)
    assert (default.retry.max_attempts, default.retry.max_interruptions) == (3, 10)
    assert (
        config({"orchestrator": {"retry": {"max_interruptions": 4}}}).retry.max_interruptions == 4
    )
    assert set(BUILTIN_PROFILES) <= set(default.profiles)
    assert default.pipelines == {}
    steps = default.steps_for("feature", None, "make test")
    assert not isinstance(steps, str)
    assert [(s.name, s.profile) for s in steps] == [("shell", "shell")]
    reason = default.steps_for("bug", None, None)
    assert reason == (
        "no command and no pipeline for task_type bug: give the task a command (taskyard task "
        "edit REF --command ...), or add a [pipelines.bug] table to taskyard.toml"
    )


def test_the_default_feature_template_and_custom_pipelines() -> None:
    cfg = config(
        {
            "orchestrator": {"agent": "codex", "workers": 3, "auto_approve": True},
            "pipelines": {
                "feature": "default",
                "bug": [{"name": "fix", "profile": "aider"}, {"name": "test", "command": "make"}],
            },
        }
    )
    assert cfg.slots == 3
    assert cfg.auto_approve
    steps = cfg.steps_for("feature", None, None)
    assert not isinstance(steps, str)
    assert [(s.name, s.profile) for s in steps] == [(n, "codex") for n in FEATURE_STEPS]
    bug = cfg.steps_for("bug", None, None)
    assert not isinstance(bug, str)
    assert [(s.name, s.profile, s.command) for s in bug] == [
        ("fix", "aider", None),
        ("test", "shell", "make"),
    ]
    assert "pipeline 'nope' is not configured" in str(cfg.steps_for("bug", "nope", None))


def test_auto_approve_also_comes_from_the_environment() -> None:
    assert config({}, {"FEATURE_PRD_AUTO_APPROVE_REVIEW": "true"}).auto_approve


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"orchestrator": {"slots": 0}}, ["[orchestrator] slots = 0", "at least 1"]),
        ({"orchestrator": {"slots": "4"}}, ["slots = '4'", "no quotes"]),
        ({"orchestrator": {"lease_seconds": 5, "heartbeat_seconds": 5}}, ["heartbeat_seconds"]),
        ({"orchestrator": {"colour": "red"}}, ["unknown key 'colour'"]),
        ({"orchestrator": {"retry": {"max_attempts": 0}}}, ["[orchestrator.retry] max_attempts"]),
        (
            {"orchestrator": {"retry": {"max_interruptions": 0}}},
            ["[orchestrator.retry] max_interruptions"],
        ),
        ({"orchestrator": {"auto_approve": "yes"}}, ["true or false"]),
        ({"orchestrator": {"agent": "hal"}}, ["agent = 'hal'", "names no profile"]),
        ({"pipelines": {"bug": "fast"}}, ["[pipelines] bug", "list of steps"]),
        (
            {"pipelines": {"bug": [{"name": "x", "profile": "hal"}]}},
            ["profile 'hal'", "does not exist"],
        ),
        ({"pipelines": {"bug": [{"name": "x"}, {"name": "x"}]}}, ["unique"]),
        ({"profiles": {"mine": {"command": "my-agent"}}}, ["non-empty list of strings"]),
        ({"profiles": {"mine": {"command": ["a", "{prompt_fil}"]}}}, ["{prompt_fil}"]),
        ({"profiles": {"mine": {"command": ["a"], "prompt": "file"}}}, ["{prompt_file}"]),
        ({"profiles": {"mine": {"command": ["a"], "prompt": "pipe"}}}, ["prompt = 'pipe'"]),
    ],
)
def test_bad_config_names_the_key_and_the_fix(data: dict[str, Any], names: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        config(data)
    for name in names:
        assert name in err.value.message + (err.value.hint or "")
    assert err.value.hint
    assert "taskyard.toml" in err.value.message


# ------------------------------------------------------------------------------ executor
async def test_output_is_batched_and_the_summary_is_the_last_lines() -> None:
    writes: list[tuple[str, str]] = []

    async def sink(stream: str, text: str) -> None:
        writes.append((stream, text))

    script = "for i in $(seq 1 2000); do echo line $i; done; echo oops >&2; exit 0"
    result = await StepProcess(Invocation(["/bin/sh", "-c", script]), sink).run()
    assert result.success
    stdout = "".join(t for s, t in writes if s == "stdout")
    assert stdout.splitlines() == [f"line {i}" for i in range(1, 2001)]
    assert len(writes) < 50  # ~19 KB in a handful of batches, not 2,000 writes
    summary = result.summary()
    assert summary is not None
    assert summary.splitlines()[-1] in ("oops", "line 2000")
    assert len(summary.splitlines()) == 8


async def test_batcher_flushes_on_size_and_on_time() -> None:
    seen: list[str] = []

    async def sink(stream: str, text: str) -> None:
        seen.append(text)

    batcher = LogBatcher(sink, interval=0.05, max_bytes=10)
    batcher.start()
    batcher.write("stdout", "a" * 12)
    await wait_until(lambda: seen, timeout=5)
    assert seen == ["a" * 12]  # over max_bytes: at once, not after the interval
    batcher.write("stdout", "b")
    batcher.write("stdout", "c")
    # Under max_bytes: held together until the interval passes (however late a loaded
    # machine gets there), then written as one chunk.
    await wait_until(lambda: len(seen) > 1, timeout=5)
    assert seen == ["a" * 12, "bc"]
    await batcher.close()


async def test_a_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"

    async def sink(stream: str, text: str) -> None:
        return None

    process = StepProcess(
        Invocation(
            agent_command("--child", "--pid-dir", str(pids), "--sleep", "30", "--ignore-term"),
            timeout=1.0,
        ),
        sink,
        kill_grace=0.5,
    )
    result = await process.run()
    assert result.timed_out
    assert not result.success
    assert "timed out" in result.describe()
    started = [int(p.read_text()) for p in pids.glob("*")]
    assert len(started) == 2
    await wait_until(lambda: not any(pid_alive(p) for p in started), timeout=5)


async def test_cancel_stops_the_agent_and_its_grandchild(tmp_path: Path) -> None:
    pids = tmp_path / "pids"

    async def sink(stream: str, text: str) -> None:
        return None

    process = StepProcess(
        Invocation(agent_command("--child", "--pid-dir", str(pids), "--sleep", "30")), sink
    )
    running = asyncio.create_task(process.run())
    await wait_until(lambda: len(list(pids.glob("*"))) == 2, timeout=20)
    started = [int(p.read_text()) for p in pids.glob("*")]
    await process.cancel()
    result = await running
    assert result.cancelled
    # SIGKILL is delivered asynchronously: the grandchild may take a moment to be gone.
    await wait_until(lambda: not any(pid_alive(p) for p in started), timeout=5)


async def test_a_missing_program_is_a_failed_step_not_a_crash() -> None:
    lines: list[str] = []

    async def sink(stream: str, text: str) -> None:
        lines.append(text)

    result = await StepProcess(Invocation(["/no/such/agent"]), sink).run()
    assert (result.success, result.exit_code) == (False, None)
    assert result.error is not None
    assert "cannot start '/no/such/agent'" in result.describe()
    assert lines
    assert "cannot start" in lines[0]


async def test_the_prompt_reaches_stdin() -> None:
    out: list[str] = []

    async def sink(stream: str, text: str) -> None:
        out.append(text)

    result = await StepProcess(
        Invocation(
            [sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], stdin="hi"
        ),
        sink,
    ).run()
    assert result.success
    assert "".join(out).strip() == "HI"
