"""The execution monitor's read: queue with reasons, running and queued runs, workers, rates.

One read snapshot; every part is an indexed query (the ready queue's index, runs by status,
runs by finish time), so the monitor costs the same with 1,000 tasks or 1,000,000.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, func, select

from core.domain.models import TaskStatus
from core.domain.runs import (
    ActiveRun,
    ExecutionOverview,
    QueueEntry,
    RunStatus,
    Worker,
    WorkerStatus,
)
from core.store import tables as t
from core.store.card_json import cards_from_json
from core.store.claims.fence import IS_ACTIVE_RUN
from core.store.claims.filters import command_cleared, may_run
from core.store.lease_ops import list_workers
from core.store.queries import CARD_ORDER
from core.store.rows import COMMAND_PENDING, run_from_row, select_cards

T, P, R, L = t.tasks, t.projects, t.runs, t.log_chunks

MAX_LIMIT = 500

READY = T.c.status == TaskStatus.READY.value


def last_line(conn: Connection, owner_id: str) -> str | None:
    """The newest non-empty line of a run's or quick run's log."""
    rows = conn.execute(
        select(L.c.text).where(L.c.owner_id == owner_id).order_by(L.c.seq.desc()).limit(5)
    )
    for (text,) in rows:
        for line in reversed(text.splitlines()):
            if line.strip():
                return str(line.strip())[:500]
    return None


def _active_runs(
    conn: Connection, where: Sequence[Any], order: Sequence[Any], limit: int
) -> list[ActiveRun]:
    query = (
        select(R, T.c.number, T.c.title, T.c.project_id, P.c.key)
        .select_from(R.join(T, T.c.id == R.c.task_id).join(P, P.c.id == T.c.project_id))
        .where(*where)
        .order_by(*order)
        .limit(limit)
    )
    return [
        ActiveRun(
            run=run_from_row(r),
            ref=f"{r['key']}-{r['number']}",
            title=r["title"],
            project_id=r["project_id"],
            last_line=last_line(conn, r["id"]),
        )
        for r in conn.execute(query).mappings()
    ]


def _count(conn: Connection, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(R).where(*where)).scalar_one())


def _free_slots(conn: Connection, workers: Sequence[Worker]) -> int:
    """Slots of live workers not running anything, in every project (they take any task)."""
    live = {w.id: w.slots for w in workers if w.status == WorkerStatus.ACTIVE}
    busy = conn.execute(
        select(R.c.worker_id, func.count())
        .where(IS_ACTIVE_RUN, R.c.status == RunStatus.RUNNING.value)
        .group_by(R.c.worker_id)
    )
    taken = sum(int(n) for worker_id, n in busy if worker_id in live)
    return max(sum(live.values()) - taken, 0)


def _runs_within(within: Sequence[str] | None) -> list[ColumnElement[bool]]:
    """The condition keeping runs of those projects' tasks (none: every run)."""
    if within is None:
        return []
    return [R.c.task_id.in_(select(T.c.id).where(T.c.project_id.in_(list(within))))]


def _tasks_within(within: Sequence[str] | None) -> list[ColumnElement[bool]]:
    """The condition keeping those projects' tasks (none: every task)."""
    return [] if within is None else [T.c.project_id.in_(list(within))]


