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

A worker that is alive but frozen (SIGSTOP, Ctrl-Z, an event loop stuck in a call) keeps
its pipe open, while its leases run out and the tasks run again elsewhere. So the worker
also *fences* its leased steps: while its event loop runs, it tells the guard, every fraction
of a second, until when each step's group may live (``fence``: a little before its lease
ends, as far as the worker knows it to be renewed). A group whose deadline passes without
a newer one is stopped (SIGCONT, so that a stopped group can act on the SIGTERM, then
SIGKILL after the given grace) before the lease can be taken over. Groups that hold no lease
(quick runs) get no deadline and only the end-of-pipe rule applies to them. A group gets its
first deadline as it is watched, right after its process starts: only a worker frozen in the
instant between the two leaves that step unfenced.

Lines on the guard's stdin: ``+PGID`` (watch), ``-PGID`` (forget), ``DPGID SECONDS GRACE``
(stop PGID unless another ``D`` line for it comes within SECONDS, with GRACE seconds between
SIGTERM and SIGKILL).

The guard runs this file by path with ``-I -S`` and imports only the standard library:
it starts fast and does not depend on the package being importable.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

GRACE_SECONDS = 3.0
"""How long a guarded group gets between SIGTERM and SIGKILL."""

Fencer = Callable[[int], "tuple[float, float] | None"]
"""For a group just started: ``(seconds it may live unless told again, SIGTERM grace)``, or
``None`` when it holds no lease (see ``GroupGuard.add_fencer``)."""


class GroupGuard:
    """This process's guard, told which step process groups are running.

    Thread-safe; the guard process starts on the first ``watch``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._groups: set[int] = set()
        self._fencers: list[Fencer] = []

    def add_fencer(self, fencer: Fencer) -> None:
        """Ask ``fencer`` for a new group's first deadline as the group is watched.

        Without it a step started just before its worker froze would have no deadline
        until the worker's next ping, which never comes.
        """
        with self._lock:
            self._fencers.append(fencer)

    def remove_fencer(self, fencer: Fencer) -> None:
        """Stop asking ``fencer``."""
        with self._lock:
            if fencer in self._fencers:
                self._fencers.remove(fencer)

    def watch(self, pgid: int) -> None:
        """A step's group started: end it if this process dies first (or its lease ends)."""
        with self._lock:
            self._groups.add(pgid)
            line = f"+{pgid}\n"
            for fencer in self._fencers:
                fence = fencer(pgid)
                if fence is not None:
                    line += f"D{pgid} {max(fence[0], 0.0):.3f} {fence[1]:.3f}\n"
                    break
            self._send(line)

    def unwatch(self, pgid: int) -> None:
        """The group has ended (its id may be reused from now on): forget it."""
        with self._lock:
            self._groups.discard(pgid)
            self._send(f"-{pgid}\n")

    def fence(self, deadlines: dict[int, float], grace: float) -> None:
        """Stop each group ``pgid`` unless told again within ``deadlines[pgid]`` seconds.

        The worker calls this from its event loop, so the calls stop when the loop does.
        Groups not watched (ended meanwhile) are skipped.
        """
        with self._lock:
            lines = "".join(
                f"D{pgid} {max(seconds, 0.0):.3f} {grace:.3f}\n"
                for pgid, seconds in deadlines.items()
                if pgid in self._groups
            )
            if lines:
                self._send(lines)

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
        except OSError:  # no guard: steps still run, but a SIGKILLed worker leaves them running
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


def _stop(groups: set[int], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every group, wait up to ``grace`` for them to go, SIGKILL what is left.

    A group that is itself stopped (SIGSTOP, Ctrl-Z) would keep SIGTERM pending: SIGCONT
    lets it act on it.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in [g for g in groups if _alive(g)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
                if sig == signal.SIGTERM:
                    os.killpg(pgid, signal.SIGCONT)
        deadline = time.monotonic() + grace
        while sig == signal.SIGTERM and time.monotonic() < deadline:
            groups = {g for g in groups if _alive(g)}
            if not groups:
                return
            time.sleep(0.02)


def _apply(line: bytes, groups: set[int], deadlines: dict[int, tuple[float, float]]) -> None:
    """One line from the worker (see the module docstring); malformed lines are ignored."""
    kind, rest = line[:1], line[1:]
    if kind in (b"+", b"-") and rest.isdigit():
        pgid = int(rest)
        if kind == b"+":
            groups.add(pgid)
        else:
            groups.discard(pgid)
            deadlines.pop(pgid, None)
    elif kind == b"D":
        with contextlib.suppress(ValueError):
            pgid_text, seconds, grace = rest.split()
            pgid = int(pgid_text)
            if pgid in groups:
                deadlines[pgid] = (time.monotonic() + float(seconds), float(grace))


def main() -> None:
    """Keep the list from stdin; stop groups whose deadline passed; at end of file, all."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: set[int] = set()
    deadlines: dict[int, tuple[float, float]] = {}
    fd = sys.stdin.fileno()
    pending = b""
    while True:
        timeout = None
        if deadlines:
            timeout = max(0.0, min(d for d, _ in deadlines.values()) - time.monotonic())
        readable, _, _ = select.select([fd], [], [], timeout)
        if readable:
            data = os.read(fd, 65536)
            if not data:
                break
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                _apply(line.strip(), groups, deadlines)
        now = time.monotonic()
        due = {g for g, (at, _) in deadlines.items() if at <= now}
        if due:
            grace = min(deadlines[g][1] for g in due)
            _stop(due & groups, grace)
            groups -= due
            for pgid in due:
                del deadlines[pgid]
    _stop(groups)


if __name__ == "__main__":
    main()
