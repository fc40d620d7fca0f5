"""Running one step's process: its own process group, output streamed in batches, timeout, cancel.

* The process starts in a new session (``start_new_session=True``), so it and every child it
  spawns share one process group; stopping a step signals the whole group: SIGTERM, a grace
  period, then SIGKILL. A coding agent's test runner or dev server does not outlive its step.
* Output is read as it comes and handed to a sink in batches (every ~100 ms, or sooner once
  8 KB are waiting), so a chatty process costs a few writes per second, not one per line.
  While the database is slower than the process, the backlog goes out in chunks of up to
  ``CHUNK_CHARS``, and once ``BUFFER_CHARS`` wait the step's pipes are no longer read: the
  process blocks on its next write instead of the worker's memory growing, and nothing is
  dropped.
* Output the sink could not store even after its retries is counted, and a ``[taskyard]``
  line in the log says how much was lost and why, as soon as a write succeeds again.
* The last non-empty lines are kept: they become the step's summary, or its error.
* The group is registered with this process's guard (``guard.GROUPS``) while it runs, so
  it ends even if this process is killed without a chance to stop it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import itertools
import os
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

from core.domain.runs import lost_output_note
from core.errors import TaskyardError
from core.orchestrator.guard import GROUPS

OutputSink = Callable[[str, str], Awaitable[None]]
"""Receives ``(stream, text)``: ``stream`` is ``stdout``, ``stderr`` or ``system``. Raises a
``TaskyardError`` when the text could not be stored (after any retries of its own)."""

LostSink = Callable[[int, str], Awaitable[None]]
"""Receives ``(lost_bytes, reason)`` for output the sink could not store: it records the loss
(a marker in the log, a count on the run). Raises a ``TaskyardError`` when it cannot."""

BATCH_SECONDS = 0.1
BATCH_BYTES = 8192
CHUNK_CHARS = 256 * 1024
"""The longest text handed to the sink at once (the store takes up to 1,000,000 characters).
A backlog goes out in pieces this big: at 8 KB a write, 20 MB of output would take 2,500
transactions; at 256 KB it takes 80."""
BUFFER_CHARS = 1024 * 1024
"""How much output may wait for the sink before the step's pipes stop being read."""
TAIL_LINES = 40
SUMMARY_LINES = 8
SUMMARY_CHARS = 2000
PIPE_GRACE = 0.5
"""How long to wait for the pipes to close after the process exited (before killing the
group's leftovers, which may hold them open)."""


@dataclass(frozen=True)
class Invocation:
    """What to run, where, with what."""

    argv: Sequence[str]
    cwd: str | None = None
    env: dict[str, str] | None = None
    stdin: str | None = None
    """Text written to the process's stdin (then closed); ``None``: no stdin."""
    timeout: float | None = None


@dataclass
class StepResult:
    """How a step's process ended."""

    exit_code: int | None
    """The exit status (negative: killed by that signal; ``None``: never started)."""
    timed_out: bool = False
    cancelled: bool = False
    error: str | None = None
    """Why it could not start, if it did not."""
    tail: list[str] = field(default_factory=list)
    lost_bytes: int = 0
    """Output bytes that could not be stored in the log (a marker there says so)."""
    lost_reason: str = ""
    """Why they were lost (the store's error)."""

    @property
    def success(self) -> bool:
        """Exit status 0, within its time, not stopped."""
        return self.exit_code == 0 and not self.timed_out and not self.cancelled

    def summary(self) -> str | None:
        """The last non-empty output lines (bounded), or ``None`` when it printed nothing."""
        lines = [line for line in self.tail if line.strip()][-SUMMARY_LINES:]
        text = "\n".join(lines)
        if len(text) > SUMMARY_CHARS:
            text = "…" + text[-(SUMMARY_CHARS - 1) :]
        return text or None

    def ending(self) -> str:
        """How it ended in a few words ("exit code 2", "timed out"), or why it could not start."""
        if self.error:
            return self.error
        if self.cancelled:
            return "stopped"
        if self.timed_out:
            return "timed out"
        return f"exit code {self.exit_code}"

    def describe(self) -> str:
        """How it ended, with the last lines for a failure (one text, for a quick run)."""
        tail = self.summary()
        head = self.ending()
        return f"{head}; last output:\n{tail}" if tail and not self.success else head


