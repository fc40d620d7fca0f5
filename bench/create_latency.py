"""Latency of creating one task in-process, against stdlib sqlite3 doing comparable work.

    .venv/bin/python bench/seed.py --tasks 10000 --out /tmp/taskyard-bench/10k.db
    .venv/bin/python bench/create_latency.py --db /tmp/taskyard-bench/10k.db --runs 300

Works on two copies of the seeded database (the original is not changed):

* ``engine.create_task``: the public async API (validated ``TaskCreate`` built per call,
  the write transaction on the writer thread, reading the full ``Task`` back inside it).
* ``engine write only``: the same ``task_create.create_task`` transaction without the read-back
  (a private hook, ``engine._write``, used only to split the cost).
* ``sqlite3 reference``: stdlib sqlite3, WAL + synchronous=NORMAL like the engine, one
  ``BEGIN IMMEDIATE`` transaction that reads the project row, bumps its task counter
  (``UPDATE … RETURNING``), inserts the task row (same columns and JSON), its label rows and
  one event row with a JSON payload, and commits.

The three are interleaved in blocks so background noise hits them alike. Reports p50/p99 and
the engine/sqlite3 ratio. ``--profile`` adds a cProfile of 500 creates + read-backs run
synchronously on one thread (where the engine's per-call overhead goes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from _common import PROJECT_KEY, fmt_row, machine_note, summarize

LABELS = ["backend", "perf"]


def copy_db(src: Path, dst: Path) -> None:
    shutil.copy2(src, dst)
    for suffix in ("-wal", "-shm"):
        side = Path(str(src) + suffix)
        if side.exists():
            shutil.copy2(side, Path(str(dst) + suffix))


class Sqlite3Reference:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.n = 0

    def create(self) -> None:
        c = self.conn
        self.n += 1
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        task_id = str(uuid.uuid4())
        c.execute("BEGIN IMMEDIATE")
        try:
            project_id, key = c.execute(
                "SELECT id, key FROM projects WHERE slug = ?", ("bench",)
            ).fetchone()
            (number,) = c.execute(
                "UPDATE projects SET task_seq = task_seq + 1 WHERE id = ? RETURNING task_seq",
                (project_id,),
            ).fetchone()
            title = f"Reference task {self.n}"
            c.execute(
                "INSERT INTO tasks (id, project_id, number, title, description, task_type, "
                "priority, priority_rank, status, labels, acceptance_criteria, context_files, "
                "meta, parent_id, milestone_id, pipeline_template, retry_count, blocked_reason, "
                "source, external_id, assignee, effort_estimate, due_date, unresolved_blockers, "
                "version, created_at, updated_at) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (task_id, project_id, number, title, "A benchmark task.", "feature", "high", 1,
                 "backlog", json.dumps(LABELS), "[]", "[]", "{}", None, None, None, 0, None,
                 "manual", None, None, None, None, 0, 1, now, now),
            )  # fmt: skip
            c.executemany(
                "INSERT INTO task_labels (task_id, label) VALUES (?, ?)",
                [(task_id, label) for label in LABELS],
            )
            payload = {"ref": f"{key}-{number}", "title": title, "status": "backlog",
                       "priority": "high", "task_type": "feature", "blocked_by": [],
                       "external_id": None, "source": "manual", "attachments": []}  # fmt: skip
            c.execute(
                "INSERT INTO events (id, type, task_id, project_id, actor, at, payload) "
                "VALUES (?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), "task.created", task_id, project_id, "bench", now,
                 json.dumps(payload)),
            )  # fmt: skip
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise


async def run(args: argparse.Namespace) -> None:
    from core.domain.commands import TaskCreate
    from core.store import task_create
    from core.store.engine import SqlTaskEngine

    if not args.db.exists():
        raise SystemExit(f"{args.db} does not exist; build it with bench/seed.py --tasks 10000")
    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-create-"))
    eng_db, ref_db = tmp / "engine.db", tmp / "reference.db"
    copy_db(args.db, eng_db)
    copy_db(args.db, ref_db)
    n0 = sqlite3.connect(args.db).execute("SELECT count(*) FROM tasks").fetchone()[0]
    print(f"database: copies of {args.db} ({n0} tasks) in {tmp}")

    engine = await SqlTaskEngine.open(f"sqlite:///{eng_db}", actor="bench")
    ref = Sqlite3Reference(ref_db)
    counter = 0

    def request() -> TaskCreate:
        nonlocal counter
        counter += 1
        return TaskCreate(
            title=f"Benchmark task {counter}",
            description="A benchmark task.",
            priority="high",
            labels=LABELS,
            project="bench",
        )

    async def full() -> None:
        await engine.create_task(request())

    async def write_only() -> None:
        req = request()
        await engine._write(partial(_create, task_create.create_task, req))

    async def reference() -> None:
        ref.create()

    variants = {"engine.create_task": full, "engine write only (no read-back)": write_only,
                "sqlite3 reference (same rows)": reference}  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in variants}
    for fn in variants.values():  # warm-up
        for _ in range(args.warmup):
            await fn()
    block = max(1, args.block)
    done = 0
    while done < args.runs:
        k = min(block, args.runs - done)
        for name, fn in variants.items():
            for _ in range(k):
                t0 = time.perf_counter()
                await fn()
                times[name].append(time.perf_counter() - t0)
        done += k
    await engine.close()
    ref.conn.close()

    print(f"\n{args.runs} creates per variant (after {args.warmup} warm-up), interleaved in "
          f"blocks of {block}; the databases started at {n0} tasks")  # fmt: skip
    stats = {name: summarize(v) for name, v in times.items()}
    for name, s in stats.items():
        print(fmt_row(name, s))
    base = stats["sqlite3 reference (same rows)"]
    for name in ("engine.create_task", "engine write only (no read-back)"):
        s = stats[name]
        print(f"ratio {name} / sqlite3: p50 {s['median'] / base['median']:.1f}x, "
              f"p99 {s['p99'] / base['p99']:.1f}x")  # fmt: skip
    n_eng = (
        sqlite3.connect(eng_db)
        .execute(
            "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.key = ?",
            (PROJECT_KEY,),
        )
        .fetchone()[0]
    )
    print(f"sanity: engine db now has {n_eng} tasks in project {PROJECT_KEY}")
    if args.profile:
        profile_sync(eng_db, 500)
    if not args.keep:
        shutil.rmtree(tmp)


def profile_sync(db: Path, n: int) -> None:
    """cProfile of create + read-back run synchronously on one thread (no asyncio, no hop)."""
    import cProfile
    import io
    import pstats

    from core.domain.commands import TaskCreate
    from core.store import queries, task_create
    from core.store.context import StoreSettings, TxContext
    from core.store.dialects.sqlite import make_engines
    from core.store.events import flush_events

    writer, reader = make_engines(f"sqlite:///{db}")

    def one(i: int) -> None:
        req = TaskCreate(title=f"Profiled {i}", description="A benchmark task.",
                         priority="high", labels=LABELS, project="bench")  # fmt: skip
        ctx = TxContext(now=datetime.now(UTC), actor="bench", dialect="sqlite",
                        settings=StoreSettings())  # fmt: skip
        with writer.begin() as conn:
            task_id, _ = task_create.create_task(conn, ctx, req)
            flush_events(conn, ctx)
        with reader.begin() as conn:
            queries.get_task(conn, task_id)

    for i in range(50):
        one(i)
    t0 = time.perf_counter()
    for i in range(n):
        one(1000 + i)
    per = (time.perf_counter() - t0) / n * 1000
    t0 = time.perf_counter()
    for _ in range(n):
        TaskCreate(title="x", description="A benchmark task.", priority="high", labels=LABELS,
                   project="bench")  # fmt: skip
    validate_us = (time.perf_counter() - t0) / n * 1e6
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        one(100_000 + i)
    prof.disable()
    writer.dispose()
    reader.dispose()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    lines = buf.getvalue().splitlines()
    start = next(i for i, x in enumerate(lines) if "ncalls" in x)
    print(f"\nsynchronous create + read-back, no thread hop: {per:.2f} ms per task "
          f"(TaskCreate validation alone: {validate_us:.0f} us); cProfile of {n} creates, "
          "by cumulative time:")  # fmt: skip
    print("\n".join(line[:160] for line in lines[start : start + 32]))


def _create(fn, request, conn, ctx):  # type: ignore[no-untyped-def]
    return fn(conn, ctx, request)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-10000-42.db"))
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--block", type=int, default=25, help="creates per variant before switching")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database copies")
    ap.add_argument("--profile", action="store_true", help="cProfile 500 synchronous creates")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
