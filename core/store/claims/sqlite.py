"""SQLite's claim path: the claim and the successful finish as constant SQL on the raw driver.

Through SQLAlchemy Core a statement costs ~50-100 µs of Python (cache keys, compilation
lookups, result wrappers); a claim plus a finish ran about a dozen of them, which capped
SQLite at ~250 tasks/s against ~6,000/s for the same work with stdlib ``sqlite3``
(docs/performance.md, "Claims"). Here the statements are constant strings run straight on
the ``sqlite3`` connection inside the writer's ``BEGIN IMMEDIATE`` transaction
(``exec_driver_sql`` under aiosqlite).

Every claim on SQLite takes this path, a project filter and a per-project limit included
(``claims.claim_tasks`` runs the limit's loop over ``candidates``). The candidate read names
the partial index ``ix_tasks_claim_order`` with ``INDEXED BY``, so a claim costs the same
however many tasks are done (``tests/store/test_claims_fast.py`` guards the plan). Every
successful finish whose run still holds its task takes it too (``finish_success``); the rest
(failures, lost fences) go to ``finish_ops.finish_run``. What is written is what the generic
path writes: candidates, claims, runs and payloads come from ``claims.shapes``, the fence
from ``claims.fence``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from core.domain.identifiers import format_ref
from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.errors import InvalidTransitionError
from core.store.claims.fence import refusal
from core.store.claims.filters import command_cleared_sql, may_carry_command_sql
from core.store.claims.shapes import (
    CANDIDATE_COLUMNS,
    Candidate,
    CandidateQuery,
    ended_payload,
    ended_run,
    moved_payload,
    new_claim,
    outcome_payload,
)
from core.store.context import TxContext
from core.store.events import flush_events
from core.store.graph_ops import adjust_dependents

S = TaskStatus


def sqlite_time(value: datetime) -> str:
    """An aware time as SQLAlchemy stores it on SQLite (naive UTC, fixed width: sorts right)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _parse_sqlite_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _raw(conn: Connection) -> sqlite3.Connection | None:
    """The stdlib connection under ``conn``; ``None`` under aiosqlite (``exec_driver_sql``)."""
    raw = conn.connection.driver_connection
    return raw if isinstance(raw, sqlite3.Connection) else None


def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    raw = _raw(conn)
    if raw is not None:
        return raw.execute(sql, params).fetchall()
    return list(conn.exec_driver_sql(sql, tuple(params)).fetchall())


def _first(conn: Connection, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    """The statement's first row by column name, or ``None``."""
    raw = _raw(conn)
    if raw is not None:
        cursor = raw.execute(sql, params)
        row = cursor.fetchone()
        return (
            None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))
        )
    found = conn.exec_driver_sql(sql, tuple(params)).mappings().first()
    return None if found is None else dict(found)


def _run(conn: Connection, sql: str, params: Sequence[Any]) -> int:
    raw = _raw(conn)
    if raw is not None:
        return raw.execute(sql, params).rowcount
    return int(conn.exec_driver_sql(sql, tuple(params)).rowcount)


