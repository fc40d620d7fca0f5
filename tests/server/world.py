"""Data for the server's acceptance tests, made in-process on the database a server serves.

``EngineThread`` keeps a ``SqlTaskEngine`` open on its own event loop in a thread, so sync
tests (httpx against the real server) can make tasks, runs, logs and attachments between
requests without an API route for each. ``Side`` is one project and everything made in it;
its ``markers`` are the strings that identify its things (ids, refs, names, titles), which
an answer to a token limited to another project must never contain.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from core.domain.access import TokenCreate
from core.domain.commands import AttachmentIn, MilestoneCreate, ProjectCreate, TaskCreate
from core.domain.models import Milestone, Project, Task
from core.domain.runs import QuickRunCreate
from core.prd.models import ImportOptions
from core.store.engine import SqlTaskEngine

T = TypeVar("T")

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
"""The kinds of database each acceptance module runs on (``conftest.database_url``)."""

WORKER = "matrix-worker"
"""The one worker that claims every run the tests make."""
LEASE = 3600.0
"""Seconds a test's claim holds: nothing expires while a module runs."""
SEARCH_WORD = "zebracorn"
"""In the titles of both projects' tasks: a search for it must find only the caller's."""


class EngineThread:
    """A ``SqlTaskEngine`` on ``db_url``, on an event loop of its own thread."""

    def __init__(self, db_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.engine: SqlTaskEngine = self.run(SqlTaskEngine.open(db_url, actor="seeder"))
        self._worker = False

    def worker(self) -> str:
        """``WORKER``, registered once (again would restart it: a change every reader sees)."""
        if not self._worker:
            self.run(self.engine.register_worker(WORKER, host="localhost", pid=1, slots=1000))
            self._worker = True
        return WORKER

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` on the engine's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=120)

    def close(self) -> None:
        """Close the engine and stop the thread."""
        self.run(self.engine.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class RunMade:
    """A running run of a task, with a step started and a line of output."""

    task: Task
    run_id: str
    claim_token: str


@dataclass
class Side:
    """One project and the things made in it, for requests that name them."""

    db: EngineThread
    label: str
    project: Project
    word: str
    """In every title and name made here: unique to this side."""
    markers: set[str] = field(default_factory=set)

    @classmethod
    def create(cls, db: EngineThread, label: str, key: str) -> Side:
        """A new project ``label`` with the key ``key``."""
        word = f"{label}-{uuid.uuid4().hex[:10]}"
        project = db.run(
            db.engine.create_project(ProjectCreate(name=f"{label} {word}", key=key, slug=word))
        )
        side = cls(db=db, label=label, project=project, word=word)
        side.mark(project.id, project.slug, project.name, word)
        return side

    def mark(self, *values: str | None) -> None:
        """Remember values that identify this side's things."""
        self.markers.update(v for v in values if v)

    # -- things, made fresh -------------------------------------------------------------
    def task(
        self, *, ready: bool = False, command: bool = False, cancelled: bool = False, **fields: Any
    ) -> Task:
        """A new task here: backlog unless ``ready`` or ``cancelled``; with an approved
        command if asked."""
        request = TaskCreate(
            title=fields.pop("title", f"{SEARCH_WORD} {self.word} task"),
            project=self.project.id,
            status="ready" if ready else "backlog",
            labels=fields.pop("labels", ["shared"]),
            metadata={"command": "true"} if command else {},
            **fields,
        )
        task = self.db.run(self.db.engine.create_task(request)).task
        if cancelled:
            task = self.db.run(self.db.engine.cancel(task.ref, "made cancelled"))
        self.mark(task.id, task.ref)
        return task

    def edge(self) -> tuple[Task, Task]:
        """A task and the blocker it waits for."""
        blocker = self.task()
        waiting = self.task()
        self.db.run(self.db.engine.add_dependency(waiting.ref, blocker.ref))
        return waiting, blocker

    def milestone(self) -> Milestone:
        """A new milestone here."""
        name = f"{self.word} m{uuid.uuid4().hex[:6]}"
        made = self.db.run(
            self.db.engine.create_milestone(MilestoneCreate(project=self.project.id, name=name))
        )
        self.mark(made.id, made.slug, made.name)
        return made

    def run(self, *, finished: bool = False) -> RunMade:
        """A Run Now run of a new task, taken by ``WORKER``, with a step and a line of output."""
        engine = self.db.engine
        task = self.task(command=True)
        self.db.worker()
        queued = self.db.run(engine.run_now(task.ref))
        claimed = self.db.run(
            engine.adopt_forced_runs(WORKER, run_id=queued.id, lease_seconds=LEASE)
        )
        assert [c.task_id for c in claimed] == [task.id], claimed
        run_id, token = claimed[0].run_id, claimed[0].claim_token
        self.db.run(engine.start_step(run_id, token, "shell"))
        self.db.run(engine.append_log(run_id, token, f"{self.word} output\n", step="shell"))
        if finished:
            self.db.run(engine.finish_run(run_id, token, success=True, step="shell"))
        self.mark(run_id, token)
        return RunMade(task=task, run_id=run_id, claim_token=token)

    def attachment(self) -> str:
        """An attachment on a new task; returns its id."""
        task = self.task()
        content = base64.b64encode(f"{self.word} file".encode()).decode()
        made = self.db.run(
            self.db.engine.add_attachment(
                task.ref, AttachmentIn(name=f"{self.word}.txt", content_base64=content)
            )
        )
        self.mark(made.id, made.name, made.sha256)
        return made.id

    def import_job(self) -> str:
        """A committed PRD import into this project; returns the job's id."""
        engine = self.db.engine
        text = f"# {self.word} plan\n\n## {SEARCH_WORD} {self.word} import\n\nBuild it.\n"
        preview = self.db.run(
            engine.preview_import(
                text, source=f"{self.word}.md", options=ImportOptions(project=self.project.id)
            )
        )
        job = self.db.run(engine.commit_import(preview.plan))
        self.mark(job.id, *job.created_task_ids, *job.created_refs)
        return job.id

    def grow(self) -> None:
        """More of everything: tasks (one moved), an edge, a milestone, runs, files, imports."""
        moved = self.task()
        self.db.run(self.db.engine.transition_task(moved.ref, "ready"))  # type: ignore[arg-type]
        self.edge()
        self.milestone()
        self.run()
        self.run(finished=True)
        self.attachment()
        self.import_job()


def quick_run(db: EngineThread, *, finished: bool = False) -> str:
    """A quick run, running or finished (quick runs belong to no project); returns its id."""
    made = db.run(db.engine.create_quick_run(QuickRunCreate(prompt="echo matrix")))
    db.run(db.engine.append_quick_log(made.id, "matrix output\n"))
    if finished:
        db.run(db.engine.finish_quick_run(made.id, success=True, exit_code=0, summary="done"))
    return made.id


def token(db: EngineThread) -> str:
    """A new read token (tokens belong to no project); returns its name."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    db.run(db.engine.create_token(TokenCreate(name=name)))
    return name


def snapshot_side(db: EngineThread, side: Side) -> dict[str, Any]:
    """What a change to ``side`` would alter: its events, tasks and their versions."""
    engine = db.engine

    async def read() -> dict[str, Any]:
        events = []
        since = 0
        while True:
            page = await engine.events(since=since, limit=500)
            events += [e.seq for e in page if e.project_id == side.project.id]
            if len(page) < 500:
                break
            since = page[-1].seq
        from core.domain.commands import TaskQuery

        tasks = await engine.list_tasks(
            TaskQuery(project=side.project.id, include_completed=True, limit=500)
        )
        return {
            "events": events,
            "tasks": {t.id: (t.version, t.status, len(t.attachments)) for t in tasks.items},
        }

    return db.run(read())