def _waiting_reasons(
    conn: Connection,
    rows: Sequence[Any],
    *,
    now: datetime,
    free: int,
    any_worker: bool,
    max_per_project: int | None,
) -> list[str | None]:
    """Why each queued task (in scheduler order) is not the next to run, or ``None``."""
    per_project: dict[str, int] = {}
    if max_per_project is not None:
        per_project = {
            r[0]: int(r[1])
            for r in conn.execute(
                select(T.c.project_id, func.count())
                .where(T.c.status == TaskStatus.IN_PROGRESS.value)
                .group_by(T.c.project_id)
            )
        }
    reasons: list[str | None] = []
    taken = 0
    for r in rows:
        not_before = r["not_before"]
        project = r["project_id"]
        if r["command_pending"]:
            reasons.append(AWAITS_APPROVAL.format(ref=f"{r['key']}-{r['number']}"))
        elif not r["cleared"]:
            reasons.append(OTHER_APPROVER)
        elif not r.get("may_run", True):
            reasons.append(NOTHING_TO_RUN.format(task_type=r["task_type"]))
        elif not_before is not None and not_before > now:
            reasons.append(f"retry backoff until {not_before.astimezone().strftime('%H:%M:%S')}")
        elif max_per_project is not None and per_project.get(project, 0) >= max_per_project:
            reasons.append(f"project {r['key']} at its limit ({per_project[project]} running)")
        elif not any_worker:
            reasons.append("no worker is running (start one with `taskyard worker`)")
        elif taken < free:
            reasons.append(None)
            taken += 1
            per_project[project] = per_project.get(project, 0) + 1
        else:
            reasons.append("waiting for a free worker slot")
    return reasons


NOTHING_TO_RUN = (
    "nothing to run: it has no command and {task_type} tasks have no pipeline (set one with "
    "taskyard task edit REF --command, or add [pipelines.{task_type}] to taskyard.toml)"
)
"""Why a ready task no worker would claim waits (``claims.filters.may_run``); words, not
backticks, so a screen reader reads it as a sentence."""

AWAITS_APPROVAL = "its command awaits approval (taskyard approve {ref})"
"""Why a ready task whose command is not approved waits (``claims.filters.command_cleared``)."""

OTHER_APPROVER = "its command was approved by someone these workers do not take approvals from"
"""Why a ready task waits for workers started with ``--approved-by`` that leave it out."""


def execution_overview(
    conn: Connection,
    now: datetime,
    *,
    queue_limit: int,
    recent_limit: int,
    max_per_project: int | None,
    lease_seconds: float,
    pipelines: Collection[str] | None = None,
    approved_by: Collection[str] | None = None,
    in_projects: Sequence[str] | None = None,
) -> ExecutionOverview:
    """The monitor's snapshot at ``now``.

    ``pipelines`` (the workers' configured pipelines) marks the ready tasks no worker would
    claim (``claims.filters.may_run``) and leaves them out of ``runnable_total``. Ready tasks
    whose command awaits approval, or (with ``approved_by``) was approved by someone else,
    are left out of it too (``claims.filters.command_cleared``); ``awaiting_approval_total``
    counts the first.

    ``in_projects`` (ids) keeps the queue, the runs, the counts and the rates to those
    projects. Workers are everyone's, and so are their free slots: the queue's "next up"
    says what those slots would take of the projects shown.

    Raises:
        ValidationError: a limit outside 1..500.
    """
    from core.errors import ValidationError

    for name, value in (("queue_limit", queue_limit), ("recent_limit", recent_limit)):
        if not 1 <= value <= MAX_LIMIT:
            raise ValidationError(f"{name} must be 1 to {MAX_LIMIT}.", field=name)
    cleared = command_cleared(None if approved_by is None else sorted(approved_by))
    rows = _queue_rows(conn, cleared, pipelines, queue_limit, in_projects)
    queue_total, runnable_total, awaiting_approval_total = _queue_totals(
        conn, cleared, pipelines, in_projects
    )
    running, queued, recent = _runs(conn, recent_limit, in_projects)
    workers = list_workers(conn, now, lease_seconds=lease_seconds)
    reasons = _waiting_reasons(
        conn,
        rows,
        now=now,
        free=_free_slots(conn, workers),
        any_worker=any(w.status == WorkerStatus.ACTIVE for w in workers),
        max_per_project=max_per_project,
    )
    completed, failed, throughput = _rates(conn, now, in_projects)
    return ExecutionOverview(
        queue=[
            QueueEntry(position=i, card=card, waiting=why)
            for i, (card, why) in enumerate(
                zip(cards_from_json(r["card"] for r in rows), reasons, strict=True), 1
            )
        ],
        queue_total=queue_total,
        runnable_total=runnable_total,
        awaiting_approval_total=awaiting_approval_total,
        running=running,
        queued_forced=queued,
        workers=workers,
        recent=recent,
        completed_last_hour=completed,
        failed_last_hour=failed,
        throughput_per_min=throughput,
        at=now,
    )


