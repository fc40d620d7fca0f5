"""Races between clients: many engines (and many processes) writing the same things at once.

Every test runs on a SQLite file and on PostgreSQL. Separate ``SqlTaskEngine`` instances have
their own connections, so their transactions really overlap (PostgreSQL) or really queue for the
write lock (SQLite); the heaviest test uses separate processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core.domain.commands import ProjectCreate, TaskCreate, TaskImportItem, TaskPatch, TaskQuery
from core.domain.models import TaskStatus
from core.errors import ConflictError, CycleError
from core.store.engine import SqlTaskEngine

S = TaskStatus
REPO = Path(__file__).resolve().parents[2]
Engines = Callable[[int], Awaitable[list[SqlTaskEngine]]]


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_schema_url"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


@pytest.fixture
async def engines(db_url: str) -> AsyncIterator[Engines]:
    """Open n independent engines (clients) on the test's database; all closed afterwards."""
    opened: list[SqlTaskEngine] = []

    async def factory(n: int) -> list[SqlTaskEngine]:
        # Open one first so the schema exists before the others look at it.
        fresh = [await SqlTaskEngine.open(db_url, actor="client-0")]
        fresh += await asyncio.gather(
            *(SqlTaskEngine.open(db_url, actor=f"client-{i}") for i in range(1, n))
        )
        opened.extend(fresh)
        return fresh

    yield factory
    for engine in opened:
        await engine.close()


def check_one_task(results: list[Any]) -> None:
    """Exactly one create made the task; every other one got that same task back."""
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors
    created = [r for r in results if r.created]
    assert len(created) == 1
    assert {r.task.id for r in results} == {created[0].task.id}


# ------------------------------------------------------------------------------ (a) external id
@pytest.mark.parametrize("project", ["web", None], ids=["named-project", "default-project"])
async def test_twenty_clients_creating_one_external_id_make_one_task(
    engines: Engines, project: str | None
) -> None:
    """Twenty clients creating the same external id at once make one task and all see it."""
    clients = await engines(20)
    if project is not None:
        await clients[0].create_project(ProjectCreate(name="Web"))
    results: list[Any] = await asyncio.gather(
        *(
            c.create_task(TaskCreate(title=f"from client {i}", external_id="gh-1", project=project))
            for i, c in enumerate(clients)
        ),
        return_exceptions=True,
    )
    check_one_task(results)
    tasks = await clients[0].events()
    assert [e.type for e in tasks].count("task.created") == 1


