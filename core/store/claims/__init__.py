"""Claims: how ready tasks become runs a worker holds, and how a held run's success is written.

A claim moves ready tasks whose blockers are resolved to ``in_progress`` in scheduler order
(priority, creation time, number) and opens one run per task with a fresh claim token and a
lease. Every later write by the worker is fenced (``fence``): it names its run and token and
is refused unless the run still holds the task.

Three paths write claims, and which one runs is decided here and in the engine:

* **PostgreSQL** (``postgres``): one autocommit statement per claim, and one per batch of
  successful finishes, shared by concurrent calls. The engine uses it for every claim
  without a project filter or a per-project limit (``postgres.serves``), and for every
  successful finish; a finish it leaves untouched (a lost fence, a task going to done with
  dependents to promote) falls to the generic finish.
* **SQLite** (``sqlite``): constant SQL on the raw driver inside the writer's transaction,
  for every claim and every successful finish on SQLite (``path_for``).
* **Generic** (``generic``): SQLAlchemy Core, on either dialect: PostgreSQL's claims with a
  project filter or a per-project limit. Failures, stops and refused finishes on every
  dialect go through ``finish_ops.finish_run``, which is generic too.

The two paths that run inside the writer's transaction offer the same three functions
(``ClaimPath``: ``GENERIC``, ``SQLITE``); ``claim_tasks`` drives either. All three build
their candidates, claims, runs and event payloads with ``shapes`` and fence with ``fence``,
and ``tests/store/test_claim_paths.py`` runs every claim scenario on every path and compares
what each one returns and writes, field by field. A Run Now run is claimed by adoption
instead (``step_ops.adopt_forced_runs``), which builds its claim with ``shapes.claim_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run
from core.errors import ValidationError
from core.store import tables as t
from core.store.claims import generic, sqlite
from core.store.claims.shapes import Candidate, CandidateQuery
from core.store.context import TxContext
from core.store.lookup import find_project

T, P = t.tasks, t.projects

MAX_CLAIM_BATCH = 500
"""Most tasks one claim (or one adoption of Run Now runs) takes."""


@dataclass(frozen=True)
class ClaimPath:
    """A claim path that runs inside the writer's transaction: ``GENERIC`` or ``SQLITE``."""

    candidates: Callable[[Connection, TxContext, CandidateQuery, int], list[Candidate]]
    """``(conn, ctx, query, limit)``: up to ``limit`` claimable ready tasks ``query`` allows,
    in scheduler order. Claimable: no unresolved blocker, not waiting out a backoff, and no
    command unless an approved one. On PostgreSQL the rows are locked, skipping those that
    already are."""
    take: Callable[[Connection, TxContext, str, Sequence[Candidate], datetime], list[Claim]]
    """``(conn, ctx, worker_id, picked, until)``: move ``picked`` (read in this transaction)
    to in progress and open their runs, leased to ``worker_id`` until ``until``, each with
    its ``task.claimed`` event; the claims in ``picked``'s order."""
    finish_success: Callable[[Connection, TxContext, RunOutcome, TaskStatus], Run | None]
    """``(conn, ctx, outcome, target)``: close the successful run ``outcome`` names and move
    its task to ``target``, if its fence holds. ``None``, having written nothing, leaves the
    finish to ``finish_ops.finish_run``, which refuses it with the precise reason or writes
    it the generic way."""


GENERIC = ClaimPath(generic.candidates, generic.take, generic.finish_success)
SQLITE = ClaimPath(sqlite.candidates, sqlite.take, sqlite.finish_success)


def path_for(dialect: str) -> ClaimPath:
    """The in-transaction path a dialect's claims and finishes take."""
    return SQLITE if dialect == "sqlite" else GENERIC


MAX_LEASE_SECONDS = 7 * 24 * 3600
"""A lease longer than a week would keep a crashed worker's task from everyone that long (and
a huge number would overflow the clock's arithmetic)."""


def lease_until(ctx: TxContext, lease_seconds: float | None) -> datetime:
    """When a lease granted now ends (the store's default length when ``None``).

    Raises:
        ValidationError: a lease of 0 seconds or less, or of more than a week.
    """
    seconds = ctx.settings.lease_seconds if lease_seconds is None else lease_seconds
    check_lease(seconds)
    return ctx.now + timedelta(seconds=seconds)


