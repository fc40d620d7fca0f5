"""What a step is told: its prompt (the task and what earlier steps did) and the task's command."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.approval import command_text
from core.domain.models import Task

STEP_GUIDANCE = {
    "plan": "Work out what has to change and write a short plan. Do not change code yet.",
    "plan_impl": "Turn the plan into concrete implementation steps: files, functions, tests.",
    "implement": "Make the change in the working tree, following the plan.",
    "verify": "Run the tests and checks; fix what fails.",
    "review": "Review the change as a strict reviewer would, and fix what you find.",
    "commit": "Commit the change with a message that says what and why.",
    # The step names docs/orchestrator.md's sample pipelines use.
    "fix": "Find the cause of the problem described below and fix it; keep the change small.",
    "write": "Write what the task asks for in the working tree, then stop.",
    "test": "Write or run the tests the task needs, and make them pass.",
}


def task_command(task: Task) -> str | None:
    """The shell command a task carries: ``metadata.command`` only.

    A code block in the description is documentation and never runs: whoever wrote the
    description (a PRD, an import) did not thereby decide that it runs.
    """
    return command_text(task.metadata)


def build_prompt(
    task: Task,
    step: str,
    *,
    index: int,
    total: int,
    previous: Sequence[tuple[str, str | None]] = (),
    last_output: str | None = None,
) -> str:
    """The prompt for one step of a task's pipeline.

    Args:
        task: The task being run.
        step: This step's name.
        index: Its 1-based position in the pipeline.
        total: The pipeline's length.
        previous: ``(step, summary)`` of the steps already done in this run.
        last_output: The last lines the failing step of the previous attempt printed, so a
            retried agent knows why (a fix → verify loop would otherwise retry blind).
    """
    lines = [
        f"You are working on task {task.ref}: {task.title}",
        f"Step {index} of {total}: {step}.",
    ]
    if step in STEP_GUIDANCE:
        lines.append(STEP_GUIDANCE[step])
    if task.description.strip():
        lines += ["", "## Description", "", task.description.strip()]
    if task.acceptance_criteria:
        lines += ["", "## Acceptance criteria", ""]
        lines += [f"- {c}" for c in task.acceptance_criteria]
    if task.context_files:
        lines += ["", "## Context files", ""]
        lines += [f"- {f}" for f in task.context_files]
    done = [(name, summary) for name, summary in previous if summary]
    if done:
        lines += ["", "## Earlier steps"]
        for name, summary in done:
            lines += ["", f"### {name}", "", (summary or "").strip()]
    if task.retry_count and task.error:
        lines += [
            "",
            f"This is attempt {task.retry_count + 1}; the last one failed: {task.error}",
        ]
        if last_output and last_output.strip():
            lines += ["", "Its last output:", "", "```", last_output.strip(), "```"]
    elif task.retry_count:  # the runs before were interrupted (or retried by hand): no failure
        lines += ["", f"This is attempt {task.retry_count + 1}."]
    return "\n".join(lines) + "\n"
