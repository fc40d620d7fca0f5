"""``taskyard task ...``: add, list, show, edit, move, remove, assign, attach and import tasks."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.cli.arguments import PRIORITIES, PROG, SORT_FIELDS, STATUSES, positive_int
from core.cli.inputs import attachment, description, given, picked
from core.cli.jsonl import read_import, with_line_numbers
from core.cli.options import DUE, ESTIMATE, REF, limit, project, repeated
from core.cli.orchestration import configured_pipelines, load_orchestrator_config
from core.cli.output.imports import import_lines
from core.cli.output.lists import task_list_lines
from core.cli.output.task import (
    TaskContext,
    bulk_lines,
    command_change_text,
    created_line,
    moved_lines,
    task_detail_lines,
)
from core.cli.output.text import size
from core.cli.replies import dump, list_payload, task_reply
from core.cli.specs import Arg, Command, Commands, Group, arg, one_of
from core.errors import NotFoundError, TaskyardError, ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.models import Task, TaskLink
    from core.engine import TaskEngine
    from core.orchestrator.step_preview import StepPreview


_SHARED_FIELDS = (
    "title",
    "task_type",
    "priority",
    "assignee",
    "milestone",
    "due_date",
    "effort_estimate",
)
"""The options ``task add`` and ``task edit`` share that are task fields of the same name."""


def task_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The fields ``task add`` and ``task edit`` both take, those given on the command line.

    Each command adds its own on top: ``add`` where the task goes and what it waits for,
    ``edit`` the clearing options and the command, which it merges into the metadata.
    """
    return given(
        **picked(args, *_SHARED_FIELDS),
        description=description(args),
        labels=args.labels or None,
    )


async def _cmd_task_add(s: Session) -> int:
    from core.domain.commands import TaskCreate, parse

    a = s.args
    fields = task_fields(a) | given(
        acceptance_criteria=a.criteria or None,
        context_files=a.context_file or None,
        external_id=a.external_id,
        blocked_by=a.blocked_by or None,
        project=a.project,
        parent=a.parent,
    )
    if a.create_milestone:
        fields["create_milestone_if_missing"] = True
    if a.ready or a.when_unblocked:
        fields["status"] = "ready"
    if a.when_unblocked:
        fields["when_unblocked"] = True
    if a.attach:
        fields["attachments"] = [attachment(path).model_dump() for path in a.attach]
    if a.command:
        fields["metadata"] = {"command": a.command}
    if a.pipeline:
        fields["pipeline_template"] = a.pipeline
    result = await s.engine.create_task(parse(TaskCreate, fields))
    return s.out.result(
        "task",
        lambda: {"task": dump(result.task), "created": result.created},
        lambda: [created_line(result.task, result.created, actor=s.actor)],
    )


_QUERY_FIELDS = (
    "project",
    "milestone",
    "statuses",
    "priorities",
    "labels",
    "assignee",
    "sort",
    "page",
    "limit",
)
"""The ``task list`` options that are ``TaskQuery`` fields of the same name."""


async def _cmd_task_list(s: Session) -> int:
    from core.domain.commands import TaskQuery, parse

    a = s.args
    fields = picked(a, *_QUERY_FIELDS)
    fields |= {"text": a.search, "include_completed": a.all, "descending": not a.asc}
    query = parse(TaskQuery, given(**fields))
    page = await s.engine.list_tasks(query)
    return s.out.result(
        "tasks",
        lambda: (
            list_payload([dump(t) for t in page.items], total=page.total, page=page.page)
            | {"limit": page.limit, "hasNext": page.has_next}
        ),
        lambda: task_list_lines(
            page.items,
            total=page.total,
            page=page.page,
            limit=page.limit,
            include_completed=query.include_completed or bool(query.statuses),
        ),
    )


async def _cmd_task_show(s: Session) -> int:
    """``task show``: every field, and what a worker would do with it."""
    from core.domain.models import TaskStatus
    from core.orchestrator.outcome import nothing_to_run

    task = await s.engine.get_task(s.args.ref)
    idle: str | None = None
    if task.status in (TaskStatus.READY, TaskStatus.BACKLOG):
        pipelines = configured_pipelines()
        idle = None if pipelines is None else nothing_to_run(task, pipelines)
    if s.out.json:
        s.out.envelope(
            "task", {"task": dump(task), "nothingToRun": idle, "runsAs": _runs_as_json(task)}
        )
        return 0
    ctx = await _context(s.engine, task)
    ctx.nothing_to_run = idle
    ctx.actor = s.actor
    lines = task_detail_lines(task, ctx)
    if task.status in (TaskStatus.BACKLOG, TaskStatus.READY, TaskStatus.BLOCKED):
        lines += _runs_as(task)
    s.out.lines(lines)
    return 0


