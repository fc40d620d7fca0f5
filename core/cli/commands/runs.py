"""``taskyard run``, ``retry``, ``cancel``, ``runs`` and ``logs``: one task's execution."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.cli.options import REF
from core.cli.output.runs import STDERR_MARK, LogPrinter, runs_lines
from core.cli.replies import dump, task_reply
from core.cli.specs import Command, Commands, arg
from core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.models import Task
    from core.domain.runs import LogChunk, Run

LOG_PAGE = 200
"""Chunks ``logs`` reads at a time: a chunk holds up to 256 KB, so a page stays under 50 MB."""


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
        return s.out.result("run", lambda: {"run": dump(run), "ref": task.ref}, lambda: [text])
    return await _run_and_wait(s, run)


async def _run_and_wait(s: Session, run: Run) -> int:
    """``run --wait``: run it here (or follow it where it runs); exit code 0 if it succeeds."""
    import asyncio

    from core.domain.models import TaskStatus
    from core.orchestrator.pool import WorkerPool

    config = s.config
    pool = WorkerPool(s.engine, config, slots=1)
    await pool.start(claim=False)
    try:
        claims = await s.engine.adopt_forced_runs(
            pool.worker_id, run_id=run.id, lease_seconds=config.lease_seconds
        )
        executing = asyncio.create_task(pool.execute(claims[0])) if claims else None
        if not claims and not s.out.json:
            s.out.lines([f"Run {run.id} is running on another worker; following its log."])
        printer = LogPrinter(s.out)
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
        s.out.envelope("run", {"run": dump(final), "task": dump(task), "succeeded": ok})
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
        words = after_failure(task, s.config.retry, datetime.now(UTC))
        return f"{words} by a worker (or now: taskyard run {task.ref} --wait)"
    return f"the task is {after_failure(task, s.config.retry, datetime.now(UTC))}"


async def _cmd_retry(s: Session) -> int:
    task = await s.engine.retry(s.args.ref)
    text = f"{task.ref} is ready again (retry {task.retry_count}); a worker will take it."
    return task_reply(s.out, task, lambda: [text])


async def _cmd_cancel(s: Session) -> int:
    task = await s.engine.cancel(s.args.ref, s.args.reason)
    text = f"Cancelled {task.ref}; a running step is stopped by its worker's heartbeat."
    return task_reply(s.out, task, lambda: [text])


async def _cmd_runs(s: Session) -> int:
    runs = await s.engine.runs_of(s.args.ref)
    steps = {r.id: await s.engine.run_steps(r.id) for r in runs}
    if s.out.json:
        s.out.envelope(
            "runs",
            {
                "ref": s.args.ref,
                "items": [{**dump(r), "steps": [dump(x) for x in steps[r.id]]} for r in runs],
                "total": len(runs),
            },
        )
        return 0
    if not runs:
        s.out.lines([f"{s.args.ref} has not run yet."])
        return 0
    s.out.lines(runs_lines(runs, steps))
    return 0


async def _cmd_logs(s: Session) -> int:
    a = s.args
    if a.since < 0:
        raise ValidationError("--since cannot be negative.", field="since")
    owner_id = await _owner_of(s, a.run_id)
    printer = LogPrinter(s.out, a.stream)
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
                "items": [dump(c) for c in chunks],
                "lastSeq": cursor,
            },
        )
        return 0
    printer.end_line()
    if not printed:
        s.out.lines([f"No output from {owner_id} after chunk {a.since}."])
    return 0


async def _owner_of(s: Session, given: str) -> str:
    """The run or quick run ``given`` names (its id or the id's start), or a task's latest run.

    ``taskyard logs WS-5`` is what people type after ``taskyard run WS-5``: a task ref or id
    names the task's latest attempt, and a note on stderr says which run that is.

    Raises:
        NotFoundError: nothing has that id or ref, or the task has not run yet.
    """
    from core.domain.identifiers import parse_ref

    if parse_ref(given) is not None:  # a ref (``A-1`` is too short for a run id's start)
        runs = await s.engine.runs_of(given)
    else:
        try:
            return await s.engine.resolve_run_id(given)
        except NotFoundError as no_run:  # a task's id, perhaps
            try:
                runs = await s.engine.runs_of(given)
            except NotFoundError:
                raise no_run from None
    if not runs:
        raise NotFoundError(
            f"{given} has not run yet: there is no output to show.",
            hint=f"Start it now with `taskyard run {given}`, or move it to ready for a worker.",
            details={"ref": given},
        )
    latest = max(runs, key=lambda run: run.attempt)
    s.out.note(
        f"{given}: its latest run, {latest.id} (attempt {latest.attempt}, "
        f"{latest.status.value}); earlier ones: taskyard runs {given}"
    )
    return latest.id


async def _say_how_it_ended(s: Session, owner_id: str) -> None:
    """The line ``logs --follow`` ends with: ``— run succeeded (exit code 0)``."""
    from core.domain.runs import RunStatus, lost_output_words

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


COMMANDS: Commands = (
    Command(
        "run",
        _cmd_run,
        "Run Now: start a task ahead of the queue",
        (
            REF,
            arg(
                "--wait",
                action="store_true",
                help="run it here in the foreground, streaming its log; exit code 0 if it succeeds",
            ),
        ),
        needs={"orchestrated": True},
    ),
    Command(
        "retry",
        _cmd_retry,
        "put a task blocked by a failure (or cancelled) back",
        (REF,),
        description="Puts the task back in ready. A task blocked after its last attempt gets "
        "one more: if that one fails too, it is blocked again at once.",
    ),
    Command(
        "cancel",
        _cmd_cancel,
        "cancel a task; its running step is stopped",
        (REF, arg("--reason", metavar="TEXT", default="cancelled from the command line")),
    ),
    Command("runs", _cmd_runs, "a task's runs and their steps, oldest first", (REF,)),
    Command(
        "logs",
        _cmd_logs,
        "a run's (or quick run's) output; a task ref: its latest run's",
        (
            arg("run_id", metavar="RUN_ID|REF"),
            arg("--since", type=int, default=0, metavar="SEQ", help="after this chunk"),
            arg(
                "--follow",
                action="store_true",
                help="keep printing until the run ends, then say how it ended",
            ),
            arg(
                "--stream",
                choices=("all", "stdout", "stderr", "system"),
                default="all",
                help="all (default: stderr lines marked), or only stdout, stderr or taskyard's "
                "own lines, as printed",
            ),
        ),
        description="Prints a run's output to stdout in the order it was printed, so "
        "`taskyard logs RUN_ID > out.txt` keeps all of it. Lines the step wrote to stderr start "
        f"with {STDERR_MARK.strip()!r}, and taskyard's own lines with '[taskyard]'; "
        "--stream picks one stream, unmarked. RUN_ID may be the start of the id (at least 4 "
        "characters, as long as it names one run), like a short git hash; a task's ref (WS-5) "
        "means its latest run.",
    ),
)
