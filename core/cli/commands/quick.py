"""``taskyard quick ...``: a one-off prompt or command, recorded as a quick run.

``quick list``, ``show`` and ``promote`` read the quick runs made and turn one into a task.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

from core.cli.options import limit, project
from core.cli.output.runs import quick_line
from core.cli.replies import dump, task_reply
from core.cli.specs import Command, Commands, arg
from core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.runs import QuickRun


async def _cmd_quick(s: Session) -> int:
    a = s.args
    words: list[str] = list(a.words)
    if a.prompt is not None:
        if words:
            raise ValidationError(
                "Give the prompt either as words or with --prompt, not both.", field="prompt"
            )
        return await _quick_run(s, a.prompt)
    if not words:
        raise ValidationError(
            'Say what to run: taskyard quick "make lint" (or quick list / show ID / promote ID).',
            field="prompt",
            hint='e.g. taskyard quick "pytest -x" or taskyard quick --profile claude '
            '"Explain the failing test"',
        )
    action, rest = words[0], words[1:]
    if action == "list":
        if rest:
            raise _quick_usage("list takes no arguments")
        return await _quick_list(s)
    if action in ("show", "promote"):
        if len(rest) != 1:
            raise _quick_usage(f"{action} takes one quick run id")
        quick_id = await s.engine.resolve_run_id(rest[0], kind="quick")
        if action == "show":
            return await _quick_show(s, quick_id)
        task = await s.engine.promote_quick_run(quick_id, project=a.project)
        text = f"Promoted quick run {quick_id} to {task.ref} ({task.title})."
        return task_reply(s.out, task, lambda: [text])
    return await _quick_run(s, " ".join(words))


async def _quick_list(s: Session) -> int:
    runs = await s.engine.list_quick_runs(limit=s.args.limit)
    refs = await _promoted_refs(s, runs)
    return s.out.result(
        "quick_runs",
        lambda: {"items": [dump(q) for q in runs], "total": len(runs)},
        lambda: [quick_line(q, refs) for q in runs] or ["No quick runs yet."],
    )


async def _quick_show(s: Session, quick_id: str) -> int:
    quick = await s.engine.get_quick_run(quick_id)
    chunks = await s.engine.read_log(quick.id, limit=10_000)
    refs = await _promoted_refs(s, [quick])
    return s.out.result(
        "quick_run",
        lambda: {"quickRun": dump(quick), "log": [dump(c) for c in chunks]},
        lambda: [
            quick_line(quick, refs),
            f"prompt: {quick.prompt}",
            *(["", "".join(c.text for c in chunks).rstrip("\n")] if chunks else []),
        ],
    )


def _quick_usage(problem: str) -> ValidationError:
    return ValidationError(
        f"quick: {problem}.",
        field="words",
        hint="taskyard quick PROMPT | quick list | quick show ID | quick promote ID; a prompt "
        "starting with list/show/promote goes in --prompt.",
    )


async def _promoted_refs(s: Session, runs: list[QuickRun]) -> dict[str, str]:
    """The refs of the tasks these quick runs were promoted to, by task id."""
    refs = {}
    for task_id in {q.promoted_task_id for q in runs if q.promoted_task_id}:
        with contextlib.suppress(NotFoundError):  # deleted since: the id is all there is
            refs[task_id] = (await s.engine.get_task(task_id, links=False)).ref
    return refs


async def _quick_run(s: Session, prompt: str) -> int:
    from core.domain.runs import QuickRunStatus
    from core.orchestrator.quick import run_quick_action

    def echo(stream: str, text: str) -> None:
        if s.out.json:
            return
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text)
        out.flush()

    quick = await run_quick_action(s.engine, s.config, prompt, s.args.profile, on_output=echo)
    ok = quick.status == QuickRunStatus.SUCCEEDED
    if s.out.json:
        s.out.envelope("quick_run", {"quickRun": dump(quick)})
    else:
        code = f" (exit code {quick.exit_code})" if quick.exit_code is not None else ""
        s.out.lines(
            [
                f"Quick run {quick.id} {quick.status.value}{code}.",
                f"Make it a task: taskyard quick promote {quick.id}",
            ]
        )
    return 0 if ok else 1


COMMANDS: Commands = (
    Command(
        "quick",
        _cmd_quick,
        "run a one-off prompt or command (no task unless promoted)",
        (
            arg("words", nargs="*", metavar="PROMPT | promote ID | list | show ID"),
            arg("--prompt", metavar="TEXT", help="the prompt, when it starts with list/show"),
            arg("--profile", metavar="NAME", default="shell", help="agent profile (shell)"),
            project("for promote: the task's project"),
            limit(20, "for list"),
        ),
        usage="taskyard quick PROMPT [--profile NAME] | quick promote ID [--project P] | "
        "quick list [--limit N] | quick show ID",
        description='`taskyard quick "make lint"` runs a shell command (or, with --profile '
        "claude, a prompt) here, streams its output and records it as a quick run. Promote a "
        "quick run to a task with `taskyard quick promote ID`.",
        needs={"orchestrated": True},
    ),
)