def _preview_steps(task: Task) -> list[StepPreview] | str:
    """The steps a worker would start for the task, or why it would run nothing.

    Raises:
        ValidationError: taskyard.toml cannot be read (only the worker refuses to start).
    """
    from core.orchestrator.step_preview import preview_steps

    return preview_steps(load_orchestrator_config(), task)


def _runs_as(task: Task) -> list[str]:
    """What a worker would start for the task (before Run Now or an approval)."""
    try:
        steps = _preview_steps(task)
    except TaskyardError as exc:
        return ["", f"Runs as: unknown, taskyard.toml cannot be read ({exc.message})"]
    if isinstance(steps, str):
        return []  # "nothing to run" is said above, with the fix
    return ["", "Runs as (a worker starts, step by step):", *(f"  {s.line()}" for s in steps)]


def _runs_as_json(task: Task) -> list[dict[str, str]] | None:
    """``_runs_as`` for ``--json``: ``None`` when nothing would run or the config is unread."""
    try:
        steps = _preview_steps(task)
    except TaskyardError:
        return None
    if isinstance(steps, str):
        return None
    return [
        {"step": s.name, "profile": s.profile, "commandLine": s.command_line, "prompt": s.prompt}
        for s in steps
    ]


async def _context(engine: TaskEngine, task: Task) -> TaskContext:
    """Names for the ids a task holds (project, milestone, parent, subtasks)."""
    ctx = TaskContext()
    with contextlib.suppress(NotFoundError):
        ctx.project = await engine.get_project(task.project_id)
    if task.milestone_id and ctx.project is not None:
        for milestone in await engine.list_milestones(ctx.project.id):
            if milestone.id == task.milestone_id:
                ctx.milestone = milestone
    if task.parent_id:
        parents = await _links(engine, [task.parent_id])
        ctx.parent = parents[0] if parents else None
    ctx.children = await _links(engine, task.children_ids[:50])
    return ctx


async def _links(engine: TaskEngine, ids: Sequence[str]) -> list[TaskLink]:
    links = []
    for task_id in ids:
        try:
            links.append((await engine.get_task(task_id)).link())
        except NotFoundError:
            continue
    return links


async def _cmd_task_edit(s: Session) -> int:
    """``task edit``: only the fields given change; a changed command says its approval."""
    from core.domain.commands import TaskPatch, parse

    a = s.args
    fields = task_fields(a)
    if a.clear_labels:
        fields["labels"] = []
    if a.unassign:
        fields["assignee"] = None
    if a.no_milestone:
        fields["milestone"] = None
    if a.pipeline is not None:
        fields["pipeline_template"] = a.pipeline.strip() or None
    version = a.if_version
    before = None
    if a.command is not None:  # metadata is replaced whole: change the one key of it
        current = await s.engine.get_task(a.ref, links=False)
        fields["metadata"] = _with_command(current.metadata, a.command)
        before = current.command.hash if current.command else None
        version = version or current.version  # a concurrent edit of metadata is refused
    if not fields:
        raise ValidationError(
            "Nothing to change: no field was given.",
            hint="Give at least one option, such as --title or --priority "
            "(see `taskyard task edit --help`).",
        )
    task = await s.engine.update_task(a.ref, parse(TaskPatch, fields), expected_version=version)
    names = ", ".join(sorted("command" if f == "metadata" else f for f in fields))
    lines = [f"Updated {task.ref} ({names}); it is now version {task.version}."]
    if a.command is not None:
        after = task.command.hash if task.command else None
        if after != before:
            change = "command changed" if before and after else "command set"
            if after is None:
                change = "command removed"
            lines.append(f"  {change}; {command_change_text(task, s.actor)}")
    return task_reply(s.out, task, lambda: lines)


