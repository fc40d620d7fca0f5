"""``taskyard ready`` and ``approve``: the queue workers take from, and what they may run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.cli.options import limit, project
from core.cli.orchestration import configured_pipelines
from core.cli.output.lists import ready_lines
from core.cli.output.task import approved_lines
from core.cli.replies import dump, list_payload
from core.cli.specs import Command, Commands, arg
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.models import TaskCard


async def _cmd_ready(s: Session) -> int:
    from core.domain.commands import TaskQuery
    from core.domain.models import TaskStatus

    cards = await s.engine.ready_tasks(limit=s.args.limit, project=s.args.project)
    total = len(cards)
    if total == s.args.limit:  # a full page: the queue may be longer
        query = TaskQuery(project=s.args.project, statuses=[TaskStatus.READY], limit=1)
        total = (await s.engine.list_tasks(query)).total
    idle = _nothing_to_run(cards)
    return s.out.result(
        "ready",
        lambda: (
            list_payload([dump(c) | {"nothingToRun": idle.get(c.ref)} for c in cards], total=total)
            | {"limit": s.args.limit}
        ),
        lambda: ready_lines(cards, total=total, nothing_to_run=idle),
    )


def _nothing_to_run(cards: Sequence[TaskCard]) -> dict[str, str]:
    """Why no worker would take each of these ready tasks, by ref (runnable ones left out)."""
    from core.orchestrator.outcome import NOTHING_TO_RUN, card_has_nothing_to_run

    pipelines = configured_pipelines()
    return {
        c.ref: NOTHING_TO_RUN.format(task_type=c.task_type)
        for c in cards
        if card_has_nothing_to_run(c, pipelines)
    }


async def _cmd_approve(s: Session) -> int:
    a = s.args
    expect = a.expect or []
    if expect and len(expect) != len(a.refs):
        raise ValidationError(
            f"--expect was given {len(expect)} time(s) for {len(a.refs)} task(s).",
            field="expect",
            hint="Give one --expect HASH per REF, in the same order, or none.",
        )
    tasks = await s.engine.approve_commands(
        a.refs, expected_hashes=dict(zip(a.refs, expect, strict=True)) if expect else None
    )
    return s.out.result(
        "approved",
        lambda: {"items": [dump(t) for t in tasks], "approvedBy": s.actor},
        lambda: approved_lines(tasks, s.actor),
    )


COMMANDS: Commands = (
    Command(
        "ready", _cmd_ready, "the ready queue, in the order workers take it", (limit(50), project())
    ),
    Command(
        "approve",
        _cmd_approve,
        "approve tasks' commands so workers run them (prints each command)",
        (
            arg("refs", nargs="+", metavar="REF"),
            arg(
                "--expect",
                action="append",
                metavar="HASH",
                help="the command hash you read, one per REF in order",
            ),
        ),
        description="Approve the current command of each task: workers run a task's command "
        "only once it is approved, and a changed command needs approving again. Each command "
        "is printed in full. --expect HASH refuses if the text is no longer the one you read "
        "(its hash, or the first 8+ digits of it, as `taskyard task show` prints).",
    ),
)
