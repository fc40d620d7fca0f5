"""Cold wall time of a CLI command through a server vs the same command on the SQLite file.

    .venv/bin/python bench/remote_cli.py --runs 21

Issue 17's line: ``taskyard --server URL --json ready --limit 20`` cold takes <= 0.4x the
wall time of ``taskyard --db FILE --json ready --limit 20``. Two copies of one seed
(bench/seed.py, 10,000 tasks by default): one opened by the local command, one served by a
``taskyard serve`` subprocess started here. The two commands run alternately, so load
changes hit both alike; each run is a new process (fork/exec, imports, open, the request or
the query, output, exit), timed around ``subprocess.run`` as a user would feel it. Bytecode
is cached (like an installed taskyard). The ratio is of the medians, and the median of the
per-pair ratios next to it.

``--importtime`` then runs each command once more under ``python -X importtime`` and sums
the modules' own import time by package (``core.api``, ``httpx``, ``pydantic``, ...): where
a cold start goes. One run under load is noisy; compare packages, not single modules.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import ROOT, machine_note
from _server import BenchServer, bench_env, issue_token, taskyard_argv
from cli_wall import ensure_seed, report

TARGET_RATIO = 0.4


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{argv} failed ({p.returncode}): {p.stderr.decode()}")
    return dt, p.stdout


def import_profile(argv: list[str], env: dict[str, str]) -> Counter[str]:
    """Self import time (µs) by package for one run of ``argv`` under ``-X importtime``."""
    p = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    by_package: Counter[str] = Counter()
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line[len("import time:") :].split("|")
        parts = name.strip().split(".")
        package = ".".join(parts[:2]) if parts[0] == "core" else parts[0]
        by_package[package] += int(own)
    return by_package


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-10000-42.db"),
                    help="the seed (built with bench/seed.py when missing)")  # fmt: skip
    ap.add_argument("--tasks", type=int, default=10_000, help="size of the seed to build")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--importtime", action="store_true", help="also profile the imports")
    ap.add_argument("--top", type=int, default=16, help="packages shown by --importtime")
    args = ap.parse_args()

    ensure_seed(args.db, args.tasks)
    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-remote-cli-"))
    local_db, served_db = tmp / "local.db", tmp / "served.db"
    shutil.copy2(args.db, local_db)
    shutil.copy2(args.db, served_db)
    env = bench_env(tmp)
    cli = taskyard_argv()
    print(f"databases: copies of {args.db} in {tmp}; command: {' '.join(cli)}")
    try:
        token = issue_token(served_db, env)
        with BenchServer(served_db, env, tmp / "server.log") as server:
            client_env = {**env, "TASKYARD_TOKEN": token}  # not in argv: never in `ps`
            commands = {
                "local": [*cli, "--db", str(local_db), "--json", "ready", "--limit", "20"],
                "remote": [*cli, "--server", server.url, "--json", "ready", "--limit", "20"],
            }
            labels = {
                "local": "taskyard --db FILE --json ready --limit 20",
                "remote": "taskyard --server URL --json ready --limit 20",
            }
            outputs = {name: run_once(argv, client_env)[1] for name, argv in commands.items()}
            if outputs["local"] != outputs["remote"]:
                raise SystemExit("the local and the remote command printed different answers")
            for _ in range(args.warmup):
                for argv in commands.values():
                    run_once(argv, client_env)
            times: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, argv in commands.items():
                    times[name].append(run_once(argv, client_env)[0])
            print(f"\n{args.runs} runs each, alternating, after {args.warmup} warm-up pairs")
            for name in commands:
                print(report(labels[name], times[name], None))
            ratio = statistics.median(times["remote"]) / statistics.median(times["local"])
            pairs = statistics.median(
                r / v for r, v in zip(times["remote"], times["local"], strict=True)
            )
            verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
            print(f"remote / local: {ratio:.2f} (median of pairs {pairs:.2f}); "
                  f"target <= {TARGET_RATIO}: {verdict}")  # fmt: skip
            for label, argv in [
                ("  ref: python -c pass", [sys.executable, "-c", "pass"]),
                ("  ref: python -c 'import httpx'", [sys.executable, "-c", "import httpx"]),
                ("  ref: python -c 'import core.remote.engine'",
                 [sys.executable, "-c", "import core.remote.engine"]),
            ]:  # fmt: skip
                values = [run_once(argv, client_env)[0] for _ in range(args.runs)]
                print(report(label, values, None))
            if args.importtime:
                for name, argv in commands.items():
                    module_argv = ["-m", "core.cli", *argv[len(cli) :]]
                    profile = import_profile(module_argv, client_env)
                    total = sum(profile.values()) / 1000
                    print(f"\nimport time by package, {name}: {total:.0f} ms in all")
                    for package, us in profile.most_common(args.top):
                        print(f"  {package:<28}{us / 1000:8.1f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmachine at end: {machine_note()}  (load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
