"""``taskyard mcp`` over stdio: a show-task tool call's round trip, and time to ready.

    .venv/bin/python bench/mcp_roundtrip.py [--tasks 2000] [--calls 500] [--starts 5]

The client is the MCP SDK's own (``stdio_client`` + ``ClientSession``), as an agent's host
runs it; the server is ``python -m core.cli --db FILE mcp``, as an agent's configuration
starts it, on a database seeded and migrated beforehand (a first start that creates the
database also runs the migrations, which is not what an agent waits for each day).

* Time to ready: from spawning the process to ``initialize`` answered (the first moment a
  tool can be called), ``--starts`` times; median and best.
* Round trip: ``show`` of a task with two blockers and a dependent (compact answer), after
  20 warm-up calls, ``--calls`` times, one at a time; p50/p90/p99. ``show`` with
  ``full=true`` and ``ready`` (20 cards) the same way, for comparison.

Targets (issue 19): show p50 ≤ 5 ms after start; ready ≤ 1 s after launch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine_note
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine


async def seed(db_url: str, tasks: int) -> str:
    """A project of ``tasks`` tasks; returns a ref with two blockers and a dependent."""
    engine = await SqlTaskEngine.open(db_url, actor="bench")
    try:
        await engine.create_project(ProjectCreate(name="Bench", slug="bench", key="BEN"))
        refs: list[str] = []
        for i in range(tasks):
            blocked_by = refs[-2:] if i % 10 == 5 else []
            result = await engine.create_task(
                TaskCreate(
                    title=f"Task {i}",
                    project="bench",
                    description="Do the thing. " * 20,
                    acceptance_criteria=["it works", "it is tested"],
                    blocked_by=blocked_by,
                    status=TaskStatus.READY if not blocked_by else TaskStatus.BACKLOG,
                )
            )
            refs.append(result.task.ref)
        middle = refs[len(refs) // 2 + 5 - (len(refs) // 2) % 10]
        await engine.create_task(TaskCreate(title="After", project="bench", blocked_by=[middle]))
        return middle
    finally:
        await engine.close()


def params(db: Path) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKYARD_")}
    env |= {"PYTHONPATH": str(ROOT), "TASKYARD_DATA_DIR": str(db.parent)}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "core.cli", "--db", str(db), "mcp"], env=env, cwd=ROOT
    )


async def time_to_ready(db: Path) -> float:
    started = time.perf_counter()
    async with (
        stdio_client(params(db)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return time.perf_counter() - started
    raise AssertionError("unreachable")


async def sdk_import_floor() -> float:
    """Wall time of a process that only imports the MCP server package: the floor under
    time to ready on this machine at this moment (the handshake needs the SDK)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import core.mcp.server", cwd=ROOT, env=params(Path(".")).env
    )
    await process.wait()
    return time.perf_counter() - started


async def round_trips(db: Path, ref: str, calls: int) -> dict[str, list[float]]:
    cases = {
        "show": ("show", {"ref": ref}),
        "show full": ("show", {"ref": ref, "full": True}),
        "ready (20)": ("ready", {"limit": 20}),
    }
    times: dict[str, list[float]] = {}
    async with (
        stdio_client(params(db)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for name, (tool, arguments) in cases.items():
            for _ in range(20):
                await session.call_tool(tool, arguments)
            spent = []
            for _ in range(calls):
                begin = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                spent.append(time.perf_counter() - begin)
                assert not result.is_error, result
            times[name] = spent
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    print(machine_note())
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "mcp-bench.db"
        ref = await seed(f"sqlite:///{db}", args.tasks)
        starts, floors = [], []
        for _ in range(args.starts):
            starts.append(await time_to_ready(db))
            floors.append(await sdk_import_floor())
        median, best = statistics.median(starts) * 1000, min(starts) * 1000
        print(f"time to ready ({args.starts} starts): median {median:.0f} ms, best {best:.0f} ms")
        print(
            f"  a process importing only core.mcp.server, same moments: median "
            f"{statistics.median(floors) * 1000:.0f} ms, best {min(floors) * 1000:.0f} ms"
            "  (target for ready: ≤ 1000 ms)"
        )
        for name, spent in (await round_trips(db, ref, args.calls)).items():
            print(
                f"{name:<11} p50 {pct(spent, 0.5):.2f} ms  p90 {pct(spent, 0.9):.2f} ms  "
                f"p99 {pct(spent, 0.99):.2f} ms  ({args.calls} calls; show target p50 ≤ 5 ms)"
            )


if __name__ == "__main__":
    asyncio.run(main())