LAUNCHER = textwrap.dedent(
    """
    # Imports once, then forks N clients: each opens its own engine, says "ready", waits for
    # the go file and creates the task, printing the answer as one JSON line.
    import asyncio, json, os, sys, time

    from core.domain.commands import TaskCreate
    from core.store.engine import SqlTaskEngine

    url, go, project, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    async def client() -> None:
        engine = await SqlTaskEngine.open(url, actor=f"process-{os.getpid()}")
        os.write(1, b"ready\\n")  # one write per line: the clients share one pipe
        give_up = time.monotonic() + 60  # never outlive a failed test
        while not os.path.exists(go):
            if time.monotonic() > give_up:
                raise SystemExit(1)
            time.sleep(0.001)
        try:
            result = await engine.create_task(
                TaskCreate(title=f"from {os.getpid()}", external_id="gh-1", project=project)
            )
            answer = {"id": result.task.id, "created": result.created}
        except Exception as exc:
            answer = {"error": type(exc).__name__, "message": str(exc)}
        finally:
            await engine.close()
        os.write(1, (json.dumps(answer) + "\\n").encode())

    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                asyncio.run(client())
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    failed = sum(os.waitpid(pid, 0)[1] != 0 for pid in children)
    sys.exit(1 if failed else 0)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
async def test_twenty_processes_creating_one_external_id_make_one_task(
    engines: Engines, db_url: str, tmp_path: Path
) -> None:
    """Twenty separate processes creating the same external id at once make exactly one task."""
    (setup,) = await engines(1)
    await setup.create_project(ProjectCreate(name="Web"))
    script = tmp_path / "launcher.py"
    script.write_text(LAUNCHER)
    go = tmp_path / "go"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        db_url,
        str(go),
        "web",
        "20",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,  # the launcher and its clients form one group to kill
    )
    try:
        assert proc.stdout is not None
        for _ in range(20):
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
            if line.strip() != b"ready":
                raise AssertionError(f"a client did not start: {line!r}")
        go.touch()
        raw_out, raw_err = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # no-op when all exited; else no orphans
        await proc.wait()
    out, err = raw_out.decode(), raw_err.decode()
    assert proc.returncode == 0, err
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(answers) == 20
    assert [a for a in answers if "error" in a] == []
    assert sum(a["created"] for a in answers) == 1
    assert len({a["id"] for a in answers}) == 1
    stored = await setup.get_task(answers[0]["id"])
    assert (stored.ref, stored.external_id) == ("WEB-1", "gh-1")
    created = [e for e in await setup.events() if e.type == "task.created"]
    assert [e.task_id for e in created] == [stored.id]


# ------------------------------------------------------------------------------ (b) unblocking
@pytest.mark.slow
async def test_two_blockers_finishing_together_unblock_the_dependent_once(
    engines: Engines,
) -> None:
    """When two blockers finish at the same moment, the waiting task becomes ready exactly once."""
    first, second = await engines(2)
    for round_ in range(20):
        a = (await first.create_task(TaskCreate(title=f"a{round_}", status=S.READY))).task
        b = (await first.create_task(TaskCreate(title=f"b{round_}", status=S.READY))).task
        for blocker in (a, b):
            await first.transition_task(blocker.ref, S.IN_PROGRESS, force=True)
            await first.transition_task(blocker.ref, S.IN_REVIEW)
        waiting = (
            await first.create_task(
                TaskCreate(
                    title=f"d{round_}",
                    status=S.READY,
                    when_unblocked=True,
                    blocked_by=[a.ref, b.ref],
                )
            )
        ).task
        assert waiting.status == S.BLOCKED
        await asyncio.gather(
            first.transition_task(a.ref, S.DONE), second.transition_task(b.ref, S.DONE)
        )
        after = await second.get_task(waiting.ref)
        assert (after.status, after.unresolved_blocker_count) == (S.READY, 0), round_
        unblocked = [e for e in await first.events(task=waiting.id) if e.type == "task.unblocked"]
        assert len(unblocked) == 1, round_


# ------------------------------------------------------------------------------ (c) edits
async def test_two_edits_of_the_same_version_one_wins(engines: Engines) -> None:
    """Two people saving edits of the same version: one is saved, the other gets a conflict."""
    first, second = await engines(2)
    for round_ in range(10):
        task = (await first.create_task(TaskCreate(title=f"original {round_}"))).task
        results = await asyncio.gather(
            first.update_task(task.ref, TaskPatch(title="first"), expected_version=task.version),
            second.update_task(task.ref, TaskPatch(title="second"), expected_version=task.version),
            return_exceptions=True,
        )
        wins = [r for r in results if not isinstance(r, BaseException)]
        losses = [r for r in results if isinstance(r, BaseException)]
        assert len(wins) == 1, results
        assert len(losses) == 1
        assert isinstance(losses[0], ConflictError), losses[0]
        assert losses[0].details["current_version"] == task.version + 1
        stored = await first.get_task(task.ref)
        assert stored.title == wins[0].title
        assert stored.version == task.version + 1
        updates = [e for e in await second.events(task=task.id) if e.type == "task.updated"]
        assert len(updates) == 1


# ------------------------------------------------------------------------------ (d) edges
async def test_clients_closing_a_loop_at_once_never_make_a_cycle(engines: Engines) -> None:
    """Three people adding A→B, B→C and C→A at once: two edges are kept, the third is refused."""
    clients = await engines(3)
    for round_ in range(10):
        refs = [
            (await clients[0].create_task(TaskCreate(title=f"{n}{round_}"))).task.ref for n in "abc"
        ]
        results = await asyncio.gather(
            *(c.add_dependency(refs[i], refs[(i + 1) % 3]) for i, c in enumerate(clients)),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], CycleError), refused[0]
        edges = [len((await clients[0].get_task(ref)).blocked_by) for ref in refs]
        assert sum(edges) == 2


async def test_concurrent_creates_get_distinct_consecutive_refs(engines: Engines) -> None:
    """Ten people adding tasks to one project at once get TY-1 … TY-30, none lost or doubled."""
    clients = await engines(10)
    await clients[0].create_project(ProjectCreate(name="Shared", key="TY"))

    async def add(client: SqlTaskEngine, n: int) -> list[str]:
        return [
            (await client.create_task(TaskCreate(title=f"{n}-{i}", project="TY"))).task.ref
            for i in range(3)
        ]

    refs = [
        ref
        for batch in await asyncio.gather(*(add(c, n) for n, c in enumerate(clients)))
        for ref in batch
    ]
    assert sorted(refs, key=lambda r: int(r.split("-")[1])) == [f"TY-{n}" for n in range(1, 31)]


async def test_two_clients_importing_one_file_at_once_create_it_once(engines: Engines) -> None:
    """Two people importing the same file at the same moment: each task is created once."""
    first, second = await engines(2)
    await first.create_project(ProjectCreate(name="Import", key="IM"))
    items = [TaskImportItem(title="item 0", external_id="x0")] + [
        TaskImportItem(title=f"item {n}", external_id=f"x{n}", blocked_by=[f"x{n - 1}"])
        for n in range(1, 10)
    ]
    results = await asyncio.gather(
        first.import_tasks(items, project="IM"), second.import_tasks(items, project="IM")
    )
    assert sorted(len(r.created) for r in results) == [0, 10]
    assert sorted(len(r.existing) for r in results) == [0, 10]
    assert results[0].created + results[1].created == results[0].existing + results[1].existing
    page = await first.list_tasks(TaskQuery(project="IM", limit=100))
    assert page.total == 10
    assert sum(len(t.blocked_by) for t in page.items) == 9


# ------------------------------------------------------------------------------ follow
async def test_a_follower_misses_nothing_while_others_write(engines: Engines) -> None:
    """A client following the event feed sees every event, in order, while others write at once."""
    watcher, *writers = await engines(4)
    await watcher.create_project(ProjectCreate(name="Inbox"))  # the writers' default project
    start = (await watcher.events())[-1].seq
    stream = watcher.follow_events(since=start, poll_interval=0.02)
    seen: list[int] = []

    async def follow() -> None:
        async for event in stream:
            seen.append(event.seq)
            if len(seen) == 30:
                return

    async def write(client: SqlTaskEngine, n: int) -> None:
        for i in range(10):
            await client.create_task(TaskCreate(title=f"{n}-{i}"))

    follower = asyncio.ensure_future(follow())
    await asyncio.sleep(0.05)
    await asyncio.gather(*(write(c, n) for n, c in enumerate(writers)))
    await asyncio.wait_for(follower, timeout=10)
    await stream.aclose()  # type: ignore[attr-defined]
    expected = [e.seq for e in await watcher.events(since=start)]
    assert len(expected) == 30
    assert seen == expected
