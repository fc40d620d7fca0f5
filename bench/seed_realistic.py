"""Build a benchmark database shaped like a team's year of work: projects, time, skewed fields.

    .venv/bin/python bench/seed_realistic.py --tasks 100000 --out /tmp/taskyard-bench/real-100k.db
    .venv/bin/python bench/seed_realistic.py --tasks 100000 --url postgresql+asyncpg://...

``bench/seed.py`` puts every task in one project and stamps each import call with one time,
so every list sort but creation order sees ties and one project. List and server benches
need what a real database has, so here:

* 8 projects of very different sizes (35 % of the tasks down to 2 %);
* creation spread over a year: each project's tasks arrive in small imports (1-80 tasks) at
  random moments, interleaved across projects; numbers follow creation within a project
  only, and ids are random uuid4 (taskyard's own are time-ordered, which would put a
  page's rows next to each other in the id index and flatter every lookup by id);
* labels and assignees skewed (a few common, a long tail of rare ones; 40 % unassigned),
  due dates on about a third of the tasks;
* about a quarter of the tasks changed later (``update_task`` at a later time), so
  ``updated_at`` differs from ``created_at`` and the most recently updated are not the
  most recently created.

Statuses and priorities follow ``bench/_common`` (38 % done, 25 % backlog, ...). Everything
goes through the public engine, so rows, counters and events are what taskyard writes. The
same ``--seed`` gives the same data (except the ids).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import generate_items, machine_note

PROJECT_SHARES = [0.35, 0.20, 0.15, 0.10, 0.08, 0.06, 0.04, 0.02]
LABEL_POOL = ["backend", "frontend", "api", "db", "ui", "infra", "perf", "security", "docs",
              "tests", "cli", "tui", "agent", "flaky", "needs-design", "good-first-issue",
              "mobile", "billing", "search", "auth", "legacy", "i18n", "a11y",
              "release"]  # fmt: skip
PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
          "agent-1", "agent-2", "agent-3", "agent-4"]  # fmt: skip
UNASSIGNED = 0.4
DUE_SHARE = 0.33
UPDATED_SHARE = 0.25
YEAR = timedelta(days=365)
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _zipf_choice(rng: random.Random, pool: list[str], s: float = 1.1) -> str:
    weights = [1 / (k + 1) ** s for k in range(len(pool))]
    return rng.choices(pool, weights=weights)[0]


def _reshape(item: dict[str, Any], rng: random.Random, created: datetime) -> None:
    """Skewed labels and assignee, and a due date for some, in place."""
    count = rng.choice([0, 0, 1, 1, 1, 2, 2, 3])
    labels: set[str] = set()
    while len(labels) < count:
        labels.add(_zipf_choice(rng, LABEL_POOL))
    item["labels"] = sorted(labels)
    item.pop("assignee", None)
    if rng.random() >= UNASSIGNED:
        item["assignee"] = _zipf_choice(rng, PEOPLE, s=0.8)
    if rng.random() < DUE_SHARE:
        item["due_date"] = (created + timedelta(days=rng.randint(-20, 120))).date().isoformat()


def plan(n: int, seed: int) -> list[tuple[datetime, str, list[dict[str, Any]]]]:
    """The imports to make, in time order: (when, project slug, items)."""
    rng = random.Random(seed)
    batches: list[tuple[datetime, str, list[dict[str, Any]]]] = []
    for k, share in enumerate(PROJECT_SHARES):
        size = round(n * share) if k else n - sum(round(n * s) for s in PROJECT_SHARES[1:])
        items = generate_items(size, seed=seed + k)
        # Each project starts somewhere in the first quarter and runs to the end of the year.
        begin = START + timedelta(seconds=rng.uniform(0, YEAR.total_seconds() / 4))
        span = (START + YEAR - begin).total_seconds()
        takes: list[int] = []
        while sum(takes) < size:
            takes.append(min(size - sum(takes), rng.choice([1, 1, 2, 3, 5, 8, 20, 40, 80])))
        moments = sorted(rng.uniform(0, span) for _ in takes)
        at = 0
        for take, moment in zip(takes, moments, strict=True):
            when = begin + timedelta(seconds=moment)
            part = items[at : at + take]
            for item in part:
                _reshape(item, rng, when)
            batches.append((when, f"p{k}", part))
            at += take
    batches.sort(key=lambda b: b[0])
    return batches


class Clock:
    """A clock the seed moves forward (the engine stamps rows with it)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def seed(url: str, n: int, seed_value: int) -> None:
    from core.domain.commands import ProjectCreate, TaskImportItem, TaskPatch
    from core.domain.models import Priority
    from core.store.engine import SqlTaskEngine

    clock = Clock()
    t0 = time.perf_counter()
    batches = plan(n, seed_value)
    engine = await SqlTaskEngine.open(
        url, actor="bench", clock=clock, id_factory=lambda: str(uuid.uuid4())
    )
    rng = random.Random(seed_value + 100)
    ids: list[tuple[datetime, str]] = []
    try:
        for k in range(len(PROJECT_SHARES)):
            await engine.create_project(
                ProjectCreate(name=f"Project {k}", slug=f"p{k}", key=f"P{chr(ord('A') + k)}")
            )
        for when, slug, part in batches:
            clock.now = when
            items = [TaskImportItem.model_validate(d) for d in part]
            result = await engine.import_tasks(items, project=slug)
            ids.extend((when, task_id) for task_id in result.created)
        t1 = time.perf_counter()
        # Later changes: a quarter of the tasks, at some moment between creation and the end.
        chosen = rng.sample(ids, int(len(ids) * UPDATED_SHARE))
        changes = sorted(
            (created + (START + YEAR - created) * rng.random() ** 2, task_id)
            for created, task_id in chosen
        )
        for start in range(0, len(changes), 32):
            group = changes[start : start + 32]
            clock.now = group[-1][0]
            patches = [
                TaskPatch(priority=rng.choice(list(Priority)))
                if rng.random() < 0.5
                else TaskPatch(description=f"edited {rng.random():.6f}")
                for _ in group
            ]
            await asyncio.gather(
                *(
                    engine.update_task(task_id, patch, expected_version=None)
                    for (_, task_id), patch in zip(group, patches, strict=True)
                )
            )
        t2 = time.perf_counter()
    finally:
        await engine.close()
    print(f"machine: {machine_note()}")
    print(f"url: {url}")
    per_project = Counter(slug for _, slug, part in batches for _ in part)
    print(f"tasks: {len(ids)} in {len(batches)} imports; per project {dict(per_project)}")
    print(f"updated later: {len(changes)}; imports {t1 - t0:.1f} s, updates {t2 - t1:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="SQLite file to create")
    where.add_argument("--url", help="database URL (an empty PostgreSQL database)")
    args = ap.parse_args()
    if args.out is not None:
        if args.out.exists():
            raise SystemExit(f"{args.out} exists; remove it or pick another --out")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{args.out}"
    else:
        url = args.url
    asyncio.run(seed(url, args.tasks, args.seed))


if __name__ == "__main__":
    main()
