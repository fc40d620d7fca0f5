"""Random sequences of operations never break the dependency invariants, and the event log
replays to the same board.

Each hypothesis example runs a fresh database through a random list of creates, imports, edge
additions and removals, moves (with force and when_unblocked) and deletes, and after every step
checks, from what the engine reports:

* the edge set has no cycle;
* every task's unresolved-blocker count equals a recount from its edges and the blockers' states;
* no ready task waits for anything, and no task parked for its dependencies has none left;
* only blocked tasks carry a blocked reason, and only done tasks a completion time;
* the ready queue is exactly the ready tasks, in priority order, and the board counts agree;
* a refused operation wrote no event and changed nothing;
* replaying the event log (created, dependency added/removed, every from/to move, deleted)
  gives exactly the current states and edges (and each move starts where the last one left).
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.commands import BoardQuery, TaskCreate, TaskImportItem, TaskQuery
from core.domain.graph import find_cycle
from core.domain.models import Event, Priority, Task, TaskStatus
from core.domain.states import allowed_targets, is_resolved
from core.errors import CycleError, InvalidTransitionError, NotFoundError, ValidationError
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.pg import pg_empty

S = TaskStatus
REFUSALS = (InvalidTransitionError, CycleError, ValidationError, NotFoundError)

# ------------------------------------------------------------------------------ operations
index = st.integers(min_value=0, max_value=63)
priority = st.sampled_from(list(Priority))
create_op = st.tuples(
    st.just("create"),
    st.sampled_from([S.BACKLOG, S.READY]),
    st.booleans(),  # when_unblocked
    st.lists(index, max_size=3),  # blockers
    priority,
)
import_op = st.tuples(
    st.just("import"),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    S.BACKLOG,
                    S.READY,
                    S.READY,
                    S.IN_PROGRESS,
                    S.IN_REVIEW,
                    S.DONE,
                    S.DONE,
                    S.BLOCKED,
                    S.CANCELLED,
                ]
            ),
            st.lists(index, max_size=2),  # blockers: earlier items of the same file
            st.lists(index, max_size=2),  # blockers: existing tasks, by ref
            priority,
        ),
        min_size=1,
        max_size=4,
    ),
)
add_op = st.tuples(st.just("add"), index, index)
remove_op = st.tuples(st.just("remove"), index)
# A move either picks among the moves the table allows from the task's state (so tasks really
# travel to in progress, review and done) or asks for any state at all (mostly refused).
move_op = st.tuples(
    st.just("move"),
    index,
    st.one_of(index, st.sampled_from(list(TaskStatus))),
    st.booleans(),  # force
    st.booleans(),  # when_unblocked
)
delete_op = st.tuples(st.just("delete"), index)
operations = st.lists(
    st.one_of(
        create_op,
        create_op,
        import_op,
        add_op,
        add_op,
        add_op,
        remove_op,
        move_op,
        move_op,
        move_op,
        move_op,
        delete_op,
    ),
    min_size=10,
    max_size=35,
)
seed_tasks = st.lists(create_op, min_size=3, max_size=8)
"""Tasks created before the random operations, so most sequences work on a real graph."""


# ------------------------------------------------------------------------------ model
@dataclass
class Replay:
    """States and edges rebuilt from nothing but the event log."""

    seq: int = 0
    status: dict[str, str] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def apply(self, events: list[Event]) -> None:
        for event in events:
            assert event.seq > self.seq, "event numbers must increase"
            self.seq = event.seq
            task, payload = event.task_id, event.payload
            if event.type == "task.created":
                assert task is not None
                self.status[task] = payload["status"]
                self.edges |= {(task, b) for b in payload["blocked_by"]}
            elif event.type == "task.dependency_added":
                assert task is not None
                self.edges.add((task, payload["blocker_id"]))
            elif event.type == "task.dependency_removed":
                assert task is not None
                self.edges.discard((task, payload["blocker_id"]))
            elif event.type == "task.deleted":
                assert task is not None
                del self.status[task]
                self.edges = {e for e in self.edges if task not in e}
            elif "from" in payload and "to" in payload:
                assert task is not None
                assert self.status[task] == payload["from"], (event, self.status[task])
                self.status[task] = payload["to"]


@dataclass
class Snapshot:
    tasks: dict[str, Task]
    edges: set[tuple[str, str]]

    @property
    def ordered(self) -> list[Task]:
        return sorted(
            self.tasks.values(), key=lambda t: (t.ref.split("-")[0], int(t.ref.split("-")[1]))
        )


async def snapshot(engine: SqlTaskEngine) -> Snapshot:
    page = await engine.list_tasks(TaskQuery(include_completed=True, limit=1000))
    assert page.total == len(page.items)
    tasks = {t.id: t for t in page.items}
    edges = {(t.id, b.id) for t in page.items for b in t.blocked_by}
    return Snapshot(tasks=tasks, edges=edges)


async def last_seq(engine: SqlTaskEngine) -> int:
    return (await engine.board(BoardQuery(per_column=0))).last_event_seq


# ------------------------------------------------------------------------------ running
@dataclass
class Run:
    engine: SqlTaskEngine
    sqlite_path: Path | None
    counter: int = 0
    replay: Replay = field(default_factory=Replay)

    def pick(self, snap: Snapshot, i: int) -> Task | None:
        ordered = snap.ordered
        return ordered[i % len(ordered)] if ordered else None

    async def apply(self, op: tuple[Any, ...], snap: Snapshot) -> None:
        kind = op[0]
        if kind == "create":
            _, status, when_unblocked, picks, prio = op
            blockers = {t.ref for i in picks if (t := self.pick(snap, i)) is not None}
            self.counter += 1
            await self.engine.create_task(
                TaskCreate(
                    title=f"t{self.counter}",
                    status=status,
                    when_unblocked=when_unblocked,
                    blocked_by=sorted(blockers),
                    priority=prio,
                )
            )
        elif kind == "import":
            lines = op[1]
            first = self.counter + 1
            self.counter += len(lines)
            items = []
            for n, (status, in_file, existing, prio) in enumerate(lines):
                blocked_by = sorted({f"x{first + i % n}" for i in in_file} if n else set())
                blocked_by += sorted({t.ref for i in existing if (t := self.pick(snap, i))})
                items.append(
                    TaskImportItem(
                        title=f"t{first + n}",
                        external_id=f"x{first + n}",
                        status=status,
                        blocked_by=blocked_by,
                        priority=prio,
                    )
                )
            await self.engine.import_tasks(items)
        elif kind == "add":
            task, blocker = self.pick(snap, op[1]), self.pick(snap, op[2])
            if task is not None and blocker is not None:
                await self.engine.add_dependency(task.ref, blocker.ref)
        elif kind == "remove":
            if snap.edges:
                task_id, blocker_id = sorted(snap.edges)[op[1] % len(snap.edges)]
                await self.engine.remove_dependency(task_id, blocker_id)
        elif kind == "move":
            _, i, choice, force, when_unblocked = op
            task = self.pick(snap, i)
            if task is not None:
                if isinstance(choice, TaskStatus):
                    target = choice
                else:
                    targets = sorted(allowed_targets(task.status))
                    target = targets[choice % len(targets)]
                    force = force or target == S.IN_PROGRESS
                await self.engine.transition_task(
                    task.ref, target, force=force, when_unblocked=when_unblocked
                )
        elif kind == "delete":
            task = self.pick(snap, op[1])
            if task is not None:
                await self.engine.delete_task(task.ref)
        else:  # pragma: no cover
            raise AssertionError(kind)

    def stored_edges(self) -> set[tuple[str, str]] | None:
        """The edge table read straight from the SQLite file (read-only)."""
        if self.sqlite_path is None:
            return None
        conn = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True)
        try:
            return {
                (r[0], r[1])
                for r in conn.execute("SELECT task_id, blocker_id FROM task_dependencies")
            }
        finally:
            conn.close()

    async def check(self, snap: Snapshot, previous: Snapshot) -> None:
        tasks, edges = snap.tasks, snap.edges
        # The edge table itself, when we can read it.
        stored = self.stored_edges()
        if stored is not None:
            assert stored == edges
        # No cycle.
        graph: dict[str, list[str]] = {tid: [] for tid in tasks}
        for task_id, blocker_id in edges:
            assert blocker_id in tasks, "an edge points at a deleted task"
            graph[task_id].append(blocker_id)
        assert find_cycle(graph) is None
        for task in tasks.values():
            recount = sum(1 for b in graph[task.id] if not is_resolved(tasks[b].status))
            assert task.unresolved_blocker_count == recount, task.ref
            if task.status == S.READY:
                assert recount == 0, f"{task.ref} is ready with {recount} unresolved blockers"
            reason = task.blocked_reason
            if reason is not None:
                assert task.status == S.BLOCKED, f"{task.ref} has a reason but is {task.status}"
                if reason.kind == "dependencies":
                    assert recount > 0, f"{task.ref} is parked with nothing to wait for"
            elif task.status == S.BLOCKED:
                raise AssertionError(f"{task.ref} is blocked without a reason")
            assert (task.status == S.DONE) == (task.completed_at is not None), task.ref
            if task.id in previous.tasks:
                before = previous.tasks[task.id]
                assert task.version >= before.version
                if task.status != before.status:
                    assert task.version > before.version, f"{task.ref} moved without a new version"
        # The ready queue and the board agree with the tasks.
        ready = [t for t in tasks.values() if t.status == S.READY]
        queue = await self.engine.ready_tasks(limit=1000)
        assert {c.id for c in queue} == {t.id for t in ready}
        keys = [(c.priority.rank, c.created_at) for c in queue]
        assert keys == sorted(keys)
        board = await self.engine.board(BoardQuery(per_column=0))
        assert {c.status: c.count for c in board.columns if c.count} == dict(
            Counter(t.status for t in tasks.values())
        )
        # The event log replays to the same states and edges.
        self.replay.apply(await self.engine.events(since=self.replay.seq, limit=100_000))
        assert self.replay.status == {tid: t.status.value for tid, t in tasks.items()}
        assert self.replay.edges == edges
        assert board.last_event_seq == self.replay.seq


async def run_sequence(
    url: str, seed: list[tuple[Any, ...]], ops: list[tuple[Any, ...]], sqlite_path: Path | None
) -> None:
    engine = await SqlTaskEngine.open(url, actor="property")
    run = Run(engine=engine, sqlite_path=sqlite_path)
    try:
        snap = await snapshot(engine)
        await run.check(snap, snap)
        for op in [*seed, *ops]:
            seq_before = await last_seq(engine)
            try:
                await run.apply(op, snap)
            except REFUSALS:
                refused = True
            else:
                refused = False
            after = await snapshot(engine)
            if refused:
                assert await last_seq(engine) == seq_before, f"refused {op} wrote events"
                assert after.tasks == snap.tasks, f"refused {op} changed tasks"
            await run.check(after, snap)
            snap = after
    finally:
        await engine.close()


# ------------------------------------------------------------------------------ tests
PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


EXAMPLES = {
    "quick": {"sqlite": 12, "postgres": 3},
    "long": {"sqlite": 40, "postgres": 8},
}
"""Random sequences (10 to 35 operations each) per run and backend. ``make test`` draws the
quick ones, where every kind of operation still runs dozens of times; ``make slow`` fuzzes at
length."""
LENGTHS = [pytest.param("quick"), pytest.param("long", marks=pytest.mark.slow)]


def property_run(length: str, backend: str) -> settings:
    """The hypothesis settings of one run: its number of sequences."""
    return settings(PROPERTY_SETTINGS, max_examples=EXAMPLES[length][backend])


@pytest.mark.parametrize("length", LENGTHS)
def test_random_operations_keep_the_invariants_on_sqlite(
    sqlite_template: Path, length: str
) -> None:
    """Whatever people do to tasks and dependencies, a SQLite board stays consistent."""

    @property_run(length, "sqlite")
    @given(seed=seed_tasks, ops=operations)
    def check(seed: list[tuple[Any, ...]], ops: list[tuple[Any, ...]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "prop.db"
            copy_migrated_sqlite(sqlite_template, path)
            asyncio.run(run_sequence(f"sqlite:///{path}", seed, ops, path))

    check()


@pytest.mark.postgres
@pytest.mark.parametrize("length", LENGTHS)
def test_random_operations_keep_the_invariants_on_postgres(
    pg_session_database: str, length: str
) -> None:
    """Whatever people do to tasks and dependencies, a PostgreSQL board stays consistent."""

    @property_run(length, "postgres")
    @given(seed=seed_tasks, ops=operations)
    def check(seed: list[tuple[Any, ...]], ops: list[tuple[Any, ...]]) -> None:
        async def main() -> None:
            await pg_empty(pg_session_database)
            await run_sequence(pg_session_database, seed, ops, None)

        asyncio.run(main())

    check()
