"""``main``: parse the command line, run the command, and turn every outcome into an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from core.cli.commands import HOME
from core.cli.output.writer import Output
from core.cli.parser import UsageError, build_parser
from core.cli.session import Handler, StartUpPause, run_command, run_light
from core.errors import TaskyardError

EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
DEBUG_ENV = "TASKYARD_DEBUG"

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
    with StartUpPause() as start_up:
        return _main(argv, open_board, start_up)


def _main(
    argv: Sequence[str] | None, open_board: BoardOpener | None, start_up: StartUpPause
) -> int:
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
    if handler is HOME and open_board is not None and _interactive(args):
        start_up.finished()
        return open_board(args)
    try:
        answered = run_light(args, out, started=start_up.finished)
        if answered is not None:
            return answered
        import asyncio  # here, not at the top: ~45 ms that --version and --help never need

        return asyncio.run(run_command(handler, args, out, started=start_up.finished))
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