def _with_command(metadata: dict[str, Any], command: str) -> dict[str, Any]:
    """A task's metadata with ``command`` set, or removed when it is blank."""
    changed = dict(metadata)
    if command.strip():
        changed["command"] = command
    else:
        changed.pop("command", None)
    return changed


async def _cmd_task_move(s: Session) -> int:
    from core.domain.models import TaskStatus

    a = s.args
    task = await s.engine.transition_task(
        a.ref,
        TaskStatus(a.status),
        reason=a.reason,
        force=a.force,
        when_unblocked=a.when_unblocked,
        expected_version=a.if_version,
    )
    return task_reply(s.out, task, lambda: moved_lines(task, str(a.status)))


async def _cmd_task_rm(s: Session) -> int:
    ref = await s.engine.delete_task(s.args.ref)
    return s.out.result("deleted", lambda: {"ref": ref}, lambda: [f"Deleted {ref}."])


async def _cmd_task_assign(s: Session) -> int:
    """``task assign``: exit code 1 when any task could not be assigned."""
    a = s.args
    words: list[str] = list(a.words)
    assignee: str | None = None
    if not a.clear:
        if len(words) < 2:
            raise ValidationError(
                "Give the assignee and at least one task ref.",
                hint="taskyard task assign alice TY-1 TY-2 (or --clear TY-1 to unassign).",
            )
        assignee, words = words[0], words[1:]
    result = await s.engine.assign_tasks(words, assignee)
    s.out.result(
        "bulk",
        lambda: {
            "items": [dump(i) for i in result.items],
            "succeeded": result.succeeded,
            "failed": result.failed,
        },
        lambda: bulk_lines(result, assignee),
    )
    return 1 if result.failed else 0


async def _cmd_task_attach(s: Session) -> int:
    stored = await s.engine.add_attachment(s.args.ref, attachment(s.args.file))
    task = await s.engine.get_task(s.args.ref)
    return s.out.result(
        "task",
        lambda: {"task": dump(task), "attachment": dump(stored)},
        lambda: [
            f"Attached {stored.name} to {task.ref} ({size(stored.size)}, "
            f"{stored.content_type}; id {stored.id})."
        ],
    )


async def _cmd_task_import(s: Session) -> int:
    """``task import``: a JSON Lines file, all or nothing."""
    from core.config import approve_own_commands
    from core.domain.approval import command_text

    a = s.args
    items, lines = read_import(str(a.file))
    try:
        result = await s.engine.import_tasks(items, project=a.project)
    except ValidationError as exc:
        raise with_line_numbers(exc, lines, str(a.file)) from None
    commands = sum(1 for item in items if command_text(item.metadata) is not None)
    approver = s.actor if approve_own_commands() else None
    return s.out.result(
        "import",
        lambda: dump(result) | {"commands": commands, "commandsApprovedBy": approver},
        lambda: import_lines(result, commands=commands, approved_by=approver),
    )


def _run_options(*, edit: bool = False) -> tuple[Arg, Arg]:
    """``--command`` and ``--pipeline``: what a worker runs for the task."""
    clear = " ('' clears it)" if edit else ""
    return (
        arg(
            "--command",
            metavar="CMD",
            help="a shell command a worker runs for it, kept in metadata.command" + clear,
        ),
        arg(
            "--pipeline",
            metavar="NAME",
            help="run it through [pipelines.NAME] of taskyard.toml instead of its type's" + clear,
        ),
    )


_ANY_OF = "one of: %(choices)s (repeatable)"

_ADD = Command(
    "add",
    _cmd_task_add,
    "create a task",
    (
        arg("title", metavar="TITLE"),
        arg("--type", dest="task_type", metavar="T", help="feature, bug, chore, ..."),
        arg("--priority", choices=PRIORITIES, metavar="P", help="one of: %(choices)s (medium)"),
        project(metavar="SLUG"),
        arg("--milestone", metavar="SLUG"),
        arg(
            "--create-milestone", action="store_true", help="create the milestone if it is missing"
        ),
        arg("--external-id", metavar="X", help="idempotency key: adding twice is a no-op"),
        repeated("--blocked-by", metavar="REF"),
        repeated("--label", dest="labels", metavar="L"),
        one_of(
            arg("--description", metavar="D"),
            arg("--description-file", metavar="F|-", help="read it from a file or stdin"),
        ),
        arg("--assignee", metavar="A"),
        ESTIMATE,
        DUE,
        arg("--parent", metavar="REF"),
        arg("--ready", action="store_true", help="create it in ready, not backlog"),
        arg(
            "--when-unblocked",
            action="store_true",
            help="ready, or wait in blocked until its blockers are done (implies --ready)",
        ),
        repeated("--criterion", dest="criteria", metavar="TEXT"),
        repeated("--context-file", metavar="PATH"),
        repeated("--attach", metavar="FILE"),
        *_run_options(),
    ),
    needs={"stores_files": lambda args: bool(args.attach)},
)

