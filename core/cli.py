"""``taskyard``: the scriptable command line for people and agents.

Global options may come before the command or after it (``taskyard [--db URL|PATH] [--json]
[--actor NAME] COMMAND ...`` or ``taskyard ready --json``, as agents tend to type it). Every
command opens the engine, does one thing and closes it. With ``--json`` each success prints one
envelope (``{"schemaVersion": 1, "kind": ..., ...}``) to stdout and each failure prints
``{"schemaVersion": 1, "kind": "error", "error": {...}}`` to stderr; the exit code is the
error class's ``exit_code`` (2 for usage errors, 130 for Ctrl-C, 70 for a bug).

Only the standard library and ``core.errors`` are imported at module level: pydantic, SQLAlchemy
and platformdirs are imported inside the command handlers, so ``taskyard --version`` and
``--help`` answer instantly.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gc
import importlib
import json
import mimetypes
import os
import sys
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from core import __version__
from core.cli_output import (
    Output,
    TaskContext,
    approved_lines,
    board_lines,
    bulk_lines,
    command_change_text,
    created_line,
    event_line,
    import_job_lines,
    import_lines,
    import_list_lines,
    milestone_lines,
    moved_lines,
    preview_counts,
    preview_lines,
    project_lines,
    ready_lines,
    size,
    task_detail_lines,
    task_list_lines,
)
from core.config import masked_url, shown_database
from core.errors import NotFoundError, TaskyardError, ValidationError

if TYPE_CHECKING:
    from core.domain.commands import AttachmentIn, TaskImportItem
    from core.domain.models import Milestone, Task, TaskCard, TaskLink
    from core.engine import TaskEngine
    from core.orchestrator.step_preview import StepPreview
    from core.prd.models import ImportPlan

PROG = "taskyard"
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
DEBUG_ENV = "TASKYARD_DEBUG"

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


# -- argument parsing ------------------------------------------------------------------------
class UsageError(Exception):
    """A command line argparse refused; carries the usage of the (sub)command that refused it."""

    def __init__(self, message: str, usage: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so usage errors honour ``--json``."""

    def error(self, message: str) -> NoReturn:
        """Raise ``UsageError`` (argparse would print and exit)."""
        raise UsageError(message, self.format_usage(), self.prog)


class _EnumChoices:
    """argparse ``choices`` taken from a domain enum that is imported only when needed.

    The enums live in pydantic modules; importing them while building the parser would make
    ``taskyard --version`` pay for pydantic. argparse only iterates or tests choices when it
    checks a value or prints help, which is when this imports the enum.
    """

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._values: list[str] | None = None

    def _load(self) -> list[str]:
        if self._values is None:
            enum_type = getattr(importlib.import_module(self._module), self._name)
            self._values = [str(member.value) for member in enum_type]
        return self._values

    def __contains__(self, item: object) -> bool:
        return item in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


STATUSES = _EnumChoices("core.domain.models", "TaskStatus")
PRIORITIES = _EnumChoices("core.domain.models", "Priority")
SORT_FIELDS = _EnumChoices("core.domain.commands", "SortField")
GRANULARITIES = _EnumChoices("core.prd.models", "Granularity")


def _int_at_least(minimum: int, refusal: str) -> Callable[[str], int]:
    """An argparse type for whole numbers of at least ``minimum`` (counts, pages, sequences)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} {refusal}")
        return value

    return parse


_positive_int = _int_at_least(1, "must be 1 or more")
_non_negative_int = _int_at_least(0, "cannot be negative")


def _number(text: str) -> float:
    """An argparse type for estimates."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


Handler = Callable[["Session"], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree (cheap: no domain or store imports happen here)."""
    parser = _Parser(
        prog=PROG,
        description="A terminal kanban board that is also the work queue for AI agents.",
        epilog="Run without a command to see the board. --db, --json and --actor may also "
        "follow the command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_global_options(parser, default=None)
    board = parser.add_argument_group("interactive board (taskyard with no command)")
    board.add_argument(
        "--screen-reader",
        action="store_true",
        default=None,
        help="linear screen-reader mode (also TASKYARD_SCREEN_READER=1 or the config)",
    )
    board.add_argument(
        "--show-cursor",
        action="store_true",
        default=None,
        help="keep the terminal cursor visible on the focused item",
    )
    board.add_argument(
        "--theme",
        metavar="NAME",
        help="colour theme (taskyard-dark, taskyard-light, high-contrast, …)",
    )
    board.add_argument(
        "--no-animations", action="store_true", default=None, help="turn off animations"
    )
    parser.set_defaults(handler=_cmd_home)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = commands.add_parser("init", help="create or open the database and show its state")
    p.set_defaults(handler=_cmd_init)

    _add_project_commands(commands)
    _add_milestone_commands(commands)
    _add_task_commands(commands)
    _add_dep_commands(commands)
    _add_import_commands(commands)

    p = commands.add_parser("ready", help="the ready queue, in the order workers take it")
    p.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    p.add_argument("--project", metavar="P")
    p.set_defaults(handler=_cmd_ready)

    p = commands.add_parser(
        "approve",
        help="approve tasks' commands so workers run them (prints each command)",
        description="Approve the current command of each task: workers run a task's command "
        "only once it is approved, and a changed command needs approving again. Each command "
        "is printed in full. --expect HASH refuses if the text is no longer the one you read "
        "(its hash, or the first 8+ digits of it, as `taskyard task show` prints).",
    )
    p.add_argument("refs", nargs="+", metavar="REF")
    p.add_argument(
        "--expect",
        action="append",
        metavar="HASH",
        help="the command hash you read, one per REF in order",
    )
    p.set_defaults(handler=_cmd_approve)

    p = commands.add_parser("board", help="the board as plain text, one section per state")
    p.add_argument("--project", metavar="P")
    p.add_argument("--milestone", metavar="M")
    p.add_argument(
        "--limit", type=_positive_int, default=10, metavar="N", help="cards per column (10)"
    )
    p.set_defaults(handler=_cmd_board)

    p = commands.add_parser("events", help="the audit trail, oldest first")
    p.add_argument("--since", type=_non_negative_int, default=0, metavar="SEQ")
    p.add_argument("--task", metavar="REF", help="only this task's events")
    p.add_argument("--limit", type=_positive_int, default=100, metavar="N")
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep printing new events until Ctrl-C (with --json: one object per line)",
    )
    p.set_defaults(handler=_cmd_events)

    p = commands.add_parser("states", help="the state machine in force")
    p.set_defaults(handler=_cmd_states)

    from core.cli_run import add_run_commands  # stdlib-only at import, like this module

    add_run_commands(commands, _positive_int)
    from core.server.cli_commands import register as add_server_commands  # stdlib-only too

    add_server_commands(commands, _positive_int)
    _accept_global_options_after_commands(parser)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """``--db``, ``--json`` and ``--actor``, with ``default`` for each when it is not given."""
    parser.add_argument(
        "--db",
        metavar="URL|PATH",
        default=default,
        help="database URL or SQLite file (default: $TASKYARD_DB or the user data folder)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="print one JSON envelope (errors go to stderr)",
    )
    parser.add_argument(
        "--actor",
        metavar="NAME",
        default=default,
        help="who the events name (default: $TASKYARD_ACTOR or login)",
    )


def _accept_global_options_after_commands(parser: argparse.ArgumentParser) -> None:
    """Let every command take the global options after its name too (``ready --json``).

    Each command gets its own copy with a suppressed default, so an option given after the
    command wins and one given only before it is not reset by the command's parser (argparse
    copies a subparser's namespace over the parent's).
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    _accept_global_options_after_commands(sub)  # a group: task, dep, ...
                else:
                    _add_global_options(sub, default=argparse.SUPPRESS)


