"""The embedded worker pool as the app sees it: a small protocol and the factory type.

The app starts a pool of workers in its own process (on by default for a local SQLite file)
so that Run now "just works" on a laptop. The pool itself is ``core.orchestrator.pool.
WorkerPool``; the app only needs the few members below, and builds it through a factory
that ``tui.__main__`` provides (tests may pass their own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from core.engine import TaskEngine


class EmbeddedPool(Protocol):
    """What the app uses of ``core.orchestrator.pool.WorkerPool``."""

    async def start(self) -> None:
        """Register the worker and start claiming."""

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; give running steps ``grace`` seconds, then kill and record them."""

    def pause(self) -> None:
        """Claim nothing new; running work goes on."""

    def resume(self) -> None:
        """Claim again."""

    @property
    def paused(self) -> bool: ...

    @property
    def running(self) -> list[str]: ...

    @property
    def running_refs(self) -> list[str]: ...

    @property
    def slots(self) -> int: ...

    @property
    def worker_id(self) -> str: ...


PoolFactory = Callable[[TaskEngine], EmbeddedPool]
"""Builds the (not yet started) pool for an open engine."""
