"""Quick actions: run one prompt (or shell command) through a profile here and now, recorded.

The quick run, its output and how it ended are stored; no task is created unless the quick run
is promoted afterwards (``TaskEngine.promote_quick_run``).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.domain.commands import parse
from core.domain.runs import QuickRun, QuickRunCreate
from core.engine import TaskEngine
from core.errors import ValidationError
from core.orchestrator.config import OrchestratorConfig
from core.orchestrator.environment import for_profile
from core.orchestrator.executor import Invocation, StepProcess
from core.orchestrator.profiles import NOOP

OutputCallback = Callable[[str, str], None]
"""Called with ``(stream, text)`` as output arrives (in ~100 ms batches)."""


async def run_quick_action(
    engine: TaskEngine,
    config: OrchestratorConfig,
    prompt: str,
    profile: str = "shell",
    *,
    on_output: OutputCallback | None = None,
    cwd: str | None = None,
) -> QuickRun:
    """Run ``prompt`` through ``profile`` in this process and record it as a quick run.

    With the ``shell`` profile the prompt is the command. Cancelling the awaiting task kills
    the process group and records the quick run as cancelled.

    Raises:
        ValidationError: an unknown profile, or an empty or too long prompt.
    """
    if profile not in config.profiles:
        raise ValidationError(
            f"No profile {profile!r}.",
            field="profile",
            hint=f"Use one of {', '.join(sorted(config.profiles))}, or add [profiles.{profile}] "
            "to taskyard.toml.",
        )
    spec = config.profiles[profile]
    request = parse(QuickRunCreate, {"prompt": prompt, "profile": profile})
    quick = await engine.create_quick_run(request)

    async def sink(stream: str, text: str) -> None:
        if on_output is not None:
            on_output(stream, text)
        await engine.append_quick_log(quick.id, text, stream=stream)

    if spec.name == NOOP:
        return await engine.finish_quick_run(quick.id, success=True, exit_code=0)
    with tempfile.TemporaryDirectory(prefix="taskyard-quick-") as scratch:
        prompt_file = Path(scratch) / "prompt.md"
        if spec.prompt == "file":
            prompt_file.write_text(prompt, encoding="utf-8")
        workdir = cwd or os.getcwd()
        values = {
            "prompt": prompt,
            "prompt_file": str(prompt_file),
            "command": prompt,
            "ref": "",
            "task_id": "",
            "run_id": quick.id,
            "step": "quick",
            "attempt": "1",
            "title": prompt.splitlines()[0] if prompt.strip() else "",
            "workdir": workdir,
        }
        environment = for_profile(
            spec,
            config.env_deny,
            {"TASKYARD_QUICK_RUN_ID": quick.id, "TASKYARD_PROFILE": spec.name},
        )
        process = StepProcess(
            Invocation(
                argv=spec.render(values),
                cwd=workdir,
                env=environment.variables,
                stdin=prompt if spec.prompt == "stdin" else None,
                timeout=spec.timeout_seconds or config.step_timeout_seconds,
            ),
            sink,
            kill_grace=config.kill_grace_seconds,
        )
        try:
            result = await process.run()
        except asyncio.CancelledError:
            await asyncio.shield(engine.finish_quick_run(quick.id, success=None))
            raise
    return await engine.finish_quick_run(
        quick.id,
        success=None if result.cancelled else result.success,
        exit_code=result.exit_code,
        summary=result.summary() if result.success else result.describe(),
    )
