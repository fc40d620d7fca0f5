"""How the board opens: its first board is read by a forked helper while the app starts.

Start-up is CPU-bound on one core: importing SQLAlchemy and the store, opening the database
and reading the first board would all run in front of Textual's import and the app's
compose. A thread cannot overlap them (the GIL serialises it); a forked process runs on the
other core. So ``taskyard`` with no command, on a terminal, opens the board in this order:

1. ``core.cli.main`` turns the cyclic garbage collector off while the heavy modules load and
   back on before it hands over to the TUI's ``run_from_args`` (``tui/__main__.py``).
2. ``run_from_args`` builds the board's first query (``tui/first_board.py``) and, before it
   imports Textual and before any thread exists (no fork after that), calls
   ``read_board_early`` here. The helper opens the engine exactly as
   ``core.bootstrap.open_engine`` does (schema upgrade included), runs
   ``TaskEngine.board(query)`` and writes the ``BoardView`` as JSON to a pipe; it never
   touches the terminal.
3. Meanwhile the app imports Textual and composes. ``TaskyardApp`` holds every frame
   (``App.batch_update``, the "first paint hold" in ``tui/app.py``) until the board's first
   load has its data, failed, or ``FIRST_PAINT_HOLD`` passed: the empty skeleton and the
   layouts after it would each be a full render in front of the frame the user waits for.
4. ``BoardScreen``'s first load (``tui/screens/board.py``) takes ``EarlyBoard.result()``
   when the query is the same (``same_query``) and reads through the engine otherwise.
5. The app opens its own engine only after the early read is in (never two schema upgrades
   at once) and after the first frame. ``open_engine`` imports the store in a thread, so the
   painted board keeps answering keys meanwhile. The board then follows the event log from
   the early read's ``last_event_seq``: nothing written after the helper's read is missed.

If the fork or the helper fails, ``result()`` is ``None`` and the board reads through the
engine as it would without a head start. The measurements behind each step are in
``docs/performance.md`` ("first paint from an early read").
"""

from __future__ import annotations

import asyncio
import os
import sys

from core import bootstrap
from core.domain.commands import BoardQuery
from core.domain.views import BoardView


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
    engine = await bootstrap.open_engine(db, actor=actor)
    try:
        return (await engine.board(query)).model_dump_json().encode()
    finally:
        await engine.close()