def _run_many(conn: Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    raw = _raw(conn)
    if raw is not None:
        raw.executemany(sql, params)
    else:
        conn.exec_driver_sql(sql, params)


def _insert(conn: Connection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, in the same order) into ``table``."""
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    _run_many(conn, sql, [tuple(row.values()) for row in rows])


INSERT_EVENT = (
    "INSERT INTO events (id, type, task_id, project_id, actor, at, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _event(
    ctx: TxContext, type_: str, task_id: str, project_id: str, at: str, payload: dict[str, Any]
) -> tuple[Any, ...]:
    """An ``INSERT_EVENT`` row, written at ``at`` (``sqlite_time``) by the context's actor."""
    return (ctx.new_id(), type_, task_id, project_id, ctx.actor, at, json.dumps(payload))


# ------------------------------------------------------------------------------ claim
CANDIDATES = """
SELECT {columns}
FROM tasks AS t INDEXED BY ix_tasks_claim_order
JOIN projects AS p ON p.id = t.project_id
WHERE t.status = 'ready' AND t.unresolved_blockers = 0
  AND (t.not_before IS NULL OR t.not_before <= ?)
  AND {cleared}{{extra}}
ORDER BY t.priority_rank, t.created_at, t.number
LIMIT ?
""".format(
    columns=", ".join("p.key" if name == "key" else f"t.{name}" for name in CANDIDATE_COLUMNS),
    cleared=command_cleared_sql("t."),
)
"""Ready tasks in scheduler order through the partial claim-order index; ``{extra}`` takes
the query's further filters."""


def candidates(
    conn: Connection, ctx: TxContext, query: CandidateQuery, limit: int
) -> list[Candidate]:
    """See ``ClaimPath.candidates`` (``claims``)."""
    extra = ""
    params: list[Any] = [sqlite_time(ctx.now)]
    if query.approved_by is not None:
        marks = ", ".join("?" * len(query.approved_by)) or "NULL"
        extra += f" AND (t.command_hash IS NULL OR t.command_approved_by IN ({marks}))"
        params.extend(query.approved_by)
    if query.project_id is not None:
        extra += " AND t.project_id = ?"
        params.append(query.project_id)
    if query.in_projects is not None:
        extra += f" AND t.project_id IN ({', '.join('?' * len(query.in_projects))})"
        params.extend(query.in_projects)
    if query.runnable is not None:
        terms = may_carry_command_sql("t.")
        if query.runnable:
            terms += f" OR t.task_type IN ({', '.join('?' * len(query.runnable))})"
            params.extend(query.runnable)
        extra += f" AND ({terms})"
    if query.skip_projects:
        extra += f" AND t.project_id NOT IN ({', '.join('?' * len(query.skip_projects))})"
        params.extend(sorted(query.skip_projects))
    if query.skip_ids:
        extra += f" AND t.id NOT IN ({', '.join('?' * len(query.skip_ids))})"
        params.extend(query.skip_ids)
    params.append(limit)
    return [Candidate(*row) for row in _rows(conn, CANDIDATES.format(extra=extra), params)]


def take(
    conn: Connection, ctx: TxContext, worker_id: str, picked: Sequence[Candidate], until: datetime
) -> list[Claim]:
    """See ``ClaimPath.take`` (``claims``)."""
    if not picked:
        return []
    now = sqlite_time(ctx.now)
    lease = sqlite_time(until)
    marks = ", ".join("?" * len(picked))
    changed = _run(
        conn,
        "UPDATE tasks SET status = 'in_progress', current_agent_id = ?, current_step = NULL, "
        f"not_before = NULL, version = version + 1, updated_at = ? WHERE id IN ({marks}) "
        "AND status = 'ready'",
        [worker_id, now, *(c.id for c in picked)],
    )
    if changed != len(picked):  # pragma: no cover - the single writer forbids it
        raise InvalidTransitionError("A claimed task changed state during its claim.")
    runs, events, claims = [], [], []
    for c in picked:
        new = new_claim(ctx, c, worker_id, until)
        runs.append({**new.run, "lease_expires_at": lease, "started_at": now})
        claims.append(new.claim)
        events.append(_event(ctx, "task.claimed", c.id, c.project_id, now, new.event))
    _insert(conn, "runs", runs)
    _run_many(conn, INSERT_EVENT, events)
    return claims


# ------------------------------------------------------------------------------ finish
FINISH_READ = """
SELECT r.*, t.status AS task_status, t.project_id, t.number, p.key,
       EXISTS (SELECT 1 FROM task_dependencies AS d WHERE d.blocker_id = t.id)
           AS has_dependents
FROM runs AS r JOIN tasks AS t ON t.id = r.task_id JOIN projects AS p ON p.id = t.project_id
WHERE r.id = ?
"""
"""The run a finish names, with what moving its task needs (one read)."""


def _held_run(conn: Connection, ctx: TxContext, run_id: str, token: str) -> dict[str, Any] | None:
    """The run (``FINISH_READ``'s row, times parsed) while ``token`` holds it.

    ``None`` when the run is unknown, its fence does not hold, or its task left progress.
    """
    found = _first(conn, FINISH_READ, [run_id])
    if found is None:
        return None
    run = {
        **found,
        "lease_expires_at": _parse_sqlite_time(found["lease_expires_at"]),
        "started_at": _parse_sqlite_time(found["started_at"]),
    }
    lost = refusal(
        token_matches=run["claim_token"] == token,
        status=run["status"],
        lease_expires_at=run["lease_expires_at"],
        now=ctx.now,
    )
    return None if lost is not None or run["task_status"] != S.IN_PROGRESS.value else run


def finish_success(
    conn: Connection, ctx: TxContext, outcome: RunOutcome, target: TaskStatus
) -> Run | None:
    """See ``ClaimPath.finish_success`` (``claims``).

    Dependents of a task that went to done are promoted here, in the same transaction.
    """
    run = _held_run(conn, ctx, outcome.run_id, outcome.token)
    if run is None:
        return None
    # The events below go straight to the table; what this transaction wrote before through
    # ``ctx.emit`` (a batch's earlier failures, dependents an earlier finish promoted) goes
    # first, so the log follows the order of the calls. Only now: the fence held, so nothing
    # rolls this back alone (``finish_ops.finish_runs``' savepoints).
    flush_events(conn, ctx)
    now = sqlite_time(ctx.now)
    _run(
        conn,
        "UPDATE runs SET status = 'succeeded', finished_at = ?, summary = ?, exit_code = ?, "
        "error = ? WHERE id = ?",
        [now, outcome.summary, outcome.exit_code, outcome.error, outcome.run_id],
    )
    done = target == S.DONE
    task_id, project_id = run["task_id"], run["project_id"]
    _run(
        conn,
        "UPDATE tasks SET status = ?, version = version + 1, updated_at = ?, "
        "blocked_reason = NULL, current_agent_id = NULL, current_step = NULL, error = NULL"
        + (", completed_at = ?" if done else "")
        + " WHERE id = ? AND status = 'in_progress'",
        [target.value, now, *([now] if done else []), task_id],
    )
    ref = format_ref(run["key"], run["number"])
    which = outcome_payload(
        run_id=outcome.run_id, attempt=run["attempt"], exit_code=outcome.exit_code
    )
    ended = ended_payload(ref=ref, **which, summary=outcome.summary, error=outcome.error)
    moved = moved_payload(ref=ref, target=target.value, reason=outcome.summary, **which)
    moved_type = "task.completed" if done else "task.status_changed"
    _run_many(
        conn,
        INSERT_EVENT,
        [
            _event(ctx, "run.succeeded", task_id, project_id, now, ended),
            _event(ctx, moved_type, task_id, project_id, now, moved),
        ],
    )
    if done and run["has_dependents"]:
        adjust_dependents(conn, ctx, task_id, -1, cause=ref)
    return ended_run(
        run,
        RunStatus.SUCCEEDED,
        finished_at=ctx.now,
        summary=outcome.summary,
        exit_code=outcome.exit_code,
        error=outcome.error,
    )
