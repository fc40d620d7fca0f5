"""What lives as long as the process, kept out of the cyclic collector's full passes.

A full pass walks every object the collector tracks. In a server or a board over 100k tasks
nearly all of them are modules, classes, the app and its widgets, the engine's compiled
statements: never garbage, walked every time. Measured at 100k tasks, a pass took ~130 ms in
the server (nine in six seconds under 32 clients: the whole 99th percentile) and up to 160 ms
in the TUI (eight in 200 key presses: the slowest keys). ``gc.freeze`` moves everything alive
at that moment to a generation no pass visits; what is allocated later is collected as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap(*, collect: bool) -> Iterator[None]:
    """Freeze what is alive now until the block ends (then hand it back to the collector).

    Args:
        collect: Collect first, so the garbage of start-up is not frozen with the rest (a
            full pass: ~100 ms at 100k tasks, fine before a server listens, a stall in a
            board the user is already looking at).
    """
    if collect:
        gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        # Given back, so an app started and stopped inside a longer process (the tests)
        # leaves nothing the collector can no longer reach.
        gc.unfreeze()
