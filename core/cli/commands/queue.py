"""``taskyard ready`` and ``approve``: the queue workers take from, and what they may run."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.cli.options import limit, project
from core.cli.orchestration import configured_pipelines
from core.cli.output.lists import ready_lines
from core.cli.output.task import approved_lines
from core.cli.replies import dump, list_payload
from core.cli.specs import Command, Commands, arg
from core.errors import ValidationError
from core.orchestrator.idle import NOTHING_TO_RUN, idle_card

if TYPE_CHECKING:
    from core.cli.output.writer import Output
    from core.cli.session import Session
    from core.remote.light import LightClient


async def _cmd_ready(s: Session) -> int:
    from core.domain.commands import TaskQuery
    from core.domain.models import TaskStatus

    cards = await s.engine.ready_tasks(limit=s.args.limit, project=s.args.project)
    total = len(cards)
    if total == s.args.limit:  # a full page: the queue may be longer
        query = TaskQuery(project=s.args.project, statuses=[TaskStatus.READY], limit=1)
        total = (await s.engine.list_tasks(query)).total
    dumped = [dump(c) for c in cards]
    idle = _nothing_to_run(dumped)
    return s.out.result(
        "ready",
        lambda: _ready_payload(dumped, idle, total=total, limit=s.args.limit),
        lambda: ready_lines(cards, total=total, nothing_to_run=idle),
    )


def _light_ready(args: argparse.Namespace, client: LightClient, out: Output) -> int:
    """``ready --json`` through a server, from its JSON (``session.run_light``).

    The same requests as ``_cmd_ready`` over ``HttpTaskEngine``, and the same envelope: the
    cards are the server's JSON of the models that path would dump again.
    """
    ready = client.get("/api/v2/tasks/ready", {"limit": args.limit, "project": args.project})
    if not isinstance(ready, dict) or not isinstance(ready.get("items"), list):
        raise client.unexpected("/api/v2/tasks/ready")
    cards: list[dict[str, Any]] = ready["items"]
    total = len(cards)
    if total == args.limit:  # a full page: the queue may be longer
        query = {"project": args.project, "status": "ready", "limit": 1, "total": True}
        page = client.get("/api/v2/tasks", query)
        if not isinstance(page, dict) or not isinstance(page.get("total"), int):
            raise client.unexpected("/api/v2/tasks")
        total = page["total"]
    idle = _nothing_to_run(cards)
    return out.result(
        "ready",
        lambda: _ready_payload(cards, idle, total=total, limit=args.limit),
        list,  # never asked for: run_light answers --json only
    )


def _ready_payload(
    cards: list[dict[str, Any]], idle: Mapping[str, str], *, total: int, limit: int
) -> dict[str, Any]:
    items = [c | {"nothingToRun": idle.get(c["ref"])} for c in cards]
    return list_payload(items, total=total) | {"limit": limit}


def _nothing_to_run(cards: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Why no worker would take each of these ready cards (as JSON), by ref.

    taskyard.toml is read only when a card has neither a command nor a pipeline.
    """
    unsure = [c for c in cards if c.get("has_command_or_pipeline") is False]
    if not unsure:
        return {}
    pipelines = configured_pipelines()
    return {
        c["ref"]: NOTHING_TO_RUN.format(task_type=c["task_type"])
        for c in unsure
        if idle_card(c["status"], False, c["task_type"], pipelines)
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
        "ready",
        _cmd_ready,
        "the ready queue, in the order workers take it",
        (limit(50), project()),
        needs={"light_read": _light_ready},
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