def _group(commands: Any, name: str, help_text: str) -> Any:
    parser = commands.add_parser(name, help=help_text)
    sub = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    return sub


def _add_project_commands(commands: Any) -> None:
    sub = _group(commands, "project", "add and list projects")
    p = sub.add_parser("add", help="create a project")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--slug", metavar="S")
    p.add_argument("--key", metavar="K", help="ref prefix, e.g. TY for TY-1")
    p.add_argument("--description", metavar="D")
    p.add_argument("--repo", metavar="PATH", help="the project's repository")
    p.set_defaults(handler=_cmd_project_add)
    p = sub.add_parser("list", help="every project")
    p.set_defaults(handler=_cmd_project_list)


def _add_milestone_commands(commands: Any) -> None:
    sub = _group(commands, "milestone", "add, list and find milestones")
    p = sub.add_parser("add", help="create a milestone")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--project", metavar="P")
    p.add_argument("--slug", metavar="S")
    p.add_argument("--start", metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--due", metavar="DATE", help="YYYY-MM-DD")
    p.set_defaults(handler=_cmd_milestone_add)
    p = sub.add_parser("list", help="milestones by due date")
    p.add_argument("--project", metavar="P")
    p.set_defaults(handler=_cmd_milestone_list)
    p = sub.add_parser("find", help="milestones matching a slug or name")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--slug", metavar="S")
    p.add_argument("--name", metavar="N")
    p.add_argument("--limit", type=_positive_int, default=10, metavar="N")
    p.set_defaults(handler=_cmd_milestone_find)


def _add_task_commands(commands: Any) -> None:
    sub = _group(commands, "task", "add, list, show, change and import tasks")

    p = sub.add_parser("add", help="create a task")
    p.add_argument("title", metavar="TITLE")
    p.add_argument("--type", dest="task_type", metavar="T", help="feature, bug, chore, ...")
    p.add_argument(
        "--priority", choices=PRIORITIES, metavar="P", help="one of: %(choices)s (medium)"
    )
    p.add_argument("--project", metavar="SLUG")
    p.add_argument("--milestone", metavar="SLUG")
    p.add_argument(
        "--create-milestone", action="store_true", help="create the milestone if it is missing"
    )
    p.add_argument("--external-id", metavar="X", help="idempotency key: adding twice is a no-op")
    p.add_argument("--blocked-by", action="append", default=[], metavar="REF")
    p.add_argument("--label", dest="labels", action="append", default=[], metavar="L")
    text = p.add_mutually_exclusive_group()
    text.add_argument("--description", metavar="D")
    text.add_argument("--description-file", metavar="F|-", help="read it from a file or stdin")
    p.add_argument("--assignee", metavar="A")
    p.add_argument("--estimate", type=_number, metavar="N")
    p.add_argument("--due", metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--parent", metavar="REF")
    p.add_argument("--ready", action="store_true", help="create it in ready, not backlog")
    p.add_argument(
        "--when-unblocked",
        action="store_true",
        help="ready, or wait in blocked until its blockers are done (implies --ready)",
    )
    p.add_argument("--criterion", dest="criteria", action="append", default=[], metavar="TEXT")
    p.add_argument("--context-file", action="append", default=[], metavar="PATH")
    p.add_argument("--attach", action="append", default=[], metavar="FILE")
    _add_run_options(p)
    p.set_defaults(handler=_cmd_task_add)

    p = sub.add_parser("list", help="a filtered, sorted page of tasks")
    p.add_argument("--project", metavar="P")
    p.add_argument("--milestone", metavar="M")
    p.add_argument(
        "--status",
        dest="statuses",
        action="append",
        default=[],
        choices=STATUSES,
        metavar="S",
        help="one of: %(choices)s (repeatable)",
    )
    p.add_argument(
        "--priority",
        dest="priorities",
        action="append",
        default=[],
        choices=PRIORITIES,
        metavar="P",
        help="one of: %(choices)s (repeatable)",
    )
    p.add_argument(
        "--label", dest="labels", action="append", default=[], metavar="L", help="all must match"
    )
    p.add_argument("--assignee", metavar="A")
    p.add_argument("--search", metavar="TEXT", help="in ref, title and description")
    p.add_argument("--all", action="store_true", help="include done and cancelled tasks")
    p.add_argument(
        "--sort", choices=SORT_FIELDS, default="created", metavar="F", help="one of: %(choices)s"
    )
    p.add_argument("--asc", action="store_true", help="ascending (default: descending)")
    p.add_argument("--page", type=_positive_int, default=1, metavar="N")
    p.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    p.set_defaults(handler=_cmd_task_list)

    p = sub.add_parser("show", help="everything about one task")
    p.add_argument("ref", metavar="REF")
    p.set_defaults(handler=_cmd_task_show)

    p = sub.add_parser("edit", help="change fields (only the ones given)")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--title", metavar="TEXT")
    text = p.add_mutually_exclusive_group()
    text.add_argument("--description", metavar="D")
    text.add_argument("--description-file", metavar="F|-")
    p.add_argument("--type", dest="task_type", metavar="T")
    p.add_argument("--priority", choices=PRIORITIES, metavar="P", help="one of: %(choices)s")
    labels = p.add_mutually_exclusive_group()
    labels.add_argument(
        "--label", dest="labels", action="append", metavar="L", help="replaces the labels"
    )
    labels.add_argument("--clear-labels", action="store_true")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--assignee", metavar="A")
    who.add_argument("--unassign", action="store_true")
    ms = p.add_mutually_exclusive_group()
    ms.add_argument("--milestone", metavar="M")
    ms.add_argument("--no-milestone", action="store_true")
    p.add_argument("--due", metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--estimate", type=_number, metavar="N")
    _add_run_options(p, edit=True)
    p.add_argument(
        "--if-version", type=_positive_int, metavar="N", help="fail if someone changed it since"
    )
    p.set_defaults(handler=_cmd_task_edit)

    p = sub.add_parser("move", help="move a task to another state")
    p.add_argument("ref", metavar="REF")
    p.add_argument("status", choices=STATUSES, metavar="STATUS", help="one of: %(choices)s")
    p.add_argument("--reason", metavar="TEXT", help="why (kept when blocking by hand)")
    p.add_argument("--force", action="store_true", help="start it now (into in_progress)")
    p.add_argument(
        "--when-unblocked",
        action="store_true",
        help="for ready: wait in blocked until the blockers are done, then become ready",
    )
    p.add_argument("--if-version", type=_positive_int, metavar="N")
    p.set_defaults(handler=_cmd_task_move)

    p = sub.add_parser("rm", help="delete a task")
    p.add_argument("ref", metavar="REF")
    p.set_defaults(handler=_cmd_task_rm)

    p = sub.add_parser(
        "assign",
        help="set or clear the assignee of many tasks",
        usage=f"{PROG} task assign [-h] (ASSIGNEE REF [REF ...] | --clear REF [REF ...])",
    )
    p.add_argument("words", nargs="+", metavar="ASSIGNEE REF")
    p.add_argument("--clear", action="store_true", help="unassign the tasks")
    p.set_defaults(handler=_cmd_task_assign)

    p = sub.add_parser("attach", help="store a file with a task")
    p.add_argument("ref", metavar="REF")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_cmd_task_attach)

    p = sub.add_parser("import", help="add tasks from a JSON Lines file, all or nothing")
    p.add_argument("file", metavar="FILE.jsonl", help="one task object per line; - for stdin")
    p.add_argument("--project", metavar="P", help="for lines that name no project")
    p.set_defaults(handler=_cmd_task_import)


def _add_run_options(p: argparse.ArgumentParser, *, edit: bool = False) -> None:
    """``--command`` and ``--pipeline``: what a worker runs for the task."""
    clear = " ('' clears it)" if edit else ""
    p.add_argument(
        "--command",
        metavar="CMD",
        help="a shell command a worker runs for it, kept in metadata.command" + clear,
    )
    p.add_argument(
        "--pipeline",
        metavar="NAME",
        help="run it through [pipelines.NAME] of taskyard.toml instead of its type's" + clear,
    )


def _add_dep_commands(commands: Any) -> None:
    sub = _group(commands, "dep", "add and remove dependencies")
    p = sub.add_parser("add", help="make REF wait for BLOCKER_REF")
    p.add_argument("ref", metavar="REF")
    p.add_argument("blocker", metavar="BLOCKER_REF")
    p.set_defaults(handler=_cmd_dep_add)
    p = sub.add_parser("rm", help="stop REF waiting for BLOCKER_REF")
    p.add_argument("ref", metavar="REF")
    p.add_argument("blocker", metavar="BLOCKER_REF")
    p.set_defaults(handler=_cmd_dep_rm)


def _add_import_commands(commands: Any) -> None:
    sub = _group(commands, "import", "turn a PRD into tasks (preview, commit) and list imports")
    p = sub.add_parser(
        "prd",
        help="preview a Markdown PRD as tasks and dependencies; --commit writes them",
        description="Without --commit nothing is written: the preview shows what would be "
        "created, changed, left alone and no longer in the document. Save the preview with "
        "--json, edit its plan, and commit that with --plan-json FILE --commit.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the Markdown document; - for stdin")
    p.add_argument(
        "--plan-json",
        metavar="FILE",
        help="a plan (or a saved `import prd --json` preview) instead of a document; - for stdin",
    )
    p.add_argument(
        "--granularity", choices=GRANULARITIES, metavar="G", help="one of: %(choices)s (balanced)"
    )
    p.add_argument(
        "--auto-ready",
        action="store_true",
        default=None,
        help="unblocked tasks become ready; the others wait in blocked until unblocked",
    )
    p.add_argument(
        "--max-parallelism", type=_positive_int, metavar="N", help="workers assumed for waves (4)"
    )
    p.add_argument("--milestone", metavar="SLUG", help="for tasks without a milestone of their own")
    p.add_argument(
        "--order-deps",
        action="store_true",
        default=None,
        help="items of a numbered list wait for the item before them",
    )
    p.add_argument("--project", metavar="P", help="the project to import into (default: inbox)")
    p.add_argument(
        "--commands",
        action="store_true",
        default=None,
        help="a task's first shell code block becomes its command; the preview lists each, "
        "and none runs until approved (without it code blocks are documentation)",
    )
    p.add_argument("--commit", action="store_true", help="write the tasks (one transaction)")
    p.set_defaults(handler=_cmd_import_prd)
    p = sub.add_parser("show", help="one committed import")
    p.add_argument("job_id", metavar="JOB_ID")
    p.set_defaults(handler=_cmd_import_show)
    p = sub.add_parser("list", help="recent imports, newest first")
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    p.set_defaults(handler=_cmd_import_list)


# -- running a command -----------------------------------------------------------------------
@dataclass
class Session:
    """One command's world: its arguments, the open engine and where output goes."""

    args: argparse.Namespace
    engine: TaskEngine
    out: Output
    database: str
    """The database URL, for messages."""
    existed: bool
    """Whether a SQLite file was already there before this command opened it."""


def _database_location(db: str | None) -> tuple[str, bool]:
    """The URL the engine will open, and whether its SQLite file exists yet (else ``True``)."""
    from core.config import database_url, default_database_url

    url = database_url(db) if db else default_database_url()
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            return url, Path(path).exists()
    return url, True


async def _run(handler: Handler, args: argparse.Namespace, out: Output) -> int:
    """Open the engine, run the command, and always close the engine."""
    from core.bootstrap import open_engine

    url, existed = _database_location(args.db)
    long_running = getattr(args, "waits_for_work", False) or (
        handler is _cmd_events and args.follow
    )
    if long_running and not existed:
        # It would make a new, empty database and wait on it forever: a mistyped --db.
        where = shown_database(url)
        raise NotFoundError(
            f"No database at {where}: a new, empty one would be created and nothing would "
            "ever arrive in it.",
            hint=f"Run `taskyard --db {where} init` first if that is the one you want, or check "
            "--db / TASKYARD_DB.",
            details={"field": "db", "input": where, "suggestions": []},
        )
    options: dict[str, Any] = {}
    if getattr(args, "orchestrated", False):  # worker, run, quick: the orchestrator's settings
        from core.cli_run import engine_options, load_orchestrator_config

        args.orch_config = load_orchestrator_config()
        options = engine_options(args.orch_config)
    if getattr(args, "attach", None) or handler is _cmd_task_attach:
        # Only the commands that store files read [limits]: a broken taskyard.toml must not
        # stop `task list`.
        from core.config_file import Limits, load_config

        options["attachment_max_bytes"] = Limits.from_config(load_config()).attachment_max_bytes
    engine = await open_engine(args.db, actor=args.actor, **options)
    _start_up_finished()
    try:
        return await handler(Session(args, engine, out, url, existed))
    finally:
        await engine.close()


BoardOpener = Callable[[argparse.Namespace], int]
"""Opens the interactive board for parsed global options (supplied by the TUI package, which
core must not import) and returns the exit code."""


def main(argv: Sequence[str] | None = None, *, open_board: BoardOpener | None = None) -> int:
    """Run ``taskyard`` with ``argv`` (default: the process arguments); returns the exit code.

    Args:
        argv: The words after the program name.
        open_board: Called instead of printing the text board when no command is given and
            the output is a terminal (the ``taskyard`` console script passes the TUI here).
    """
    # Start-up (SQLAlchemy, pydantic and the store modules) allocates hundreds of thousands of
    # long-lived objects; the cyclic collector rescans them over and over while they load,
    # which measured ~25 ms of a ~360 ms command. It is back on before a command does its work.
    global _gc_paused
    if not gc.isenabled():  # the caller manages the collector itself
        return _main(argv, open_board)
    gc.disable()
    _gc_paused = True
    try:
        return _main(argv, open_board)
    finally:
        _start_up_finished()


_gc_paused = False
"""Whether ``main`` turned the cyclic collector off for start-up (and must turn it back on)."""


def _start_up_finished() -> None:
    """Turn the cyclic collector back on once the heavy imports are done (see ``main``)."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.enable()


def _main(argv: Sequence[str] | None, open_board: BoardOpener | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    out = Output(json_mode=_wants_json(words))
    try:
        args = build_parser().parse_args(words)
    except UsageError as exc:
        out.usage_error(exc.message, exc.usage, exc.prog)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version print and "exit"
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = Output(json_mode=bool(args.json))
    handler: Handler = args.handler
    if handler is _cmd_home and open_board is not None and _interactive(args):
        _start_up_finished()
        return open_board(args)
    try:
        import asyncio  # here, not at the top: ~45 ms that --version and --help never need

        return asyncio.run(_run(handler, args, out))
    except KeyboardInterrupt:
        if getattr(args, "follow", False):
            return 0  # Ctrl-C is how a follow ends
        out.interrupted()
        return EXIT_INTERRUPTED
    except TaskyardError as exc:
        out.error(exc)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`taskyard task list | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        out.internal_error(exc)
        return EXIT_INTERNAL


def _interactive(args: argparse.Namespace) -> bool:
    """Whether the board should open as the TUI: a terminal on both ends and no ``--json``."""
    return not args.json and sys.stdin.isatty() and sys.stdout.isatty()


def _wants_json(words: Sequence[str]) -> bool:
    """Whether ``--json`` was given, read before parsing so usage errors can honour it."""
    for word in words:
        if word == "--":
            return False
        if word == "--json":
            return True
    return False


# -- helpers for handlers --------------------------------------------------------------------
def _given(**fields: Any) -> dict[str, Any]:
    """The fields that were given on the command line (``None`` means "not given")."""
    return {k: v for k, v in fields.items() if v is not None}


def _absolute(path: str) -> str:
    """A path as an absolute one, so it means the same from any working folder."""
    return str(Path(path).expanduser().resolve())


def _read_text(path: str) -> str:
    """A text file's content, or stdin's for ``-``.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it cannot be read as UTF-8 text.
    """
    if path == "-":
        return sys.stdin.read()
    try:
        return _read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            f"{path} is not UTF-8 text.",
            field="file",
            hint="Save it as UTF-8 (attach binary files with --attach instead).",
        ) from None


def _read_bytes(path: str) -> bytes:
    """A file's bytes, with errors that say which file and what to do.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it cannot be read.
    """
    try:
        return Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise NotFoundError(
            f"No file {path!r}.",
            hint="Check the path (relative paths start from the current folder).",
            details={"field": "file", "input": path},
        ) from None
    except OSError as exc:
        raise ValidationError(
            f"Cannot read {path}: {exc.strerror or exc}.",
            field="file",
            hint="Check that it is a readable file.",
        ) from None


def _attachment(path: str) -> AttachmentIn:
    """A file on disk as the base64 attachment the engine stores."""
    from core.domain.commands import AttachmentIn, parse

    data = _read_bytes(path)
    content_type = mimetypes.guess_type(path)[0]
    return parse(
        AttachmentIn,
        _given(
            name=Path(path).name,
            content_base64=base64.b64encode(data).decode("ascii"),
            content_type=content_type,
        ),
    )


def _description(args: argparse.Namespace) -> str | None:
    if args.description_file is not None:
        return _read_text(str(args.description_file))
    description: str | None = args.description
    return description


def _dump(model: Any) -> Any:
    """A model as JSON-ready data (what the envelope carries)."""
    return model.model_dump(mode="json")


async def _links(engine: TaskEngine, ids: Sequence[str]) -> list[TaskLink]:
    links = []
    for task_id in ids:
        try:
            links.append((await engine.get_task(task_id)).link())
        except NotFoundError:
            continue
    return links


# -- handlers --------------------------------------------------------------------------------
async def _cmd_home(s: Session) -> int:
    """``taskyard`` alone: the board, and an honest note that the TUI is not there yet."""
    from core.domain.commands import BoardQuery

    board = await s.engine.board(BoardQuery(per_column=10))
    return s.out.result(
        "board",
        lambda: _dump(board),
        lambda: [*board_lines(board), "", TUI_NOTE, *COMMAND_SUMMARY],
    )


async def _cmd_init(s: Session) -> int:
    projects = await s.engine.list_projects()
    revision = _schema_revision(s.engine)
    if s.out.json:
        s.out.envelope(
            "init",
            {
                "database": masked_url(s.database),
                "created": not s.existed,
                "schema": {"state": "up_to_date", "revision": revision},
                "projects": [p.slug for p in projects],
            },
        )
        return 0
    where = shown_database(s.database)
    state = "created" if not s.existed else "existing"
    lines = [
        f"Database: {where} ({state})",
        "Schema: up to date" + (f" (revision {revision})" if revision else ""),
        "Projects: " + (", ".join(p.slug for p in projects) if projects else "none yet"),
    ]
    if not projects:
        lines.append('Next: taskyard project add NAME, or taskyard task add "A first task"')
    s.out.lines(lines)
    return 0


def _schema_revision(engine: TaskEngine) -> str | None:
    """The schema revision the engine reports, else the one this release migrates to.

    Opening the engine succeeds only after the schema is at this release's head, so the head
    revision is the database's revision when the engine does not say.
    """
    reported = getattr(engine, "schema_revision", None)
    if isinstance(reported, str):
        return reported
    try:
        from core.store.migrate import HEAD_REVISION
    except ImportError:  # pragma: no cover - another engine implementation
        return None
    return HEAD_REVISION


async def _cmd_project_add(s: Session) -> int:
    from core.domain.commands import ProjectCreate, parse

    a = s.args
    repo = _absolute(a.repo) if a.repo else None
    request = parse(
        ProjectCreate,
        _given(name=a.name, slug=a.slug, key=a.key, description=a.description, repo_path=repo),
    )
    project = await s.engine.create_project(request)
    return s.out.result(
        "project",
        lambda: {"project": _dump(project)},
        lambda: [
            f'Created project "{project.name}" (slug {project.slug}, key {project.key}): '
            f"its tasks are {project.key}-1, {project.key}-2, …"
        ],
    )


async def _cmd_project_list(s: Session) -> int:
    projects = await s.engine.list_projects()
    return s.out.result(
        "projects",
        lambda: _list_payload([_dump(p) for p in projects]),
        lambda: project_lines(projects),
    )


def _list_payload(items: list[Any], *, total: int | None = None, page: int = 1) -> dict[str, Any]:
    """A whole (unpaged) list in the same shape as a paged one."""
    n = len(items) if total is None else total
    return {"items": items, "total": n, "page": page, "limit": max(len(items), 1)}


async def _project_slugs(engine: TaskEngine) -> dict[str, str]:
    return {p.id: p.slug for p in await engine.list_projects()}


async def _cmd_milestone_add(s: Session) -> int:
    from core.domain.commands import MilestoneCreate, parse

    a = s.args
    request = parse(
        MilestoneCreate,
        _given(project=a.project, name=a.name, slug=a.slug, start_date=a.start, due_date=a.due),
    )
    milestone = await s.engine.create_milestone(request)
    if s.out.json:
        s.out.envelope("milestone", {"milestone": _dump(milestone)})
        return 0
    project = (await _project_slugs(s.engine)).get(milestone.project_id, milestone.project_id)
    text = f'Created milestone "{milestone.name}" (slug {milestone.slug}) in project {project}'
    if milestone.due_date is not None:
        text += f", due {milestone.due_date.isoformat()}"
    s.out.lines([text + "."])
    return 0


async def _cmd_milestone_list(s: Session) -> int:
    milestones = await s.engine.list_milestones(s.args.project)
    await _print_milestones(s, milestones)
    return 0


async def _cmd_milestone_find(s: Session) -> int:
    a = s.args
    milestones = await s.engine.find_milestones(a.project, slug=a.slug, name=a.name, limit=a.limit)
    if not milestones and not s.out.json:
        s.out.lines([f"No milestone in {a.project} matches."])
        return 0
    await _print_milestones(s, milestones)
    return 0


async def _print_milestones(s: Session, milestones: list[Milestone]) -> None:
    if s.out.json:
        s.out.envelope("milestones", _list_payload([_dump(m) for m in milestones]))
        return
    s.out.lines(milestone_lines(milestones, await _project_slugs(s.engine)))


async def _cmd_task_add(s: Session) -> int:
    from core.domain.commands import TaskCreate, parse

    a = s.args
    fields = _given(
        title=a.title,
        description=_description(a),
        task_type=a.task_type,
        priority=a.priority,
        labels=a.labels or None,
        acceptance_criteria=a.criteria or None,
        context_files=a.context_file or None,
        external_id=a.external_id,
        assignee=a.assignee,
        effort_estimate=a.estimate,
        due_date=a.due,
        blocked_by=a.blocked_by or None,
        project=a.project,
        milestone=a.milestone,
        parent=a.parent,
    )
    if a.create_milestone:
        fields["create_milestone_if_missing"] = True
    if a.ready or a.when_unblocked:
        fields["status"] = "ready"
    if a.when_unblocked:
        fields["when_unblocked"] = True
    if a.attach:
        fields["attachments"] = [_attachment(path).model_dump() for path in a.attach]
    if a.command:
        fields["metadata"] = {"command": a.command}
    if a.pipeline:
        fields["pipeline_template"] = a.pipeline
    request = parse(TaskCreate, fields)
    result = await s.engine.create_task(request)
    return s.out.result(
        "task",
        lambda: {"task": _dump(result.task), "created": result.created},
        lambda: [created_line(result.task, result.created, actor=_actor(s))],
    )


def _actor(s: Session) -> str:
    """Who this command acts as (``--actor``, ``$TASKYARD_ACTOR``, the login name)."""
    from core.config import default_actor

    return str(s.args.actor or default_actor())


async def _cmd_task_list(s: Session) -> int:
    from core.domain.commands import TaskQuery, parse

    a = s.args
    query = parse(
        TaskQuery,
        _given(
            project=a.project,
            milestone=a.milestone,
            statuses=a.statuses,
            priorities=a.priorities,
            labels=a.labels,
            assignee=a.assignee,
            text=a.search,
            include_completed=a.all,
            sort=a.sort,
            descending=not a.asc,
            page=a.page,
            limit=a.limit,
        ),
    )
    page = await s.engine.list_tasks(query)
    if s.out.json:
        s.out.envelope(
            "tasks",
            {
                "items": [_dump(t) for t in page.items],
                "total": page.total,
                "page": page.page,
                "limit": page.limit,
                "hasNext": page.has_next,
            },
        )
        return 0
    s.out.lines(
        task_list_lines(
            page.items,
            total=page.total,
            page=page.page,
            limit=page.limit,
            include_completed=query.include_completed or bool(query.statuses),
        )
    )
    return 0


async def _cmd_task_show(s: Session) -> int:
    from core.domain.models import TaskStatus
    from core.orchestrator.outcome import nothing_to_run

    task = await s.engine.get_task(s.args.ref)
    idle: str | None = None
    if task.status in (TaskStatus.READY, TaskStatus.BACKLOG):
        pipelines = _pipelines()
        idle = None if pipelines is None else nothing_to_run(task, pipelines)
    if s.out.json:
        s.out.envelope(
            "task", {"task": _dump(task), "nothingToRun": idle, "runsAs": _runs_as_json(task)}
        )
        return 0
    ctx = await _context(s.engine, task)
    ctx.nothing_to_run = idle
    ctx.actor = _actor(s)
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
    from core.cli_run import load_orchestrator_config
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


async def _cmd_task_edit(s: Session) -> int:
    from core.domain.commands import TaskPatch, parse

    a = s.args
    fields = _given(
        title=a.title,
        description=_description(a),
        task_type=a.task_type,
        priority=a.priority,
        labels=a.labels,
        assignee=a.assignee,
        milestone=a.milestone,
        due_date=a.due,
        effort_estimate=a.estimate,
    )
    if a.clear_labels:
        fields["labels"] = []
    if a.unassign:
        fields["assignee"] = None
    if a.no_milestone:
        fields["milestone"] = None
    if a.pipeline is not None:
        fields["pipeline_template"] = a.pipeline.strip() or None
    version = a.if_version
    if a.command is not None:  # metadata is replaced whole: change the one key of it
        current = await s.engine.get_task(a.ref, links=False)
        metadata = dict(current.metadata)
        if a.command.strip():
            metadata["command"] = a.command
        else:
            metadata.pop("command", None)
        fields["metadata"] = metadata
        version = version or current.version  # a concurrent edit of metadata is refused
    if not fields:
        raise ValidationError(
            "Nothing to change: no field was given.",
            hint="Give at least one option, such as --title or --priority "
            "(see `taskyard task edit --help`).",
        )
    patch = parse(TaskPatch, fields)
    before = current.command.hash if a.command is not None and current.command else None
    task = await s.engine.update_task(a.ref, patch, expected_version=version)
    names = ", ".join(sorted("command" if f == "metadata" else f for f in fields))
    lines = [f"Updated {task.ref} ({names}); it is now version {task.version}."]
    if a.command is not None:
        after = task.command.hash if task.command else None
        if after != before:
            change = "command changed" if before and after else "command set"
            if after is None:
                change = "command removed"
            lines.append(f"  {change}; {command_change_text(task, _actor(s))}")
    return s.out.result("task", lambda: {"task": _dump(task)}, lambda: lines)


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
    return s.out.result(
        "task", lambda: {"task": _dump(task)}, lambda: moved_lines(task, str(a.status))
    )


async def _cmd_task_rm(s: Session) -> int:
    ref = await s.engine.delete_task(s.args.ref)
    return s.out.result("deleted", lambda: {"ref": ref}, lambda: [f"Deleted {ref}."])


async def _cmd_task_assign(s: Session) -> int:
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
    if s.out.json:
        s.out.envelope(
            "bulk",
            {
                "items": [_dump(i) for i in result.items],
                "succeeded": result.succeeded,
                "failed": result.failed,
            },
        )
    else:
        s.out.lines(bulk_lines(result, assignee))
    return 1 if result.failed else 0


async def _cmd_task_attach(s: Session) -> int:
    attachment = await s.engine.add_attachment(s.args.ref, _attachment(s.args.file))
    task = await s.engine.get_task(s.args.ref)
    return s.out.result(
        "task",
        lambda: {"task": _dump(task), "attachment": _dump(attachment)},
        lambda: [
            f"Attached {attachment.name} to {task.ref} ({size(attachment.size)}, "
            f"{attachment.content_type}; id {attachment.id})."
        ],
    )


async def _cmd_task_import(s: Session) -> int:
    a = s.args
    items, lines = _read_import(str(a.file))
    try:
        result = await s.engine.import_tasks(items, project=a.project)
    except ValidationError as exc:
        raise _with_line_numbers(exc, lines, str(a.file)) from None
    from core.config import approve_own_commands
    from core.domain.approval import command_text

    commands = sum(1 for item in items if command_text(item.metadata) is not None)
    approver = _actor(s) if approve_own_commands() else None
    return s.out.result(
        "import",
        lambda: _dump(result) | {"commands": commands, "commandsApprovedBy": approver},
        lambda: import_lines(result, commands=commands, approved_by=approver),
    )


def _read_import(path: str) -> tuple[list[TaskImportItem], list[int]]:
    """Every task of a JSON Lines file and the line each came from, or every bad line at once.

    Blank lines are skipped. Nothing is written unless every line is good, so the user fixes
    the file once instead of one error per run.

    Raises:
        ValidationError: listing each bad line (``details["errors"]`` with ``line``).
    """
    from core.domain.commands import TaskImportItem, parse

    text = _read_text(path)
    items: list[TaskImportItem] = []
    numbers: list[int] = []
    problems: list[dict[str, Any]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(
                {"line": n, "field": None, "message": f"line {n}: not valid JSON ({exc.msg})."}
            )
            continue
        if not isinstance(obj, dict):
            problems.append(
                {"line": n, "field": None, "message": f"line {n}: expected a JSON object {{...}}."}
            )
            continue
        if "command" in obj:  # a shell command for workers: kept in metadata.command
            problem = _command_field(obj)
            if problem:
                problems.append({"line": n, "field": "command", "message": f"line {n}: {problem}"})
                continue
        try:
            items.append(parse(TaskImportItem, obj, where=f"line {n}: "))
            numbers.append(n)
        except ValidationError as exc:
            found = exc.details.get("errors") or [{"field": exc.field, "message": None}]
            for problem in found:
                text = problem.get("message")
                message = f"line {n}: {text}" if text else exc.message
                problems.append({"line": n, "field": problem.get("field"), "message": message})
    name = "stdin" if path == "-" else path
    if problems:
        bad = len({p["line"] for p in problems})
        noun = "line is" if bad == 1 else "lines are"
        raise ValidationError(
            f"{bad} {noun} not valid in {name}; nothing was imported:\n"
            + "\n".join(f"  {p['message']}" for p in problems),
            hint="Fix those lines and run the import again (the whole file is imported or "
            "none of it).",
            details={"errors": problems, "file": name},
        )
    if not items:
        raise ValidationError(
            f"{name} holds no tasks.",
            hint='Write one JSON object per line, such as {"title": "Fix login"}.',
            details={"file": name},
        )
    return items, numbers


def _command_field(obj: dict[str, Any]) -> str | None:
    """Move an import line's ``command`` into ``metadata.command``; the problem, if any."""
    command = obj.pop("command")
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = obj["metadata"] = {}
    if not isinstance(metadata, dict):
        return "metadata must be a JSON object."
    if "command" in metadata:
        return "command is given twice, at the top and in metadata; keep one."
    if not isinstance(command, str) or not command.strip():
        return "command must be a non-empty string (a shell command for workers)."
    metadata["command"] = command
    return None


def _with_line_numbers(exc: ValidationError, lines: list[int], name: str) -> ValidationError:
    """The engine's import error with each item index turned into its line in the file."""
    problems = exc.details.get("errors")
    if not isinstance(problems, list) or not any(
        isinstance(p, dict) and isinstance(p.get("index"), int) for p in problems
    ):
        return exc
    translated: list[dict[str, Any]] = []
    for problem in problems:
        entry = dict(problem) if isinstance(problem, dict) else {"message": str(problem)}
        index = entry.get("index")
        if isinstance(index, int) and 0 <= index < len(lines):
            entry["line"] = lines[index]
        translated.append(entry)
    text = [
        f"  line {p['line']}: {p.get('message', '')}" if "line" in p else f"  {p.get('message')}"
        for p in translated
    ]
    noun = "problem" if len(translated) == 1 else "problems"
    details = dict(exc.details)
    details["errors"] = translated
    details["file"] = name
    return ValidationError(
        f"{len(translated)} {noun} in {name}; nothing was imported:\n" + "\n".join(text),
        field=exc.field,
        hint=exc.hint,
        details=details,
    )


async def _cmd_import_prd(s: Session) -> int:
    """``import prd``: preview a document or a plan, or commit it."""
    from core.domain.commands import parse
    from core.prd.models import ImportOptions

    a = s.args
    if (a.file is None) == (a.plan_json is None):
        raise ValidationError(
            "Give either a Markdown FILE or --plan-json FILE (exactly one).",
            field="file",
            hint="taskyard import prd docs/prd.md (preview), then add --commit to write it.",
        )
    if a.plan_json is not None:
        if a.commands:
            raise ValidationError(
                "--commands reads a document's code blocks; a plan already carries its "
                "commands (each task's command field).",
                field="commands",
                hint="Preview the document with --commands --json, save that, edit it, and "
                "commit it with --plan-json.",
            )
        plan = _read_plan(str(a.plan_json))
        overrides = _given(auto_ready=a.auto_ready, milestone=a.milestone, project=a.project)
        if overrides:
            plan = plan.model_copy(update={"options": plan.options.model_copy(update=overrides)})
        again = f"taskyard import prd --plan-json {a.plan_json} --commit"
        if not a.commit:
            preview = await s.engine.preview_plan(plan)
    else:
        options = parse(
            ImportOptions,
            _given(
                granularity=a.granularity,
                auto_ready=a.auto_ready,
                max_parallelism_hint=a.max_parallelism,
                milestone=a.milestone,
                order_dependencies=a.order_deps,
                project=a.project,
                commands=a.commands,
            ),
        )
        text = _read_text(str(a.file))
        source = "stdin" if a.file == "-" else str(Path(str(a.file)))
        preview = await s.engine.preview_import(text, source=source, options=options)
        plan = preview.plan
        again = (
            "the same command with --commit (or save it with --json, edit the plan, and "
            "commit that with --plan-json FILE --commit)"
        )
    if not a.commit:
        return s.out.result(
            "import_preview",
            lambda: {**_dump(preview), "counts": preview_counts(preview)},
            lambda: preview_lines(preview, commit_hint=again),
        )
    job = await s.engine.commit_import(plan)
    return s.out.result(
        "import_job",
        lambda: {"job": _dump(job), "created": job.created_refs},
        lambda: import_job_lines(job),
    )


def _read_plan(path: str) -> ImportPlan:
    """A plan from a JSON file: the plan itself, or a saved ``import prd --json`` preview.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it is not JSON, or not a plan (the first bad field is named).
    """
    from core.domain.commands import parse
    from core.prd.models import ImportPlan

    name = "stdin" if path == "-" else path
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{name} is not valid JSON (line {exc.lineno}: {exc.msg}).",
            field="plan_json",
            hint="Save a plan with `taskyard import prd FILE --json > plan.json` and edit that.",
        ) from None
    if isinstance(data, dict) and isinstance(data.get("plan"), dict):
        data = data["plan"]  # a saved preview envelope
    return parse(ImportPlan, data, where=f"{name}: ")


async def _cmd_import_show(s: Session) -> int:
    job = await s.engine.get_import(s.args.job_id)
    return s.out.result("import_job", lambda: {"job": _dump(job)}, lambda: import_job_lines(job))


async def _cmd_import_list(s: Session) -> int:
    jobs = await s.engine.list_imports(limit=s.args.limit)
    return s.out.result(
        "import_jobs",
        lambda: _list_payload([_dump(j) for j in jobs]),
        lambda: import_list_lines(jobs),
    )


async def _cmd_dep_add(s: Session) -> int:
    task = await s.engine.add_dependency(s.args.ref, s.args.blocker)
    if s.out.json:
        s.out.envelope("task", {"task": _dump(task)})
        return 0
    given = str(s.args.blocker).strip()
    blocker = next(
        (b for b in task.blocked_by if given in (b.id, b.ref) or b.ref == given.upper()), None
    )
    what = f"{blocker.ref} ({blocker.status.label})" if blocker else given
    s.out.lines([f"{task.ref} ({task.status.label}) now waits for {what}."])
    return 0


async def _cmd_dep_rm(s: Session) -> int:
    task = await s.engine.remove_dependency(s.args.ref, s.args.blocker)
    return s.out.result(
        "task",
        lambda: {"task": _dump(task)},
        lambda: [f"{task.ref} no longer waits for {s.args.blocker}; it is {task.status.label}."],
    )


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
            _list_payload(
                [_dump(c) | {"nothingToRun": idle.get(c.ref)} for c in cards], total=total
            )
            | {"limit": s.args.limit}
        ),
        lambda: ready_lines(cards, total=total, nothing_to_run=idle),
    )


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
        lambda: {"items": [_dump(t) for t in tasks], "approvedBy": _actor(s)},
        lambda: approved_lines(tasks, _actor(s)),
    )


def _pipelines() -> Collection[str] | None:
    """The pipelines taskyard.toml configures, or ``None`` when it cannot be read.

    Only the worker refuses a bad config file; other commands then just say less.
    """
    from core.cli_run import load_orchestrator_config

    try:
        return load_orchestrator_config().pipelines.keys()
    except TaskyardError:
        return None


def _nothing_to_run(cards: Sequence[TaskCard]) -> dict[str, str]:
    """Why no worker would take each of these ready tasks, by ref (runnable ones left out)."""
    from core.orchestrator.outcome import NOTHING_TO_RUN, card_has_nothing_to_run

    pipelines = _pipelines()
    return {
        c.ref: NOTHING_TO_RUN.format(task_type=c.task_type)
        for c in cards
        if card_has_nothing_to_run(c, pipelines)
    }


async def _cmd_board(s: Session) -> int:
    from core.domain.commands import BoardQuery, parse

    a = s.args
    query = parse(BoardQuery, _given(project=a.project, milestone=a.milestone, per_column=a.limit))
    board = await s.engine.board(query)
    if s.out.json:
        payload = _dump(board)
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
        payload = _list_payload([_dump(e) for e in events])
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
            body.update(_dump(event))
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


if __name__ == "__main__":
    sys.exit(main())
