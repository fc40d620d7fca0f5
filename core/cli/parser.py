"""The command tree: the global options, and each command group's parsers from its module."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from core import __version__
from core.cli.arguments import PROG
from core.cli.commands import GROUPS, HOME
from core.cli.specs import add_commands


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


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree (cheap: no domain or store imports happen here)."""
    parser = _Parser(
        prog=PROG,
        description="A terminal kanban board that is also the work queue for AI agents.",
        epilog="Run without a command to see the board. --db, --json, --actor, --server and "
        "--token may also follow the command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_global_options(parser, default=None)
    _add_board_options(parser)
    parser.set_defaults(handler=HOME)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in GROUPS:
        add_commands(commands, module.COMMANDS)
    _accept_global_options_after_commands(parser)
    return parser


def _add_board_options(parser: argparse.ArgumentParser) -> None:
    """The options of the interactive board (``taskyard`` with no command, on a terminal)."""
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


def _add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """``--db``, ``--json``, ``--actor``, ``--server`` and ``--token``, with ``default`` each."""
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
    parser.add_argument(
        "--server",
        metavar="URL",
        default=default,
        help="use a taskyard server instead of a database "
        "(default: $TASKYARD_SERVER or [remote] server in taskyard.toml)",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=default,
        help="the server's API token; - reads it from stdin "
        "(default: $TASKYARD_TOKEN or the one `taskyard login` stored)",
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
