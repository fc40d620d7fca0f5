"""What every claim path builds: its candidates, runs, claims, and the payloads of its events.

The generic path, SQLite's statements, PostgreSQL's statements and Run Now's adoption each
build these through the functions here, so a field or a payload key added in one place reaches
them all. PostgreSQL builds its payloads inside its statements: ``jsonb_object`` renders the
same builders' output as SQL, with ``Sql`` standing for the values the statement computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

from core.domain.identifiers import format_ref
from core.domain.models import Priority, TaskStatus
from core.domain.runs import Claim, Run, RunStatus
from core.store.context import TxContext, new_uuid
from core.store.rows import run_from_row

S = TaskStatus


@dataclass(frozen=True)
class Candidate:
    """A ready task a claim may take, with what the claim needs to report it.

    The field names are the columns every path selects (``key`` is the project's).
    """

    id: str
    project_id: str
    number: int
    title: str
    task_type: str
    priority: str
    retry_count: int
    key: str

    @property
    def ref(self) -> str:
        """The task's ref (``TY-42``)."""
        return format_ref(self.key, self.number)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Candidate:
        """The candidate in a row that has these columns (and maybe more)."""
        return cls(**{name: row[name] for name in CANDIDATE_COLUMNS})


CANDIDATE_COLUMNS = tuple(f.name for f in fields(Candidate))
"""The columns a candidate read selects, in ``Candidate``'s order (``key`` last)."""


@dataclass(frozen=True)
class CandidateQuery:
    """Which ready tasks a candidate read may return, besides being claimable at all.

    A claim asks once with its filters; a claim with a per-project limit asks again with
    the projects already full (``skip_projects``) and the tasks already picked (``skip_ids``)
    left out.
    """

    project_id: str | None = None
    runnable: tuple[str, ...] | None = None
    """Only tasks a worker with these pipelines can run (``filters.may_run``); ``None``: any."""
    approved_by: tuple[str, ...] | None = None
    """Only commands these actors approved (``filters.command_cleared``); ``None``: any."""
    in_projects: tuple[str, ...] | None = None
    """Only these projects' tasks (ids, at least one; the server's token limits)."""
    skip_projects: frozenset[str] = frozenset()
    skip_ids: tuple[str, ...] = ()


def new_run_row(
    ctx: TxContext,
    *,
    task_id: str,
    attempt: int,
    worker_id: str,
    lease_until: datetime,
    status: RunStatus = RunStatus.RUNNING,
) -> dict[str, Any]:
    """A new run's ``runs`` row: a fresh id and claim token, started now.

    The token is random (``new_uuid``): it must not be guessable from the time.
    """
    return {
        "id": ctx.new_id(),
        "task_id": task_id,
        "attempt": attempt,
        "worker_id": worker_id,
        "claim_token": new_uuid(),
        "lease_expires_at": lease_until,
        "status": status.value,
        "step": None,
        "started_at": ctx.now,
        "finished_at": None,
        "exit_code": None,
        "error": None,
        "summary": None,
    }


def claim_of(
    c: Candidate,
    *,
    run_id: str,
    token: str,
    attempt: int,
    worker_id: str,
    lease_until: datetime,
) -> Claim:
    """What the worker gets for candidate ``c``, claimed by run ``run_id``."""
    return Claim(
        run_id=run_id,
        task_id=c.id,
        ref=c.ref,
        project_id=c.project_id,
        title=c.title,
        task_type=c.task_type,
        priority=Priority(c.priority),
        attempt=attempt,
        worker_id=worker_id,
        claim_token=token,
        lease_expires_at=lease_until,
    )


class NewClaim(NamedTuple):
    """A claim of one candidate, as the paths that write row by row need it."""

    run: dict[str, Any]
    """Its ``runs`` row (``new_run_row``)."""
    claim: Claim
    """What the worker gets."""
    event: dict[str, Any]
    """Its ``task.claimed`` payload."""


def new_claim(ctx: TxContext, c: Candidate, worker_id: str, until: datetime) -> NewClaim:
    """Claim candidate ``c`` for ``worker_id`` until ``until``: its next attempt, a new run."""
    attempt = c.retry_count + 1
    run = new_run_row(ctx, task_id=c.id, attempt=attempt, worker_id=worker_id, lease_until=until)
    claim = claim_of(
        c,
        run_id=run["id"],
        token=run["claim_token"],
        attempt=attempt,
        worker_id=worker_id,
        lease_until=until,
    )
    event = claimed_payload(ref=c.ref, run_id=run["id"], worker_id=worker_id, attempt=attempt)
    return NewClaim(run, claim, event)


def ended_run(
    run: Mapping[Any, Any],
    status: RunStatus,
    *,
    finished_at: datetime,
    summary: str | None,
    exit_code: int | None,
    error: str | None,
) -> Run:
    """The run a finish answers with: ``run`` (its row as read before it ended), ended now."""
    return run_from_row(
        {
            **run,
            "status": status.value,
            "finished_at": finished_at,
            "summary": summary,
            "exit_code": exit_code,
            "error": error,
        }
    )


# ------------------------------------------------------------------------------ event payloads
@dataclass(frozen=True)
class Sql:
    """A payload value a statement computes itself, as the SQL expression that computes it."""

    text: str


Value = str | int | None | Sql
"""A payload value: known here, or computed by the statement that writes the event (``Sql``)."""


def claimed_payload(
    *, ref: Value, run_id: Value, worker_id: Value, attempt: Value
) -> dict[str, Any]:
    """``task.claimed``'s payload: the task went from ready to in progress under this run."""
    return {
        "ref": ref,
        "from": S.READY.value,
        "to": S.IN_PROGRESS.value,
        "run_id": run_id,
        "worker_id": worker_id,
        "attempt": attempt,
    }


def outcome_payload(*, run_id: Value, attempt: Value, exit_code: Value) -> dict[str, Any]:
    """What a run's end adds to each event it writes: which run, which attempt, its exit."""
    return {"run_id": run_id, "attempt": attempt, "exit_code": exit_code}


def ended_payload(
    *,
    ref: Value,
    run_id: Value,
    attempt: Value,
    exit_code: Value,
    summary: Value,
    error: Value,
) -> dict[str, Any]:
    """The payload of ``run.succeeded``, ``run.failed`` and ``run.interrupted``."""
    return {
        "ref": ref,
        **outcome_payload(run_id=run_id, attempt=attempt, exit_code=exit_code),
        "summary": summary,
        "error": error,
    }


def moved_payload(
    *,
    ref: Value,
    target: Value,
    reason: Value,
    run_id: Value,
    attempt: Value,
    exit_code: Value,
) -> dict[str, Any]:
    """The task's event when a successful run moves it on from in progress to ``target``.

    The generic path writes it through ``graph_ops.set_status`` with ``outcome_payload`` as
    its extra keys, which gives these keys.
    """
    return {
        "ref": ref,
        "from": S.IN_PROGRESS.value,
        "to": target,
        "reason": reason,
        **outcome_payload(run_id=run_id, attempt=attempt, exit_code=exit_code),
    }


def jsonb_object(payload: Mapping[str, Any]) -> str:
    """``payload`` as a PostgreSQL ``jsonb_build_object(...)`` expression.

    ``Sql`` values stand as written; text values become literals.
    """
    return (
        "jsonb_build_object("
        + ", ".join(f"'{key}', {_sql_value(value)}" for key, value in payload.items())
        + ")"
    )


def _sql_value(value: Any) -> str:
    if isinstance(value, Sql):
        return value.text
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"A payload built in SQL takes Sql or text values, not {value!r}.")
