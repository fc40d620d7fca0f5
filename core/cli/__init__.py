"""``taskyard``: the scriptable command line for people and agents.

Global options may come before the command or after it (``taskyard [--db URL|PATH] [--json]
[--actor NAME] COMMAND ...`` or ``taskyard ready --json``, as agents tend to type it). Every
command opens the engine, does one thing and closes it. With ``--json`` each success prints one
envelope (``{"schemaVersion": 1, "kind": ..., ...}``) to stdout and each failure prints
``{"schemaVersion": 1, "kind": "error", "error": {...}}`` to stderr; the exit code is the
error class's ``exit_code`` (2 for usage errors, 130 for Ctrl-C, 70 for a bug).

The package, top down (each module imports only from the ones below it):

* ``entry``: ``main``, the exit codes and the start-up pause of the garbage collector.
* ``parser``: the command tree, from the global options and each command group's parsers.
* ``commands``: one module per command group; ``commands.GROUPS`` lists them.
* ``session``: opens the engine with what a command needs, runs it, closes the engine.
* ``arguments``, ``inputs``, ``replies``, ``orchestration``, ``jsonl``: what commands share.
* ``output``: what the CLI prints, by what it shows (formatting only).

Only the standard library, ``core.errors`` and ``core.config`` are imported at module level:
pydantic, SQLAlchemy and platformdirs are imported inside the command handlers, so
``taskyard --version`` and ``--help`` answer instantly.
"""

from core.cli.entry import main

__all__ = ["main"]
