"""The command line's execution commands: worker, run, retry, cancel, runs, logs and quick.

Like ``core.cli``, only the standard library and ``core.errors`` load at import time; the
orchestrator and the domain are imported by the handlers that need them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.cli_output import ref_list
from core.config import shown_database
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.cli import Session
    from core.domain.models import Task
    from core.domain.runs import LogChunk, QuickRun, Run, RunStep
    from core.orchestrator.config import OrchestratorConfig
    from core.orchestrator.pool import PoolEvent

IntType = Callable[[str], int]

QUICK_ACTIONS = ("promote", "list", "show")

LOG_PAGE = 200
"""Chunks ``logs`` reads at a time: a chunk holds up to 256 KB, so a page stays under 50 MB."""

STDERR_MARK = "[stderr] "
"""Starts each line a step wrote to stderr when ``logs`` prints every stream to stdout."""


def add_run_commands(commands: Any, positive_int: IntType) -> None:
    """Add the execution commands to the command tree."""
    p = commands.add_parser(
        "worker",
        help="claim and run ready tasks until Ctrl-C (one line per claim and finish)",
        description="Runs tasks' pipelines (taskyard.toml [orchestrator], [pipelines], "
        "[profiles.*]; see docs/orchestrator.md). Ctrl-C or SIGTERM stops claiming, lets running "
        "steps finish for stop_grace_seconds, then stops them: their tasks go back to ready, "
        "no failed attempt used. Exit code 0; with --once (scripts, CI), 1 when a task it ran "
        "ended failed or blocked (a failure that a later attempt fixed does not count). A "
        "database that does not exist yet is refused (a mistyped --db): run `taskyard init`.",
    )
    p.add_argument("--slots", type=positive_int, metavar="N", help="steps run at once (config)")
    p.add_argument("--project", metavar="P", help="only this project's tasks")
    p.add_argument("--id", dest="worker_id", metavar="ID", help="worker id (host-pid-xxxx)")
    p.add_argument(
        "--approved-by",
        metavar="A,B",
        help="run only commands approved by these actors (config: [orchestrator] approved_by)",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="exit once nothing runnable is ready, queued or running (exit code 1 if a run failed)",
    )
    p.set_defaults(handler=_cmd_worker, orchestrated=True, waits_for_work=True)

    p = commands.add_parser("run", help="Run Now: start a task ahead of the queue")
    p.add_argument("ref", metavar="REF")
    p.add_argument(
        "--wait",
        action="store_true",
        help="run it here in the foreground, streaming its log; exit code 0 if it succeeds",
    )
    p.set_defaults(handler=_cmd_run, orchestrated=True)

    p = commands.add_parser(
        "retry",
        help="put a task blocked by a failure (or cancelled) back",
        description="Puts the task back in ready. A task blocked after its last attempt gets "
        "one more: if that one fails too, it is blocked again at once.",
    )
    p.add_argument("ref", metavar="REF")
    p.set_defaults(handler=_cmd_retry)

    p = commands.add_parser("cancel", help="cancel a task; its running step is stopped")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--reason", metavar="TEXT", default="cancelled from the command line")
    p.set_defaults(handler=_cmd_cancel)

    p = commands.add_parser("runs", help="a task's runs and their steps, oldest first")
    p.add_argument("ref", metavar="REF")
    p.set_defaults(handler=_cmd_runs)

    p = commands.add_parser(
        "logs",
        help="a run's (or quick run's) output",
        description="Prints a run's output to stdout in the order it was printed, so "
        "`taskyard logs RUN_ID > out.txt` keeps all of it. Lines the step wrote to stderr start "
        f"with {STDERR_MARK.strip()!r}, and taskyard's own lines with '[taskyard]'; "
        "--stream picks one stream, unmarked. RUN_ID may be the start of the id (at least 4 "
        "characters, as long as it names one run), like a short git hash.",
    )
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--since", type=int, default=0, metavar="SEQ", help="after this chunk")
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep printing until the run ends, then say how it ended",
    )
    p.add_argument(
        "--stream",
        choices=("all", "stdout", "stderr", "system"),
        default="all",
        help="all (default: stderr lines marked), or only stdout, stderr or taskyard's own "
        "lines, as printed",
    )
    p.set_defaults(handler=_cmd_logs)

    p = commands.add_parser(
        "quick",
        help="run a one-off prompt or command (no task unless promoted)",
        usage="taskyard quick PROMPT [--profile NAME] | quick promote ID [--project P] | "
        "quick list [--limit N] | quick show ID",
        description='`taskyard quick "make lint"` runs a shell command (or, with --profile '
        "claude, a prompt) here, streams its output and records it as a quick run. Promote a "
        "quick run to a task with `taskyard quick promote ID`.",
    )
    p.add_argument("words", nargs="*", metavar="PROMPT | promote ID | list | show ID")
    p.add_argument("--prompt", metavar="TEXT", help="the prompt, when it starts with list/show")
    p.add_argument("--profile", metavar="NAME", default="shell", help="agent profile (shell)")
    p.add_argument("--project", metavar="P", help="for promote: the task's project")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="for list")
    p.set_defaults(handler=_cmd_quick, orchestrated=True)


def load_orchestrator_config() -> OrchestratorConfig:
    """The orchestrator settings in force (taskyard.toml, or the defaults).

    Raises:
        ValidationError: the config file is bad (the key and the fix are named).
    """
    from core.config_file import load_config
    from core.orchestrator.config import OrchestratorConfig

    return OrchestratorConfig.from_config(load_config())


def engine_options(config: OrchestratorConfig) -> dict[str, Any]:
    """What the engine must know of the orchestrator's settings (retries, leases, approval)."""
    return {
        "auto_approve": config.auto_approve,
        "retry_policy": config.retry,
        "lease_seconds": config.lease_seconds,
    }


