"""The generic claim path: SQLAlchemy Core statements, valid on either dialect.

On PostgreSQL it takes the claims the single statement does not (a project filter, a
per-project limit: ``claims.postgres.serves``); there candidates are locked with ``FOR
UPDATE OF tasks SKIP LOCKED``, so concurrent claimers never wait for each other and never
get the same row. It has no fast finish: every finish it is asked for is left to
``finish_ops.finish_run``. On SQLite the engine uses ``claims.sqlite`` instead; this path
runs there only when asked for by name (the equivalence tests do).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run
from core.errors import InvalidTransitionError
from core.store import tables as t
from core.store.claims.filters import READY_LITERAL, command_cleared, may_run
from core.store.claims.shapes import CANDIDATE_COLUMNS, Candidate, CandidateQuery, new_claim
from core.store.context import TxContext

T, P, R = t.tasks, t.projects, t.runs
S = TaskStatus


def candidates(
    conn: Connection, ctx: TxContext, query: CandidateQuery, limit: int
) -> list[Candidate]:
    """See ``ClaimPath.candidates`` (``claims``)."""
    read = (
        select(*(P.c.key if name == "key" else T.c[name] for name in CANDIDATE_COLUMNS))
        .select_from(T.join(P, P.c.id == T.c.project_id))
        .where(
            T.c.status == READY_LITERAL,
            T.c.unresolved_blockers == 0,
            or_(T.c.not_before.is_(None), T.c.not_before <= ctx.now),
            command_cleared(query.approved_by),
        )
        .order_by(T.c.priority_rank, T.c.created_at, T.c.number)
        .limit(limit)
    )
    if query.project_id is not None:
        read = read.where(T.c.project_id == query.project_id)
    if query.in_projects is not None:
        read = read.where(T.c.project_id.in_(list(query.in_projects)))
    if query.runnable is not None:
        read = read.where(may_run(query.runnable))
    if query.skip_projects:
        read = read.where(T.c.project_id.not_in(sorted(query.skip_projects)))
    if query.skip_ids:
        read = read.where(T.c.id.not_in(list(query.skip_ids)))
    if ctx.dialect == "postgresql":
        read = read.with_for_update(of=T, skip_locked=True)
    return [Candidate(*row) for row in conn.execute(read)]


def take(
    conn: Connection, ctx: TxContext, worker_id: str, picked: Sequence[Candidate], until: datetime
) -> list[Claim]:
    """See ``ClaimPath.take`` (``claims``)."""
    if not picked:
        return []
    ids = [c.id for c in picked]
    changed = conn.execute(
        update(T)
        .where(T.c.id.in_(ids), T.c.status == S.READY.value)
        .values(
            status=S.IN_PROGRESS.value,
            current_agent_id=worker_id,
            current_step=None,
            not_before=None,
            version=T.c.version + 1,
            updated_at=ctx.now,
        )
    ).rowcount
    if changed != len(ids):  # pragma: no cover - the lock forbids it
        raise InvalidTransitionError("A claimed task changed state during its claim.")
    runs, claims = [], []
    for c in picked:
        new = new_claim(ctx, c, worker_id, until)
        runs.append(new.run)
        claims.append(new.claim)
        ctx.emit("task.claimed", task_id=c.id, project_id=c.project_id, payload=new.event)
    conn.execute(insert(R), runs)
    return claims


def finish_success(
    conn: Connection, ctx: TxContext, outcome: RunOutcome, target: TaskStatus
) -> Run | None:
    """See ``ClaimPath.finish_success`` (``claims``): always ``None``, no fast finish here."""
    return None
