"""``SqlTaskEngine``: the ``TaskEngine`` on SQLite or PostgreSQL through SQLAlchemy Core.

The module is long because the interface is wide, not because it mixes concerns: it is a
facade with one method per ``TaskEngine`` operation, and most are a few lines that open one
transaction (``_write``, or ``_runner.read`` for a snapshot) and call the ``*_ops`` module
that holds the logic (``task_ops``, ``run_ops``, ``step_ops``, ``execution_view`` ...). Each
method's contract is written once, on the Protocol in ``core/engine.py``; here a method says
``See TaskEngine.x`` and notes only what this engine adds. More than delegation happens in
``open`` (connect, WAL, the schema upgrade, the PostgreSQL server's clock offset), where
PostgreSQL's hand-written statements (``claims.postgres``) stand in for the generic claim and
finish, and in the followers of the event log and of run logs. Cutting the class into files by
section would spread one interface over several places without separating anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection
from sqlalchemy.engine import URL, make_url

from core.config import auto_approve_from_env
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
from core.domain.outcomes import RunOutcome, storable_output
from core.domain.runs import (
    Claim,
    ExecutionOverview,
    LogChunk,
    QuickRun,
    QuickRunCreate,
    RetryPolicy,
    Run,
    RunStep,
    Worker,
)
from core.domain.states import state_machine_metadata
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
from core.errors import StorageError, TaskyardError
from core.prd.models import ImportJob, ImportOptions, ImportPlan, ImportPreview
from core.store import (
    bulk_import,
    claims,
    command_ops,
    event_feed,
    execution_view,
    finish_ops,
    graph_ops,
    idempotency_ops,
    import_jobs,
    lease_ops,
    log_ops,
    migrate,
    orchestrator_ops,
    pg_fast,
    pg_import,
    prd_import,
    project_ops,
    queries,
    quick_ops,
    rename_ops,
    run_ids,
    run_ops,
    step_ops,
    task_change,
    task_create,
    task_json,
    task_ops,
    task_pages,
    token_ops,
)
from core.store.card_json import cards_from_json, cards_json
from core.store.claims import postgres as claims_pg
from core.store.context import StoreSettings, TxContext
from core.store.dialects import sqlite as sqlite_dialect
from core.store.errors import sqlite_storage_error, translate_db_errors
from core.store.events import flush_events, last_seq, read_events
from core.store.gc_pause import without_cyclic_gc
from core.store.lookup import find_project, find_task
from core.store.runner import AsyncRunner, Runner, ThreadRunner

Clock = Callable[[], datetime]

POINT_READ_CARDS = 100
"""The head of the ready queue is read on the caller's thread up to this many cards (an index
range of ~0.5 ms; ``Runner.read``'s ``point``); a longer one, or one kept to a token's
projects (which may skip over many other projects' cards), goes to a reader thread."""


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


SKEW_SAMPLES = 3


async def server_clock_offset(fast: pg_fast.PgFastPath, clock: Clock) -> timedelta:
    """How far PostgreSQL's clock is ahead of ``clock``: the fastest of a few round trips.

    Every time a worker writes (a claim's lease end, a finish, the lease sweep's "now") is
    compared with times other hosts wrote. Each host's own clock made a host 20 s behind
    write leases that every other worker's sweep took as expired at once; measured against
    the one server every host shares, they agree to within half a round trip (~0.1 ms).
    """
    best: tuple[timedelta, timedelta] | None = None
    for _ in range(SKEW_SAMPLES):
        sent = clock()
        [row] = await fast.fetch("SELECT clock_timestamp()")
        back = clock()
        trip = back - sent
        offset = row[0] - (sent + trip / 2)
        if best is None or trip < best[0]:
            best = (trip, offset)
    assert best is not None
    return best[1]


def offset_clock(clock: Clock, offset: timedelta) -> Clock:
    """``clock`` moved by ``offset`` (the server's time, read from this host's clock)."""

    def now() -> datetime:
        return clock() + offset

    return now


class SqlTaskEngine:
    """The store-backed engine. Build it with ``await SqlTaskEngine.open(url)``."""

    def __init__(
        self,
        runner: Runner,
        *,
        actor: str,
        settings: StoreSettings,
        clock: Clock = system_clock,
        id_factory: Callable[[], str] | None = None,
        fence: IdempotencyAttempt | None = None,
        owns_runner: bool = True,
    ) -> None:
        self._runner = runner
        self._actor = actor
        self._settings = settings
        self._clock = clock
        self._server_clock = False
        """Whether ``_clock`` reads PostgreSQL's time (``open``'s ``server_time``)."""
        self._id_factory = id_factory
        self._fence = fence
        """Marks an idempotency key committed in every write's transaction (``acting_as``)."""
        self._owns_runner = owns_runner
        """False for views made by ``acting_as``: the engine they came from closes the runner."""

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        actor: str = "taskyard",
        auto_approve: bool | None = None,
        clock: Clock = system_clock,
        id_factory: Callable[[], str] | None = None,
        attachment_max_bytes: int | None = None,
        retry_policy: RetryPolicy | None = None,
        lease_seconds: float | None = None,
        server_time: bool | None = None,
        approve_own_commands: bool = True,
    ) -> SqlTaskEngine:
        """Connect, bring the schema to head, and return a ready engine.

        Args:
            url: ``sqlite:///path`` (threaded stdlib driver, the fast default),
                ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``.
            actor: Who the events name as making changes.
            auto_approve: ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` (environment when ``None``).
            clock: The time source (tests pin it).
            id_factory: New ids (tests pin them); uuid4 by default.
            attachment_max_bytes: Attachment size limit (10 MiB by default).
            retry_policy: Attempts and backoff for failed runs and expired leases.
            lease_seconds: How long a claim holds without a heartbeat (15 s by default).
            server_time: On PostgreSQL, read ``clock`` corrected by the server's offset
                (``server_clock_offset``), so that hosts whose clocks disagree agree on
                leases and times. By default only the system clock is corrected: a pinned
                test clock stays as given.
            approve_own_commands: Commands ``actor`` sets count as approved by it at once
                (``StoreSettings.approve_own_commands``: on for a database opened directly;
                the server turns it off for tokens that may not run commands).

        Raises:
            StorageError: the database cannot be opened or migrated.
        """
        settings = StoreSettings(
            auto_approve=auto_approve_from_env() if auto_approve is None else auto_approve
        )
        if attachment_max_bytes is not None:
            settings.attachment_max_bytes = attachment_max_bytes
        if retry_policy is not None:
            settings.retry_policy = retry_policy
        if lease_seconds is not None:
            settings.lease_seconds = lease_seconds
        settings.approve_own_commands = approve_own_commands
        parsed = make_url(url)
        path = None
        try:
            if parsed.drivername.startswith("sqlite"):
                path = sqlite_dialect.database_path(parsed)
            with translate_db_errors(path):
                runner, path = await _open_runner(parsed)
                try:
                    engine = cls(
                        runner, actor=actor, settings=settings, clock=clock, id_factory=id_factory
                    )
                    await engine._upgrade_schema(path)
                    correct = clock is system_clock if server_time is None else server_time
                    if correct and runner.pg_fast is not None:
                        offset = await server_clock_offset(runner.pg_fast, clock)
                        engine._clock = offset_clock(clock, offset)
                        engine._server_clock = True
                except BaseException:
                    # Refused (newer schema, failed migration, locked file): release the
                    # connections and threads instead of leaving them to the caller's exit.
                    await runner.close()
                    raise
                return engine
        except StorageError:
            raise
        except Exception as exc:
            if path is not None:
                raise sqlite_storage_error(exc, path) from exc
            raise StorageError(
                f"Cannot open the database {parsed.render_as_string(hide_password=True)}: {exc}",
                hint="Check the path or URL given with --db / TASKYARD_DB.",
            ) from exc

    async def _upgrade_schema(self, sqlite_path: Path | None) -> None:
        """Bring the schema to head (``open``), taking the write lock only when it is behind."""

        def _migrate(conn: Connection, _ctx: TxContext) -> None:
            if migrate.needs_upgrade(conn):
                migrate.upgrade(conn, sqlite_path=sqlite_path)

        # Nearly every start finds the schema at head: check that in a read snapshot, so the
        # start neither takes the write lock (and waits behind another program's write) nor
        # opens a write transaction. A database that needs the upgrade is checked again under
        # the lock by ``_migrate``.
        if await self._runner.read(migrate.needs_upgrade):
            await self._runner.write(_migrate, self._ctx)

    def _ctx(self) -> TxContext:
        ctx = TxContext(
            now=self._clock(),
            actor=self._actor,
            dialect=self._runner.dialect,
            settings=self._settings,
        )
        if self._id_factory is not None:
            ctx.new_id = self._id_factory
            ctx.ids_given = True
        return ctx

    async def _write(self, op: Callable[[Connection, TxContext], Any]) -> Any:
        if self._fence is not None:
            op = partial(_fenced, op, self._fence)
        return await self._runner.write(op, self._ctx)

    async def _write_then_read(self, op: Callable[[Connection, TxContext], str]) -> Task:
        """Run a write that names a task, and answer with that task as the write left it.

        The task is read inside the write transaction: a second read transaction would cost
        about half of a create's time, and could show a later writer's change instead.
        """

        def write_and_read(conn: Connection, ctx: TxContext) -> Task:
            return queries.get_task(conn, op(conn, ctx))

        task: Task = await self._write(write_and_read)
        return task

    async def close(self) -> None:
        """Release connections and threads (a view from ``acting_as`` releases nothing)."""
        if self._owns_runner:
            await self._runner.close()

    def schema_revision(self) -> str | None:
        """See ``TaskEngine.schema_revision``: ``open`` migrates to ``HEAD_REVISION`` first."""
        return migrate.HEAD_REVISION

    # -- projects and milestones -------------------------------------------------------
    async def create_project(self, request: ProjectCreate) -> Project:
        """See ``TaskEngine.create_project``."""
        result: Project = await self._write(partial(_call, project_ops.create_project, request))
        return result

    async def list_projects(self) -> list[Project]:
        """See ``TaskEngine.list_projects``."""
        return await self._runner.read(project_ops.list_projects)

    async def get_project(self, ref: str) -> Project:
        """See ``TaskEngine.get_project``."""
        from core.store.rows import project_from_row

        return await self._runner.read(lambda c: project_from_row(find_project(c, ref)))

    async def update_project(self, ref: str, patch: ProjectPatch) -> Project:
        """See ``TaskEngine.update_project``."""
        result: Project = await self._write(
            lambda c, x: rename_ops.update_project(c, x, ref, patch)
        )
        return result

    async def create_milestone(self, request: MilestoneCreate) -> Milestone:
        """See ``TaskEngine.create_milestone``."""
        result: Milestone = await self._write(partial(_call, project_ops.create_milestone, request))
        return result

    async def update_milestone(
        self, project: str, milestone: str, patch: MilestonePatch
    ) -> Milestone:
        """See ``TaskEngine.update_milestone``."""
        result: Milestone = await self._write(
            lambda c, x: rename_ops.update_milestone(c, x, project, milestone, patch)
        )
        return result

    async def list_milestones(self, project: str | None = None) -> list[Milestone]:
        """See ``TaskEngine.list_milestones``."""
        return await self._runner.read(lambda c: project_ops.list_milestones(c, project))

    async def find_milestones(
        self, project: str, *, slug: str | None = None, name: str | None = None, limit: int = 10
    ) -> list[Milestone]:
        """See ``TaskEngine.find_milestones``."""
        return await self._runner.read(
            lambda c: project_ops.find_milestones(c, project, slug=slug, name=name, limit=limit)
        )

    # -- tasks -------------------------------------------------------------------------
    async def create_task(self, request: TaskCreate) -> CreateResult:
        """See ``TaskEngine.create_task``."""

        def op(c: Connection, x: TxContext) -> CreateResult:
            task_id, created = task_create.create_task(c, x, request)
            return CreateResult(task=queries.get_task(c, task_id), created=created)

        result: CreateResult = await self._write(op)
        return result

    async def get_task(self, ref: str, *, links: bool = True) -> Task:
        """See ``TaskEngine.get_task``."""
        if links:
            task = await self._runner.read_on_driver(partial(task_json.read_task, ref=ref))
            if task is not None:
                return task
        return await self._runner.read(lambda c: queries.get_task(c, ref, links=links), point=True)

    async def list_tasks(self, query: TaskQuery) -> Page[Task]:
        """See ``TaskEngine.list_tasks``."""
        return await self._runner.read(lambda c: queries.list_tasks(c, query))

    async def update_task(
        self, ref: str, patch: TaskPatch, *, expected_version: int | None
    ) -> Task:
        """See ``TaskEngine.update_task``."""
        return await self._write_then_read(
            lambda c, x: task_ops.update_task(c, x, ref, patch, expected_version=expected_version)
        )

    async def approve_commands(
        self, refs: Sequence[str], *, expected_hashes: Mapping[str, str] | None = None
    ) -> list[Task]:
        """See ``TaskEngine.approve_commands``."""

        def op(conn: Connection, ctx: TxContext) -> list[Task]:
            ids = command_ops.approve_commands(conn, ctx, list(refs), expected_hashes)
            return [queries.get_task(conn, task_id) for task_id in ids]

        tasks: list[Task] = await self._write(op)
        return tasks

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
        """See ``TaskEngine.transition_task``."""
        return await self._write_then_read(
            lambda c, x: task_ops.transition_task(
                c,
                x,
                ref,
                TaskStatus(status),
                reason=reason,
                force=force,
                when_unblocked=when_unblocked,
                expected_version=expected_version,
            )
        )

    async def delete_task(self, ref: str) -> str:
        """See ``TaskEngine.delete_task``."""
        _, deleted_ref = await self._write(lambda c, x: task_ops.delete_task(c, x, ref))
        return str(deleted_ref)

    async def assign_tasks(self, refs: Sequence[str], assignee: str | None) -> BulkResult:
        """See ``TaskEngine.assign_tasks``."""
        result: BulkResult = await self._write(
            lambda c, x: task_ops.assign_tasks(c, x, list(refs), assignee)
        )
        return result

    async def add_dependency(self, ref: str, blocker: str) -> Task:
        """See ``TaskEngine.add_dependency``."""
        return await self._write_then_read(
            lambda c, x: graph_ops.add_dependency(c, x, ref, blocker)
        )

    async def remove_dependency(self, ref: str, blocker: str) -> Task:
        """See ``TaskEngine.remove_dependency``."""
        return await self._write_then_read(
            lambda c, x: graph_ops.remove_dependency(c, x, ref, blocker)
        )

    async def ready_tasks(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[TaskCard]:
        """See ``TaskEngine.ready_tasks``."""
        if in_projects is None and not project and limit <= POINT_READ_CARDS:
            return cards_from_json(await self._ready_head(limit))
        within = None if in_projects is None else list(in_projects)
        return await self._runner.read(
            lambda c: queries.ready_queue(c, limit=limit, project=project, in_projects=within)
        )

    async def ready_tasks_json(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> str:
        """See ``TaskEngine.ready_tasks_json``."""
        if in_projects is None and not project and limit <= POINT_READ_CARDS:
            return cards_json(await self._ready_head(limit), self._runner.dialect)
        within = None if in_projects is None else list(in_projects)
        return await self._runner.read(
            lambda c: queries.ready_queue_json(c, limit=limit, project=project, in_projects=within)
        )

    async def _ready_head(self, limit: int) -> Sequence[str]:
        """The first ``limit`` ready cards' texts across projects: a point read."""
        texts: Sequence[str] = await self._runner.read_first_column(
            queries.READY_HEAD, {"limit": limit}
        )
        return texts

    async def board(self, query: BoardQuery) -> BoardView:
        """See ``TaskEngine.board``."""
        if self._runner.dialect == "postgresql":
            # The cursor first: every event at or below it is then in the board's reads.
            seq = await event_feed.safe_cursor(self._runner.read)
            return await self._runner.read(lambda c: queries.board(c, query, event_seq=seq))
        return await self._runner.read(lambda c: queries.board(c, query))

    async def board_column(
        self, query: BoardQuery, status: TaskStatus, *, offset: int, limit: int
    ) -> BoardColumn:
        """See ``TaskEngine.board_column``."""
        return await self._runner.read(
            lambda c: queries.board_column(c, query, status, offset=offset, limit=limit)
        )

    async def card_position(self, query: BoardQuery, ref: str) -> tuple[TaskStatus, int] | None:
        """See ``TaskEngine.card_position``."""

        def _read(conn: Connection) -> tuple[TaskStatus, int] | None:
            return queries.card_position(conn, query, find_task(conn, ref)["id"])

        return await self._runner.read(_read)

    async def import_tasks(
        self, items: Sequence[TaskImportItem], *, project: str | None = None
    ) -> ImportResult:
        """See ``TaskEngine.import_tasks``."""
        fast = self._runner.pg_fast
        if fast is not None and pg_import.is_plain(items, project):
            plain = await pg_import.import_plain(fast, self._ctx(), items, project)
            if plain is not None:
                self._runner.notify_committed()
                return plain
        result: ImportResult = await self._write(
            lambda c, x: bulk_import.import_tasks(c, x, list(items), project)
        )
        return result

    # -- PRD import --------------------------------------------------------------------
    async def preview_import(
        self, text: str, *, source: str, options: ImportOptions
    ) -> ImportPreview:
        """See ``TaskEngine.preview_import``."""
        # Planning is pure CPU work (up to ~300 ms for a 1 MB document): off the event loop,
        # so the TUI keeps drawing while a large document is planned, with the cyclic
        # collector paused, as its many small objects would make it run over and over.
        plan = await asyncio.to_thread(
            without_cyclic_gc(_build_plan), text, source=source, options=options
        )
        return await self.preview_plan(plan)

    async def preview_plan(self, plan: ImportPlan) -> ImportPreview:
        """See ``TaskEngine.preview_plan``."""
        return await self._runner.read(lambda c: prd_import.preview_plan(c, plan))

    async def commit_import(self, plan: ImportPlan, *, approve_commands: bool = False) -> ImportJob:
        """See ``TaskEngine.commit_import``."""
        try:
            job: ImportJob = await self._write(
                lambda c, x: prd_import.commit_plan(c, x, plan, approve_commands=approve_commands)
            )
        except TaskyardError as exc:
            # The commit rolled back; the failure is recorded on its own, best effort, so
            # `import list` shows it. The caller gets the original error either way.
            with contextlib.suppress(TaskyardError):
                await self._write(partial(_record_failed_import, plan=plan, error=exc))
            raise
        return job

    async def get_import(self, job_id: str) -> ImportJob:
        """See ``TaskEngine.get_import``."""
        return await self._runner.read(lambda c: import_jobs.get_job(c, job_id))

    async def list_imports(self, *, limit: int = 20) -> list[ImportJob]:
        """See ``TaskEngine.list_imports``."""
        return await self._runner.read(lambda c: import_jobs.list_jobs(c, limit))

    # -- attachments -------------------------------------------------------------------
    async def add_attachment(self, ref: str, attachment: AttachmentIn) -> Attachment:
        """See ``TaskEngine.add_attachment``."""
        result: Attachment = await self._write(
            lambda c, x: task_ops.add_attachment(c, x, ref, attachment)
        )
        return result

    async def get_attachment(self, attachment_id: str) -> tuple[Attachment, bytes]:
        """See ``TaskEngine.get_attachment``."""
        return await self._runner.read(lambda c: queries.attachment_content(c, attachment_id))

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
        """See ``TaskEngine.register_worker``."""
        worker: Worker = await self._write(
            lambda c, x: lease_ops.register_worker(
                c, x, worker_id, host=host, pid=pid, slots=slots, lease_seconds=lease_seconds
            )
        )
        return worker

    async def heartbeat(
        self,
        worker_id: str,
        leases: Mapping[str, str] | None = None,
        *,
        lease_seconds: float | None = None,
    ) -> list[str]:
        """See ``TaskEngine.heartbeat``."""
        renewed: list[str] = await self._write(
            lambda c, x: lease_ops.heartbeat(c, x, worker_id, leases, lease_seconds)
        )
        return renewed

    async def stop_worker(self, worker_id: str) -> Worker:
        """See ``TaskEngine.stop_worker``."""
        worker: Worker = await self._write(lambda c, x: lease_ops.stop_worker(c, x, worker_id))
        return worker

    async def list_workers(self) -> list[Worker]:
        """See ``TaskEngine.list_workers``."""
        now = self._clock()
        lease = self._settings.lease_seconds
        return await self._runner.read(
            lambda c: lease_ops.list_workers(c, now, lease_seconds=lease)
        )

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
        """See ``TaskEngine.claim_tasks``."""
        runnable = None if pipelines is None else tuple(sorted(set(pipelines)))
        approvers = None if approved_by is None else tuple(sorted(set(approved_by)))
        within = None if in_projects is None else tuple(sorted(set(in_projects)))
        fast = self._runner.pg_fast
        if fast is not None and claims_pg.serves(project, max_per_project, within):
            ctx = self._ctx()
            lease_until = claims.check_claim(ctx, limit, lease_seconds, max_per_project)
            fast_claims = await claims_pg.claim(
                fast,
                ctx,
                worker_id,
                limit=limit,
                lease_until=lease_until,
                runnable=runnable,
                approved_by=approvers,
                server_clock=self._server_clock,
            )
            if fast_claims:
                self._runner.notify_committed()
            return fast_claims
        generic: list[Claim] = await self._write(
            lambda c, x: claims.claim_tasks(
                c,
                x,
                worker_id,
                limit=limit,
                project=project,
                lease_seconds=lease_seconds,
                max_per_project=max_per_project,
                runnable=runnable,
                approved_by=approvers,
                in_projects=within,
            )
        )
        return generic

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
        """See ``TaskEngine.start_step``."""
        run: Run = await self._write(
            lambda c, x: step_ops.start_step(
                c, x, run_id, token, step, index=index, total=total, profile=profile
            )
        )
        return run

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
        """See ``TaskEngine.finish_step``."""
        run: Run = await self._write(
            lambda c, x: step_ops.finish_step(
                c,
                x,
                run_id,
                token,
                step,
                success=success,
                exit_code=exit_code,
                summary=None if summary is None else storable_output(summary),
            )
        )
        return run

    async def block_run(
        self, run_id: str, token: str, *, reason: str, step: str | None = None
    ) -> Run:
        """See ``TaskEngine.block_run``."""
        run: Run = await self._write(
            lambda c, x: step_ops.block_run(
                c, x, run_id, token, reason=storable_output(reason), step=step
            )
        )
        return run

    async def interrupt_run(
        self,
        run_id: str,
        token: str,
        *,
        reason: str,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        """See ``TaskEngine.interrupt_run``."""
        run: Run = await self._write(
            lambda c, x: finish_ops.interrupt_run(
                c,
                x,
                run_id,
                token,
                reason=storable_output(reason),
                exit_code=exit_code,
                summary=None if summary is None else storable_output(summary),
            )
        )
        return run

    async def append_log(
        self,
        run_id: str,
        token: str,
        text: str,
        *,
        stream: str = "stdout",
        step: str | None = None,
    ) -> int:
        """See ``TaskEngine.append_log``."""
        seq: int = await self._write(
            lambda c, x: log_ops.append_log(
                c, x, run_id, token, storable_output(text), stream=stream, step=step
            )
        )
        return seq

    async def record_lost_output(
        self,
        run_id: str,
        token: str,
        *,
        lost_bytes: int,
        reason: str,
        step: str | None = None,
    ) -> int:
        """See ``TaskEngine.record_lost_output``."""
        seq: int = await self._write(
            lambda c, x: log_ops.record_lost_output(
                c,
                x,
                run_id,
                token,
                lost_bytes=lost_bytes,
                reason=storable_output(reason),
                step=step,
            )
        )
        return seq

    async def read_log(self, owner_id: str, *, since: int = 0, limit: int = 1000) -> list[LogChunk]:
        """See ``TaskEngine.read_log``."""
        return await self._runner.read(
            lambda c: log_ops.read_log(c, owner_id, since=since, limit=limit)
        )

    async def follow_log(
        self, owner_id: str, *, since: int = 0, poll_interval: float = 0.25
    ) -> AsyncIterator[LogChunk]:
        """See ``TaskEngine.follow_log``."""
        cursor = since
        while True:
            # "Finished" is read before the chunks: every chunk was committed before the
            # owner finished, so an empty read after a finished answer really is the end.
            signal = self._runner.commit_signal()  # before the read: no commit slips between
            finished, batch = await self._runner.read(
                partial(_log_after, owner_id=owner_id, since=cursor)
            )
            for chunk in batch:
                cursor = chunk.seq
                yield chunk
            if batch:
                if len(batch) >= _LOG_BATCH:
                    await asyncio.sleep(0)
                continue
            if finished:
                return
            await self._runner.wait_for_commit(poll_interval, signal)

    async def run_steps(self, run_id: str) -> list[RunStep]:
        """See ``TaskEngine.run_steps``."""
        return await self._runner.read(lambda c: step_ops.run_steps(c, run_id))

    async def adopt_forced_runs(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        lease_seconds: float | None = None,
        run_id: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        """See ``TaskEngine.adopt_forced_runs``."""
        within = None if in_projects is None else sorted(set(in_projects))
        claims: list[Claim] = await self._write(
            lambda c, x: step_ops.adopt_forced_runs(
                c,
                x,
                worker_id,
                limit=limit,
                lease_seconds=lease_seconds,
                run_id=run_id,
                in_projects=within,
            )
        )
        return claims

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
        """See ``TaskEngine.finish_run``."""
        outcome = RunOutcome(
            run_id=run_id,
            token=token,
            success=success,
            summary=summary,
            exit_code=exit_code,
            error=error,
        )
        fast = self._runner.pg_fast
        if step is not None:
            if fast is None or not success:
                # One transaction for both (SQLite, and PostgreSQL failures).
                run: Run = await self._write(
                    lambda c, x: finish_ops.finish_run(
                        c, x, _finish_step_first(c, x, outcome, step)
                    )
                )
                return run
            # PostgreSQL success: the step on its own, then the merged finish statement
            # (cheaper under load than the generic finish in one transaction).
            await self.finish_step(
                run_id, token, step, success=True, exit_code=exit_code, summary=summary
            )
        if fast is not None and success:
            done = await claims_pg.finish_successes(fast, self._ctx(), [outcome])
            if run_id in done:
                self._runner.notify_committed()
                return done[run_id]
            # Not finished by the fast statement (and nothing written): the generic path
            # refuses with the precise reason, or promotes the task's dependents.
        generic: Run = await self._write(lambda c, x: finish_ops.finish_run(c, x, outcome))
        return generic

    async def finish_runs(self, outcomes: Sequence[RunOutcome]) -> list[Run]:
        """See ``TaskEngine.finish_runs``."""
        if not outcomes:
            return []
        done: dict[str, Run] = {}
        fast = self._runner.pg_fast
        if fast is not None:
            successes = [o for o in outcomes if o.success]
            if successes:
                done = await claims_pg.finish_successes(fast, self._ctx(), successes)
                if done:
                    self._runner.notify_committed()
        rest = [o for o in outcomes if o.run_id not in done]
        if rest:
            generic: dict[str, Run] = await self._write(
                lambda c, x: finish_ops.finish_runs(c, x, rest)
            )
            done.update(generic)
        return [done[o.run_id] for o in outcomes if o.run_id in done]

    async def expire_leases(self, now: datetime | None = None) -> list[str]:
        """See ``TaskEngine.expire_leases``."""
        refs: list[str] = await self._write(lambda c, x: lease_ops.expire_leases(c, x, now))
        return refs

    async def run_now(self, ref: str) -> Run:
        """See ``TaskEngine.run_now``."""
        run: Run = await self._write(lambda c, x: run_ops.run_now(c, x, ref, None))
        return run

    async def retry(self, ref: str) -> Task:
        """See ``TaskEngine.retry``."""
        return await self._write_then_read(lambda c, x: run_ops.retry(c, x, ref))

    async def cancel(self, ref: str, reason: str) -> Task:
        """See ``TaskEngine.cancel``."""
        return await self._write_then_read(lambda c, x: run_ops.cancel(c, x, ref, reason))

    async def runs_of(self, ref: str) -> list[Run]:
        """See ``TaskEngine.runs_of``."""
        return await self._runner.read(lambda c: run_ops.runs_of(c, ref))

    async def resolve_run_id(
        self, prefix: str, *, kind: Literal["any", "run", "quick"] = "any"
    ) -> str:
        """See ``TaskEngine.resolve_run_id``."""
        return await self._runner.read(lambda c: run_ids.resolve_run_id(c, prefix, kind=kind))

    async def get_run(self, run_id: str) -> Run:
        """See ``TaskEngine.get_run``."""
        return await self._runner.read(lambda c: run_ops.get_run(c, run_id))

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
        """See ``TaskEngine.execution_overview``."""
        within = None if in_projects is None else sorted(set(in_projects))
        now = self._clock()
        lease = self._settings.lease_seconds
        return await self._runner.read(
            lambda c: execution_view.execution_overview(
                c,
                now,
                queue_limit=queue_limit,
                recent_limit=recent_limit,
                max_per_project=max_per_project,
                lease_seconds=lease,
                pipelines=pipelines,
                approved_by=approved_by,
                in_projects=within,
            )
        )

    # -- quick actions -----------------------------------------------------------------
    async def create_quick_run(self, request: QuickRunCreate) -> QuickRun:
        """See ``TaskEngine.create_quick_run``."""
        run: QuickRun = await self._write(lambda c, x: quick_ops.create_quick_run(c, x, request))
        return run

    async def append_quick_log(
        self, quick_run_id: str, text: str, *, stream: str = "stdout"
    ) -> int:
        """See ``TaskEngine.append_quick_log``."""
        seq: int = await self._write(
            lambda c, x: log_ops.append_quick_log(
                c, x, quick_run_id, storable_output(text), stream=stream
            )
        )
        return seq

    async def finish_quick_run(
        self,
        quick_run_id: str,
        *,
        success: bool | None,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> QuickRun:
        """See ``TaskEngine.finish_quick_run``."""
        run: QuickRun = await self._write(
            lambda c, x: quick_ops.finish_quick_run(
                c,
                x,
                quick_run_id,
                success=success,
                exit_code=exit_code,
                summary=None if summary is None else storable_output(summary),
            )
        )
        return run

    async def get_quick_run(self, quick_run_id: str) -> QuickRun:
        """See ``TaskEngine.get_quick_run``."""
        return await self._runner.read(lambda c: quick_ops.get_quick_run(c, quick_run_id))

    async def list_quick_runs(self, *, limit: int = 20) -> list[QuickRun]:
        """See ``TaskEngine.list_quick_runs``."""
        return await self._runner.read(lambda c: quick_ops.list_quick_runs(c, limit=limit))

    async def promote_quick_run(self, quick_run_id: str, *, project: str | None = None) -> Task:
        """See ``TaskEngine.promote_quick_run``."""
        return await self._write_then_read(
            lambda c, x: quick_ops.promote_quick_run(c, x, quick_run_id, project=project)
        )

    # -- events ------------------------------------------------------------------------
    async def latest_event_seq(self) -> int:
        """See ``TaskEngine.latest_event_seq``."""
        if self._runner.dialect == "postgresql":
            return await event_feed.safe_cursor(self._runner.read)
        return await self._runner.read(last_seq)

    async def events(
        self, *, since: int = 0, limit: int = 500, task: str | None = None
    ) -> list[Event]:
        """See ``TaskEngine.events``."""
        through = None
        if self._runner.dialect == "postgresql":
            if task is None:
                page, _ = await event_feed.final_events(self._runner.read, since=since, limit=limit)
                return page
            # A task's events are not contiguous, so a gap says nothing: read only up to a
            # seq below which no writer is still running, and a page read with ``since``
            # never steps past one of its events that commits later.
            through = await event_feed.safe_cursor(self._runner.read)

        def op(c: Connection) -> list[Event]:
            task_id = None if task is None else find_task(c, task)["id"]
            return read_events(c, since=since, limit=limit, task_id=task_id, through=through)

        return await self._runner.read(op)

    async def follow_events(
        self, *, since: int = 0, poll_interval: float = 0.5, min_interval: float = 0.0
    ) -> AsyncIterator[Event]:
        """See ``TaskEngine.follow_events``."""
        cursor = since
        loop = asyncio.get_running_loop()
        while True:
            signal = self._runner.commit_signal()  # before the read: no commit slips between
            read_at = loop.time()
            if self._runner.dialect == "postgresql":
                batch, held = await event_feed.final_events(
                    self._runner.read, since=cursor, limit=_FOLLOW_BATCH
                )
            else:
                batch, held = await self._runner.read(partial(_events_after, since=cursor)), False
            for event in batch:
                cursor = event.seq
                yield event
            if not held and len(batch) < _FOLLOW_BATCH:
                await self._runner.wait_for_commit(poll_interval, signal)
                if (pause := read_at + min_interval - loop.time()) > 0:
                    await asyncio.sleep(pause)
            else:
                await asyncio.sleep(0)

    def state_machine(self) -> dict[str, Any]:
        """See ``TaskEngine.state_machine``."""
        return state_machine_metadata(auto_approve=self._settings.auto_approve)

    # -- serving: per-request views, keyset lists, tokens, idempotency ------------------
    def acting_as(
        self,
        actor: str,
        *,
        approve_own_commands: bool = False,
        idempotency: IdempotencyAttempt | None = None,
    ) -> SqlTaskEngine:
        """See ``TaskEngine.acting_as``."""
        settings = dataclasses.replace(self._settings, approve_own_commands=approve_own_commands)
        return SqlTaskEngine(
            self._runner,
            actor=actor,
            settings=settings,
            clock=self._clock,
            id_factory=self._id_factory,
            fence=idempotency,
            owns_runner=False,
        )

    async def list_tasks_keyset(
        self, query: TaskQuery, *, cursor: str | None = None, with_total: bool = False
    ) -> CursorPage[Task]:
        """See ``TaskEngine.list_tasks_keyset``."""
        return await self._runner.read(
            lambda c: task_pages.list_tasks_keyset(c, query, cursor=cursor, with_total=with_total)
        )

    async def check_ready(self) -> str:
        """See ``TaskEngine.check_ready``."""
        revision = await self._runner.read(migrate.current_revision)
        if revision != migrate.HEAD_REVISION:
            raise StorageError(
                f"The database schema is at revision {revision or 'none'}; this server "
                f"needs {migrate.HEAD_REVISION}.",
                hint="Restart the server (it upgrades an older schema on start), or upgrade "
                "taskyard if another release migrated the database further.",
            )
        return revision

    async def create_token(self, request: TokenCreate) -> IssuedToken:
        """See ``TaskEngine.create_token``."""
        issued: IssuedToken = await self._write(lambda c, x: token_ops.create_token(c, x, request))
        return issued

    async def list_tokens(self) -> list[ApiToken]:
        """See ``TaskEngine.list_tokens``."""
        return await self._runner.read(token_ops.list_tokens)

    async def revoke_token(self, name: str) -> ApiToken:
        """See ``TaskEngine.revoke_token``."""
        token: ApiToken = await self._write(lambda c, x: token_ops.revoke_token(c, x, name))
        return token

    async def authenticate_token(self, secret: str) -> ApiToken:
        """See ``TaskEngine.authenticate_token``."""
        now = self._clock()
        token = await self._runner.read(lambda c: token_ops.authenticate(c, secret, now))
        if token.last_used_at is None or now - token.last_used_at >= token_ops.LAST_USED_EVERY:
            # In the background: the request must not wait behind another writer (a long
            # import holds SQLite's lock for seconds) for bookkeeping, nor fail with it.
            touch = asyncio.ensure_future(self._touch_token(token.id))
            _BACKGROUND.add(touch)
            touch.add_done_callback(_BACKGROUND.discard)
        return token

    async def _touch_token(self, token_id: str) -> None:
        # RuntimeError: the engine closed meanwhile (its threads no longer take work).
        with contextlib.suppress(TaskyardError, RuntimeError):
            await self._runner.write(lambda c, x: token_ops.touch(c, x, token_id), self._ctx)

    async def reserve_idempotency_key(
        self, token_id: str, key: str, fingerprint: str
    ) -> IdempotencyReservation:
        """See ``TaskEngine.reserve_idempotency_key``."""
        reservation: IdempotencyReservation = await self._runner.write(
            lambda c, x: idempotency_ops.reserve(c, x, token_id, key, fingerprint), self._ctx
        )
        return reservation

    async def complete_idempotency_key(
        self, attempt: IdempotencyAttempt, response: StoredResponse
    ) -> None:
        """See ``TaskEngine.complete_idempotency_key``."""
        await self._runner.write(
            lambda c, x: idempotency_ops.complete(c, x, attempt, response), self._ctx
        )

    async def renew_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """See ``TaskEngine.renew_idempotency_key``."""
        await self._runner.write(lambda c, x: idempotency_ops.renew(c, x, attempt), self._ctx)

    async def release_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """See ``TaskEngine.release_idempotency_key``."""
        await self._runner.write(lambda c, _x: idempotency_ops.release(c, attempt), self._ctx)

    # -- orchestrators and polling (task-management-api.md) -------------------------------

    async def create_orchestrator(self, request: OrchestratorCreate) -> Orchestrator:
        """See ``TaskEngine.create_orchestrator``."""
        made: Orchestrator = await self._write(
            partial(_call, orchestrator_ops.create_orchestrator, request)
        )
        return made

    async def list_orchestrators(self, project: str | None = None) -> list[Orchestrator]:
        """See ``TaskEngine.list_orchestrators``."""
        return await self._runner.read(lambda c: orchestrator_ops.list_orchestrators(c, project))

    async def get_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """See ``TaskEngine.get_orchestrator``."""
        return await self._runner.read(lambda c: orchestrator_ops.get_orchestrator(c, ref, project))

    async def remove_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """See ``TaskEngine.remove_orchestrator``."""
        gone: Orchestrator = await self._write(
            lambda c, x: orchestrator_ops.remove_orchestrator(c, x, ref, project)
        )
        return gone

    async def change_task(
        self, ref: str, change: TaskChange, *, expected_version: int | None = None
    ) -> Task:
        """See ``TaskEngine.change_task``."""
        return await self._write_then_read(
            lambda c, x: task_change.change_task(
                c, x, ref, change, expected_version=expected_version
            )
        )

    async def changed_tasks(
        self, query: TaskQuery, *, since: int | datetime, limit: int = 100
    ) -> TaskChanges:
        """See ``TaskEngine.changed_tasks``."""
        if self._runner.dialect == "postgresql":
            through = await event_feed.safe_cursor(self._runner.read)
        else:
            through = await self._runner.read(last_seq)
        return await self._runner.read(
            lambda c: orchestrator_ops.changed_tasks(
                c, query, since=since, through=through, limit=limit
            )
        )


async def _open_runner(parsed: URL) -> tuple[Runner, Path | None]:
    """``_make_runner``, with a SQLite file put in WAL mode (or opened read-only if it must be).

    Raises:
        StorageError, OSError, sqlite3.Error: as ``_make_runner`` and ``ensure_wal``; a runner
            made here is closed first.
    """
    runner, path = _make_runner(parsed)
    try:
        if path is not None:
            try:
                # Off the event loop: it may wait out another program's lock.
                await asyncio.to_thread(sqlite_dialect.ensure_wal, path, runner.busy_ms)
            except sqlite3.Error as exc:
                if not sqlite_dialect.read_only_fallback(path, exc):
                    raise
                await runner.close()
                runner, path = _make_runner(parsed, read_only=True)
    except BaseException:
        # Refused (a locked file, a read-only one that cannot fall back): release the
        # connections and threads instead of leaving them to the caller's exit.
        await runner.close()
        raise
    return runner, path


def _make_runner(parsed: URL, *, read_only: bool = False) -> tuple[Runner, Path | None]:
    """The runner for a database URL, and the SQLite file behind it (``None`` otherwise).

    Nothing connects yet. ``read_only`` opens a SQLite file immutable and read-only (see
    ``sqlite_dialect.read_only_fallback``), always through the threaded stdlib driver.

    Raises:
        StorageError: the URL names a database taskyard cannot use.
        OSError: the SQLite file's folder cannot be created.
    """
    lock_wait = sqlite_dialect.lock_wait_seconds()
    busy_ms = sqlite_dialect.busy_timeout_ms(lock_wait)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite") or (
        read_only and parsed.drivername.startswith("sqlite")
    ):
        path = sqlite_dialect.database_path(parsed)
        writer, reader = sqlite_dialect.make_engines(parsed, busy_ms=busy_ms, read_only=read_only)
        return ThreadRunner(writer, reader, sqlite_path=path, lock_wait=lock_wait), path
    if parsed.drivername.startswith("sqlite"):
        from sqlalchemy.ext.asyncio import create_async_engine

        aengine = create_async_engine(parsed, connect_args={"timeout": busy_ms / 1000})
        sqlite_dialect.install_pragmas(
            aengine.sync_engine, begin="BEGIN IMMEDIATE", busy_ms=busy_ms
        )
        path = sqlite_dialect.database_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return AsyncRunner(aengine, sqlite_path=path, lock_wait=lock_wait), path
    if parsed.drivername.startswith("postgresql"):
        from core.store.dialects import postgresql

        pg_url = parsed.set(drivername="postgresql+asyncpg")
        return AsyncRunner(postgresql.make_engine(pg_url)), None
    raise StorageError(
        f"taskyard cannot use a {parsed.drivername!r} database.",
        hint="Use a SQLite file path or URL (sqlite:///...) or a PostgreSQL URL "
        "(postgresql://user:pass@host/db).",
    )


PlanBuilder = Callable[..., ImportPlan]
"""``core.prd.plan.build_plan(text, *, source, options) -> ImportPlan``."""


def _build_plan(text: str, *, source: str, options: ImportOptions) -> ImportPlan:
    """Run the planner (pure, CPU-bound, no I/O), imported only when an import needs it.

    Raises:
        ValidationError: the planner refuses the text.
        TaskyardError: this build of taskyard has no planner.
    """
    import importlib

    try:
        module = importlib.import_module("core.prd.plan")
    except ModuleNotFoundError as exc:
        if exc.name != "core.prd.plan":
            raise
        raise TaskyardError(
            "This build of taskyard cannot plan Markdown documents (core.prd.plan is missing).",
            hint="Commit a plan instead: taskyard import prd --plan-json PLAN.json --commit.",
        ) from exc
    build: PlanBuilder = module.build_plan
    return build(text, source=source, options=options)


_LOG_BATCH = 1000
_FOLLOW_BATCH = 500

_BACKGROUND: set[asyncio.Future[None]] = set()
"""Background writes in flight (asyncio keeps only weak references to tasks)."""


def _log_after(conn: Connection, *, owner_id: str, since: int) -> tuple[bool, list[LogChunk]]:
    finished = log_ops.owner_finished(conn, owner_id)
    return finished, log_ops.read_log(conn, owner_id, since=since, limit=_LOG_BATCH)


def _finish_step_first(
    conn: Connection, ctx: TxContext, outcome: RunOutcome, step: str
) -> RunOutcome:
    """``finish_run(step=...)``'s first half: the step ends as the run does."""
    step_ops.finish_step(
        conn,
        ctx,
        outcome.run_id,
        outcome.token,
        step,
        success=outcome.success,
        exit_code=outcome.exit_code,
        summary=outcome.summary,
    )
    # Written now: SQLite's finish writes its events itself, and the log must read step
    # completed, then run succeeded.
    flush_events(conn, ctx)
    return outcome


def _events_after(conn: Connection, *, since: int) -> list[Event]:
    return read_events(conn, since=since, limit=_FOLLOW_BATCH)


def _call(fn: Callable[..., Any], request: Any, conn: Connection, ctx: TxContext) -> Any:
    return fn(conn, ctx, request)


def _fenced(
    op: Callable[[Connection, TxContext], Any],
    attempt: IdempotencyAttempt,
    conn: Connection,
    ctx: TxContext,
) -> Any:
    """``op``, then the idempotency key marked committed in the same transaction."""
    result = op(conn, ctx)
    idempotency_ops.fence(conn, ctx, attempt)
    return result


# Static check that the class satisfies the Protocol.
def _conforms(engine: SqlTaskEngine) -> None:
    from core.engine import TaskEngine

    _: TaskEngine = engine


def _record_failed_import(
    conn: Connection, ctx: TxContext, *, plan: ImportPlan, error: TaskyardError
) -> ImportJob | None:
    return import_jobs.record_failed_job(conn, ctx, plan, error)
