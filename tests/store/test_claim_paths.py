"""Every claim scenario on every claim path, compared field by field with the generic path.

The claim package (``core/store/claims``) writes claims three ways: SQLAlchemy Core (the
generic path), constant SQL on SQLite's driver, and PostgreSQL's merged statements. The engine
picks one by dialect and arguments, so the ordinary contract tests never reach the generic
path on SQLite, and on PostgreSQL only for claims with a project filter or a per-project
limit. Here each scenario runs on each path by name:

* ``generic-sqlite``: ``claims.claim_tasks`` and ``finish_ops.finish_run`` with
  ``claims.GENERIC``, on SQLite. This is the reference.
* ``sqlite`` and ``aiosqlite``: the engine on SQLite (``claims.SQLITE``, through the stdlib
  driver and through aiosqlite).
* ``generic-postgres``: as ``generic-sqlite``, on PostgreSQL.
* ``postgres``: the engine on PostgreSQL (``claims.postgres``' statements, and the generic
  finish where they leave a run alone).

Each scenario asserts what it is about (claim order, per-project limits, the fence, ...) and
returns a trace: the claims and runs the calls returned and every task, run and event the
database then holds, with ids and tokens replaced by names (``TY-1``, ``run TY-1#1``). The
trace of the path under test must equal the reference's, so a field, an event or a payload
key that one path writes differently fails here. PostgreSQL paths need
``TASKYARD_TEST_PG_URL`` and skip with the reason when it is unset.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.errors import LeaseLostError
from core.store import claims, finish_ops
from core.store.claims.fence import holds_sql, refusal
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite

from .conftest import NO_BACKOFF, Clock

S = TaskStatus

REFERENCE = "generic-sqlite"
PATHS = [
    pytest.param("generic-sqlite", id="generic-sqlite"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("aiosqlite", id="aiosqlite"),
    pytest.param("generic-postgres", id="generic-postgres", marks=pytest.mark.postgres),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
GENERIC = {"generic-sqlite", "generic-postgres"}


@dataclass
class Driver:
    """One claim path on one fresh database: claims and finishes go the path's way."""

    path: str
    eng: SqlTaskEngine
    clock: Clock

    @property
    def generic(self) -> bool:
        return self.path in GENERIC

    async def ready(self, title: str, **fields: Any) -> str:
        """A new ready task; its ref."""
        fields.setdefault("status", S.READY)
        return (await self.eng.create_task(TaskCreate(title=title, **fields))).task.ref

    async def claim(
        self,
        worker_id: str,
        *,
        pipelines: Collection[str] | None = None,
        approved_by: Collection[str] | None = None,
        **ask: Any,
    ) -> list[Claim]:
        """A claim the path's way: the engine's, or ``claims.claim_tasks`` with GENERIC.

        ``ask``: ``limit``, ``project``, ``max_per_project``, ``lease_seconds``.
        """
        if not self.generic:
            return await self.eng.claim_tasks(
                worker_id, pipelines=pipelines, approved_by=approved_by, **ask
            )
        ask = {"limit": 1, "project": None, "max_per_project": None, "lease_seconds": None} | ask
        # As the engine passes them: sorted, without repeats.
        runnable = None if pipelines is None else sorted(set(pipelines))
        approvers = None if approved_by is None else sorted(set(approved_by))
        got: list[Claim] = await self.eng._write(
            lambda c, x: claims.claim_tasks(
                c,
                x,
                worker_id,
                runnable=runnable,
                approved_by=approvers,
                path=claims.GENERIC,
                **ask,
            )
        )
        return got

    async def finish(self, claim: Claim, *, success: bool = True, **fields: Any) -> Run:
        """Finish ``claim``'s run the path's way; ``fields``: summary, exit_code, error."""
        if not self.generic:
            return await self.eng.finish_run(
                claim.run_id, claim.claim_token, success=success, **fields
            )
        outcome = RunOutcome(
            run_id=claim.run_id, token=claim.claim_token, success=success, **fields
        )
        run: Run = await self.eng._write(
            lambda c, x: finish_ops.finish_run(c, x, outcome, claims.GENERIC)
        )
        return run

    async def finish_many(self, outcomes: Sequence[RunOutcome]) -> list[Run]:
        """Finish several runs in one call the path's way (the batch completer)."""
        if not self.generic:
            return await self.eng.finish_runs(outcomes)
        done: dict[str, Run] = await self.eng._write(
            lambda c, x: finish_ops.finish_runs(c, x, outcomes, claims.GENERIC)
        )
        return [done[o.run_id] for o in outcomes if o.run_id in done]