def chunked(batch: Sequence[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """``(stream, text)`` pieces merged per run of one stream, then cut to ``limit`` characters.

    A cut falls after a line end when one is in the back half of the piece, so a chunk rarely
    splits a line; order and streams are kept.
    """
    out: list[tuple[str, str]] = []
    for stream, group in itertools.groupby(batch, key=lambda piece: piece[0]):
        text = "".join(piece for _, piece in group)
        start = 0
        while len(text) - start > limit:
            end = text.rfind("\n", start, start + limit) + 1
            if end <= start + limit // 2:
                end = start + limit
            out.append((stream, text[start:end]))
            start = end
        if start < len(text):
            out.append((stream, text[start:]))
    return out


def _why(exc: TaskyardError) -> str:
    """The first line of a store error's message: a log line, not a report."""
    return next((line for line in exc.message.splitlines() if line.strip()), exc.code)


class LogBatcher:
    """Collects output; hands it to a sink every ``interval`` seconds or ``max_bytes``.

    Readers call ``room()`` after each ``write``: it waits while ``max_buffer`` characters
    are waiting, which is the backpressure that bounds memory. Text the sink refuses with a
    ``TaskyardError`` is counted in ``lost_bytes`` and reported to ``on_lost`` (by default a
    ``system`` line through the sink) before the next text is stored.
    """

    def __init__(
        self,
        sink: OutputSink,
        *,
        on_lost: LostSink | None = None,
        interval: float = BATCH_SECONDS,
        max_bytes: int = BATCH_BYTES,
        chunk_chars: int = CHUNK_CHARS,
        max_buffer: int = BUFFER_CHARS,
    ) -> None:
        self._sink = sink
        self._on_lost = on_lost
        self._interval = interval
        self._max_bytes = max_bytes
        self._chunk_chars = chunk_chars
        self._max_buffer = max_buffer
        self._buffer: list[tuple[str, str]] = []
        self._size = 0
        self._has_data = asyncio.Event()
        self._full = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.lost_bytes = 0
        """UTF-8 bytes of output that could not be stored."""
        self.unreported_bytes = 0
        """Of those, bytes whose loss is not recorded yet (``on_lost`` failed too)."""
        self.lost_reason = ""
        """Why the last text was lost (the sink's error message)."""

    def start(self) -> None:
        """Begin flushing in the background."""
        self._task = asyncio.create_task(self._run())

    @property
    def backlogged(self) -> bool:
        """Whether readers are held back: as much output waits as the buffer takes."""
        return self._size >= self._max_buffer and self._flushing()

    def _flushing(self) -> bool:
        return self._task is not None and not self._task.done()

    def write(self, stream: str, text: str) -> None:
        """Queue text (never blocks; a reader then awaits ``room()``)."""
        if not text or self._closed:
            return
        if self._task is not None and self._task.done():
            # The flusher died of a bug (``close`` raises it); counting beats buffering forever.
            self._lose(len(text.encode("utf-8")), "the log writer stopped")
            return
        self._buffer.append((stream, text))
        self._size += len(text)
        self._has_data.set()
        if self._size >= self._max_bytes:
            self._full.set()

    async def room(self) -> None:
        """Wait until the buffer has room again (at once when it has)."""
        while self._size >= self._max_buffer and self._flushing():
            self._room.clear()
            await self._room.wait()

    async def _run(self) -> None:
        try:
            while True:
                await self._has_data.wait()
                if not self._closed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), self._interval)
                await self._flush()
                if self._closed and not self._buffer:
                    return
        finally:
            self._room.set()  # readers waiting for room must not wait for a dead flusher

    async def _flush(self) -> None:
        batch, self._buffer, self._size = self._buffer, [], 0
        self._has_data.clear()
        self._full.clear()
        self._room.set()
        for stream, text in chunked(batch, self._chunk_chars):
            await self._store(stream, text)

    async def _store(self, stream: str, text: str) -> None:
        if self.unreported_bytes and not await self._report_lost():
            # The marker must come before any later output; while it cannot be written, the
            # store is still failing, and this text is lost with the rest.
            self._lose(len(text.encode("utf-8")), self.lost_reason)
            return
        try:
            await self._sink(stream, text)
        except TaskyardError as exc:
            self._lose(len(text.encode("utf-8")), _why(exc))

    def _lose(self, size: int, reason: str) -> None:
        self.lost_bytes += size
        self.unreported_bytes += size
        self.lost_reason = reason

    async def _report_lost(self) -> bool:
        lost, reason = self.unreported_bytes, self.lost_reason
        try:
            if self._on_lost is not None:
                await self._on_lost(lost, reason)
            else:
                await self._sink("system", lost_output_note(lost, reason))
        except TaskyardError as exc:
            self.lost_reason = _why(exc)
            return False
        self.unreported_bytes -= lost
        return True

    async def close(self) -> None:
        """Flush what is left, record any loss not recorded yet, and stop."""
        self._closed = True
        self._has_data.set()
        self._full.set()
        if self._task is not None:
            await self._task
        elif self._buffer:
            await self._flush()
        if self.unreported_bytes:
            await self._report_lost()