def _queue_rows(
    conn: Connection,
    cleared: ColumnElement[bool],
    pipelines: Collection[str] | None,
    limit: int,
    within: Sequence[str] | None,
) -> list[RowMapping]:
    """The first ``limit`` ready tasks in scheduler order, with what says why each waits."""
    return list(
        conn.execute(
            select_cards()
            .add_columns(
                T.c.project_id,
                T.c.number,
                T.c.task_type,
                P.c.key,
                COMMAND_PENDING.label("command_pending"),
                T.c.not_before,
                cleared.label("cleared"),
                *([] if pipelines is None else [may_run(list(pipelines)).label("may_run")]),
            )
            .where(READY, *_tasks_within(within))
            .order_by(*CARD_ORDER)
            .limit(limit)
        ).mappings()
    )


def _queue_totals(
    conn: Connection,
    cleared: ColumnElement[bool],
    pipelines: Collection[str] | None,
    within: Sequence[str] | None,
) -> tuple[int, int, int]:
    """Ready tasks: all of them, those a worker may run now, those whose command awaits approval."""
    ready = [READY, *_tasks_within(within)]
    queue_total = int(conn.execute(select(func.count()).select_from(T).where(*ready)).scalar_one())
    runnable = select(func.count()).select_from(T).where(*ready, cleared)
    if pipelines is not None:
        runnable = runnable.where(may_run(list(pipelines)))
    runnable_total = int(conn.execute(runnable).scalar_one())
    pending = T.c.command_hash.is_not(None) & (
        T.c.command_approved_hash.is_(None) | (T.c.command_hash != T.c.command_approved_hash)
    )
    awaiting = select(func.count()).select_from(T).where(*ready, pending)
    return queue_total, runnable_total, int(conn.execute(awaiting).scalar_one())


def _runs(
    conn: Connection, recent_limit: int, within: Sequence[str] | None
) -> tuple[list[ActiveRun], list[ActiveRun], list[ActiveRun]]:
    """Runs running now, Run Now runs queued for a worker, and the latest finished ones."""
    tasks = _tasks_within(within)
    running = _active_runs(
        conn,
        [IS_ACTIVE_RUN, R.c.status == RunStatus.RUNNING.value, *tasks],
        [R.c.started_at, R.c.id],
        MAX_LIMIT,
    )
    queued = _active_runs(
        conn,
        [IS_ACTIVE_RUN, R.c.status == RunStatus.QUEUED.value, *tasks],
        [R.c.started_at, R.c.id],
        MAX_LIMIT,
    )
    recent = _active_runs(
        conn,
        [R.c.finished_at.is_not(None), *tasks],
        [R.c.finished_at.desc(), R.c.id.desc()],
        recent_limit,
    )
    return running, queued, recent


def _rates(conn: Connection, now: datetime, within: Sequence[str] | None) -> tuple[int, int, float]:
    """Runs succeeded and failed in the last hour; runs finished per minute over the last ten."""
    hour_ago = now - timedelta(hours=1)
    ten_ago = now - timedelta(minutes=10)
    runs = _runs_within(within)
    completed = _count(
        conn, R.c.finished_at >= hour_ago, R.c.status == RunStatus.SUCCEEDED.value, *runs
    )
    failed = _count(
        conn,
        R.c.finished_at >= hour_ago,
        R.c.status.in_([RunStatus.FAILED.value, RunStatus.EXPIRED.value]),
        *runs,
    )
    return completed, failed, _count(conn, R.c.finished_at >= ten_ago, *runs) / 10
