"""``WorkerPool``: one worker process's claim loop, heartbeat and running steps.

* **Claiming.** With free slots the pool claims ready tasks (one round trip, as many as it has
  free slots). Queued Run Now runs are adopted first, but only when one may be waiting: at
  start, after the follower saw a Run Now queued, and on every heartbeat (an adoption is a
  write transaction; trying one before every claim doubled the writes per task). It wakes at
  once on the engine's events (a task became ready, a Run Now was queued, a run of its own
  finished) and polls every ``poll_seconds`` anyway, because events from other processes
  arrive by polling too.
* **Heartbeat.** One beat per process every ``heartbeat_seconds`` renews every lease it holds
  (one statement) and sweeps expired leases (recovery needs no daemon). A run missing from the
  answer was cancelled or lost: its process group is killed and nothing more is written. A
  swept task goes back to ready at once (a lost lease is not the task's fault) and the
  sweeping worker, like every worker that sees ``task.lease_expired``, wakes to claim it:
  a crashed worker's task runs again within about a lease plus a heartbeat.
* **Fencing.** A step never outlives its lease, even when this process is frozen (SIGSTOP,
  Ctrl-Z, a stuck event loop) and its pipe to the guard stays open. A small timer on the
  event loop tells the guard (``guard.GroupGuard.fence``), every ``fence_ping_seconds``,
  until when each leased step may run: ``fence_margin`` before the lease ends, counted from
  the start of the last renewal that succeeded. When the loop stops, so do the pings, and
  the guard stops the groups in time; when a renewal is late (a slow or unreachable
  database), the pool stops the step itself. Either way the run counts as lost: the worker
  writes nothing more for it, and the lease sweep gives the task back.
* **Cancelling.** The event follower kills a run's process group as soon as it sees the run
  cancelled (or its task moved out of in progress), without waiting for the heartbeat.
* **Stopping.** ``stop()`` stops claiming, lets running steps finish for ``stop_grace_seconds``,
  then kills them and ends their runs ``interrupted``: their tasks go back to ready at once,
  without using a failed attempt, for this or another worker. It marks the worker ``stopped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from core.domain.runs import Claim
from core.engine import TaskEngine
from core.errors import TaskyardError
from core.orchestrator.config import OrchestratorConfig
from core.orchestrator.guard import GRACE_SECONDS, GROUPS
from core.orchestrator.steps import RunHandle, execute_claim

WAKE_EVENTS = frozenset(
    {
        "task.created",
        "task.unblocked",
        "task.retried",
        "task.retry_scheduled",
        "task.lease_expired",
        "task.status_changed",
        "run.cancelled",
    }
)
"""Events after which a claim may find work (plus a Run Now's forced ``task.claimed``)."""

FOLLOW_MIN_INTERVAL = 0.02
"""The follower reads events at most this often: a busy process commits hundreds of times a
second, and one read per commit in every process was most of the database's load."""


def fence_margin(lease_seconds: float, heartbeat_seconds: float) -> float:
    """How long before its lease ends a step is stopped when the lease was not renewed.

    ``max(heartbeat, 2 s)``, at most half the lease: the guard's SIGTERM grace (half of
    the margin, see ``fence_grace``) and SIGKILL fit in it, so the groups are gone before
    the lease can be swept and the task claimed elsewhere; the rest covers the guard's
    wake-up and the time between a renewal's start (where the lease is counted from) and
    its commit. With the default lease (15 s) and heartbeat (5 s): 5 s.
    """
    return min(max(heartbeat_seconds, 2.0), lease_seconds / 2)


def fence_grace(margin: float) -> float:
    """The guard's SIGTERM-to-SIGKILL grace when it fences a group (half the margin)."""
    return min(GRACE_SECONDS, margin / 2)


def fence_ping_seconds(heartbeat_seconds: float) -> float:
    """How often the event loop renews the guard's deadlines (cheap: one pipe write)."""
    return min(0.5, heartbeat_seconds / 2)


@dataclass(frozen=True)
class PoolEvent:
    """Something a worker did, for its log: claimed, step, succeeded, failed, blocked, lost ..."""

    kind: str
    ref: str
    message: str
    worker_id: str


Listener = Callable[[PoolEvent], None]


def default_worker_id() -> str:
    """``host-pid-xxxx``: unique per process, readable in the monitor."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


class WorkerPool:
    """Claims and runs tasks with up to ``slots`` steps at once, until stopped."""

    def __init__(
        self,
        engine: TaskEngine,
        config: OrchestratorConfig,
        *,
        slots: int | None = None,
        worker_id: str | None = None,
        project: str | None = None,
        listener: Listener | None = None,
    ) -> None:
        """Prepare a pool (nothing runs until ``start``).

        Args:
            engine: The engine to claim from and report to.
            config: Leases, heartbeat, retry, pipelines and profiles.
            slots: Steps run at once (the config's ``slots`` by default).
            worker_id: This process's worker id (``host-pid-xxxx`` by default).
            project: Only claim this project's tasks.
            listener: Told about every claim, step and finish.
        """
        self._engine = engine
        self._config = config
        self._slots = slots or config.slots
        self._worker_id = worker_id or default_worker_id()
        self._project = project
        self._project_id: str | None = None
        self._listener = listener
        self._handles: dict[str, RunHandle] = {}
        self._paused = False
        self._stopping = False
        self._once = False
        self._wake = asyncio.Event()
        self._forced_due = True
        """A queued Run Now may be waiting: try an adoption before the next claim."""
        self._killers: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._beat_task: asyncio.Task[None] | None = None
        self._follow_task: asyncio.Task[None] | None = None
        self._fence_task: asyncio.Task[None] | None = None
        self.claimed = 0
        """Runs this pool has claimed or adopted since it started."""
        self.errors: list[str] = []
        """Engine errors the loops survived (the newest last)."""

    # -- properties -------------------------------------------------------------------
    @property
    def worker_id(self) -> str:
        """This process's worker id."""
        return self._worker_id

    @property
    def slots(self) -> int:
        """How many steps run at once."""
        return self._slots

    @property
    def paused(self) -> bool:
        """Whether claiming is paused (running steps go on)."""
        return self._paused

    @property
    def running(self) -> list[str]:
        """The ids of the runs this pool is working on."""
        return list(self._handles)

    @property
    def running_refs(self) -> list[str]:
        """The refs of the tasks whose runs this pool is working on, oldest claim first."""
        return [handle.claim.ref for handle in self._handles.values()]

    # -- control ----------------------------------------------------------------------
    async def start(self, *, once: bool = False, claim: bool = True) -> None:
        """Register the worker and start the heartbeat, the claim loop and the event follower.

        Args:
            once: Stop claiming (and let ``wait`` return) once there is nothing left to do.
            claim: ``False`` runs only what ``execute`` is given (``taskyard run --wait``).

        Raises:
            ValidationError: a bad worker id or slot count.
        """
        self._once = once
        await self._engine.register_worker(
            self._worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            slots=self._slots,
            lease_seconds=self._config.lease_seconds,
        )
        self._beat_task = asyncio.create_task(self._heartbeat_loop())
        GROUPS.add_fencer(self._first_fence)
        self._fence_task = asyncio.create_task(self._fence_loop())
        if claim:
            self._loop_task = asyncio.create_task(self._claim_loop())
            self._follow_task = asyncio.create_task(self._follow())

    async def wait(self) -> None:
        """Return when the claim loop ends (``once`` mode: the queue is drained)."""
        if self._loop_task is not None:
            await self._loop_task
        await self._drain(None)

    def pause(self) -> None:
        """Stop claiming new work; running steps go on."""
        self._paused = True

    def resume(self) -> None:
        """Claim again."""
        self._paused = False
        self._wake.set()

    async def execute(self, claim: Claim) -> str:
        """Run one claim in this pool (heartbeats included) and return its outcome."""
        handle = self._start_run(claim, time.monotonic())
        assert handle.task is not None
        return await handle.task

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; give running steps ``grace`` seconds; kill and fail the rest."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        await self._drain(self._config.stop_grace_seconds if grace is None else grace)
        helpers = {
            t for t in (self._follow_task, self._beat_task, self._fence_task) if t is not None
        }
        helpers |= self._killers
        for task in helpers:
            task.cancel()
        if helpers:  # bounded: a helper stuck in a driver must not hold up the shutdown
            await asyncio.wait(helpers, timeout=5)
        GROUPS.remove_fencer(self._first_fence)
        try:  # the goodbye: the monitor shows "stopped", not "lost" two lease periods later
            await self._engine.stop_worker(self._worker_id)
        except TaskyardError as exc:
            self.errors.append(f"stopping: {exc.message}")

    # -- internals --------------------------------------------------------------------
    def _say(self, kind: str, ref: str, message: str) -> None:
        if self._listener is not None:
            self._listener(PoolEvent(kind, ref, message, self._worker_id))

    def _start_run(self, claim: Claim, asked_at: float) -> RunHandle:
        """Run ``claim``, its lease counted from ``asked_at`` (``time.monotonic``).

        That is when the claim was asked for (the lease cannot start before), or for a claim
        handed in by ``execute``, when it arrived: milliseconds late, well inside the slack
        of ``fence_margin``.
        """
        handle = RunHandle(claim, lease_until=asked_at + self._config.lease_seconds)
        self._handles[claim.run_id] = handle
        self.claimed += 1
        self._say("claimed", claim.ref, f"claimed {claim.title!r} (attempt {claim.attempt})")

        async def run() -> str:
            try:
                return await execute_claim(self._engine, self._config, handle, report=self._say)
            except TaskyardError as exc:
                self.errors.append(f"{claim.ref}: {exc.message}")
                self._say("error", claim.ref, exc.message)
                return "error"
            finally:
                self._handles.pop(claim.run_id, None)
                self._wake.set()

        handle.task = asyncio.create_task(run())
        return handle

    async def _drain(self, grace: float | None) -> None:
        tasks = [h.task for h in self._handles.values() if h.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        if not pending:
            return
        for handle in list(self._handles.values()):
            handle.stopping = True
            await handle.kill()
        await asyncio.wait(pending)

    async def _claim_once(self) -> int:
        free = self._slots - len(self._handles)
        if free <= 0 or self._paused or self._stopping:
            return 0
        lease = self._config.lease_seconds
        asked_at = time.monotonic()
        claims = []
        if self._forced_due:
            claims = await self._engine.adopt_forced_runs(
                self._worker_id, limit=free, lease_seconds=lease
            )
            # All adopted with slots to spare: none is left queued (a full answer may hide more).
            self._forced_due = len(claims) == free
        if len(claims) < free:
            claims += await self._engine.claim_tasks(
                self._worker_id,
                limit=min(free - len(claims), 500),
                project=self._project,
                lease_seconds=lease,
                max_per_project=self._config.max_per_project,
                pipelines=self._config.pipelines.keys(),
                approved_by=self._config.approved_by,
            )
        for claim in claims:
            self._start_run(claim, asked_at)
        return len(claims)

    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            got = 0
            try:
                got = await self._claim_once()
            except TaskyardError as exc:
                self.errors.append(exc.message)
                self._say("error", "-", exc.message)
            if got:
                continue
            if self._once and not self._handles and await self._nothing_left():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._config.poll_seconds)

    async def _nothing_left(self) -> bool:
        """Whether nothing is left for ``once`` mode: no runnable task, Run Now or run.

        Ready tasks with nothing to run, or whose command awaits approval (by an approver
        this worker accepts), do not count: no worker of this configuration would claim them
        until someone acts, so waiting for them would never end. A pool kept to one project
        looks at that project only: another project's queue is not its to drain.
        """
        if self._project is not None and self._project_id is None:
            self._project_id = (await self._engine.get_project(self._project)).id
        overview = await self._engine.execution_overview(
            queue_limit=1,
            recent_limit=1,
            pipelines=self._config.pipelines.keys(),
            approved_by=self._config.approved_by,
            in_projects=None if self._project_id is None else [self._project_id],
        )
        return not (overview.runnable_total or overview.running or overview.queued_forced)

    async def _follow(self) -> None:
        try:
            since = await self._engine.latest_event_seq()
            async for event in self._engine.follow_events(
                since=since,
                poll_interval=self._config.poll_seconds,
                min_interval=min(FOLLOW_MIN_INTERVAL, self._config.poll_seconds),
            ):
                forced = event.type == "task.claimed" and event.payload.get("forced")
                if forced:
                    self._forced_due = True
                if forced or event.type in WAKE_EVENTS or event.payload.get("to") == "ready":
                    self._wake.set()
                if event.type == "run.cancelled" or event.payload.get("from") == "in_progress":
                    self._kill_ended(event.payload.get("run_id"), event.task_id)
        except TaskyardError as exc:  # the poll fallback keeps the pool going
            self.errors.append(exc.message)

    def _kill_ended(self, run_id: object, task_id: str | None) -> None:
        """A run of ours was cancelled, or its task moved on: kill its step now, write nothing.

        Only a run with a step process running is touched: this pool's own finish also moves
        the task out of in progress, but no step runs by then.
        """
        for handle in list(self._handles.values()):
            claim = handle.claim
            if handle.lost or handle.process is None:
                continue
            if claim.run_id != run_id and (run_id is not None or claim.task_id != task_id):
                continue
            handle.lost = True
            self._say("lost", claim.ref, "cancelled or moved; killing its step")
            killer = asyncio.create_task(handle.kill())
            self._killers.add(killer)
            killer.add_done_callback(self._killers.discard)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self._config.heartbeat_seconds)
            self._forced_due = True  # a Run Now queued before a missed event is adopted anyway
            await self.beat()

    async def beat(self) -> None:
        """One heartbeat: renew every lease, stop lost runs, sweep expired leases."""
        leases = {run_id: h.claim.claim_token for run_id, h in self._handles.items() if not h.lost}
        asked_at = time.monotonic()
        try:
            renewed = set(
                await self._engine.heartbeat(
                    self._worker_id, leases, lease_seconds=self._config.lease_seconds
                )
            )
            for run_id in renewed:
                renewed_handle = self._handles.get(run_id)
                if renewed_handle is not None:
                    renewed_handle.lease_until = asked_at + self._config.lease_seconds
            for run_id in leases.keys() - renewed:
                handle = self._handles.get(run_id)
                if handle is not None and not handle.lost:
                    handle.lost = True
                    self._say(
                        "lost", handle.claim.ref, "lease lost (cancelled or expired); killing it"
                    )
                    await handle.kill()
            expired = await self._engine.expire_leases()
            if expired:
                self._wake.set()
        except TaskyardError as exc:
            self.errors.append(exc.message)
            self._say("error", "-", f"heartbeat failed: {exc.message}")

    async def _fence_loop(self) -> None:
        every = fence_ping_seconds(self._config.heartbeat_seconds)
        while True:
            self.fence()
            await asyncio.sleep(every)

    def _first_fence(self, pgid: int) -> tuple[float, float] | None:
        """The deadline of a step group of ours as it starts (``GroupGuard.add_fencer``)."""
        margin = fence_margin(self._config.lease_seconds, self._config.heartbeat_seconds)
        for handle in list(self._handles.values()):
            process = handle.process
            if process is not None and process.pid == pgid and not handle.lost:
                handle.fence_deadline = handle.lease_until - margin
                return handle.fence_deadline - time.monotonic(), fence_grace(margin)
        return None

    def fence(self) -> None:
        """Tell the guard until when each running step may live (see the module docstring).

        A step whose lease was not renewed in time is stopped here (the loop runs, the
        database is slow or away): its run is lost, and nothing more is written for it.
        """
        now = time.monotonic()
        margin = fence_margin(self._config.lease_seconds, self._config.heartbeat_seconds)
        deadlines: dict[int, float] = {}
        for handle in list(self._handles.values()):
            process = handle.process
            pid = None if process is None else process.pid
            if pid is None or handle.lost:
                continue
            deadline = handle.lease_until - margin
            handle.fence_deadline = deadline
            deadlines[pid] = deadline - now
            if deadline <= now:
                handle.lost = True
                self._say(
                    "lost",
                    handle.claim.ref,
                    "lease not renewed in time (this worker was frozen, or the database is slow or "
                    "unreachable); stopping its step",
                )
                killer = asyncio.create_task(handle.kill())
                self._killers.add(killer)
                killer.add_done_callback(self._killers.discard)
        if deadlines:
            GROUPS.fence(deadlines, fence_grace(margin))
