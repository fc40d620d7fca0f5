"""Steps do not outlive their worker, even one killed with SIGKILL.

A step runs in a process group of its own, so that cancel and stop can end the agent and
everything it started. That also means nothing ends it when the worker process dies without
cleaning up (SIGKILL, the OOM killer, a power-cut VM): the agent went on editing the repo
while its task, its lease expired, ran again on another worker.

Each process that runs steps therefore keeps one small guard process (started with its
first step, ~20 ms, then idle). The worker tells it each step's process group as the step
starts and ends, one line on the guard's stdin. When that pipe closes, however the worker
ended, the kernel closes its end; the guard then stops every group still listed (SIGTERM,
a grace period, SIGKILL) and exits. A worker that exits normally has ended its steps
first, so the guard finds the list empty.

The guard runs this file by path with ``-I -S`` and imports only the standard library:
it starts fast and does not depend on the package being importable.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

GRACE_SECONDS = 3.0
"""How long a guarded group gets between SIGTERM and SIGKILL."""


class GroupGuard:
    """This process's guard, told which step process groups are running.

    Thread-safe; the guard process starts on the first ``watch``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._groups: set[int] = set()

    def watch(self, pgid: int) -> None:
        """A step's group started: end it if this process dies first."""
        with self._lock:
            self._groups.add(pgid)
            self._send(f"+{pgid}\n")

    def unwatch(self, pgid: int) -> None:
        """The group has ended (its id may be reused from now on): forget it."""
        with self._lock:
            self._groups.discard(pgid)
            self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        for _ in range(2):  # once more with a fresh guard if the old one is gone
            proc = self._proc
            if proc is None or proc.poll() is not None:
                proc = self._proc = self._start()
                if proc is None:
                    return
                line = "".join(f"+{g}\n" for g in self._groups) + line
            try:
                assert proc.stdin is not None
                proc.stdin.write(line.encode())
                proc.stdin.flush()
                return
            except (BrokenPipeError, OSError):
                self._proc = None

    @staticmethod
    def _start() -> subprocess.Popen[bytes] | None:
        try:
            return subprocess.Popen(
                [sys.executable, "-I", "-S", os.path.abspath(__file__)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # the terminal's Ctrl-C is for the worker, not it
            )
        except OSError:  # no guard: steps behave as before (orphans on SIGKILL)
            return None


GROUPS = GroupGuard()
"""The guard of this process (one per process, like the steps it guards)."""


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id went to someone else's group: not ours to stop
        return False
    return True


def _stop(groups: set[int]) -> None:
    """SIGTERM every group, wait up to the grace for them to go, SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in [g for g in groups if _alive(g)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
        deadline = time.monotonic() + GRACE_SECONDS
        while sig == signal.SIGTERM and time.monotonic() < deadline:
            groups = {g for g in groups if _alive(g)}
            if not groups:
                return
            time.sleep(0.05)


def main() -> None:
    """Keep the list from stdin; at end of file stop what is still on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: set[int] = set()
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if line[:1] in (b"+", b"-") and line[1:].isdigit():
            (groups.add if line[:1] == b"+" else groups.discard)(int(line[1:]))
    _stop(groups)


if __name__ == "__main__":
    main()
