"""The commands, one module per command group; ``GROUPS`` is the one list of them.

Each module ends with ``COMMANDS``, its commands as data (``core.cli.specs``): each one's
arguments, its ``handler`` (an ``async`` function of a ``Session`` that returns the exit
code) and the needs ``Session`` reads (``orchestrated``, ``waits_for_work``, ``stores_files``).
Adding a command group is a new module here and one line in ``GROUPS``. The modules never
import each other; what they share lives one level up (``core.cli.arguments``, ``options``,
``specs``, ``inputs``, ``replies``, ``orchestration``, ``output``). Like the rest of the
package, they import only the standard library, ``core.errors`` and ``core.config`` at module
level: the domain, the store and the orchestrator load inside the handlers, so ``--version``
and ``--help`` stay fast.
"""

from __future__ import annotations

from types import ModuleType

from core.cli.commands import (
    board,
    deps,
    imports,
    init,
    mcp,
    orchestrators,
    projects,
    queue,
    quick,
    remote,
    runs,
    serve,
    tasks,
    worker,
)

GROUPS: tuple[ModuleType, ...] = (
    init,
    projects,
    tasks,
    deps,
    imports,
    queue,
    board,
    worker,
    runs,
    quick,
    serve,
    mcp,
    orchestrators,
    remote,
)
"""Every command group, in the order ``taskyard --help`` lists their commands."""

HOME = board.show_home
"""What ``taskyard`` with no command runs when the interactive board does not open."""