def _config(s: Session) -> OrchestratorConfig:
    config: OrchestratorConfig = s.args.orch_config
    return config


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


# -- worker ------------------------------------------------------------------------------------
async def _cmd_worker(s: Session) -> int:
    from core.orchestrator.pool import WorkerPool

    a = s.args
    config = _config(s)
    if a.approved_by is not None:
        approvers = tuple(n.strip() for n in a.approved_by.split(",") if n.strip())
        if not approvers:
            raise ValidationError(
                "--approved-by needs at least one actor name.",
                field="approved_by",
                hint="e.g. --approved-by alice,bob",
            )
        config = dataclasses.replace(config, approved_by=approvers)
        s.args.orch_config = config
    if a.project:
        await s.engine.get_project(a.project)  # an unknown project fails now, clearly

    failures: list[str] = []
    ended_ok: dict[str, bool] = {}
    """Each task's last outcome here: a failure a later retry fixed does not fail the exit."""

    def listen(event: PoolEvent) -> None:
        if event.kind in ("failed", "blocked") or (event.kind == "error" and event.ref != "-"):
            # An error of the worker's own loops ("-": a busy database, say) is survived and
            # printed; it says nothing about how a task ended.
            failures.append(event.ref)
            ended_ok[event.ref] = False
        elif event.kind == "succeeded":
            ended_ok[event.ref] = True
        if s.out.json:
            s.out.json_line(
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
            s.out.lines([f"{datetime.now().strftime('%H:%M:%S')}  {event.ref:<10} {event.message}"])

    pool = WorkerPool(
        s.engine, config, slots=a.slots, worker_id=a.worker_id, project=a.project, listener=listen
    )
    await pool.start(once=a.once)
    if not s.out.json:
        s.out.lines(
            [
                f"Worker {pool.worker_id}: {pool.slots} slot(s), lease {config.lease_seconds:g} s"
                + (f", project {a.project}" if a.project else "")
                + (
                    f", commands approved by {', '.join(config.approved_by)}"
                    if config.approved_by
                    else ""
                )
                + (" (until the queue is empty)" if a.once else "; Ctrl-C stops it"),
                f"  database: {shown_database(s.database)}",
                *_missing_programs(config),
            ]
        )
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
    left, unapproved = await _left_in_ready(s) if a.once else ([], [])
    if s.out.json:
        s.out.envelope(
            "worker_stopped",
            {
                "workerId": pool.worker_id,
                "runs": pool.claimed,
                "errors": pool.errors,
                "failed": failures,
                "nothingToRun": left,
                "awaitingApproval": unapproved,
            },
        )
    else:
        lines = [f"Worker {pool.worker_id} stopped after {pool.claimed} run(s)."]
        if failures:
            refs = ref_list(list(dict.fromkeys(failures)))
            lines.append(f"{len(failures)} run(s) failed: {refs} (see taskyard runs REF).")
        if left:
            lines.append(
                "Left in ready with nothing to run (no command, and no pipeline for their "
                f"type): {ref_list(left)}."
            )
            lines.append(
                '  Give each a command (taskyard task edit REF --command "…"), a pipeline '
                "(--pipeline NAME), or add [pipelines.TYPE] to taskyard.toml."
            )
        if unapproved:
            lines.append(
                f"Left in ready because their command is not approved: {ref_list(unapproved)} "
                "(read it with taskyard task show REF, then taskyard approve REF"
                + (", as one of the approvers this worker takes)." if config.approved_by else ").")
            )
        s.out.lines(lines)
    # A worker stopped on purpose did its job: only --once reports how its tasks ended.
    return 1 if a.once and not all(ended_ok.values()) else 0


async def _left_in_ready(s: Session) -> tuple[list[str], list[str]]:
    """The ready tasks no worker of this configuration would claim, in two lists.

    Those with nothing to run, and those whose command awaits approval (or was approved by
    someone the worker does not accept).
    """
    from core.orchestrator.outcome import NOTHING_TO_RUN

    config = _config(s)
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


# -- run / retry / cancel ----------------------------------------------------------------------
async def _cmd_run(s: Session) -> int:
    from core.domain.runs import RunStatus

    a = s.args
    run = await s.engine.run_now(a.ref)
    task = await s.engine.get_task(a.ref)
    if not a.wait:
        if run.status == RunStatus.QUEUED:
            text = (
                f"{task.ref} is in progress; run {run.id} waits for a worker "
                "(start one with `taskyard worker`, or run it here with `taskyard run "
                f"{task.ref} --wait`)."
            )
        else:
            text = f"{task.ref} is already running: run {run.id} on worker {run.worker_id}."
        return s.out.result("run", lambda: {"run": _dump(run), "ref": task.ref}, lambda: [text])
    return await _run_and_wait(s, run)


async def _run_and_wait(s: Session, run: Run) -> int:
    from core.domain.models import TaskStatus
    from core.orchestrator.pool import WorkerPool

    config = _config(s)
    pool = WorkerPool(s.engine, config, slots=1)
    await pool.start(claim=False)
    try:
        claims = await s.engine.adopt_forced_runs(
            pool.worker_id, run_id=run.id, lease_seconds=config.lease_seconds
        )
        executing = asyncio.create_task(pool.execute(claims[0])) if claims else None
        if not claims and not s.out.json:
            s.out.lines([f"Run {run.id} is running on another worker; following its log."])
        printer = _LogPrinter(s)
        async for chunk in s.engine.follow_log(run.id):
            printer.print(chunk)
        printer.end_line()
        if executing is not None:
            await executing
    finally:
        await pool.stop()
    final = await s.engine.get_run(run.id)
    task = await s.engine.get_task(run.task_id)
    ok = task.status in (TaskStatus.IN_REVIEW, TaskStatus.DONE)
    if s.out.json:
        s.out.envelope("run", {"run": _dump(final), "task": _dump(task), "succeeded": ok})
    else:
        s.out.lines([f"{task.ref}: run {final.status.value}; {_next_words(s, task, ok)}."])
    return 0 if ok else 1


def _next_words(s: Session, task: Task, ok: bool) -> str:
    """``the task is in review``, ``retry 2/3 in 5 s by a worker`` ...: what happens now."""
    from datetime import UTC

    from core.domain.models import TaskStatus
    from core.orchestrator.outcome import after_failure, after_success

    if ok:
        return f"the task is {after_success(task)}"
    if task.status == TaskStatus.READY:
        words = after_failure(task, _config(s).retry, datetime.now(UTC))
        return f"{words} by a worker (or now: taskyard run {task.ref} --wait)"
    return f"the task is {after_failure(task, _config(s).retry, datetime.now(UTC))}"


async def _cmd_retry(s: Session) -> int:
    task = await s.engine.retry(s.args.ref)
    return s.out.result(
        "task",
        lambda: {"task": _dump(task)},
        lambda: [f"{task.ref} is ready again (retry {task.retry_count}); a worker will take it."],
    )


async def _cmd_cancel(s: Session) -> int:
    task = await s.engine.cancel(s.args.ref, s.args.reason)
    return s.out.result(
        "task",
        lambda: {"task": _dump(task)},
        lambda: [f"Cancelled {task.ref}; a running step is stopped by its worker's heartbeat."],
    )


# -- runs / logs -------------------------------------------------------------------------------
async def _cmd_runs(s: Session) -> int:
    from core.domain.runs import lost_output_words

    runs = await s.engine.runs_of(s.args.ref)
    steps = {r.id: await s.engine.run_steps(r.id) for r in runs}
    if s.out.json:
        s.out.envelope(
            "runs",
            {
                "ref": s.args.ref,
                "items": [{**_dump(r), "steps": [_dump(x) for x in steps[r.id]]} for r in runs],
                "total": len(runs),
            },
        )
        return 0
    if not runs:
        s.out.lines([f"{s.args.ref} has not run yet."])
        return 0
    lines = []
    for run in runs:
        lines.append(_run_line(run))
        lines.extend(_step_line(step) for step in steps[run.id])
        if run.error:
            lines.append("    error: " + run.error.splitlines()[0])
        if run.lost_output_bytes:
            lines.append(
                f"    {lost_output_words(run.lost_output_bytes)} (a [taskyard] line in its log "
                "marks where)"
            )
    newest = max(runs, key=lambda r: r.attempt)
    lines.append(f"Output: taskyard logs {newest.id}   (any run's id from the list above)")
    s.out.lines(lines)
    return 0


def _run_line(run: Run) -> str:
    where = f"step {run.step_index}/{run.step_count} {run.step}" if run.step_index else ""
    code = f"exit {run.exit_code}" if run.exit_code is not None else ""
    parts = [
        f"run {run.id}",
        f"attempt {run.attempt}",
        run.status.value,
        f"worker {run.worker_id}",
        f"started {_clock(run.started_at)}",
        where,
        code,
    ]
    return "  ".join(p for p in parts if p)


def _step_line(step: RunStep) -> str:
    code = f"exit {step.exit_code}" if step.exit_code is not None else ""
    summary = (step.summary or "").splitlines()[-1:] if step.summary else []
    parts = [f"    {step.index}. {step.name}", f"({step.profile})", step.status.value, code]
    if summary:
        parts.append("— " + summary[0][:80])
    return "  ".join(p for p in parts if p)


class _LogPrinter:
    """Prints log chunks to stdout in order; with every stream, stderr lines are marked.

    A line one stream left unfinished is ended before another stream's text, so every line
    belongs to one stream.
    """

    def __init__(self, s: Session, stream: str = "all") -> None:
        self._s = s
        self._only = None if stream == "all" else stream
        self._at_line_start = True
        self._last_stream: str | None = None

    def print(self, chunk: LogChunk) -> None:
        if self._only is not None and chunk.stream != self._only:
            return
        if self._s.out.json:
            self._s.out.json_line({"schemaVersion": 1, "kind": "log_chunk", **_dump(chunk)})
            return
        text = chunk.text
        if self._only is None:
            if self._last_stream not in (None, chunk.stream):
                self.end_line()
            if chunk.stream == "stderr":
                text = self._marked(text)
        sys.stdout.write(text)
        sys.stdout.flush()
        self._at_line_start = text.endswith("\n")
        self._last_stream = chunk.stream

    def _marked(self, text: str) -> str:
        out: list[str] = []
        for index, piece in enumerate(text.split("\n")):
            if index:
                out.append("\n")
            if piece and (index or self._at_line_start):
                out.append(STDERR_MARK)
            out.append(piece)
        return "".join(out)

    def end_line(self) -> None:
        """End a line the output left unfinished (before a line of taskyard's own)."""
        if not self._at_line_start and not self._s.out.json:
            sys.stdout.write("\n")
            self._at_line_start = True


async def _cmd_logs(s: Session) -> int:
    a = s.args
    if a.since < 0:
        raise ValidationError("--since cannot be negative.", field="since")
    owner_id = await s.engine.resolve_run_id(a.run_id)
    printer = _LogPrinter(s, a.stream)
    if a.follow:
        async for chunk in s.engine.follow_log(owner_id, since=a.since):
            printer.print(chunk)
        printer.end_line()
        await _say_how_it_ended(s, owner_id)
        return 0
    chunks: list[LogChunk] = []
    printed = 0
    cursor = a.since
    while True:
        batch = await s.engine.read_log(owner_id, since=cursor, limit=LOG_PAGE)
        if s.out.json:
            chunks.extend(c for c in batch if a.stream in ("all", c.stream))
        else:  # printed as read: a long log is never held whole
            for chunk in batch:
                printer.print(chunk)
            printed += len(batch)
        if batch:
            cursor = batch[-1].seq
        if len(batch) < LOG_PAGE:
            break
    if s.out.json:
        s.out.envelope(
            "log",
            {
                "ownerId": owner_id,
                "items": [_dump(c) for c in chunks],
                "lastSeq": cursor,
            },
        )
        return 0
    printer.end_line()
    if not printed:
        s.out.lines([f"No output from {owner_id} after chunk {a.since}."])
    return 0


async def _say_how_it_ended(s: Session, owner_id: str) -> None:
    """The line ``logs --follow`` ends with: ``— run succeeded (exit code 0)``."""
    from core.domain.runs import RunStatus, lost_output_words
    from core.errors import NotFoundError

    try:
        run = await s.engine.get_run(owner_id)
    except NotFoundError:
        quick = await s.engine.get_quick_run(owner_id)
        status, code, error, lost, what = quick.status.value, quick.exit_code, None, 0, "quick run"
    else:
        status, code, error, what = run.status.value, run.exit_code, run.error, "run"
        lost = run.lost_output_bytes
        if run.status == RunStatus.CANCELLED and error and error.startswith("cancelled: "):
            error = error.removeprefix("cancelled: ")
    if s.out.json:
        s.out.json_line(
            {
                "schemaVersion": 1,
                "kind": "log_end",
                "ownerId": owner_id,
                "status": status,
                "exitCode": code,
                "error": error,
                "lostOutputBytes": lost,
            }
        )
        return
    words = f"— {what} {status}"
    if error:
        words += ": " + error.splitlines()[0]
    elif code is not None:
        words += f" (exit code {code})"
    if lost:
        words += f"; {lost_output_words(lost)}"
    s.out.lines([words])


# -- quick -------------------------------------------------------------------------------------
async def _cmd_quick(s: Session) -> int:
    a = s.args
    words: list[str] = list(a.words)
    if a.prompt is not None:
        if words:
            raise ValidationError(
                "Give the prompt either as words or with --prompt, not both.", field="prompt"
            )
        return await _quick_run(s, a.prompt)
    if not words:
        raise ValidationError(
            'Say what to run: taskyard quick "make lint" (or quick list / show ID / promote ID).',
            field="prompt",
            hint='e.g. taskyard quick "pytest -x" or taskyard quick --profile claude '
            '"Explain the failing test"',
        )
    action, rest = words[0], words[1:]
    if action == "list":
        if rest:
            raise _quick_usage("list takes no arguments")
        runs = await s.engine.list_quick_runs(limit=a.limit)
        refs = await _promoted_refs(s, runs)
        return s.out.result(
            "quick_runs",
            lambda: {"items": [_dump(q) for q in runs], "total": len(runs)},
            lambda: [_quick_line(q, refs) for q in runs] or ["No quick runs yet."],
        )
    if action in ("show", "promote"):
        if len(rest) != 1:
            raise _quick_usage(f"{action} takes one quick run id")
        quick_id = await s.engine.resolve_run_id(rest[0], kind="quick")
        if action == "show":
            quick = await s.engine.get_quick_run(quick_id)
            chunks = await s.engine.read_log(quick.id, limit=10_000)
            refs = await _promoted_refs(s, [quick])
            return s.out.result(
                "quick_run",
                lambda: {"quickRun": _dump(quick), "log": [_dump(c) for c in chunks]},
                lambda: [
                    _quick_line(quick, refs),
                    f"prompt: {quick.prompt}",
                    *(["", "".join(c.text for c in chunks).rstrip("\n")] if chunks else []),
                ],
            )
        task = await s.engine.promote_quick_run(quick_id, project=a.project)
        return s.out.result(
            "task",
            lambda: {"task": _dump(task)},
            lambda: [f"Promoted quick run {quick_id} to {task.ref} ({task.title})."],
        )
    return await _quick_run(s, " ".join(words))


def _quick_usage(problem: str) -> ValidationError:
    return ValidationError(
        f"quick: {problem}.",
        field="words",
        hint="taskyard quick PROMPT | quick list | quick show ID | quick promote ID; a prompt "
        "starting with list/show/promote goes in --prompt.",
    )


async def _promoted_refs(s: Session, runs: list[QuickRun]) -> dict[str, str]:
    """The refs of the tasks these quick runs were promoted to, by task id."""
    from core.errors import NotFoundError

    refs = {}
    for task_id in {q.promoted_task_id for q in runs if q.promoted_task_id}:
        with contextlib.suppress(NotFoundError):  # deleted since: the id is all there is
            refs[task_id] = (await s.engine.get_task(task_id, links=False)).ref
    return refs


def _quick_line(q: QuickRun, refs: dict[str, str]) -> str:
    first = q.prompt.splitlines()[0] if q.prompt.strip() else ""
    task = refs.get(q.promoted_task_id or "", q.promoted_task_id)
    promoted = f"  → task {task}" if q.promoted_task_id else ""
    code = f" (exit {q.exit_code})" if q.exit_code is not None else ""
    return (
        f"{q.id}  {_clock(q.started_at)}  {q.profile:<8} {q.status.value}{code}  "
        f"{first[:60]}{promoted}"
    )


async def _quick_run(s: Session, prompt: str) -> int:
    from core.domain.runs import QuickRunStatus
    from core.orchestrator.quick import run_quick_action

    def echo(stream: str, text: str) -> None:
        if s.out.json:
            return
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text)
        out.flush()

    quick = await run_quick_action(s.engine, _config(s), prompt, s.args.profile, on_output=echo)
    ok = quick.status == QuickRunStatus.SUCCEEDED
    if s.out.json:
        s.out.envelope("quick_run", {"quickRun": _dump(quick)})
    else:
        code = f" (exit code {quick.exit_code})" if quick.exit_code is not None else ""
        s.out.lines(
            [
                f"Quick run {quick.id} {quick.status.value}{code}.",
                f"Make it a task: taskyard quick promote {quick.id}",
            ]
        )
    return 0 if ok else 1
