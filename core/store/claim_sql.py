"""The claim and the successful finish as plain SQL: the orchestrator's hot path.

``run_ops`` builds its statements with SQLAlchemy Core, which costs ~50-100 µs of Python per
statement (cache keys, compilation lookups, result wrappers); a claim plus a finish ran about
a dozen of them, which capped SQLite at ~250 tasks/s against ~6,000/s for the same work with
stdlib ``sqlite3`` (docs/performance.md, "Claims"). Here the same rows and events are written
with constant SQL strings:

* SQLite: straight on the ``sqlite3`` connection inside the writer's ``BEGIN IMMEDIATE``
  transaction (``exec_driver_sql`` under aiosqlite). The candidate query names the partial
  index ``ix_tasks_claim_order`` with ``INDEXED BY``, so the claim costs the same however many
  tasks are done (tests/store/test_claim_plan.py guards the plan).
* PostgreSQL: one statement per claim and one per batch of finishes, run in autocommit on a raw
  asyncpg connection (``core.store.pg_fast``): claim, runs and ``task.claimed`` events in one
  CTE (shared/CLAIMS.md B1), fenced completion of many runs in another. Their events take no
  lock: followers of the log wait out writers still in flight (``store/event_feed.py``).

What is written is exactly what the generic path writes (same columns, same event types and
payload keys, same order); the generic path stays for everything rarer: failures, claims with
a per-project limit or a project filter, and finishes whose task has dependents to promote.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from core.domain.models import Priority, TaskStatus
from core.domain.runs import Claim, Run, RunStatus
from core.store.context import TxContext, new_uuid

S = TaskStatus


def may_carry_command_sql(table: str) -> str:
    """The command half of ``run_ops.may_run`` as SQL text, for the statements written by hand.

    ``table`` prefixes the columns (``"t."`` or ``""``). Only ``metadata.command`` is a
    command (its hash is kept in ``command_hash``); text in a description never runs.
    """
    return f"{table}pipeline_template IS NOT NULL OR {table}command_hash IS NOT NULL"


def command_cleared_sql(table: str) -> str:
    """``run_ops.command_cleared`` without ``approved_by``: no command, or an approved one."""
    return f"({table}command_hash IS NULL OR {table}command_hash = {table}command_approved_hash)"


def sqlite_time(value: datetime) -> str:
    """An aware time as SQLAlchemy stores it on SQLite (naive UTC, fixed width: sorts right)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _parse_sqlite_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    raw = conn.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        return raw.execute(sql, params).fetchall()
    return list(conn.exec_driver_sql(sql, tuple(params)).fetchall())


def _run(conn: Connection, sql: str, params: Sequence[Any]) -> int:
    raw = conn.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        return raw.execute(sql, params).rowcount
    return int(conn.exec_driver_sql(sql, tuple(params)).rowcount)


