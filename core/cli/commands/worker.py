"""``taskyard worker``: claim and run ready tasks until stopped, or until the queue is empty."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from core.cli.arguments import positive_int
from core.cli.options import project
from core.cli.output.runs import worker_banner, worker_stopped_lines
from core.cli.specs import Command, Commands, arg
from core.config import shown_database
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.cli.output.writer import Output
    from core.cli.session import Session
    from core.orchestrator.config import OrchestratorConfig
    from core.orchestrator.pool import PoolEvent, WorkerPool


class _Outcomes:
    """Prints each pool event as it happens and keeps how each task's runs ended."""

    def __init__(self, out: Output) -> None:
        self._out = out
        self.failures: list[str] = []
        """The ref of every failed run, in order (a task may fail more than once)."""
        self.ended_ok: dict[str, bool] = {}
        """Each task's last outcome here: a failure a later retry fixed does not fail the exit."""

    def listen(self, event: PoolEvent) -> None:
        """The pool's listener."""
        if event.kind in ("failed", "blocked") or (event.kind == "error" and event.ref != "-"):
            # An error of the worker's own loops ("-": a busy database, say) is survived and
            # printed; it says nothing about how a task ended.
            self.failures.append(event.ref)
            self.ended_ok[event.ref] = False
        elif event.kind == "succeeded":
            self.ended_ok[event.ref] = True
        if self._out.json:
            self._out.json_line(
                {
                    "schemaVersion": 1,
                    "kind": "worker_event",
                    "event": event.kind,
                    "ref": event.ref,
                    "message": event.message,
                    "workerId": event.worker_id,
                }
            )
        else:
            self._out.lines(
                [f"{datetime.now().strftime('%H:%M:%S')}  {event.ref:<10} {event.message}"]
            )


async def _cmd_worker(s: Session) -> int:
    """``worker``: exit code 1 only with ``--once`` when a task it ran ended failed."""
    from core.orchestrator.pool import WorkerPool

    a = s.args
    config = await _worker_config(s)
    outcomes = _Outcomes(s.out)
    pool = WorkerPool(
        s.engine,
        config,
        slots=a.slots,
        worker_id=a.worker_id,
        project=a.project,
        listener=outcomes.listen,
    )
    await pool.start(once=a.once)
    if not s.out.json:
        where = shown_database(s.database)
        banner = worker_banner(
            pool.worker_id, pool.slots, config, project=a.project, once=a.once, database=where
        )
        s.out.lines([*banner, *_missing_programs(config)])
    await _run_until_stopped(s, pool, config)
    left, unapproved = await _left_in_ready(s, config) if a.once else ([], [])
    if s.out.json:
        s.out.envelope(
            "worker_stopped",
            {
                "workerId": pool.worker_id,
                "runs": pool.claimed,
                "errors": pool.errors,
                "failed": outcomes.failures,
                "nothingToRun": left,
                "awaitingApproval": unapproved,
            },
        )
    else:
        s.out.lines(
            worker_stopped_lines(
                pool.worker_id,
                pool.claimed,
                outcomes.failures,
                nothing_to_run=left,
                unapproved=unapproved,
                approvers=config.approved_by,
            )
        )
    # A worker stopped on purpose did its job: only --once reports how its tasks ended.
    return 1 if a.once and not all(outcomes.ended_ok.values()) else 0


async def _worker_config(s: Session) -> OrchestratorConfig:
    """The settings with ``--approved-by`` applied; an unknown ``--project`` fails now."""
    a = s.args
    config = s.config
    if a.approved_by is not None:
        approvers = tuple(n.strip() for n in a.approved_by.split(",") if n.strip())
        if not approvers:
            raise ValidationError(
                "--approved-by needs at least one actor name.",
                field="approved_by",
                hint="e.g. --approved-by alice,bob",
            )
        config = dataclasses.replace(config, approved_by=approvers)
    if a.project:
        await s.engine.get_project(a.project)  # an unknown project fails now, clearly
    return config


async def _run_until_stopped(s: Session, pool: WorkerPool, config: OrchestratorConfig) -> None:
    """Wait for the pool to finish (``--once``) or for Ctrl-C or SIGTERM, then stop it."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(pool.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stop.is_set() and not s.out.json:
        running = len(pool.running)
        s.out.lines(
            [f"Stopping: {running} running step(s) get {config.stop_grace_seconds:g} s to finish."]
        )
    await pool.stop()
    for task in (waiter, stopper):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(sig)


async def _left_in_ready(s: Session, config: OrchestratorConfig) -> tuple[list[str], list[str]]:
    """The ready tasks no worker of this configuration would claim, in two lists.

    Those with nothing to run, and those whose command awaits approval (or was approved by
    someone the worker does not accept).
    """
    from core.orchestrator.outcome import NOTHING_TO_RUN

    overview = await s.engine.execution_overview(
        queue_limit=500,
        recent_limit=1,
        pipelines=config.pipelines.keys(),
        approved_by=config.approved_by,
    )
    if overview.runnable_total == overview.queue_total:
        return [], []
    head = NOTHING_TO_RUN.split(":", 1)[0]
    nothing = [e.card.ref for e in overview.queue if (e.waiting or "").startswith(head)]
    unapproved = [e.card.ref for e in overview.queue if (e.waiting or "").startswith("its command")]
    return nothing, unapproved


def _missing_programs(config: OrchestratorConfig) -> list[str]:
    """Banner lines for the profiles that pipelines use whose program is not on PATH."""
    from core.orchestrator.profiles import missing_program

    used = {step.profile for steps in config.pipelines.values() for step in steps}
    lines = []
    for name in sorted(used):
        problem = missing_program(config.profiles[name])
        if problem:
            lines.append(f"  warning: {problem}")
    return lines


COMMANDS: Commands = (
    Command(
        "worker",
        _cmd_worker,
        "claim and run ready tasks until Ctrl-C (one line per claim and finish)",
        (
            arg("--slots", type=positive_int, metavar="N", help="steps run at once (config)"),
            project("only this project's tasks"),
            arg("--id", dest="worker_id", metavar="ID", help="worker id (host-pid-xxxx)"),
            arg(
                "--approved-by",
                metavar="A,B",
                help="run only commands approved by these actors (config: [orchestrator] "
                "approved_by)",
            ),
            arg(
                "--once",
                action="store_true",
                help="exit once nothing runnable is ready, queued or running (exit code 1 if a "
                "run failed)",
            ),
        ),
        description="Runs tasks' pipelines (taskyard.toml [orchestrator], [pipelines], "
        "[profiles.*]; see docs/orchestrator.md). Ctrl-C or SIGTERM stops claiming, lets running "
        "steps finish for stop_grace_seconds, then stops them: their tasks go back to ready, "
        "no failed attempt used. Exit code 0; with --once (scripts, CI), 1 when a task it ran "
        "ended failed or blocked (a failure that a later attempt fixed does not count). A "
        "database that does not exist yet is refused (a mistyped --db): run `taskyard init`.",
        needs={"orchestrated": True, "waits_for_work": True},
    ),
)