Opener = Callable[..., Awaitable[Driver]]


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    """The claim path under test."""
    return str(request.param)


@pytest.fixture
def path_url(path: str, request: pytest.FixtureRequest) -> str | None:
    """The database of a PostgreSQL path (fresh); ``None`` for SQLite paths, which get files."""
    if path.endswith("postgres"):
        return str(request.getfixturevalue("pg_schema_url"))
    return None


@pytest.fixture
async def open_driver(
    path: str, path_url: str | None, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Opener]:
    """Opens a driver for a path on a fresh database, with a pinned clock and no backoff.

    A PostgreSQL path opens the test's one PostgreSQL database (once); SQLite paths get a
    new file each.
    """
    opened: list[SqlTaskEngine] = []

    async def opener(kind: str, **options: Any) -> Driver:
        if kind.endswith("postgres"):
            assert kind == path
            assert path_url is not None
            url = path_url
        else:
            db = tmp_path / f"{kind}-{len(opened)}.db"
            copy_migrated_sqlite(sqlite_template, db)
            url = f"{'sqlite+aiosqlite' if kind == 'aiosqlite' else 'sqlite'}:///{db}"
        clock = Clock()
        options.setdefault("auto_approve", False)
        eng = await SqlTaskEngine.open(
            url, actor="tester", clock=clock, retry_policy=NO_BACKOFF, **options
        )
        opened.append(eng)
        return Driver(kind, eng, clock)

    yield opener
    for eng in opened:
        await eng.close()


# ------------------------------------------------------------------------------ traces
Scenario = Callable[[Driver], Awaitable[dict[str, Any]]]


async def trace(d: Driver, **returned: Any) -> dict[str, Any]:
    """What the scenario got back (``returned``) and what the database holds after it.

    Ids become names (a task's ref, ``run TY-1#2``, ``project TY``), claim tokens become
    ``token of run TY-1#2`` once checked against the run they name, and event ids and
    sequence numbers are dropped: every path makes its own. Times stay, and must agree
    (the clock is pinned).
    """
    events = await d.eng.events(since=0, limit=100_000)
    task_ids = dict.fromkeys(e.task_id for e in events if e.task_id is not None)
    tasks = [await d.eng.get_task(task_id) for task_id in task_ids]
    runs = {t.ref: await d.eng.runs_of(t.ref) for t in tasks}
    names: dict[str, str] = {}
    for task in tasks:
        names[task.id] = task.ref
        names[task.project_id] = f"project {task.ref.split('-')[0]}"
        for run in runs[task.ref]:
            names[run.id] = f"run {task.ref}#{run.attempt}"
            names[run.claim_token] = f"token of run {task.ref}#{run.attempt}"
    for got in _walk(returned):
        if isinstance(got, Claim):
            [run] = [r for r in runs[got.ref] if r.id == got.run_id]
            assert (run.claim_token, run.lease_expires_at) == (
                got.claim_token,
                got.lease_expires_at,
            )
    named: dict[str, Any] = _named(
        {
            "returned": returned,
            "tasks": tasks,
            "runs": runs,
            "events": [e.model_dump(exclude={"id", "seq"}) for e in events],
        },
        names,
    )
    return named


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [v for item in value.values() for v in _walk(item)]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _walk(item)]
    return [value]


