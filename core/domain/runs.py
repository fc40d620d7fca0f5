"""Runs, workers, claims and the retry policy: the orchestrator's data, pure.

A *run* is one attempt at executing a task. A worker's claim opens it (``running``), with a
fresh claim token and a lease; every later write by that worker names the token, and the store
refuses it once the lease is lost (expired, cancelled, or the task was moved by hand). At most
one run of a task is active at a time: the store backs that with a partial unique index.

Nothing here reads a clock: times come in as arguments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from core.domain.commands import NUL_MESSAGE
from core.domain.models import Priority, TaskCard


class RunStatus(enum.StrEnum):
    """Where a run stands. ``queued`` and ``running`` are *active*; the rest are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    """The worker stopped renewing its lease (crashed, hung, lost its network)."""
    INTERRUPTED = "interrupted"
    """The worker stopped on purpose (Ctrl-C, SIGTERM, a deploy) and ended the run: the task
    went back to ready, and the run does not count as a failed attempt."""

    @property
    def active(self) -> bool:
        """Whether the run still holds its task."""
        return self in ACTIVE_RUN_STATES


ACTIVE_RUN_STATES: frozenset[RunStatus] = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
"""The states covered by the one-active-run-per-task unique index."""

MANUAL_WORKER_ID = "manual"
"""The worker id of runs opened by Run Now rather than by a worker's claim."""


class WorkerStatus(enum.StrEnum):
    """A worker process as the monitor shows it."""

    ACTIVE = "active"
    STOPPED = "stopped"
    """It said goodbye."""
    LOST = "lost"
    """It stopped heartbeating without saying goodbye (derived, never stored)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Run(_Frozen):
    """One attempt at a task by one worker."""

    id: str
    task_id: str
    attempt: int
    """1 for the first run of the task, then one more per run (``retry_count + 1``).

    Every run gets the next number, whether the one before failed or was interrupted (lease
    expired, worker stopped), so attempt numbers stay unique per task. The failures among
    them are ``attempt - Task.interruptions``: interrupted runs are not the task's fault and
    do not use up the retry policy's ``max_attempts``.
    """
    worker_id: str
    claim_token: str
    """The fencing token: every write by the worker names it."""
    lease_expires_at: AwareDatetime
    status: RunStatus
    step: str | None = None
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    exit_code: int | None = None
    error: str | None = None
    summary: str | None = None
    step_index: int | None = None
    """1-based position of ``step`` in the run's pipeline (``None`` before the first step)."""
    step_count: int | None = None
    """How many steps the run's pipeline has (``None`` when unknown)."""
    lost_output_bytes: int = 0
    """Output bytes that could not be stored; the log has a marker where they were."""


class Worker(_Frozen):
    """A worker process that claims and runs tasks."""

    id: str
    host: str
    pid: int
    slots: int
    started_at: AwareDatetime
    last_heartbeat_at: AwareDatetime
    status: WorkerStatus
    lease_seconds: float | None = None
    """The lease it runs with, as it last said (``None``: it did not; the reader's applies)."""


class Claim(_Frozen):
    """What a worker gets for each task it claimed: enough to start, and its fencing token."""

    run_id: str
    task_id: str
    ref: str
    project_id: str
    title: str
    task_type: str
    priority: Priority
    attempt: int
    worker_id: str
    claim_token: str
    lease_expires_at: AwareDatetime


class RetryPolicy(_Frozen):
    """How often a failing task is tried, and how long it waits in between."""

    max_attempts: int = Field(default=3, ge=1)
    """Runs allowed before the task is blocked with a failure reason."""
    backoff_seconds: float = Field(default=5.0, ge=0)
    """Wait before the second attempt; 0 retries at once."""
    backoff_factor: float = Field(default=2.0, ge=1)
    """Each further wait is this many times the previous one."""
    max_backoff_seconds: float = Field(default=300.0, ge=0)
    max_interruptions: int = Field(default=10, ge=1)
    """Runs that may end through no fault of the task (a worker crashed, froze or was
    stopped); the one that reaches this number blocks the task, as ``max_attempts`` does for
    failures. Interrupted runs go back to ready at once, without backoff and without using
    ``max_attempts``; this separate, generous budget only keeps a task that takes its worker
    down every time (it eats the memory, it hangs the machine) from looping forever.
    """


@dataclass(frozen=True)
class RetryDecision:
    """After a failed attempt: try again (not before ``not_before``), or give up."""

    retry: bool
    not_before: datetime | None
    attempts: int


def next_attempt_at(policy: RetryPolicy, attempt: int, failed_at: datetime) -> datetime | None:
    """When attempt ``attempt + 1`` may start after attempt ``attempt`` failed at ``failed_at``.

    Returns ``None`` when ``attempt`` was the last one the policy allows. The wait grows
    geometrically: ``backoff_seconds * backoff_factor ** (attempt - 1)``, capped.
    """
    if attempt >= policy.max_attempts:
        return None
    delay = min(
        policy.backoff_seconds * policy.backoff_factor ** max(attempt - 1, 0),
        policy.max_backoff_seconds,
    )
    return failed_at + timedelta(seconds=delay)