_LIST = Command(
    "list",
    _cmd_task_list,
    "a filtered, sorted page of tasks",
    (
        project(),
        arg("--milestone", metavar="M"),
        repeated("--status", dest="statuses", choices=STATUSES, metavar="S", help=_ANY_OF),
        repeated("--priority", dest="priorities", choices=PRIORITIES, metavar="P", help=_ANY_OF),
        repeated("--label", dest="labels", metavar="L", help="all must match"),
        arg("--assignee", metavar="A"),
        arg("--search", metavar="TEXT", help="in ref, title and description"),
        arg("--all", action="store_true", help="include done and cancelled tasks"),
        arg(
            "--sort",
            choices=SORT_FIELDS,
            default="created",
            metavar="F",
            help="one of: %(choices)s",
        ),
        arg("--asc", action="store_true", help="ascending (default: descending)"),
        arg("--page", type=positive_int, default=1, metavar="N"),
        limit(50),
    ),
)

_EDIT = Command(
    "edit",
    _cmd_task_edit,
    "change fields (only the ones given)",
    (
        REF,
        arg("--title", metavar="TEXT"),
        one_of(arg("--description", metavar="D"), arg("--description-file", metavar="F|-")),
        arg("--type", dest="task_type", metavar="T"),
        arg("--priority", choices=PRIORITIES, metavar="P", help="one of: %(choices)s"),
        one_of(
            arg("--label", dest="labels", action="append", metavar="L", help="replaces the labels"),
            arg("--clear-labels", action="store_true"),
        ),
        one_of(arg("--assignee", metavar="A"), arg("--unassign", action="store_true")),
        one_of(arg("--milestone", metavar="M"), arg("--no-milestone", action="store_true")),
        DUE,
        ESTIMATE,
        *_run_options(edit=True),
        arg(
            "--if-version", type=positive_int, metavar="N", help="fail if someone changed it since"
        ),
    ),
)

_MOVE = Command(
    "move",
    _cmd_task_move,
    "move a task to another state",
    (
        REF,
        arg("status", choices=STATUSES, metavar="STATUS", help="one of: %(choices)s"),
        arg("--reason", metavar="TEXT", help="why (kept when blocking by hand)"),
        arg("--force", action="store_true", help="start it now (into in_progress)"),
        arg(
            "--when-unblocked",
            action="store_true",
            help="for ready: wait in blocked until the blockers are done, then become ready",
        ),
        arg("--if-version", type=positive_int, metavar="N"),
    ),
)

COMMANDS: Commands = (
    Group(
        "task",
        "add, list, show, change and import tasks",
        (
            _ADD,
            _LIST,
            Command("show", _cmd_task_show, "everything about one task", (REF,)),
            _EDIT,
            _MOVE,
            Command("rm", _cmd_task_rm, "delete a task", (REF,)),
            Command(
                "assign",
                _cmd_task_assign,
                "set or clear the assignee of many tasks",
                (
                    arg("words", nargs="+", metavar="ASSIGNEE REF"),
                    arg("--clear", action="store_true", help="unassign the tasks"),
                ),
                usage=f"{PROG} task assign [-h] (ASSIGNEE REF [REF ...] | --clear REF [REF ...])",
            ),
            Command(
                "attach",
                _cmd_task_attach,
                "store a file with a task",
                (REF, arg("file", metavar="FILE")),
                needs={"stores_files": True},
            ),
            Command(
                "import",
                _cmd_task_import,
                "add tasks from a JSON Lines file, all or nothing",
                (
                    arg("file", metavar="FILE.jsonl", help="one task object per line; - for stdin"),
                    project("for lines that name no project"),
                ),
            ),
        ),
    ),
)
