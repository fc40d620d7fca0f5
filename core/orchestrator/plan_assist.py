"""Asking an agent profile about a PRD plan (``taskyard import prd --planner agent[:PROFILE]``).

The profile runs as a quick action would (its command template, environment rules and
timeout), with the prompt of ``core.prd.assist``; its standard output is the answer. Nothing is
recorded: the suggestions live in the preview, and a plan is committed only from a preview.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from core.errors import ValidationError
from core.orchestrator.config import OrchestratorConfig
from core.orchestrator.environment import for_profile
from core.orchestrator.executor import Invocation, StepProcess
from core.orchestrator.profiles import NOOP, missing_program
from core.prd.assist import apply_suggestions, assist_prompt, read_answer
from core.prd.models import ImportPlan

ASSIST_TIMEOUT_SECONDS = 600.0
"""An agent reading a long document takes minutes, not an hour (a profile's own wins)."""


async def assisted_plan(
    config: OrchestratorConfig, profile: str | None, text: str, plan: ImportPlan
) -> ImportPlan:
    """``plan`` with the suggestions of ``profile`` (the configured agent when ``None``).

    Raises:
        ValidationError: no such profile, its program cannot start, it failed, or its answer
            holds no suggestions (each says what to fix).
    """
    name = profile or config.agent
    spec = config.profiles.get(name)
    if spec is None or spec.name == NOOP or spec.needs_command:
        usable = sorted(
            n for n, p in config.profiles.items() if p.name != NOOP and not p.needs_command
        )
        raise ValidationError(
            f"No agent profile {name!r} to plan with.",
            field="planner",
            hint=f"Use --planner agent:NAME with one of {', '.join(usable)}, or add "
            f"[profiles.{name}] to taskyard.toml.",
        )
    if (why := missing_program(spec)) is not None:
        raise ValidationError(f"--planner agent:{name}: {why}.", field="planner")
    prompt = assist_prompt(text, plan)
    stdout: list[str] = []
    stderr: list[str] = []

    async def sink(stream: str, chunk: str) -> None:
        (stdout if stream == "stdout" else stderr).append(chunk)

    with tempfile.TemporaryDirectory(prefix="taskyard-plan-") as scratch:
        prompt_file = Path(scratch) / "prompt.md"
        if spec.prompt == "file":
            prompt_file.write_text(prompt, encoding="utf-8")
        workdir = os.getcwd()
        values = {
            "prompt": prompt,
            "prompt_file": str(prompt_file),
            "command": "",
            "ref": "",
            "task_id": "",
            "run_id": "",
            "step": "plan",
            "attempt": "1",
            "title": f"Review the plan of {plan.source}",
            "workdir": workdir,
        }
        environment = for_profile(spec, config.env_deny, {"TASKYARD_PROFILE": spec.name})
        result = await StepProcess(
            Invocation(
                argv=spec.render(values),
                cwd=workdir,
                env=environment.variables,
                stdin=prompt if spec.prompt == "stdin" else None,
                timeout=spec.timeout_seconds or ASSIST_TIMEOUT_SECONDS,
            ),
            sink,
            kill_grace=config.kill_grace_seconds,
        ).run()
    if not result.success:
        said = "".join(stderr).strip()[-300:] or result.describe()
        raise ValidationError(
            f"The agent {name!r} failed while reviewing the plan: {said}",
            field="planner",
            hint="Try the profile by hand (taskyard quick), or import with the rules alone.",
        )
    return apply_suggestions(plan, read_answer("".join(stdout), name), name)