def decide_retry(policy: RetryPolicy, attempt: int, failed_at: datetime) -> RetryDecision:
    """Retry or give up after failure number ``attempt`` of a task.

    Callers pass the failures so far (``Run.attempt - Task.interruptions``), not the run's
    attempt number: interrupted runs are not failures.
    """
    at = next_attempt_at(policy, attempt, failed_at)
    return RetryDecision(retry=at is not None, not_before=at, attempts=attempt)


def interruptions_exhausted(policy: RetryPolicy, interruptions: int) -> bool:
    """Whether ``interruptions`` interrupted runs (the latest included) block the task.

    True once the policy's ``max_interruptions`` is reached.
    """
    return interruptions >= policy.max_interruptions


def worker_status(
    stored: WorkerStatus, last_heartbeat_at: datetime, now: datetime, *, lost_after: float
) -> WorkerStatus:
    """An active worker silent for more than ``lost_after`` seconds is shown as lost."""
    if stored == WorkerStatus.ACTIVE and (now - last_heartbeat_at).total_seconds() > lost_after:
        return WorkerStatus.LOST
    return stored


# ------------------------------------------------------------------------------ execution
LOG_STREAMS: tuple[str, ...] = ("stdout", "stderr", "system")
"""Where a log chunk came from: the process's two pipes, or taskyard itself."""


def lost_output_note(lost_bytes: int, reason: str) -> str:
    """The log line standing where output could not be stored (a ``system`` chunk).

    It starts on a line of its own: the output before it may have ended mid-line.
    """
    amount = "1 byte of output was" if lost_bytes == 1 else f"{lost_bytes:,} bytes of output were"
    return f"\n[taskyard] {amount} lost: {reason}\n"


def lost_output_words(lost_bytes: int) -> str:
    """``lost 123,456 bytes of output``: how ``runs``, the board and the worker say it."""
    return f"lost {lost_bytes:,} byte{'' if lost_bytes == 1 else 's'} of output"


class LogChunk(_Frozen):
    """A piece of a run's (or a quick run's) output, numbered per owner from 1."""

    seq: int
    owner_id: str
    """The run id or the quick run id the output belongs to."""
    step: str | None = None
    stream: str
    """``stdout``, ``stderr`` or ``system`` (taskyard's own notes)."""
    text: str
    at: AwareDatetime


class RunStep(_Frozen):
    """One step of a run's pipeline, as it ran."""

    run_id: str
    index: int
    """1-based position in the pipeline."""
    name: str
    profile: str
    status: RunStatus
    """``running``, ``succeeded``, ``failed`` or ``cancelled``."""
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    exit_code: int | None = None
    summary: str | None = None


class QuickRunStatus(enum.StrEnum):
    """Where a quick action stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class QuickRun(_Frozen):
    """A one-off prompt or command run through a profile; it creates no task unless promoted."""

    id: str
    prompt: str
    profile: str
    status: QuickRunStatus
    actor: str
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    exit_code: int | None = None
    result_summary: str | None = None
    promoted_task_id: str | None = None


class QuickRunCreate(_Frozen):
    """A quick action to record before it runs."""

    prompt: str = Field(min_length=1, max_length=100_000)
    profile: str = Field(default="shell", min_length=1, max_length=100)

    @field_validator("prompt", "profile")
    @classmethod
    def _typed_text(cls, value: str) -> str:
        # A NUL cannot be stored on PostgreSQL, nor passed to a program as an argument.
        if "\x00" in value:
            raise ValueError(NUL_MESSAGE)
        return value


class ActiveRun(_Frozen):
    """A run with what the monitor shows beside it."""

    run: Run
    ref: str
    title: str
    project_id: str
    last_line: str | None = None
    """The newest non-empty line of its log."""


class QueueEntry(_Frozen):
    """A ready task in the queue, and why it is not running yet."""

    position: int
    """1-based place in scheduler order."""
    card: TaskCard
    waiting: str | None = None
    """``None`` when the task is next up; otherwise a sentence saying what it waits for."""


class ExecutionOverview(_Frozen):
    """Everything the execution monitor shows, read in one snapshot."""

    queue: list[QueueEntry]
    queue_total: int
    runnable_total: int
    """Ready tasks a worker would claim (all with a runnable command, or none, when no
    pipelines were given)."""
    awaiting_approval_total: int = 0
    """Ready tasks whose command no worker runs until someone approves it."""
    running: list[ActiveRun]
    queued_forced: list[ActiveRun]
    """Run Now runs waiting for a worker to adopt them."""
    workers: list[Worker]
    recent: list[ActiveRun]
    """Finished runs, newest first."""
    completed_last_hour: int
    failed_last_hour: int
    throughput_per_min: float
    """Runs finished in the last 10 minutes, per minute."""
    at: AwareDatetime
