"""Running one step's process: its own process group, output streamed in batches, timeout, cancel.

* The process starts in a new session (``start_new_session=True``), so it and every child it
  spawns share one process group; stopping a step signals the whole group: SIGTERM, a grace
  period, then SIGKILL. A coding agent's test runner or dev server does not outlive its step.
* Output is read as it comes and handed to a sink in batches (every ~100 ms, or sooner once
  8 KB are waiting), so a chatty process costs a few writes per second, not one per line.
* The last non-empty lines are kept: they become the step's summary, or its error.
* The group is registered with this process's guard (``guard.GROUPS``) while it runs, so
  it ends even if this process is killed without a chance to stop it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from core.orchestrator.guard import GROUPS

OutputSink = Callable[[str, str], Awaitable[None]]
"""Receives ``(stream, text)``: ``stream`` is ``stdout``, ``stderr`` or ``system``."""

BATCH_SECONDS = 0.1
BATCH_BYTES = 8192
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


class LogBatcher:
    """Collects output; hands it to a sink every ``interval`` seconds or ``max_bytes``."""

    def __init__(
        self, sink: OutputSink, *, interval: float = BATCH_SECONDS, max_bytes: int = BATCH_BYTES
    ) -> None:
        self._sink = sink
        self._interval = interval
        self._max_bytes = max_bytes
        self._buffer: list[tuple[str, str]] = []
        self._size = 0
        self._has_data = asyncio.Event()
        self._full = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.failures = 0
        """Batches the sink refused (its exception was swallowed to keep reading)."""

    def start(self) -> None:
        """Begin flushing in the background."""
        self._task = asyncio.create_task(self._run())

    def write(self, stream: str, text: str) -> None:
        """Queue text (never blocks)."""
        if not text or self._closed:
            return
        self._buffer.append((stream, text))
        self._size += len(text)
        self._has_data.set()
        if self._size >= self._max_bytes:
            self._full.set()

    async def _run(self) -> None:
        while True:
            await self._has_data.wait()
            if not self._closed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self._interval)
            await self._flush()
            if self._closed and not self._buffer:
                return

    async def _flush(self) -> None:
        batch, self._buffer, self._size = self._buffer, [], 0
        self._has_data.clear()
        self._full.clear()
        merged: list[tuple[str, str]] = []
        for stream, text in batch:
            if merged and merged[-1][0] == stream:
                merged[-1] = (stream, merged[-1][1] + text)
            else:
                merged.append((stream, text))
        for stream, text in merged:
            try:
                await self._sink(stream, text)
            except Exception:
                self.failures += 1

    async def close(self) -> None:
        """Flush what is left and stop."""
        self._closed = True
        self._has_data.set()
        self._full.set()
        if self._task is not None:
            await self._task
        elif self._buffer:
            await self._flush()


class StepProcess:
    """One step's process. ``await run()`` starts it and returns how it ended."""

    def __init__(
        self, invocation: Invocation, sink: OutputSink, *, kill_grace: float = 5.0
    ) -> None:
        self.invocation = invocation
        self._sink = sink
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
        batcher = LogBatcher(self._sink)
        batcher.start()
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
            return StepResult(exit_code=None, error=message)
        finally:
            self._started.set()
        proc = self._proc
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
            _, pending = await asyncio.wait(readers, timeout=PIPE_GRACE)
            if pending:  # leftovers of the group hold the pipes open: they go with the step
                self._signal_group(signal.SIGKILL)
                await asyncio.wait(pending, timeout=PIPE_GRACE)
                for task in pending:
                    task.cancel()
            for stream, rest in self._partial.items():
                if rest.strip():
                    self._tail.append(rest)
                self._partial[stream] = ""
            if proc.returncode is not None:
                GROUPS.unwatch(proc.pid)
            await batcher.close()
        return StepResult(
            exit_code=proc.returncode,
            timed_out=timed_out,
            cancelled=self._cancelled,
            tail=list(self._tail),
        )

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