def _named(value: Any, names: dict[str, str]) -> Any:
    """``value`` as plain data, every id and token in it replaced by its name."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return {names.get(k, k): _named(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_named(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


async def same_on_every_path(
    path: str, open_driver: Opener, scenario: Scenario, **options: Any
) -> dict[str, Any]:
    """Run ``scenario`` on ``path`` and on the reference; their traces must be equal."""
    got = await scenario(await open_driver(path, **options))
    if path != REFERENCE:
        expected = await scenario(await open_driver(REFERENCE, **options))
        assert got == expected, _difference(got, expected)
    return got


def _difference(got: Any, expected: Any, where: str = "trace") -> str:
    """Where two traces first differ, and how (pytest's own diff elides nested values)."""
    if isinstance(got, dict) and isinstance(expected, dict):
        for key in sorted(set(got) | set(expected), key=str):
            mine, theirs = got.get(key, "<missing>"), expected.get(key, "<missing>")
            if mine != theirs:
                return _difference(mine, theirs, f"{where}[{key!r}]")
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            if g != e:
                return _difference(g, e, f"{where}[{i}]")
    return f"{where}: this path {got!r}, the generic path on SQLite {expected!r}"


# ------------------------------------------------------------------------------ scenarios
async def test_claims_follow_priority_then_creation_time(path: str, open_driver: Opener) -> None:
    """Critical before high before medium before low, the older first among equals; a batch
    takes at most its limit, and a backlog task is never claimed."""

    async def scenario(d: Driver) -> dict[str, Any]:
        low = await d.ready("low", priority="low")
        crit1 = await d.ready("crit1", priority="critical")
        await d.eng.create_task(TaskCreate(title="backlog", priority="critical"))
        high = await d.ready("high", priority="high")
        d.clock.advance(1)
        crit2 = await d.ready("crit2", priority="critical")
        med = await d.ready("med", priority="medium")
        first = await d.claim("w1", limit=2)
        rest = await d.claim("w2", limit=10)
        assert [c.ref for c in first + rest] == [crit1, crit2, high, med, low]
        assert [c.worker_id for c in first + rest] == ["w1"] * 2 + ["w2"] * 3
        assert await d.claim("w3", limit=10) == []
        return await trace(d, first=first, rest=rest)

    await same_on_every_path(path, open_driver, scenario)


def _no_project_claims(path: str) -> None:
    if path == "postgres":
        pytest.skip(
            "PostgreSQL's claim statement takes no project filter or per-project limit: "
            "the engine sends such claims to the generic path (generic-postgres covers it)"
        )


async def test_a_per_project_limit_caps_the_tasks_in_progress(
    path: str, open_driver: Opener
) -> None:
    """With two per project, a claim takes two of each; a finish frees a slot."""
    _no_project_claims(path)

    async def scenario(d: Driver) -> dict[str, Any]:
        await d.eng.create_project(ProjectCreate(name="Alpha", key="AL"))
        await d.eng.create_project(ProjectCreate(name="Beta", key="BE"))
        for i in range(3):
            await d.ready(f"a{i}", project="AL")
            await d.ready(f"b{i}", project="BE", priority="high" if i == 2 else "medium")
        claimed = await d.claim("w1", limit=10, max_per_project=2)
        assert [c.ref for c in claimed] == ["BE-3", "AL-1", "BE-1", "AL-2"]
        assert await d.claim("w1", limit=10, max_per_project=2) == []
        freed = await d.finish(claimed[1], summary="ok")
        again = await d.claim("w2", limit=10, max_per_project=2)
        assert [c.ref for c in again] == ["AL-3"]
        return await trace(d, claimed=claimed, freed=freed, again=again)

    await same_on_every_path(path, open_driver, scenario)


async def test_a_claim_can_be_limited_to_one_project(path: str, open_driver: Opener) -> None:
    _no_project_claims(path)

    async def scenario(d: Driver) -> dict[str, Any]:
        await d.eng.create_project(ProjectCreate(name="Alpha", key="AL"))
        await d.ready("inbox task", priority="critical")
        await d.ready("alpha task", project="AL")
        await d.ready("alpha later", project="AL")
        only = await d.claim("w1", limit=5, project="alpha")
        assert [c.ref for c in only] == ["AL-1", "AL-2"]
        capped = await d.claim("w1", limit=5, project="AL", max_per_project=3)
        assert capped == []
        return await trace(d, only=only)

    await same_on_every_path(path, open_driver, scenario)


async def test_a_worker_claims_only_what_it_can_run_and_may_run(
    path: str, open_driver: Opener
) -> None:
    """Pipelines leave out tasks with nothing to run; ``approved_by`` leaves out commands
    someone else approved; an unapproved command is never claimed."""

    async def scenario(d: Driver) -> dict[str, Any]:
        await d.ready("An idea")
        await d.ready("Lint", metadata={"command": "make lint"})  # approved by its author
        await d.ready("Review", pipeline_template="review")
        await d.ready("Write docs", task_type="docs")
        runnable = await d.claim("w", limit=10, pipelines=["docs"], approved_by=["someone"])
        assert [c.title for c in runnable] == ["Review", "Write docs"]
        approved = await d.claim("w", limit=10, pipelines=["docs"], approved_by=["tester"])
        assert [c.title for c in approved] == ["Lint"]
        anything = await d.claim("w", limit=10)
        assert [c.title for c in anything] == ["An idea"]
        return await trace(d, runnable=runnable, approved=approved, anything=anything)

    await same_on_every_path(path, open_driver, scenario)


async def test_dependents_wait_for_their_blockers_and_follow_them(
    path: str, open_driver: Opener
) -> None:
    """A dependent is claimed only once both blockers are done; the second blocker's
    success promotes it (``task.unblocked``), in a single finish and in a batch."""

    async def scenario(d: Driver) -> dict[str, Any]:
        a, b, c = await d.ready("a"), await d.ready("b"), await d.ready("c")
        child = (
            await d.eng.create_task(
                TaskCreate(title="child", blocked_by=[a, b], status=S.READY, when_unblocked=True)
            )
        ).task
        taken = await d.claim("w1", limit=10)
        assert [t.ref for t in taken] == [a, b, c]
        first = await d.finish(taken[0], summary="a done", exit_code=0)
        assert (await d.eng.get_task(child.ref)).status == S.BLOCKED
        # c before b: PostgreSQL writes a batch's plain successes (c) before the ones that
        # promote dependents (b), see test_a_batch_writes_its_events_in_the_order_given.
        batch = await d.finish_many([_outcome(taken[2]), _outcome(taken[1])])
        assert len(batch) == 2
        [next_claim] = await d.claim("w2", limit=10)
        assert next_claim.ref == child.ref
        return await trace(d, taken=taken, first=first, batch=batch, next_claim=next_claim)

    await same_on_every_path(path, open_driver, scenario, auto_approve=True)


async def test_a_finish_answers_with_the_run_as_stored(path: str, open_driver: Opener) -> None:
    """Success after a step (to review), failure (retried), and a batch with a stale token
    and an unknown run: each returned run equals ``get_run``'s, field by field."""

    async def scenario(d: Driver) -> dict[str, Any]:
        refs = [await d.ready(f"t{i}") for i in range(4)]
        taken = await d.claim("w1", limit=4)
        step = await d.eng.start_step(taken[0].run_id, taken[0].claim_token, "build", total=2)
        assert (step.step_index, step.step_count) == (1, 2)
        d.clock.advance(2)
        succeeded = await d.finish(taken[0], summary="built", exit_code=0)
        failed = await d.finish(taken[1], success=False, exit_code=3, error="boom")
        batch = await d.finish_many(
            [
                RunOutcome(run_id=taken[2].run_id, token=str(uuid.uuid4()), success=True),
                RunOutcome(run_id="no-such-run", token="x", success=True),
                RunOutcome(
                    run_id=taken[3].run_id, token=taken[3].claim_token, success=True, summary="s"
                ),
            ]
        )
        assert [r.id for r in batch] == [taken[3].run_id]
        for run in (succeeded, failed, *batch):
            assert run == await d.eng.get_run(run.id)
        assert (succeeded.step_index, succeeded.step_count, succeeded.step) == (1, 2, "build")
        statuses = [(await d.eng.get_task(r)).status for r in refs]
        assert statuses == [S.IN_REVIEW, S.READY, S.IN_PROGRESS, S.IN_REVIEW]
        return await trace(d, succeeded=succeeded, failed=failed, batch=batch)

    await same_on_every_path(path, open_driver, scenario)


async def test_a_closed_run_cannot_finish_the_task_another_worker_runs(
    path: str, open_driver: Opener
) -> None:
    """The zombie: w1's run is closed by a hand move and the task claimed again by w2. w1's
    late success, alone or in a batch, is refused and writes nothing; w2 finishes."""

    async def scenario(d: Driver) -> dict[str, Any]:
        ref = await d.ready("t")
        [first] = await d.claim("w1", lease_seconds=600)
        await d.eng.start_step(first.run_id, first.claim_token, "work")
        await d.eng.transition_task(ref, S.READY)  # moved back by hand: w1's run is closed
        [second] = await d.claim("w2", lease_seconds=600)
        before = await d.eng.events(since=0, limit=100_000)
        with pytest.raises(LeaseLostError, match="has ended"):
            await d.finish(first)
        assert await d.finish_many([_outcome(first)]) == []
        assert await d.eng.events(since=0, limit=100_000) == before
        task = await d.eng.get_task(ref)
        assert (task.status, task.current_agent_id) == (S.IN_PROGRESS, "w2")
        done = await d.finish(second, summary="w2's")
        return await trace(d, first=first, second=second, done=done)

    await same_on_every_path(path, open_driver, scenario)


async def test_a_lost_lease_or_a_stale_token_finishes_nothing(
    path: str, open_driver: Opener
) -> None:
    """A lease that ended (even before the sweep) and a token that is not the run's are
    refused; the holder's finish just before its lease ends goes through."""

    async def scenario(d: Driver) -> dict[str, Any]:
        await d.ready("expires")
        await d.ready("holds")
        [expiring] = await d.claim("w1", lease_seconds=10)
        [holding] = await d.claim("w2", lease_seconds=20)
        d.clock.advance(10)
        with pytest.raises(LeaseLostError, match="lease expired"):
            await d.finish(expiring)
        stale = holding.model_copy(update={"claim_token": str(uuid.uuid4())})
        with pytest.raises(LeaseLostError, match="claim token"):
            await d.finish(stale)
        d.clock.advance(9.999)
        held = await d.finish(holding)
        assert held.status == RunStatus.SUCCEEDED
        return await trace(d, expiring=expiring, holding=holding, held=held)

    await same_on_every_path(path, open_driver, scenario)


async def test_a_batch_writes_its_events_in_the_order_given(path: str, open_driver: Opener) -> None:
    """A batch of a failure, a success that promotes a dependent and a plain success: the
    log reads them in the order given, each run's events together."""
    if path == "postgres":
        pytest.skip(
            "PostgreSQL's engine writes a batch's plain successes in one statement and commit "
            "first, then the rest in one transaction: its log reads c's events before b's"
        )

    async def scenario(d: Driver) -> dict[str, Any]:
        a, b = await d.ready("a"), await d.ready("b")
        await d.ready("c")
        await d.eng.create_task(
            TaskCreate(title="child", blocked_by=[b], status=S.READY, when_unblocked=True)
        )
        taken = await d.claim("w1", limit=10)
        assert [t.ref for t in taken[:2]] == [a, b]
        failure = RunOutcome(
            run_id=taken[0].run_id, token=taken[0].claim_token, success=False, error="no"
        )
        before = len(await d.eng.events(since=0, limit=100_000))
        batch = await d.finish_many([failure, _outcome(taken[1]), _outcome(taken[2])])
        assert len(batch) == 3
        got = await trace(d, batch=batch)
        assert [(e["task_id"], e["type"]) for e in got["events"][before:]] == [
            ("TY-1", "run.failed"),
            ("TY-1", "task.retry_scheduled"),
            ("TY-2", "run.succeeded"),
            ("TY-2", "task.completed"),
            ("TY-4", "task.unblocked"),
            ("TY-3", "run.succeeded"),
            ("TY-3", "task.completed"),
        ]
        return got

    await same_on_every_path(path, open_driver, scenario, auto_approve=True)


def _outcome(claim: Claim) -> RunOutcome:
    return RunOutcome(run_id=claim.run_id, token=claim.claim_token, success=True)


# ------------------------------------------------------------------------------ one fence
@pytest.mark.parametrize("status", ["queued", "running", "succeeded", "cancelled", "expired"])
@pytest.mark.parametrize("lease_after_now", [-1, 0, 1])
def test_the_fence_in_sql_says_what_the_fence_in_python_says(
    status: str, lease_after_now: int
) -> None:
    """PostgreSQL's finish statement fences with ``holds_sql``, the other paths with
    ``refusal``: both spellings agree on every state and on the lease boundary (evaluated
    here by SQLite, which reads the same SQL)."""
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    lease = now + timedelta(microseconds=lease_after_now)
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE runs (status TEXT, lease_expires_at TEXT)")
        db.execute("INSERT INTO runs VALUES (?, ?)", (status, lease.isoformat()))
        [(holds,)] = db.execute(f"SELECT {holds_sql('runs', '?')} FROM runs", (now.isoformat(),))
    why = refusal(token_matches=True, status=status, lease_expires_at=lease, now=now)
    assert bool(holds) == (why is None)
