"""The fence: a worker's write counts only while its run holds the task.

A run holds its task while it is active (``queued`` or ``running``), the write names its claim
token, and its lease has not expired. Every path that writes for a worker tests exactly that:

* ``refusal`` is the test itself, for the paths that read the run first: ``fenced_run`` (every
  generic write: steps, logs, finishes, stops) and SQLite's fast finish;
* ``holds_sql`` is the same test in SQL text, for PostgreSQL's finish statement, which cannot
  read first (it fences, closes and moves in one statement);
* ``IS_ACTIVE_RUN`` is its first half as a Core clause, for the statements that pick active
  runs (heartbeats, the lease sweep, adopting Run Now runs, the monitor).

All three are built from ``ACTIVE``, the domain's active run states.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, RowMapping, literal_column, select

from core.domain.runs import ACTIVE_RUN_STATES
from core.errors import LeaseLostError, NotFoundError
from core.store import tables as t
from core.store.context import TxContext

R = t.runs

ACTIVE = sorted(s.value for s in ACTIVE_RUN_STATES)
"""The active run states' values (``queued``, ``running``), in a fixed order."""

#: ``runs.status IN ('queued', 'running')`` with literal values: the predicate of the runs'
#: partial indexes (heartbeat, lease sweep, one active run per task), which a planner can
#: only match when the query spells it (migration 0008).
IS_ACTIVE_RUN: ColumnElement[bool] = R.c.status.in_(
    [literal_column(f"'{state}'") for state in ACTIVE]
)


def refusal(
    *, token_matches: bool, status: str, lease_expires_at: datetime, now: datetime
) -> str | None:
    """Why a run no longer holds its task, in words; ``None`` while it holds it."""
    if not token_matches:
        return "the claim token is not this run's (another claim holds the task)"
    if status not in ACTIVE:
        return f"the run has ended ({status})"
    if lease_expires_at <= now:
        return f"its lease expired at {lease_expires_at.isoformat()}"
    return None


def holds_sql(run: str, now: str) -> str:
    """``refusal``'s state and lease tests as SQL text: true while run ``run`` holds at ``now``.

    Written ``(…) IS TRUE`` so that no planner walks an index on status or lease for it: the
    statements using it look runs up by id (see ``claims.postgres.FINISH``). The token test
    is left to the statement, which matches each run to its own token.
    """
    states = ", ".join(f"'{state}'" for state in ACTIVE)
    return f"({run}.status IN ({states}) AND {run}.lease_expires_at > {now}) IS TRUE"


def no_such_run(run_id: str, hint: str) -> NotFoundError:
    """The error for a run id that names no run."""
    return NotFoundError(
        f"No run {run_id!r}.",
        hint=hint,
        details={"field": "run_id", "input": run_id, "suggestions": []},
    )


def fenced_run(conn: Connection, ctx: TxContext, run_id: str, token: str) -> RowMapping:
    """The run, if this token still holds it; locked on PostgreSQL.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token is not the run's, the run has ended, or its lease expired.
    """
    query = select(R).where(R.c.id == run_id)
    if ctx.dialect == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise no_such_run(run_id, "Use the run id a claim returned.")
    why = refusal(
        token_matches=row["claim_token"] == token,
        status=row["status"],
        lease_expires_at=row["lease_expires_at"],
        now=ctx.now,
    )
    if why is not None:
        raise LeaseLostError(
            f"Run {run_id} no longer holds its task: {why}. Nothing was written.",
            hint="Stop working on this task; it is back in the queue or finished elsewhere. "
            "Heartbeat more often than the lease lasts to keep a claim.",
            details={"run_id": run_id, "task_id": row["task_id"], "run_status": row["status"]},
        )
    return row
