"""Which steps a task will run, and the command line of each, before anything runs.

A person about to press Run Now, or to approve a command, should see exactly what a worker
would start: the pipeline's steps, the profile of each, and its argument list, with the parts
only known at run time (the prompt, its file, the run id) shown as ``<placeholders>``. The
worker builds its real command lines from the same profile templates
(``steps._Attempt._placeholders``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from core.domain.models import Task
from core.orchestrator.config import OrchestratorConfig
from core.orchestrator.profiles import NOOP
from core.orchestrator.prompt import task_command

AT_RUN_TIME = {
    "prompt": "<prompt>",
    "prompt_file": "<prompt file>",
    "run_id": "<run id>",
    "attempt": "<attempt>",
    "workdir": "<workdir>",
}
"""Placeholder values known only when the step starts."""

PROMPT_WAYS = {
    "stdin": "the prompt on stdin",
    "file": "the prompt in <prompt file>",
    "arg": "the prompt as an argument",
    "none": "no prompt",
}


@dataclass(frozen=True)
class StepPreview:
    """One step as a worker would start it."""

    index: int
    total: int
    name: str
    profile: str
    command_line: str
    """The program and its arguments, shell-quoted, run-time parts as ``<placeholders>``."""
    prompt: str
    """How the prompt reaches the program, in words."""

    def line(self) -> str:
        """``1/2 implement (claude): claude -p … · the prompt on stdin``."""
        return (
            f"{self.index}/{self.total} {self.name} ({self.profile}): {self.command_line}"
            f" · {self.prompt}"
        )


def preview_steps(config: OrchestratorConfig, task: Task) -> list[StepPreview] | str:
    """The steps ``task`` would run under ``config``, or why it would run nothing."""
    command = task_command(task)
    plan = config.steps_for(task.task_type, task.pipeline_template, command)
    if isinstance(plan, str):
        return plan
    out: list[StepPreview] = []
    for index, spec in enumerate(plan, start=1):
        profile = config.profiles[spec.profile]
        values = {
            **AT_RUN_TIME,
            "command": spec.command or command or "",
            "ref": task.ref,
            "task_id": task.id,
            "step": spec.name,
            "title": task.title,
        }
        line = "(starts nothing)" if profile.name == NOOP else shlex.join(profile.render(values))
        out.append(
            StepPreview(
                index=index,
                total=len(plan),
                name=spec.name,
                profile=profile.name,
                command_line=line,
                prompt=PROMPT_WAYS[profile.prompt],
            )
        )
    return out
