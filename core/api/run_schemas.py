"""Request bodies and small answers of the execution routes: workers, claims, runs and logs.

Bodies carry each ``TaskEngine`` method's arguments under the same names, so a remote client
passes what a local caller would; the engine checks the values (one set of rules), these
models only their types. Text is kept exactly as sent: log output and summaries are not
trimmed. A write to a claimed run names the claim's token as ``token`` (``Claim.claim_token``),
in the body, never in the URL, which the access log records.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from core.domain.outcomes import RunOutcome
from core.domain.runs import LogChunk

Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""A number stored in a 32-bit column (exit codes, pids, counts): a larger one is a 422 here,
not a database error."""
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]

MAX_BATCH = 1_000
"""Leases renewed, runs finished or tasks approved in one request at most: far more than a
worker holds (its slots), and a bound on what one request makes the server do: 10,000
fenced finishes on PostgreSQL kept a server busy past a client's 10 s timeout."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerRegistration(_Request):
    """A worker process starting (again: same id, fresh start time)."""

    id: str = Field(min_length=1, max_length=100)
    host: str = Field(max_length=255)
    pid: Count
    slots: int = Field(default=1, ge=1, le=10_000)
    lease_seconds: float | None = Field(
        default=None,
        gt=0,
        le=604_800,
        description="The lease the worker claims with; it is listed as lost after two "
        "such periods of silence (the server's lease when left out).",
    )


class HeartbeatBody(_Request):
    """Renew leases: ``leases`` maps run id to claim token (``null``: every run of the worker)."""

    leases: dict[str, str] | None = Field(default=None, max_length=MAX_BATCH)
    lease_seconds: float | None = None


class Renewed(BaseModel):
    """The runs whose leases were renewed; a run missing here was lost and must stop."""

    renewed: list[str]


class ClaimBody(_Request):
    """Claim ready tasks (``TaskEngine.claim_tasks``)."""

    limit: int = 1
    project: str | None = None
    lease_seconds: float | None = None
    max_per_project: int | None = None
    pipelines: list[str] | None = None
    """The worker's pipelines: only tasks it can run (``null``: any task)."""
    approved_by: list[str] | None = None
    """Only commands approved by these actors (token names)."""
    in_projects: list[str] | None = None
    """Project ids; a limited token claims within its own projects whatever this says."""


class AdoptBody(_Request):
    """Take over queued Run Now runs (``TaskEngine.adopt_forced_runs``)."""

    limit: int = 1
    lease_seconds: float | None = None
    run_id: str | None = None
    in_projects: list[str] | None = None


class _Fenced(_Request):
    token: str = Field(min_length=1)
    """The run's claim token: refused (409 ``lease_lost``) once the claim is lost."""


class StepStart(_Fenced):
    """The run begins a step of its pipeline."""

    step: str
    index: Count | None = None
    """1-based position in the pipeline (``null``: after the run's last step)."""
    total: Count | None = None
    profile: str = "shell"


class StepFinish(_Fenced):
    """How the running step ``step`` ended."""

    step: str
    success: bool
    exit_code: Int32 | None = None
    summary: str | None = None


class RunBlock(_Fenced):
    """End the run failed without a retry and block its task."""

    reason: str
    step: str | None = None


class RunInterrupt(_Fenced):
    """End the run interrupted: its worker stopped on purpose."""

    reason: str
    exit_code: Int32 | None = None
    summary: str | None = None


class LogAppend(_Fenced):
    """Output of the running step (``stdout``, ``stderr`` or ``system``)."""

    text: str
    stream: str = "stdout"
    step: str | None = None


class LostOutput(_Fenced):
    """Output that could not be stored: the log gets a marker where it was."""

    lost_bytes: Count
    reason: str
    step: str | None = None


class RunFinish(_Fenced):
    """End the run; ``step`` (its running step) ends with it, in one transaction."""

    success: bool
    summary: str | None = None
    exit_code: Int32 | None = None
    error: str | None = None
    step: str | None = None


class RunsFinish(_Request):
    """Finish many runs, each fenced by its own token."""

    outcomes: list[RunOutcome] = Field(max_length=MAX_BATCH)


class LogSeq(BaseModel):
    """The number of the chunk just written (per run, from 1)."""

    seq: int


class LeaseSweep(_Request):
    """Expire the leases that ended by ``now`` (``null``: the server's clock)."""

    now: AwareDatetime | None = None


class ExpiredTasks(BaseModel):
    """The tasks whose runs' leases expired (only those the token may see)."""

    refs: list[str]


class CancelBody(_Request):
    """Why the task is cancelled (its running run ends with this reason)."""

    reason: str


class ApproveBody(_Request):
    """Approve the current command of each task (``taskyard approve REF [--expect HASH]``)."""

    refs: list[str] = Field(min_length=1, max_length=MAX_BATCH)
    expected_hashes: dict[str, str] | None = None
    """By ref as given: the command hash (or 8+ hex digits of it) the approver read."""


class RunId(BaseModel):
    """The full id a prefix names."""

    id: str


class LogPage(BaseModel):
    """Log chunks after ``since``, oldest first."""

    items: list[LogChunk]
    next_since: int | None
    """Pass as ``since`` for the next page; ``null`` when this page was not full."""


def _without_blanks(values: list[str] | None) -> list[str] | None:
    return None if values is None else [v for v in values if v]


def _blank_for_none_at_all(values: list[str] | None) -> list[str] | None:
    return values if values != [] else [""]


Names = Annotated[
    list[str] | None,
    AfterValidator(_without_blanks),
    PlainSerializer(_blank_for_none_at_all),
    Field(description="Repeatable; one empty value (`?pipeline=`) stands for none at all"),
]
"""A repeatable query parameter: absent is ``None``; one empty value alone, the empty list
(a query string cannot otherwise say "none at all")."""


class OverviewQuery(BaseModel):
    """The query string of ``GET /execution/overview`` (the limits are the engine's to check)."""

    queue_limit: int = Field(default=50, description="1 to 500 queued tasks")
    recent_limit: int = Field(default=20, description="1 to 500 finished runs")
    max_per_project: int | None = Field(
        default=None, description="The workers' per-project limit, to explain waits"
    )
    pipeline: Names = None
    approved_by: Names = None
    in_project: list[str] | None = Field(default=None, description="Project ids (repeatable)")
