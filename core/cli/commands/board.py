"""``taskyard board``, ``events`` and ``states``: the board, what changed, and the rules.

Also ``taskyard`` alone when the interactive board does not open: the board as text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from core.cli.arguments import non_negative_int
from core.cli.inputs import given
from core.cli.options import limit, project
from core.cli.output.lists import board_lines, event_line
from core.cli.replies import dump, list_payload
from core.cli.specs import Command, Commands, arg
from core.config import shown_database

if TYPE_CHECKING:
    from core.cli.session import Session

TUI_NOTE = "Interactive board: run `taskyard` in a terminal. Commands:"
COMMAND_SUMMARY = (
    "  taskyard task add TITLE [--priority P] [--blocked-by REF]   add a task",
    "  taskyard task list [--status S] [--all]                     list tasks",
    "  taskyard task show REF                                      everything about a task",
    "  taskyard task move REF STATUS [--when-unblocked]            move a task",
    "  taskyard dep add REF BLOCKER                                make REF wait for BLOCKER",
    "  taskyard ready                                              the queue workers take from",
    "  taskyard board [--project P]                                this board",
    "  taskyard events [--follow]                                  what changed",
    "  taskyard task import FILE.jsonl                             add many tasks at once",
    "  taskyard import prd FILE.md [--commit]                      a PRD as tasks (preview)",
    "  taskyard approve REF [REF ...]                              let workers run its command",
    "  taskyard worker [--slots N] [--once]                        run ready tasks",
    "  taskyard run REF [--wait]                                   Run Now",
    '  taskyard quick "make lint"                                  a one-off command',
    "Run `taskyard COMMAND --help` for every option; add --json for machine-readable output.",
)


async def show_home(s: Session) -> int:
    """``taskyard`` alone, when the board does not open: the board as text, and the commands."""
    from core.domain.commands import BoardQuery

    board = await s.engine.board(BoardQuery(per_column=10))
    return s.out.result(
        "board",
        lambda: dump(board),
        lambda: [*board_lines(board), "", TUI_NOTE, *COMMAND_SUMMARY],
    )


async def _cmd_board(s: Session) -> int:
    from core.domain.commands import BoardQuery, parse

    a = s.args
    query = parse(BoardQuery, given(project=a.project, milestone=a.milestone, per_column=a.limit))
    board = await s.engine.board(query)
    if s.out.json:
        payload = dump(board)
        payload["total"] = board.total
        s.out.envelope("board", payload)
        return 0
    hint = "".join(
        f" --{name} {value}" for name, value in (("project", a.project), ("milestone", a.milestone))
        if value
    )  # fmt: skip
    s.out.lines(board_lines(board, filter_hint=hint))
    return 0


async def _cmd_events(s: Session) -> int:
    a = s.args
    if a.follow:
        return await _follow(s)
    events = await s.engine.events(since=a.since, limit=a.limit, task=a.task)
    if s.out.json:
        payload = list_payload([dump(e) for e in events])
        payload["limit"] = a.limit
        payload["lastSeq"] = events[-1].seq if events else a.since
        s.out.envelope("events", payload)
        return 0
    if not events:
        s.out.lines([f"No events after #{a.since}."])
        return 0
    s.out.lines(event_line(e) for e in events)
    if len(events) == a.limit:
        s.out.lines([f"More may follow: --since {events[-1].seq}"])
    return 0


async def _follow(s: Session) -> int:
    """Print events as they are committed until Ctrl-C (which ``main`` turns into exit 0)."""
    task_id: str | None = None
    if s.args.task:
        task_id = (await s.engine.get_task(s.args.task)).id
    if not s.out.json:  # which database: a mistyped --db would otherwise just stay silent
        s.out.lines([f"Following the events of {shown_database(s.database)}; Ctrl-C stops."])
    async for event in s.engine.follow_events(since=s.args.since):
        if task_id is not None and event.task_id != task_id:
            continue
        if s.out.json:
            body: dict[str, Any] = {"schemaVersion": 1, "kind": "event"}
            body.update(dump(event))
            s.out.json_line(body)
        else:
            s.out.lines([event_line(event)])
    return 0


async def _cmd_states(s: Session) -> int:
    machine = s.engine.state_machine()
    if s.out.json:
        s.out.envelope("state", {"stateMachine": machine})
        return 0
    transitions = machine.get("transitions")
    if isinstance(transitions, dict):
        lines = ["Moves allowed (from → to):"]
        for source, targets in transitions.items():
            shown = ", ".join(str(t) for t in targets) if isinstance(targets, list) else targets
            lines.append(f"  {source} → {shown}")
        rest = {k: v for k, v in machine.items() if k != "transitions"}
        lines.extend(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in rest.items())
        s.out.lines(lines)
    else:
        s.out.lines([json.dumps(machine, indent=2, ensure_ascii=False)])
    return 0


COMMANDS: Commands = (
    Command(
        "board",
        _cmd_board,
        "the board as plain text, one section per state",
        (project(), arg("--milestone", metavar="M"), limit(10, "cards per column (10)")),
    ),
    Command(
        "events",
        _cmd_events,
        "the audit trail, oldest first",
        (
            arg("--since", type=non_negative_int, default=0, metavar="SEQ"),
            arg("--task", metavar="REF", help="only this task's events"),
            limit(100),
            arg(
                "--follow",
                action="store_true",
                help="keep printing new events until Ctrl-C (with --json: one object per line)",
            ),
        ),
        needs={"waits_for_work": lambda args: args.follow},
    ),
    Command("states", _cmd_states, "the state machine in force"),
)