def check_lease(seconds: float) -> None:
    """Refuse a lease length no clock should hold (also a worker's, stored at register).

    Raises:
        ValidationError: a lease of 0 seconds or less, or of more than a week.
    """
    if not 0 < seconds <= MAX_LEASE_SECONDS:
        raise ValidationError(
            f"A lease must last longer than 0 seconds and at most {MAX_LEASE_SECONDS:,} "
            f"(a week), not {seconds}.",
            field="lease_seconds",
        )


def check_claim(
    ctx: TxContext, limit: int, lease_seconds: float | None, max_per_project: int | None
) -> datetime:
    """Validate a claim's arguments; the end of its lease.

    Raises:
        ValidationError: a bad limit, lease or per-project limit.
    """
    if not 1 <= limit <= MAX_CLAIM_BATCH:
        raise ValidationError(
            f"A claim takes 1 to {MAX_CLAIM_BATCH} tasks, not {limit}.", field="limit"
        )
    if max_per_project is not None and max_per_project < 1:
        raise ValidationError("max_per_project must be at least 1.", field="max_per_project")
    return lease_until(ctx, lease_seconds)


def claim_tasks(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    *,
    limit: int,
    project: str | None,
    lease_seconds: float | None,
    max_per_project: int | None,
    runnable: Sequence[str] | None = None,
    approved_by: Sequence[str] | None = None,
    in_projects: Sequence[str] | None = None,
    path: ClaimPath | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` ready tasks whose blockers are all resolved, in scheduler order.

    Never a task whose command is not approved; with ``approved_by`` only commands those
    actors approved. ``runnable``: only tasks a worker with these pipelines can run.
    ``in_projects``: only those projects' tasks (ids). ``path``: the dialect's
    (``path_for``) unless named.

    Raises:
        ValidationError: a bad limit or lease.
        NotFoundError: no such project.
    """
    until = check_claim(ctx, limit, lease_seconds, max_per_project)
    if in_projects is not None and not in_projects:
        return []
    query = CandidateQuery(
        project_id=None if project is None else find_project(conn, project)["id"],
        runnable=None if runnable is None else tuple(runnable),
        approved_by=None if approved_by is None else tuple(approved_by),
        in_projects=None if in_projects is None else tuple(in_projects),
    )
    path = path_for(ctx.dialect) if path is None else path
    if max_per_project is None:
        picked = path.candidates(conn, ctx, query, limit)
    else:
        picked = _within_project_limits(conn, ctx, path, query, limit, max_per_project)
    return path.take(conn, ctx, worker_id, picked, until)


def _within_project_limits(
    conn: Connection,
    ctx: TxContext,
    path: ClaimPath,
    query: CandidateQuery,
    limit: int,
    max_per_project: int,
) -> list[Candidate]:
    """Candidates in scheduler order, no project past ``max_per_project`` tasks in progress.

    Reads again, leaving out full projects and what it picked, until it has ``limit`` or
    nothing is left: a read may return several tasks of a project with one slot left.
    """
    running = _running_per_project(conn, ctx, query.project_id)
    full = {p for p, n in running.items() if n >= max_per_project}
    picked: list[Candidate] = []
    while len(picked) < limit:
        ask = replace(query, skip_projects=frozenset(full), skip_ids=tuple(c.id for c in picked))
        found = path.candidates(conn, ctx, ask, limit - len(picked))
        if not found:
            break
        for c in found:
            if c.project_id in full:
                continue
            picked.append(c)
            running[c.project_id] = running.get(c.project_id, 0) + 1
            if running[c.project_id] >= max_per_project:
                full.add(c.project_id)
    return picked


def _running_per_project(
    conn: Connection, ctx: TxContext, project_id: str | None
) -> dict[str, int]:
    """Tasks in progress per project, after locking the project rows (PostgreSQL).

    The lock serializes claimers that enforce a per-project limit, so two of them cannot both
    see "one slot left" and both take it.
    """
    if ctx.dialect == "postgresql":
        lock = select(P.c.id).order_by(P.c.id).with_for_update()
        if project_id is not None:
            lock = lock.where(P.c.id == project_id)
        conn.execute(lock).all()
    query = (
        select(T.c.project_id, func.count())
        .where(T.c.status == TaskStatus.IN_PROGRESS.value)
        .group_by(T.c.project_id)
    )
    if project_id is not None:
        query = query.where(T.c.project_id == project_id)
    return {r[0]: int(r[1]) for r in conn.execute(query)}
