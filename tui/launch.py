"""The ``taskyard`` console script: the CLI, which opens the board when no command is given.

Kept tiny on purpose: ``taskyard --version`` and every CLI command go through here, so Textual
is imported only once we know the interactive board is wanted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; with no command on a terminal, open the interactive board."""
    from core.cli import main as cli_main

    return cli_main(argv, open_board=_open_board)


def _open_board(args: argparse.Namespace) -> int:
    from tui.__main__ import run_from_args

    return run_from_args(args)
