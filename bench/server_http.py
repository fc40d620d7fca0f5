"""HTTP throughput and latency of ``taskyard serve`` at 100k tasks, against a no-database route.

    apt-get install -y wrk
    .venv/bin/python bench/seed_realistic.py --tasks 100000 --out /tmp/taskyard-bench/real-100k.db
    .venv/bin/python bench/server_http.py --db /tmp/taskyard-bench/real-100k.db

One server process (``python -m core.cli --db FILE serve``, as a user starts it) on a copy of
the database; ``wrk`` drives each route for ``--seconds`` with ``--connections`` keep-alive
connections and reports requests/s and latency percentiles. Every ratio is against
``GET /healthz`` measured in the same run, on the same server.

Routes: ``/healthz`` (no database, no token), a task by ref (``GET /api/v2/tasks/{ref}``, a
random one of 2,000 per request), the first page of the task list (50 full tasks), a page
of the list at a random depth (one of 100 cursors), the head of the ready queue (50 cards,
a list of cards as a board or a worker reads it), a board column of 50 cards (with the
column's count), ``GET /api/v2/state-machine`` (a token checked, no database: what any API
route costs before its own work), and ``POST /api/v2/tasks`` with and without an
``Idempotency-Key``. The create rate is compared
with the engine's own ``create_task`` in-process, with as many concurrent callers as
connections, on another copy of the same database, in the same run.

Ratios are printed against both no-database routes: ``/healthz`` (no token) and, when it
is measured, the token-checked ``/api/v2/state-machine``, which pays
everything an API route pays before its own work (authentication, the API's middlewares and
dependencies).

Flat out, 32 clients that send back to back keep 32 requests queued, so every latency
percentile is about 32 ÷ the rate: it measures throughput again, not what a client waits at
a load the server keeps up with. ``--paced 0.5 0.75 0.9`` runs each GET route again with the
clients pacing themselves (random gaps, Poisson arrivals) to offer that fraction of the rate
the route reached flat out, and reports the latency then.

wrk runs in C with two threads; its CPU time and the server's are printed for each route,
so it can be seen that the load generator is not what limits the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import ROOT, machine_note

LISTENING = "taskyard server listening on "
TOKEN_ROUTE = "GET /api/v2/state-machine (token, no database)"
TICK = os.sysconf("SC_CLK_TCK")

LUA_PICK = """
local items = {%s}
local auth = "Bearer %s"
math.randomseed(%d)
request = function()
  local i = items[math.random(#items)]
  return wrk.format("GET", "%s" .. i, {["Authorization"] = auth})
end
"""

LUA_PACED = """
local mean = %f
delay = function()
  return -math.log(1 - math.random()) * mean
end
"""
"""Appended to a GET script: each connection waits a random time before each request, with
exponentially distributed gaps (Poisson arrivals) of ``mean`` ms, so 32 clients offer a set
load instead of sending back to back. wrk times a request from when it is sent, not from
when the connection started to wait."""

LUA_CREATE = """
local auth = "Bearer %s"
local tag = "%s"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
n = 0
request = function()
  n = n + 1
  local headers = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
  if %s then headers["Idempotency-Key"] = tag .. "-" .. id .. "-" .. n end
  local body = '{"title": "Bench task ' .. n .. '", "project": "p1", "labels": ["api"]}'
  return wrk.format("POST", "/api/v2/tasks", headers, body)
end
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def settle(
    server_pid: int, *, window: float = 0.5, idle: float = 0.05, limit: float = 30.0
) -> None:
    """Wait until the server is idle (under ``idle`` of a core over ``window`` seconds).

    When wrk stops, the requests its connections had sent are still being served (32 pages
    of 50 full tasks are ~0.3 s of work); without this, the next route's first requests
    waited behind them: the ready queue's p99 was 121-235 ms after the pages, 41-57 ms alone.
    """
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        before = cpu_seconds(server_pid)
        time.sleep(window)
        if cpu_seconds(server_pid) - before < idle * window:
            return


def run_wrk(args: argparse.Namespace, url: str, script: str, server_pid: int) -> dict[str, Any]:
    """One wrk run: requests/s, latency percentiles (ms), errors, wrk's and the server's CPU."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    settle(server_pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    out = subprocess.run(
        [
            args.wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--latency",
            "-s",
            f.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(f.name).unlink()
    result: dict[str, Any] = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "wrk_cpu": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall,
        "server_cpu": (cpu_seconds(server_pid) - server_before) / wall,
        "errors": 0,
    }
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            result[f"p{pct}"] = float(m.group(1)) * scale
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        result["errors"] = int(m.group(1))
    m = re.search(r"Socket errors: (.*)", out)
    if m:
        result["socket_errors"] = m.group(1)
    return result


async def prepare(db_url: str) -> dict[str, Any]:
    """A token, 2,000 random task refs and 100 list cursors at random depths."""
    import random

    from sqlalchemy import select

    from core.domain.access import TokenCreate, TokenScope
    from core.domain.commands import TaskQuery
    from core.store import tables as t
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(db_url, actor="bench")
    try:
        issued = await engine.create_token(
            TokenCreate(name=f"bench-{random.randrange(10**9)}", scope=TokenScope.ADMIN)
        )

        def refs(conn: Any) -> list[str]:
            query = select(t.projects.c.key, t.tasks.c.number).join(
                t.projects, t.projects.c.id == t.tasks.c.project_id
            )
            return [f"{k}-{n}" for k, n in conn.execute(query)]

        every = await engine._runner.read(refs)
        rng = random.Random(1)
        cursors: list[str] = []
        cursor = None
        for _ in range(600):
            page = await engine.list_tasks_keyset(TaskQuery(limit=50), cursor=cursor)
            cursor = page.next_cursor
            if cursor is None:
                break
            cursors.append(cursor)
        return {
            "token": issued.secret,
            "refs": rng.sample(every, 2000),
            "cursors": rng.sample(cursors, min(100, len(cursors))),
        }
    finally:
        await engine.close()


async def in_process_creates(db_url: str, callers: int, seconds: float) -> float:
    """Creates per second through ``SqlTaskEngine.create_task``, ``callers`` at a time."""
    from core.domain.commands import TaskCreate
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(db_url, actor="bench")
    done = 0
    try:
        deadline = time.perf_counter() + seconds

        async def caller(n: int) -> None:
            nonlocal done
            i = 0
            while time.perf_counter() < deadline:
                i += 1
                body = TaskCreate(title=f"Bench task {n}-{i}", project="p1", labels=["api"])
                await engine.create_task(body)
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(callers)))
        return done / (time.perf_counter() - started)
    finally:
        await engine.close()


def start_server(db_url: str, folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKYARD_")}
    env.update(TASKYARD_DATA_DIR=str(folder), PYTHONPATH=str(ROOT))
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        # No rate limit: the token's 600 requests a minute would answer most of the run 429.
        [
            sys.executable,
            "-m",
            "core.cli",
            "--db",
            db_url,
            "serve",
            "--port",
            "0",
            "--rate-limit",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(LISTENING):
            return proc, line[len(LISTENING) :].strip()
    raise SystemExit(f"the server did not start; see {folder / 'server.log'}")


def lua_list(values: list[str]) -> str:
    return ",".join(json.dumps(v) for v in values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a seeded SQLite file (copied)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    ap.add_argument("--only", nargs="*", help="routes whose name contains one of these")
    ap.add_argument(
        "--paced",
        type=float,
        nargs="*",
        default=[],
        metavar="FRACTION",
        help="also run each GET route with its clients pacing themselves to offer this "
        "fraction of the rate it reached flat out (e.g. 0.5 0.75): latency at a set load",
    )
    args = ap.parse_args()
    if shutil.which(args.wrk) is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    print(f"machine: {machine_note()}")
    with tempfile.TemporaryDirectory(prefix="taskyard-http-") as tmp:
        folder = Path(tmp)
        served, reference = folder / "served.db", folder / "reference.db"
        shutil.copyfile(args.db, served)
        shutil.copyfile(args.db, reference)
        url = f"sqlite:///{served}"
        data = asyncio.run(prepare(url))
        proc, base = start_server(url, folder)
        token = data["token"]
        tag = uuid.uuid4().hex  # Idempotency-Keys of this run: tag-thread-n
        routes = {
            "GET /healthz": LUA_PICK % ('""', token, 1, "/healthz"),
            "GET /api/v2/tasks/{ref}": LUA_PICK
            % (lua_list(data["refs"]), token, 2, "/api/v2/tasks/"),
            "GET /api/v2/tasks?limit=50 (first page)": LUA_PICK
            % ('""', token, 3, "/api/v2/tasks?limit=50"),
            "GET /api/v2/tasks?limit=50&cursor= (random depth)": LUA_PICK
            % (lua_list(data["cursors"]), token, 4, "/api/v2/tasks?limit=50&cursor="),
            "GET /api/v2/tasks/ready?limit=50 (50 cards)": LUA_PICK
            % ('""', token, 6, "/api/v2/tasks/ready?limit=50"),
            "GET /api/v2/tasks/board/ready?limit=50 (cards + count)": LUA_PICK
            % ('""', token, 5, "/api/v2/tasks/board/ready?limit=50"),
            TOKEN_ROUTE: LUA_PICK % ('""', token, 7, "/api/v2/state-machine"),
            "POST /api/v2/tasks": LUA_CREATE % (token, tag, "false"),
            "POST /api/v2/tasks + Idempotency-Key": LUA_CREATE % (token, tag, "true"),
        }
        if args.only:
            routes = {k: v for k, v in routes.items() if any(o in k for o in args.only)}
            routes.setdefault("GET /healthz", LUA_PICK % ('""', token, 1, "/healthz"))
        results: dict[str, dict[str, Any]] = {}
        try:
            for name, script in routes.items():
                results[name] = run_wrk(args, base, script, proc.pid)
            for fraction in args.paced:
                for name, script in routes.items():
                    if not name.startswith("GET ") or name == "GET /healthz":
                        continue
                    offered = results[name]["rps"] * fraction
                    mean_ms = args.connections / offered * 1000
                    paced = run_wrk(args, base, script + LUA_PACED % mean_ms, proc.pid)
                    paced["offered"] = offered
                    results[f"{name} @ {fraction:.0%} load"] = paced
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        creates = asyncio.run(
            in_process_creates(f"sqlite:///{reference}", args.connections, args.seconds)
        )
    health = results["GET /healthz"]["rps"]
    token_route = results.get(TOKEN_ROUTE, {}).get("rps")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, one server process")
    for name, r in results.items():
        if "offered" in r:
            print(
                f"{name:<52} {r['rps']:8.0f} req/s  (offered {r['offered']:.0f})  "
                f"p50 {r.get('p50', float('nan')):6.2f}  p90 {r.get('p90', float('nan')):6.2f}  "
                f"p99 {r.get('p99', float('nan')):6.2f} ms  non-2xx {r['errors']}  "
                f"cpu: server {r['server_cpu']:.2f} wrk {r['wrk_cpu']:.2f} cores"
            )
            continue
        beside_token = f"{r['rps'] / token_route:5.2f}x token route  " if token_route else ""
        print(
            f"{name:<52} {r['rps']:8.0f} req/s  {r['rps'] / health:5.2f}x healthz  {beside_token}"
            f"p50 {r.get('p50', float('nan')):6.2f}  p90 {r.get('p90', float('nan')):6.2f}  "
            f"p99 {r.get('p99', float('nan')):6.2f} ms  non-2xx {r['errors']}  "
            f"cpu: server {r['server_cpu']:.2f} wrk {r['wrk_cpu']:.2f} cores"
            + (f"  socket errors {r['socket_errors']}" if "socket_errors" in r else "")
        )
    refused = [name for name, r in results.items() if r["errors"]]
    if refused:
        print(f"NOT VALID: non-2xx answers on {', '.join(refused)} (see the server's log)")
    print(f"in-process create_task, {args.connections} callers: {creates:8.0f} creates/s")
    for name in ("POST /api/v2/tasks", "POST /api/v2/tasks + Idempotency-Key"):
        if name in results:
            print(f"{name}: {results[name]['rps'] / creates:.2f}x in-process")


if __name__ == "__main__":
    main()