def _run_many(conn: Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        raw.executemany(sql, params)
    else:
        conn.exec_driver_sql(sql, params)


# ------------------------------------------------------------------------------ SQLite claim
SQLITE_CANDIDATES = """
SELECT t.id, t.project_id, t.number, t.title, t.task_type, t.priority, t.retry_count, p.key
FROM tasks AS t INDEXED BY ix_tasks_claim_order
JOIN projects AS p ON p.id = t.project_id
WHERE t.status = 'ready' AND t.unresolved_blockers = 0
  AND (t.not_before IS NULL OR t.not_before <= ?)
  AND {cleared}{extra}
ORDER BY t.priority_rank, t.created_at, t.number
LIMIT ?
"""

SQLITE_INSERT_EVENT = (
    "INSERT INTO events (id, type, task_id, project_id, actor, at, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

SQLITE_INSERT_RUN = (
    "INSERT INTO runs (id, task_id, attempt, worker_id, claim_token, lease_expires_at, status, "
    "step, started_at, finished_at, exit_code, error, summary) "
    "VALUES (?, ?, ?, ?, ?, ?, 'running', NULL, ?, NULL, NULL, NULL, NULL)"
)


@dataclass(frozen=True)
class Candidate:
    """A ready task a claim may take, with what the claim needs to report it."""

    id: str
    project_id: str
    number: int
    title: str
    task_type: str
    priority: str
    retry_count: int
    key: str


def sqlite_candidates(
    conn: Connection,
    ctx: TxContext,
    *,
    limit: int,
    project_id: str | None,
    skip_projects: set[str],
    skip_ids: Sequence[str],
    runnable: Sequence[str] | None = None,
    approved_by: Sequence[str] | None = None,
    in_projects: Sequence[str] | None = None,
) -> list[Candidate]:
    """Ready tasks in scheduler order, read through the partial claim-order index.

    Never a task whose command is not approved (``run_ops.command_cleared``); with
    ``approved_by``, only commands those actors approved. ``runnable``: only tasks a worker
    with these pipelines can run (``run_ops.may_run``). ``in_projects``: only those
    projects' tasks (ids; at least one).
    """
    extra = ""
    params: list[Any] = [sqlite_time(ctx.now)]
    if approved_by is not None:
        marks = ", ".join("?" * len(approved_by)) or "NULL"
        extra += f" AND (t.command_hash IS NULL OR t.command_approved_by IN ({marks}))"
        params.extend(approved_by)
    if project_id is not None:
        extra += " AND t.project_id = ?"
        params.append(project_id)
    if in_projects is not None:
        extra += f" AND t.project_id IN ({', '.join('?' * len(in_projects))})"
        params.extend(in_projects)
    if runnable is not None:
        terms = may_carry_command_sql("t.")
        if runnable:
            terms += f" OR t.task_type IN ({', '.join('?' * len(runnable))})"
            params.extend(runnable)
        extra += f" AND ({terms})"
    if skip_projects:
        extra += f" AND t.project_id NOT IN ({', '.join('?' * len(skip_projects))})"
        params.extend(sorted(skip_projects))
    if skip_ids:
        extra += f" AND t.id NOT IN ({', '.join('?' * len(skip_ids))})"
        params.extend(skip_ids)
    params.append(limit)
    sql = SQLITE_CANDIDATES.format(cleared=command_cleared_sql("t."), extra=extra)
    return [Candidate(*row) for row in _rows(conn, sql, params)]


def sqlite_claim(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    picked: Sequence[Candidate],
    lease_until: datetime,
) -> list[Claim]:
    """Move ``picked`` (read in this transaction) to in progress, open their runs, log them."""
    if not picked:
        return []
    now = sqlite_time(ctx.now)
    lease = sqlite_time(lease_until)
    marks = ", ".join("?" * len(picked))
    changed = _run(
        conn,
        "UPDATE tasks SET status = 'in_progress', current_agent_id = ?, current_step = NULL, "
        f"not_before = NULL, version = version + 1, updated_at = ? WHERE id IN ({marks}) "
        "AND status = 'ready'",
        [worker_id, now, *(c.id for c in picked)],
    )
    if changed != len(picked):  # pragma: no cover - the single writer forbids it
        from core.errors import InvalidTransitionError

        raise InvalidTransitionError("A claimed task changed state during its claim.")
    runs, events, claims = [], [], []
    for c in picked:
        attempt = c.retry_count + 1
        run_id, token, ref = ctx.new_id(), new_uuid(), f"{c.key}-{c.number}"
        runs.append((run_id, c.id, attempt, worker_id, token, lease, now))
        payload = {
            "ref": ref,
            "from": S.READY.value,
            "to": S.IN_PROGRESS.value,
            "run_id": run_id,
            "worker_id": worker_id,
            "attempt": attempt,
        }
        events.append(
            (
                ctx.new_id(),
                "task.claimed",
                c.id,
                c.project_id,
                ctx.actor,
                now,
                json.dumps(payload),
            )
        )
        claims.append(
            _claim(
                c,
                run_id=run_id,
                token=token,
                attempt=attempt,
                worker_id=worker_id,
                lease=lease_until,
            )
        )
    _run_many(conn, SQLITE_INSERT_RUN, runs)
    _run_many(conn, SQLITE_INSERT_EVENT, events)
    return claims


def _claim(
    c: Candidate, *, run_id: str, token: str, attempt: int, worker_id: str, lease: datetime
) -> Claim:
    # model_construct: every value here is already of its field's type (no validation to do).
    return Claim.model_construct(
        run_id=run_id,
        task_id=c.id,
        ref=f"{c.key}-{c.number}",
        project_id=c.project_id,
        title=c.title,
        task_type=c.task_type,
        priority=Priority(c.priority),
        attempt=attempt,
        worker_id=worker_id,
        claim_token=token,
        lease_expires_at=lease,
    )


# ------------------------------------------------------------------------------ SQLite finish
SQLITE_FENCE = """
SELECT r.id, r.task_id, r.attempt, r.worker_id, r.claim_token, r.lease_expires_at, r.status,
       r.step, r.started_at, t.status, t.project_id, t.number, p.key,
       EXISTS (SELECT 1 FROM task_dependencies AS d WHERE d.blocker_id = t.id)
FROM runs AS r JOIN tasks AS t ON t.id = r.task_id JOIN projects AS p ON p.id = t.project_id
WHERE r.id = ?
"""


@dataclass(frozen=True)
class Finished:
    """A run the fast finish closed, and what the caller still has to do for its task."""

    run: Run
    task_id: str
    project_id: str
    ref: str
    has_dependents: bool


def sqlite_finish_success(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    *,
    target: TaskStatus,
    summary: str | None,
    exit_code: int | None,
    error: str | None,
) -> Finished | None:
    """Close a run that succeeded and move its task to ``target``, if the fence holds.

    ``None`` (nothing written) when the generic path must decide: the run is unknown, lost its
    lease or token, or its task is no longer in progress. The caller promotes dependents of a
    task that went to done (``has_dependents``).
    """
    rows = _rows(conn, SQLITE_FENCE, [run_id])
    if not rows:
        return None
    (_, task_id, attempt, worker_id, run_token, lease, status, step, started, task_status,
     project_id, number, key, has_dependents) = rows[0]  # fmt: skip
    now = sqlite_time(ctx.now)
    if (
        run_token != token
        or status not in (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
        or lease <= now
        or task_status != S.IN_PROGRESS.value
    ):
        return None
    _run(
        conn,
        "UPDATE runs SET status = 'succeeded', finished_at = ?, summary = ?, exit_code = ?, "
        "error = ? WHERE id = ?",
        [now, summary, exit_code, error, run_id],
    )
    done = target == S.DONE
    _run(
        conn,
        "UPDATE tasks SET status = ?, version = version + 1, updated_at = ?, "
        "blocked_reason = NULL, current_agent_id = NULL, current_step = NULL, error = NULL"
        + (", completed_at = ?" if done else "")
        + " WHERE id = ? AND status = 'in_progress'",
        [target.value, now, *([now] if done else []), task_id],
    )
    ref = f"{key}-{number}"
    base = {"run_id": run_id, "attempt": attempt, "exit_code": exit_code}
    run_event = {"ref": ref, **base, "summary": summary, "error": error}
    task_event = {
        "ref": ref,
        "from": S.IN_PROGRESS.value,
        "to": target.value,
        "reason": summary,
        **base,
    }
    task_type = "task.completed" if done else "task.status_changed"
    _run_many(
        conn,
        SQLITE_INSERT_EVENT,
        [
            (ctx.new_id(), "run.succeeded", task_id, project_id, ctx.actor, now,
             json.dumps(run_event)),
            (ctx.new_id(), task_type, task_id, project_id, ctx.actor, now,
             json.dumps(task_event)),
        ],
    )  # fmt: skip
    run = Run.model_construct(
        id=run_id,
        task_id=task_id,
        attempt=attempt,
        worker_id=worker_id,
        claim_token=run_token,
        lease_expires_at=_parse_sqlite_time(lease),
        status=RunStatus.SUCCEEDED,
        step=step,
        started_at=_parse_sqlite_time(started),
        finished_at=ctx.now,
        exit_code=exit_code,
        error=error,
        summary=summary,
    )
    return Finished(
        run=run,
        task_id=task_id,
        project_id=project_id,
        ref=ref,
        has_dependents=bool(has_dependents),
    )
