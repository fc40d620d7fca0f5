"""``TaskEngine``: the one async interface the TUI, the CLI, the server and the orchestrator use.

Requests and answers are pydantic models that serialize as JSON, events are readable by
sequence number, and nothing depends on being in-process, so a remote ``HttpTaskEngine`` can
implement the same Protocol and pass the same contract tests.

The module is long because this is where each operation's contract is written down, once:
its arguments, what it writes (events included), and the errors it raises. Implementations
point here (``See TaskEngine.x``) and the contract suite tests against it, so the size follows
the interface. It stays one Protocol rather than several small ones because every caller
holds one engine and uses parts of all of it: the TUI, the CLI and the server use most of it,
and a worker reads tasks and projects as well as writing runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from core.domain.access import (
    ApiToken,
    IdempotencyAttempt,
    IdempotencyReservation,
    IssuedToken,
    StoredResponse,
    TokenCreate,
)
from core.domain.commands import (
    AttachmentIn,
    BoardQuery,
    MilestoneCreate,
    MilestonePatch,
    ProjectCreate,
    ProjectPatch,
    TaskCreate,
    TaskImportItem,
    TaskPatch,
    TaskQuery,
)
from core.domain.models import (
    Attachment,
    Event,
    Milestone,
    Project,
    Task,
    TaskCard,
    TaskStatus,
)
from core.domain.orchestrators import Orchestrator, OrchestratorCreate, TaskChanges
from core.domain.outcomes import RunOutcome
from core.domain.runs import (
    Claim,
    ExecutionOverview,
    LogChunk,
    QuickRun,
    QuickRunCreate,
    Run,
    RunStep,
    Worker,
)
from core.domain.task_change import TaskChange
from core.domain.views import (
    BoardColumn,
    BoardView,
    BulkResult,
    CreateResult,
    CursorPage,
    ImportResult,
    Page,
)
from core.prd.models import ImportJob, ImportOptions, ImportPlan, ImportPreview


class TaskEngine(Protocol):
    """Every operation on projects, milestones, tasks, dependencies and events.

    Every method may also raise ``StorageError`` when the database cannot be used.
    """

    async def close(self) -> None:
        """Release connections; the engine cannot be used afterwards."""

    def schema_revision(self) -> str | None:
        """The schema revision of the open database (``None`` when this engine cannot tell).

        An engine opens only once the schema is at its release's head, so this is that head.
        """

    # -- projects and milestones -------------------------------------------------------
    async def create_project(self, request: ProjectCreate) -> Project:
        """Create a project.

        Raises:
            ValidationError: bad slug or key.
            DuplicateError: slug or key already taken.
        """

    async def list_projects(self) -> list[Project]:
        """Every project, by slug."""

    async def get_project(self, ref: str) -> Project:
        """A project by id, slug or key (case-insensitive).

        Raises:
            NotFoundError: with near-match suggestions.
        """

    async def update_project(self, ref: str, patch: ProjectPatch) -> Project:
        """Rename a project or change its description (by id, slug or key).

        The slug and the key stay: task refs, URLs and limited tokens name the project by
        them. Names need not be unique (the slug is what tells projects apart). Writes
        ``project.updated`` with the changed fields and their old values, or nothing when
        nothing changes.

        Raises:
            NotFoundError: no such project (with near-match suggestions).
            ValidationError: an empty or too long name or description.
        """

    async def create_milestone(self, request: MilestoneCreate) -> Milestone:
        """Create a milestone in a project (the default project when none is named).

        Raises:
            NotFoundError: the project does not exist.
            DuplicateError: the slug is taken in that project.
        """

    async def update_milestone(
        self, project: str, milestone: str, patch: MilestonePatch
    ) -> Milestone:
        """Rename a project's milestone (by id, slug or name, as a task names it).

        The slug stays: tasks, filters and scripts name the milestone by it. The new name
        may not be another milestone's in the project (case-insensitively): a task may name
        its milestone by name, and that name must keep meaning one. Writes
        ``milestone.updated`` with the changed fields and their old values, or nothing when
        nothing changes.

        Raises:
            NotFoundError: no such project, or no such milestone in it.
            DuplicateError: another milestone of the project has that name.
            ValidationError: an empty or too long name.
        """

    async def list_milestones(self, project: str | None = None) -> list[Milestone]:
        """A project's milestones by due date (every project's when ``project`` is None).

        Raises:
            NotFoundError: the project does not exist.
        """

    async def find_milestones(
        self, project: str, *, slug: str | None = None, name: str | None = None, limit: int = 10
    ) -> list[Milestone]:
        """Milestones matching a slug or name case-insensitively; empty when none match.

        Raises:
            NotFoundError: the project does not exist.
        """

    # -- tasks -------------------------------------------------------------------------
    async def create_task(self, request: TaskCreate) -> CreateResult:
        """Create a task, or return the one with the same external id (``created=False``).

        Raises:
            NotFoundError: a referenced project, milestone, parent or blocker is missing.
            ValidationError: invalid references or attachments.
            DependencyBlockedError: ``status=ready`` with unresolved blockers.
        """

    async def get_task(self, ref: str, *, links: bool = True) -> Task:
        """A task by id or ref, in full.

        ``links=False`` leaves out what lives in other tables (blockers, dependents, children,
        attachments, runs: empty lists) for callers that need only the task's own fields, such
        as a worker starting a run: one query instead of six.

        Raises:
            NotFoundError: no such task.
        """

    async def list_tasks(self, query: TaskQuery) -> Page[Task]:
        """A filtered, sorted page of tasks.

        Raises:
            NotFoundError: the project or milestone filter names nothing.
        """

    async def update_task(
        self, ref: str, patch: TaskPatch, *, expected_version: int | None
    ) -> Task:
        """Change fields; ``expected_version`` guards against overwriting someone else's edit.

        Raises:
            NotFoundError: the task, milestone or parent does not exist.
            ConflictError: the task changed since ``expected_version``; nothing was written.
            ValidationError: an invalid value.
        """

    async def approve_commands(
        self, refs: Sequence[str], *, expected_hashes: Mapping[str, str] | None = None
    ) -> list[Task]:
        """Approve the current command text of each task, so workers may run it; all or none.

        The approval names the text (by its hash): changing the command later withdraws it by
        itself. Each approval writes an event ``task.command_approved`` (ref, approver, hash
        prefix); a text this actor already approved is left as it is.

        Args:
            refs: The tasks (refs or ids).
            expected_hashes: By ref as given: the command hash (or its first 8+ hex digits)
                the approver read; a task whose text has changed since is refused.

        Returns:
            The tasks as approved, in the order named.

        Raises:
            NotFoundError: a ref names no task.
            ValidationError: a task has no command.
            ConflictError: a task's command is not the one ``expected_hashes`` names.
        """

    async def transition_task(
        self,
        ref: str,
        status: TaskStatus,
        *,
        reason: str | None = None,
        force: bool = False,
        when_unblocked: bool = False,
        expected_version: int | None = None,
    ) -> Task:
        """Move a task through the state machine.

        Raises:
            NotFoundError: no such task.
            InvalidTransitionError: the table forbids the move (``ClaimRequiredError`` for
                ``in_progress`` without ``force``; ``DependencyBlockedError`` naming blockers).
            ConflictError: the task changed since ``expected_version``.
        """

    async def delete_task(self, ref: str) -> str:
        """Delete a task; returns its ref.

        Raises:
            NotFoundError: no such task.
            InvalidTransitionError: it is in progress.
        """

    async def assign_tasks(self, refs: Sequence[str], assignee: str | None) -> BulkResult:
        """Set or clear the assignee of many tasks, with a result per reference."""

    async def add_dependency(self, ref: str, blocker: str) -> Task:
        """Make ``ref`` wait for ``blocker``.

        Raises:
            NotFoundError: either task is missing.
            CycleError: the edge would close a cycle (path in the message).
            ValidationError: different projects.
            InvalidTransitionError: the task is running or done.
        """

    async def remove_dependency(self, ref: str, blocker: str) -> Task:
        """Remove an edge (a parked task whose last blocker this was becomes ready).

        Raises:
            NotFoundError: either task, or the edge, is missing.
        """

    async def ready_tasks(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[TaskCard]:
        """The ready queue in scheduler order (priority, then creation time).

        ``in_projects`` keeps only those projects' tasks (ids; the server's token limits).

        Raises:
            NotFoundError: the project does not exist.
        """

    async def ready_tasks_json(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> str:
        """``ready_tasks``' cards as the JSON array their serializer writes (a list of cards).

        What the server sends for ``GET /api/v2/tasks/ready``: on SQLite the database writes
        that text itself, and no model is built (the ready queue is what boards and workers
        poll most; docs/performance.md).

        Raises:
            NotFoundError: the project does not exist.
        """

    async def board(self, query: BoardQuery) -> BoardView:
        """Per-state counts and a first window of cards per column.

        Raises:
            NotFoundError: a filter names nothing.
        """

    async def board_column(
        self, query: BoardQuery, status: TaskStatus, *, offset: int, limit: int
    ) -> BoardColumn:
        """Another window of one column (for scrolling).

        Raises:
            NotFoundError: a filter names nothing.
        """

    async def card_position(self, query: BoardQuery, ref: str) -> tuple[TaskStatus, int] | None:
        """The column a task's card is in and its index there, under the board's filters.

        ``None`` when the filters leave the task out. The board uses it to keep the selection
        on a card that moved to a window it has not loaded.

        Raises:
            NotFoundError: no such task, or a filter names nothing.
        """

    async def import_tasks(
        self, items: Sequence[TaskImportItem], *, project: str | None = None
    ) -> ImportResult:
        """Create many tasks and their edges in one transaction, or nothing at all.

        Raises:
            ValidationError: with ``details["errors"]`` giving each bad item's index.
        """

    # -- PRD import --------------------------------------------------------------------
    async def preview_import(
        self, text: str, *, source: str, options: ImportOptions
    ) -> ImportPreview:
        """Plan a Markdown document and diff the plan against the database; writes nothing.

        Args:
            text: The document.
            source: Its name (a file path, or "pasted text"); re-importing the same source
                gives the same task keys.
            options: Granularity, auto_ready, milestone, target project, ...

        Raises:
            ValidationError: the text cannot be planned, or the plan's data is unusable.
            NotFoundError: ``options.project`` names no project.
        """

    async def preview_plan(self, plan: ImportPlan) -> ImportPreview:
        """Diff an (edited) plan against the database, exactly as ``commit_import`` would.

        Writes nothing.

        Raises:
            ValidationError: bad plan data (the task key and field are named).
            CycleError: the plan's edges form a cycle (the path of keys is in the message).
            NotFoundError: ``options.project`` names no project.
        """

    async def commit_import(self, plan: ImportPlan, *, approve_commands: bool = False) -> ImportJob:
        """Apply a plan in one transaction, exactly as ``preview_plan`` describes it.

        New tasks are created, changed ones that have not started are updated, started and
        removed ones are flagged (never changed or deleted), edges between the document's
        tasks follow the plan, and the job is recorded. Committing the same plan again
        creates and changes nothing. A commit that fails writes none of that; it is recorded
        afterwards as a ``failed`` job with the reason (event ``import.failed``).

        Commands the plan sets are not approved (no worker runs them until someone calls
        ``approve_commands``) unless ``approve_commands`` is true: then the engine's actor
        approves them as it commits.

        Raises:
            ValidationError: bad plan data (task key and field named); nothing was written.
            CycleError: the plan's edges form a cycle, alone or with stored edges.
            ConflictError: a task to update changed meanwhile; nothing was written.
            NotFoundError: ``options.project`` names no project.
        """

    async def get_import(self, job_id: str) -> ImportJob:
        """A committed import job.

        Raises:
            NotFoundError: no such job (with near-match suggestions and a hint).
        """

    async def list_imports(self, *, limit: int = 20) -> list[ImportJob]:
        """The newest import jobs, newest first."""

    # -- attachments -------------------------------------------------------------------
    async def add_attachment(self, ref: str, attachment: AttachmentIn) -> Attachment:
        """Store a file with a task.

        Raises:
            NotFoundError: no such task.
            ValidationError: not base64, or over the size limit.
        """

    async def get_attachment(self, attachment_id: str) -> tuple[Attachment, bytes]:
        """An attachment's metadata and content.

        Raises:
            NotFoundError: no such attachment.
        """

    # -- events ------------------------------------------------------------------------
    # -- workers, claims and runs ------------------------------------------------------
    async def register_worker(
        self,
        worker_id: str,
        *,
        host: str,
        pid: int,
        slots: int = 1,
        lease_seconds: float | None = None,
    ) -> Worker:
        """Record a worker process (again after a restart: same id, fresh start time).

        ``lease_seconds`` is the lease the worker claims and heartbeats with (``None``: the
        engine's): the worker is listed as lost after two of its own lease periods of
        silence, whatever lease the process listing it runs with.

        Raises:
            ValidationError: an empty or reserved id, fewer than one slot, or a lease of 0
                seconds or less or of more than a week.
        """

    async def heartbeat(
        self,
        worker_id: str,
        leases: Mapping[str, str] | None = None,
        *,
        lease_seconds: float | None = None,
    ) -> list[str]:
        """Renew the worker's leases in one statement; returns the ids of the runs renewed.

        ``leases`` maps run id to claim token (every active run of the worker when ``None``).
        Only active, unexpired runs whose token matches are renewed: a run missing from the
        answer was lost, and its work must stop. Call ``expire_leases`` on the same beat.

        Raises:
            NotFoundError: the worker never registered.
        """

    async def stop_worker(self, worker_id: str) -> Worker:
        """Mark the worker ``stopped`` (its goodbye: the monitor shows it stopped, not lost).

        Its runs are left alone: the worker finishes or fails them before it says goodbye,
        and any it could not are recovered when their leases expire. A later
        ``register_worker`` or ``heartbeat`` makes it active again.

        Raises:
            NotFoundError: the worker never registered.
        """

    async def list_workers(self) -> list[Worker]:
        """Every registered worker; one silent for two of its own lease periods is lost.

        Its own lease is the one it registered or last heartbeat with, else the engine's.
        """

    async def claim_tasks(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        project: str | None = None,
        lease_seconds: float | None = None,
        max_per_project: int | None = None,
        pipelines: Collection[str] | None = None,
        approved_by: Collection[str] | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        """Atomically claim up to ``limit`` ready tasks (``ready -> in_progress``), one round trip.

        Scheduler order: priority, then creation time, then number. Tasks with unresolved
        blockers, or waiting out a retry backoff, are never claimed; ``max_per_project`` caps
        the tasks in progress per project. Each claim opens a run with a fresh token and lease
        (event ``task.claimed``). Two claimers never get the same task.

        A task whose command (``metadata.command``) is not approved is never claimed (see
        ``approve_commands``); ``approved_by`` claims only tasks whose command, if they have
        one, was approved by one of those actors.

        ``pipelines`` (a worker's configured pipeline names) claims only tasks the worker can
        run: those that carry a command, name a pipeline template, or have a task type in
        ``pipelines``. A ready task with nothing to run is left ready for a person, not
        claimed and failed. Text in a description never counts as a command.

        ``in_projects`` claims only those projects' tasks (ids; the server's token limits),
        in the same scheduler order.

        Raises:
            ValidationError: ``limit`` outside 1..500, a bad lease or limit.
            NotFoundError: no such project.
        """

    async def start_step(
        self,
        run_id: str,
        token: str,
        step: str,
        *,
        index: int | None = None,
        total: int | None = None,
        profile: str = "shell",
    ) -> Run:
        """Record that the run began ``step`` (event ``task.step_started``); fenced by the token.

        Writes the step's ``run_steps`` row (``running``) and the run's ``step_index`` and
        ``step_count``. ``index`` is the 1-based position in the pipeline (the step after the
        run's last one when ``None``); ``total`` the pipeline's length (kept when ``None``);
        ``profile`` the agent profile that runs it.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            ValidationError: a bad step name, profile, index or total.
        """

    async def finish_step(
        self,
        run_id: str,
        token: str,
        step: str,
        *,
        success: bool,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        """Record how the running step ``step`` ended (event ``task.step_completed``); fenced.

        The event's payload carries ``success``, ``exit_code`` and ``summary``. The run itself
        goes on: end it with ``finish_run``.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            InvalidTransitionError: no step of that name is running in the run.
        """

    async def block_run(
        self, run_id: str, token: str, *, reason: str, step: str | None = None
    ) -> Run:
        """End the run failed *without* a retry and block the task with a ``FailureReason``.

        For a task that cannot succeed as configured (no command and no pipeline for its
        type, an unknown profile): another attempt would fail the same way.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            ValidationError: an empty reason.
        """

    async def interrupt_run(
        self,
        run_id: str,
        token: str,
        *,
        reason: str,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        """End the run ``interrupted``: its worker stopped on purpose (Ctrl-C, a deploy).

        Not the task's fault: the task goes back to ready at once, without backoff and
        without using one of the retry policy's attempts (``Task.interruptions`` grows), or is
        blocked once ``max_interruptions`` of its runs were interrupted. A step still running
        in the run ends ``interrupted`` with ``exit_code`` and ``summary``.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
        """

    async def append_log(
        self,
        run_id: str,
        token: str,
        text: str,
        *,
        stream: str = "stdout",
        step: str | None = None,
    ) -> int:
        """Append output to the run's log; fenced by the token. Returns the chunk's ``seq``.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            ValidationError: a stream other than stdout/stderr/system, or empty or too long
                text (1,000,000 characters at most).
        """

    async def record_lost_output(
        self,
        run_id: str,
        token: str,
        *,
        lost_bytes: int,
        reason: str,
        step: str | None = None,
    ) -> int:
        """Record output that could not be stored (fenced by the token).

        The log gets a ``system`` chunk where the output is missing (``[taskyard] N bytes of
        output were lost: REASON``) and the run's ``lost_output_bytes`` grows by
        ``lost_bytes``, in one transaction. Returns the marker chunk's ``seq``.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            ValidationError: ``lost_bytes`` below 1, or an empty reason.
        """

    async def read_log(self, owner_id: str, *, since: int = 0, limit: int = 1000) -> list[LogChunk]:
        """A run's or quick run's log chunks after ``since``, oldest first.

        Raises:
            ValidationError: a limit outside 1..10,000 or a negative ``since``.
        """

    def follow_log(
        self, owner_id: str, *, since: int = 0, poll_interval: float = 0.25
    ) -> AsyncIterator[LogChunk]:
        """Every chunk after ``since``, then each new one as it is written.

        Ends once the owner (run or quick run) has finished and every chunk was yielded.

        Raises:
            NotFoundError: ``owner_id`` is neither a run nor a quick run.
        """

    async def run_steps(self, run_id: str) -> list[RunStep]:
        """The run's steps in pipeline order.

        A step still marked running in a run that ended another way (cancelled, lease
        expired) reads as the run ended.

        Raises:
            NotFoundError: no such run.
        """

    async def adopt_forced_runs(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        lease_seconds: float | None = None,
        run_id: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        """Take over queued Run Now runs, oldest first (event ``run.adopted`` each).

        Each gets a fresh claim token and lease and becomes ``running`` under ``worker_id``;
        workers call this before ``claim_tasks``. ``run_id`` adopts that run only (what
        ``taskyard run --wait`` does); ``in_projects`` only runs of those projects' tasks
        (ids). Two adopters never get the same run.

        Raises:
            ValidationError: ``limit`` outside 1..500, a bad lease, or the ``manual`` id.
        """

    async def finish_run(
        self,
        run_id: str,
        token: str,
        *,
        success: bool,
        summary: str | None = None,
        exit_code: int | None = None,
        error: str | None = None,
        step: str | None = None,
    ) -> Run:
        """End the run (fenced) and move its task on.

        Success: ``in_review`` (``done`` with auto-approve). Failure: back to ready with
        ``retry_count + 1`` after the policy's backoff, or ``blocked`` with a ``FailureReason``
        once the attempts are used up.

        ``step`` names the run's running step: it is finished first, as ``finish_step`` would
        with the same ``success``, ``exit_code`` and ``summary`` (event
        ``task.step_completed``), in the same transaction, so a worker's last step costs one
        write instead of two.

        Raises:
            NotFoundError: no such run.
            LeaseLostError: the token no longer holds the task; nothing was written.
            InvalidTransitionError: ``step`` is not running in this run; nothing was written.
        """

    async def finish_runs(self, outcomes: Sequence[RunOutcome]) -> list[Run]:
        """Finish many runs at once (a batch completer), each as ``finish_run`` would.

        Every outcome is fenced by its own token. Returns the runs finished, in the order
        given; a run that no longer holds its task (lease lost, cancelled, already finished,
        unknown) is left out and nothing is written for it, as a heartbeat leaves out a lost
        lease. On PostgreSQL the successes are written by one statement and one commit.
        """

    async def expire_leases(self, now: datetime | None = None) -> list[str]:
        """Expire runs whose lease ended by ``now`` (the engine's clock by default).

        A lost lease is an interruption, not a failure: the task goes back to ready at once
        (event ``task.lease_expired``), without backoff and without using one of the retry
        policy's attempts, or to blocked once ``max_interruptions`` of its runs were
        interrupted (``task.lease_expired``, then ``task.blocked``). Any worker calls this on
        its heartbeat, so recovery needs no separate daemon. Returns the refs of the tasks
        concerned.
        """

    async def run_now(self, ref: str) -> Run:
        """Start the task now, ahead of the queue (the force path, worker ``manual``).

        Idempotent: while the task has an active run, that run is returned.

        Raises:
            NotFoundError: no such task.
            DependencyBlockedError: blockers are unresolved (each is named).
            InvalidTransitionError: the task is not in backlog or ready, or its command is
                not approved.
        """

    async def retry(self, ref: str) -> Task:
        """Put a task blocked by a failure, or cancelled, back in ready (``retry_count + 1``).

        Raises:
            NotFoundError: no such task.
            InvalidTransitionError: it is neither blocked by a failure nor cancelled.
            DependencyBlockedError: blockers are unresolved.
        """

    async def cancel(self, ref: str, reason: str) -> Task:
        """Cancel the task; its active run ends ``cancelled`` with the reason.

        Raises:
            NotFoundError: no such task.
            InvalidTransitionError: the task cannot be cancelled from its state.
        """

    async def runs_of(self, ref: str) -> list[Run]:
        """The task's runs, oldest first.

        Raises:
            NotFoundError: no such task.
        """

    async def resolve_run_id(
        self, prefix: str, *, kind: Literal["any", "run", "quick"] = "any"
    ) -> str:
        """The full id of the run or quick run whose id starts with ``prefix``.

        Like a short git hash: at least 4 characters, naming one id. ``kind`` limits it to
        runs or to quick runs.

        Raises:
            NotFoundError: no such id.
            ValidationError: ``prefix`` is too short, or starts several ids
                (``details["candidates"]`` lists up to 10).
        """

    async def get_run(self, run_id: str) -> Run:
        """One run.

        Raises:
            NotFoundError: no such run.
        """

    async def execution_overview(
        self,
        *,
        queue_limit: int = 50,
        recent_limit: int = 20,
        max_per_project: int | None = None,
        pipelines: Collection[str] | None = None,
        approved_by: Collection[str] | None = None,
        in_projects: Collection[str] | None = None,
    ) -> ExecutionOverview:
        """What the execution monitor shows, from one snapshot.

        The queue in scheduler order, each entry saying what it waits for (``None`` when it
        is next up); running runs and queued Run Now runs with their last log line; workers;
        recent finished runs; last-hour counts and throughput. ``max_per_project`` is the
        workers' per-project limit, used to explain waits (none when ``None``); ``pipelines``
        their configured pipelines, to tell the tasks they would never claim (as
        ``claim_tasks``), which wait for "nothing to run"; ready tasks whose command awaits
        approval (or, with ``approved_by``, was approved by someone else) wait for that, are
        counted in ``awaiting_approval_total`` and left out of ``runnable_total``.

        ``in_projects`` (ids; the server's token limits) keeps the queue, the runs, the
        counts and the rates to those projects; the workers are shown in full.

        Raises:
            ValidationError: a limit outside 1..500.
        """

    # -- quick actions -----------------------------------------------------------------
    async def create_quick_run(self, request: QuickRunCreate) -> QuickRun:
        """Record a quick action about to run (``running``; event ``quick_run.started``)."""

    async def append_quick_log(
        self, quick_run_id: str, text: str, *, stream: str = "stdout"
    ) -> int:
        """Append output to a running quick run's log; returns the chunk's ``seq``.

        Raises:
            NotFoundError: no such quick run.
            InvalidTransitionError: it has finished.
            ValidationError: a bad stream, or empty or too long text.
        """

    async def finish_quick_run(
        self,
        quick_run_id: str,
        *,
        success: bool | None,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> QuickRun:
        """End a quick run: succeeded, failed, or cancelled (``success=None``).

        Events ``quick_run.completed``, ``quick_run.failed`` or ``quick_run.cancelled``.

        Raises:
            NotFoundError: no such quick run.
            InvalidTransitionError: it has already finished.
        """

    async def get_quick_run(self, quick_run_id: str) -> QuickRun:
        """One quick run.

        Raises:
            NotFoundError: no such quick run.
        """

    async def list_quick_runs(self, *, limit: int = 20) -> list[QuickRun]:
        """The newest quick runs, newest first.

        Raises:
            ValidationError: a limit outside 1..500.
        """

    async def promote_quick_run(self, quick_run_id: str, *, project: str | None = None) -> Task:
        """Create the one task a finished quick run becomes (source ``promoted_quick_action``).

        Title: the prompt's first line; description: the prompt and the result summary;
        ``metadata.command``: the prompt when the profile is ``shell``. Event
        ``quick_run.promoted``.

        Raises:
            NotFoundError: no such quick run, or ``project`` names nothing.
            InvalidTransitionError: the quick run is still running.
            DuplicateError: it was promoted already (the message names that task).
        """

    async def latest_event_seq(self) -> int:
        """The newest event's sequence number (0 for an empty log): where to start following."""

    async def events(
        self, *, since: int = 0, limit: int = 500, task: str | None = None
    ) -> list[Event]:
        """Events after sequence number ``since``, oldest first.

        Raises:
            NotFoundError: ``task`` names no task.
        """

    def follow_events(
        self, *, since: int = 0, poll_interval: float = 0.5, min_interval: float = 0.0
    ) -> AsyncIterator[Event]:
        """Every event after ``since``, then each new one as it is committed, forever.

        Local commits wake the follower at once; other processes' commits are seen within
        ``poll_interval`` seconds. ``min_interval`` spaces the reads at least that far apart
        (a busy process's commits then cost one read per interval, not one per commit).
        Resuming from the last seen ``seq`` misses nothing.
        """

    def state_machine(self) -> dict[str, Any]:
        """The transition table and guards in force, as data."""

    # -- serving: per-request views, keyset lists, tokens, idempotency ------------------
    def acting_as(
        self,
        actor: str,
        *,
        approve_own_commands: bool = False,
        idempotency: IdempotencyAttempt | None = None,
    ) -> TaskEngine:
        """A view of this engine whose changes are recorded as ``actor``'s; costs nothing.

        The server makes one per request, naming the request's token. The view shares this
        engine's connections: closing it releases nothing, and it is usable until this
        engine is closed.

        Args:
            actor: Who the view's events and history name.
            approve_own_commands: Commands the view sets count as approved by ``actor``
                (``StoreSettings.approve_own_commands``).
            idempotency: Mark this ``Idempotency-Key`` attempt committed in the transaction
                of every write the view makes, and refuse the write (``ConflictError``) once
                another attempt took the key over.
        """

    async def list_tasks_keyset(
        self, query: TaskQuery, *, cursor: str | None = None, with_total: bool = False
    ) -> CursorPage[Task]:
        """A page of ``list_tasks``' list read by keyset: any depth costs what the first does.

        ``query.page`` is ignored; ``cursor`` (a previous page's ``next_cursor``) says where
        the page starts. ``with_total`` also counts every match (one more query, which costs
        more than the page itself on large lists).

        Raises:
            NotFoundError: the project or milestone filter names nothing.
            ValidationError: ``cursor`` is not one this list (same filters and sort) gave out.
        """

    async def check_ready(self) -> str:
        """The schema revision, once the database answered and its schema is this release's.

        Raises:
            StorageError: the database cannot be reached, or its schema is another revision
                (the message says which).
        """

    async def create_token(self, request: TokenCreate) -> IssuedToken:
        """Issue an API token; its secret is in the answer and nowhere else, ever.

        Raises:
            DuplicateError: a token has this name (revoked ones keep theirs).
            NotFoundError: a project it is limited to does not exist.
        """

    async def list_tokens(self) -> list[ApiToken]:
        """Every token (revoked and expired ones too), by name; never a secret."""

    async def revoke_token(self, name: str) -> ApiToken:
        """Revoke a token at once; revoking it again changes nothing.

        Raises:
            NotFoundError: no token has this name.
        """

    async def authenticate_token(self, secret: str) -> ApiToken:
        """The active token with this secret (its last use is recorded once a minute at most).

        Raises:
            AuthenticationError: no token has it, or the token expired or was revoked.
        """

    async def reserve_idempotency_key(
        self, token_id: str, key: str, fingerprint: str
    ) -> IdempotencyReservation:
        """Start an attempt at the request sent with ``key``, or return its stored answer.

        ``fingerprint`` identifies the request (method, path, body): the same key with
        another request is refused.

        Raises:
            ValidationError: the key was used for a different request.
            RequestInProgressError: an attempt at it is still running (its hold is fresh).
            AnswerLostError: an attempt committed its change and stopped before answering.
        """

    async def renew_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """Renew a running attempt's hold on its key, so a retry waits for it.

        A hold not renewed for ``KEY_HOLD_SECONDS`` lapses: its server stopped, and a retry
        takes a key it left pending over at once.
        """

    async def complete_idempotency_key(
        self, attempt: IdempotencyAttempt, response: StoredResponse
    ) -> None:
        """Keep the attempt's answer for a day, for every retry with the same key."""

    async def release_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """Forget a key whose attempt failed without a change, so a retry runs it again."""

    # -- orchestrators and polling (task-management-api.md) -------------------------------

    async def create_orchestrator(self, request: OrchestratorCreate) -> Orchestrator:
        """Add an orchestrator (an agent identity) to a project.

        Raises:
            NotFoundError: no such project.
            DuplicateError: the project has an orchestrator of this name.
        """

    async def list_orchestrators(self, project: str | None = None) -> list[Orchestrator]:
        """A project's orchestrators by name (every project's when ``project`` is None).

        Raises:
            NotFoundError: no such project.
        """

    async def get_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """An orchestrator by id, or by name (within ``project`` when given).

        Raises:
            NotFoundError: none, or the name is used in several projects and none was given.
        """

    async def remove_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """Remove an orchestrator; its tasks keep their assignee.

        Raises:
            NotFoundError: as ``get_orchestrator``.
        """

    async def changed_tasks(
        self, query: TaskQuery, *, since: int | datetime, limit: int = 100
    ) -> TaskChanges:
        """Tasks matching ``query`` changed after ``since``, oldest change first.

        ``since`` is a previous answer's ``cursor`` (an event ``seq``; 0 for every change on
        record): nothing committed after it is ever skipped, whatever order concurrent
        writers commit in. A ``datetime`` compares with ``updated_at`` instead, which a
        change that commits late can slip under. ``query.page``, ``sort`` and ``limit`` are
        ignored.

        Raises:
            NotFoundError: the project or milestone filter names nothing.
        """

    async def change_task(
        self, ref: str, change: TaskChange, *, expected_version: int | None = None
    ) -> Task:
        """Change a task's fields, its whole blocker set and its state, in one transaction.

        Each part follows the rules of ``update_task``, ``add/remove_dependency`` and
        ``transition_task`` (a move to cancelled is ``cancel``); a refusal of any part
        changes nothing.

        Raises:
            NotFoundError: no such task.
            ConflictError: it changed since ``expected_version``.
            ValidationError: a field is invalid, or blockers are missing or in another
                project (``details.unresolved``, ``details.circular``).
            CycleError: blockers would close a cycle (``details.circular``).
            InvalidTransitionError: a move is refused.
        """
