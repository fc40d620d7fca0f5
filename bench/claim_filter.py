"""What a worker's "only what it can run" claim filter costs on a seeded board (bench/seed.py).

    .venv/bin/python bench/seed.py --tasks 100000 --out /tmp/taskyard-bench/100k.db
    .venv/bin/python bench/claim_filter.py --db /tmp/taskyard-bench/100k.db

Works on a copy of the file (claims write). The seed's ready tasks carry no command and no
pipeline, so a worker's claim (``pipelines`` given) finds nothing after reading past all of
them: the worst case of the filter. Also times the monitor's overview with and without the
pipelines (the runnable count reads the same rows).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.store.engine import SqlTaskEngine


async def run(db: Path, runs: int) -> None:
    engine = await SqlTaskEngine.open(f"sqlite:///{db}")
    try:
        overview = await engine.execution_overview(pipelines=[])
        print(f"ready {overview.queue_total:,}, of which a worker could run "
              f"{overview.runnable_total:,}")  # fmt: skip
        calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("claim, pipelines=[] (finds nothing)",
             lambda: engine.claim_tasks("w", limit=2, pipelines=[])),
            ("overview, pipelines=[]", lambda: engine.execution_overview(pipelines=[])),
            ("overview, no pipelines", lambda: engine.execution_overview()),
        ]  # fmt: skip
        for label, call in calls:
            await call()  # warm
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                await call()
                times.append(time.perf_counter() - start)
            print(f"{label}: p50 {statistics.median(times) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms ({runs} runs)")  # fmt: skip
    finally:
        await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / args.db.name
        shutil.copy(args.db, copy)
        asyncio.run(run(copy, args.runs))


if __name__ == "__main__":
    main()
