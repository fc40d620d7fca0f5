"""The composition root: ``open_engine`` picks and opens the ``TaskEngine`` for a database.

``read_board_early`` is the board's head start: a helper process opens the same engine and
reads the first board while the caller is still importing its UI, so that work runs on the
other core instead of in front of the first frame.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from typing import TYPE_CHECKING

from core.config import (
    approve_own_commands,
    database_url,
    default_actor,
    default_database_url,
)
from core.domain.commands import BoardQuery
from core.domain.views import BoardView
from core.engine import TaskEngine

if TYPE_CHECKING:
    from core.domain.runs import RetryPolicy


async def open_engine(
    db: str | None = None,
    *,
    actor: str | None = None,
    auto_approve: bool | None = None,
    retry_policy: RetryPolicy | None = None,
    lease_seconds: float | None = None,
    attachment_max_bytes: int | None = None,
) -> TaskEngine:
    """Open (creating or upgrading the schema as needed) the engine for ``db``.

    Args:
        db: A SQLAlchemy URL or a SQLite file path; the default database when ``None``.
        actor: Who the events name as making changes (default: the login name).
        auto_approve: Override ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` (read from the environment
            when ``None``).
        retry_policy: Attempts and backoff for failed runs (the orchestrator's config).
        lease_seconds: How long a claim holds without a heartbeat.
        attachment_max_bytes: The per-file attachment limit (``[limits]`` of taskyard.toml).

    Commands the actor sets are approved by it at once unless
    ``TASKYARD_APPROVE_OWN_COMMANDS=0`` (``core.config.approve_own_commands``).

    Raises:
        StorageError: the database cannot be opened or migrated.
    """
    if "core.store.engine" not in sys.modules:
        # The store's imports (SQLAlchemy, ~200 ms) run in a thread: an event loop that is
        # already showing something (the board, painted from an early read) keeps answering
        # keys and writing frames meanwhile instead of freezing.
        await asyncio.to_thread(importlib.import_module, "core.store.engine")
    from core.store.engine import SqlTaskEngine

    url = database_url(db) if db else default_database_url()
    return await SqlTaskEngine.open(
        url,
        actor=actor or default_actor(),
        auto_approve=auto_approve,
        retry_policy=retry_policy,
        lease_seconds=lease_seconds,
        attachment_max_bytes=attachment_max_bytes,
        approve_own_commands=approve_own_commands(),
    )


class EarlyBoard:
    """A board being read by a helper process; ``result()`` hands it over (or ``None``)."""

    def __init__(self, pid: int, fd: int, query: BoardQuery) -> None:
        self.query = query
        """What was asked for; the answer is only good for the same query."""
        self._pid = pid
        self._fd = fd
        self._result: asyncio.Future[BoardView | None] | None = None

    async def result(self) -> BoardView | None:
        """The board the helper read, or ``None`` if it could not (the caller reads it then).

        Awaiting it again gives the same answer; the helper is reaped on the first call.
        """
        if self._result is None:
            self._result = asyncio.ensure_future(asyncio.to_thread(self._collect))
        return await asyncio.shield(self._result)

    def _collect(self) -> BoardView | None:
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self._fd, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
        if status != 0 or not chunks:
            return None
        try:
            return BoardView.model_validate_json(b"".join(chunks))
        except ValueError:
            return None


def read_board_early(db: str | None, *, actor: str | None, query: BoardQuery) -> EarlyBoard | None:
    """Start reading the board for ``query`` in a forked helper process; ``None`` if we cannot.

    The helper opens the engine exactly as ``open_engine`` does (schema upgrade included), runs
    ``TaskEngine.board(query)`` and writes the answer as JSON to a pipe; it never touches the
    terminal. Call this before anything starts threads (no fork after that), and open the
    caller's own engine once the result is in, so the two never migrate at the same time.
    """
    if sys.platform == "win32" or not hasattr(os, "fork"):  # pragma: no cover - no fork there
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the helper; tests see its result through the pipe
        code = 1
        try:
            os.close(read_fd)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # the terminal belongs to the caller
                os.dup2(devnull, fd)
            data = asyncio.run(_read_board(db, actor, query))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return EarlyBoard(pid, read_fd, query)


async def _read_board(db: str | None, actor: str | None, query: BoardQuery) -> bytes:
    engine = await open_engine(db, actor=actor)
    try:
        return (await engine.board(query)).model_dump_json().encode()
    finally:
        await engine.close()