class StepProcess:
    """One step's process. ``await run()`` starts it and returns how it ended."""

    def __init__(
        self,
        invocation: Invocation,
        sink: OutputSink,
        *,
        on_lost: LostSink | None = None,
        kill_grace: float = 5.0,
    ) -> None:
        self.invocation = invocation
        self._sink = sink
        self._on_lost = on_lost
        self._kill_grace = kill_grace
        self._proc: asyncio.subprocess.Process | None = None
        self._started = asyncio.Event()
        self._cancelled = False
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._partial: dict[str, str] = {"stdout": "", "stderr": ""}

    @property
    def pid(self) -> int | None:
        """The process id (also its process group id) once started."""
        return None if self._proc is None else self._proc.pid

    async def run(self) -> StepResult:
        """Start the process, stream its output, wait for it (and its timeout).

        If the awaiting task is cancelled, the process group is stopped first.
        """
        inv = self.invocation
        batcher = LogBatcher(self._sink, on_lost=self._on_lost)
        batcher.start()
        not_started = await self._start(batcher)
        if not_started is not None:
            return not_started
        proc = self._proc
        assert proc is not None
        GROUPS.watch(proc.pid)  # ended by the guard if this process dies first
        assert proc.stdout is not None
        assert proc.stderr is not None
        readers = [
            asyncio.create_task(self._read(proc.stdout, "stdout", batcher)),
            asyncio.create_task(self._read(proc.stderr, "stderr", batcher)),
        ]
        feeder = asyncio.create_task(self._feed(proc, inv.stdin)) if inv.stdin is not None else None
        timed_out = False
        try:
            try:
                await asyncio.wait_for(proc.wait(), inv.timeout)
            except TimeoutError:
                timed_out = True
                batcher.write("system", f"\n[taskyard] timed out after {inv.timeout:g} s\n")
                await self.stop()
        except asyncio.CancelledError:
            self._cancelled = True
            await asyncio.shield(self.stop())
            raise
        finally:
            if feeder is not None:
                feeder.cancel()
            await self._wind_down(proc, readers, batcher)
        return StepResult(
            exit_code=proc.returncode,
            timed_out=timed_out,
            cancelled=self._cancelled,
            tail=list(self._tail),
            lost_bytes=batcher.lost_bytes,
            lost_reason=batcher.lost_reason,
        )

    async def _start(self, batcher: LogBatcher) -> StepResult | None:
        """Start the process in a session of its own; how it ended if it could not start."""
        inv = self.invocation
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *inv.argv,
                stdin=asyncio.subprocess.PIPE
                if inv.stdin is not None
                else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=inv.cwd,
                env=inv.env,
                start_new_session=True,
            )
        except OSError as exc:
            message = f"cannot start {inv.argv[0]!r}: {exc.strerror or exc}"
            batcher.write("system", message + "\n")
            await batcher.close()
            return StepResult(
                exit_code=None,
                error=message,
                lost_bytes=batcher.lost_bytes,
                lost_reason=batcher.lost_reason,
            )
        finally:
            self._started.set()
        return None

    async def _wind_down(
        self,
        proc: asyncio.subprocess.Process,
        readers: Collection[asyncio.Task[None]],
        batcher: LogBatcher,
    ) -> None:
        """Once the process ended: read the rest of its output, kill what is left, flush."""
        pending = await self._drain(readers, batcher)
        if pending:  # leftovers of the group hold the pipes open: they go with the step
            self._signal_group(signal.SIGKILL)
            still = await self._drain(pending, batcher)
            for task in still:
                task.cancel()
            if still:  # a process that left the group (setsid) holds a pipe: say so
                batcher.write(
                    "system",
                    "\n[taskyard] stopped reading the output: a process that left the "
                    "step's process group still holds its pipe open\n",
                )
        for stream, rest in self._partial.items():
            if rest.strip():
                self._tail.append(rest)
            self._partial[stream] = ""
        if proc.returncode is not None:
            GROUPS.unwatch(proc.pid)
        await batcher.close()

    @staticmethod
    async def _drain(
        readers: Collection[asyncio.Task[None]], batcher: LogBatcher
    ) -> set[asyncio.Task[None]]:
        """Wait ``PIPE_GRACE`` for the readers to reach the end of their pipes; those still reading.

        Readers held back by a slow database are not stuck: they are waited for as long as the
        backlog lasts, or the output still in the pipes would be lost.
        """
        _, pending = await asyncio.wait(readers, timeout=PIPE_GRACE)
        while pending and batcher.backlogged:
            _, pending = await asyncio.wait(pending, timeout=PIPE_GRACE)
        return pending

    async def cancel(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after the grace period."""
        self._cancelled = True
        await self._started.wait()
        await self.stop()

    async def stop(self) -> None:
        """Signal the group to end and wait for the process (SIGKILL after the grace)."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), self._kill_grace)
        # Children that ignored SIGTERM (or outlived the leader) are killed either way.
        self._signal_group(signal.SIGKILL)
        if proc.returncode is None:
            await proc.wait()

    def _signal_group(self, sig: signal.Signals) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    async def _read(self, pipe: asyncio.StreamReader, stream: str, batcher: LogBatcher) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            data = await pipe.read(65536)
            if not data:
                text = decoder.decode(b"", final=True)
                if text:
                    self._keep(stream, text)
                    batcher.write(stream, text)
                return
            text = decoder.decode(data)
            if text:
                self._keep(stream, text)
                batcher.write(stream, text)
                await batcher.room()

    def _keep(self, stream: str, text: str) -> None:
        lines = (self._partial[stream] + text).split("\n")
        self._partial[stream] = lines.pop()
        self._tail.extend(line.rstrip("\r") for line in lines)

    @staticmethod
    async def _feed(proc: asyncio.subprocess.Process, text: str) -> None:
        assert proc.stdin is not None
        # A program that never reads its stdin closes it by exiting: nothing to report.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(text.encode("utf-8"))
            await proc.stdin.drain()
            proc.stdin.close()
