"""Wall-clock time of real ``taskyard`` processes (start-up, import, open, work, exit).

    .venv/bin/python bench/cli_wall.py --runs 15

Runs the ``taskyard`` console script of the interpreter's environment (``python -m core.cli``
when there is none) with ``subprocess`` ``--runs`` times per command and reports
median / min / p90 wall time (the clock is read around ``subprocess.run``, so fork/exec is
included, as a user would feel it). The database is a copy of a 10,000-task seed
(bench/seed.py builds it when missing); ``task add`` writes into its own copy.

Two interpreter set-ups are measured, because this environment exports
``PYTHONDONTWRITEBYTECODE=1`` and the repository is not pip-installed, so every run compiles
``core/*.py`` from source:

* ``as-is``: the inherited environment (no bytecode cache for core/).
* ``cached``: ``PYTHONDONTWRITEBYTECODE`` removed and ``PYTHONPYCACHEPREFIX`` pointing at a
  temporary folder (primed before timing), i.e. what an installed taskyard does.

With ``--hyperfine`` and hyperfine on PATH, the same commands are also handed to hyperfine.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine_note, percentile

PY = sys.executable
TARGETS_MS = {"--version": 150.0, "ready": 250.0, "task add": 250.0}


def ensure_seed(path: Path, tasks: int) -> None:
    if path.exists():
        return
    print(f"building {path} with bench/seed.py --tasks {tasks} ...", flush=True)
    subprocess.run(
        [PY, str(ROOT / "bench" / "seed.py"), "--tasks", str(tasks), "--out", str(path)],
        check=True,
        cwd=ROOT,
    )


def time_cmd(argv: list[str], env: dict[str, str], runs: int, warmup: int) -> list[float]:
    def once() -> float:
        t0 = time.perf_counter()
        p = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)  # fmt: skip
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{shlex.join(argv)} failed ({p.returncode}): {p.stderr.decode()}")
        return dt

    for _ in range(warmup):
        once()
    return [once() for _ in range(runs)]


def report(name: str, values: list[float], target: float | None) -> str:
    ms = [v * 1000 for v in values]
    med = sorted(ms)[len(ms) // 2] if len(ms) % 2 else sum(sorted(ms)[len(ms) // 2 - 1 :][:2]) / 2
    verdict = f"  target <= {target:g} ms: {'PASS' if med <= target else 'FAIL'}" if target else ""
    return (f"{name:<58} n={len(ms):<3} median={med:7.1f} ms  min={min(ms):7.1f}  "
            f"p90={percentile(ms, 90):7.1f}  max={max(ms):7.1f}{verdict}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-10000-42.db"),
                    help="10k-task seed (built with bench/seed.py when missing)")  # fmt: skip
    ap.add_argument("--tasks", type=int, default=10_000, help="size of the seed to build")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--modes", default="cached,as-is", help="cached, as-is, or both")
    ap.add_argument("--no-references", action="store_true",
                    help="skip the python -c reference processes")  # fmt: skip
    ap.add_argument("--hyperfine", action="store_true", help="also run hyperfine if installed")
    args = ap.parse_args()

    ensure_seed(args.db, args.tasks)
    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-cli-"))
    read_db = tmp / "read.db"
    write_db = tmp / "write.db"
    shutil.copy2(args.db, read_db)
    shutil.copy2(args.db, write_db)
    print(f"databases: copies of {args.db} in {tmp}")
    # The console script users run (tui.launch:main -> core.cli.main), else the module.
    script = Path(PY).with_name("taskyard")
    cli = [str(script)] if script.exists() else [PY, "-m", "core.cli"]
    print(f"command: {shlex.join(cli)}")
    counter = iter(range(1, 1_000_000))

    commands: list[tuple[str, str, list[str] | None]] = [
        ("--version", "taskyard --version", [*cli, "--version"]),
        ("ready", "taskyard --db 10k ready --json --limit 20",
         [*cli, "--db", str(read_db), "ready", "--json", "--limit", "20"]),
        ("task add", "taskyard --db 10k task add TITLE --project bench", None),
        ("board", "taskyard --db 10k --json board",
         [*cli, "--db", str(read_db), "--json", "board"]),
    ]  # fmt: skip
    references = [
        ("python -c pass", [PY, "-c", "pass"]),
        ("python -c 'import asyncio'", [PY, "-c", "import asyncio"]),
        ("python -c 'import sqlalchemy'", [PY, "-c", "import sqlalchemy"]),
        ("python -c 'import pydantic'", [PY, "-c", "import pydantic"]),
        ("python -c 'import core.store.engine'", [PY, "-c", "import core.store.engine"]),
        # The floor of any command that uses the store: the libraries alone, nothing of ours.
        (
            "floor: import asyncio, pydantic, sqlalchemy(+sqlite)",
            [PY, "-c", "import asyncio, pydantic, sqlalchemy, sqlalchemy.dialects.sqlite"],
        ),
    ]
    base_env = dict(os.environ)
    modes = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "as-is":
            modes[mode] = dict(base_env)
        elif mode == "cached":
            env = dict(base_env)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
            # Prime the cache (stdlib, site-packages and core/ all compile once here).
            for _, argv in references:
                subprocess.run(argv, cwd=ROOT, env=env, check=True)
            subprocess.run([*cli, "--db", str(read_db), "--json", "board"], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            modes[mode] = env
        else:
            raise SystemExit(f"unknown mode {mode!r}")

    for mode, env in modes.items():
        print(f"\nmode {mode}: {args.runs} runs after {args.warmup} warm-up")
        for key, label, argv in commands:
            if argv is None:  # task add: a fresh title each run, into the write copy
                values = []
                for i in range(args.warmup + args.runs):
                    cmd = [*cli, "--db", str(write_db), "task", "add",
                           f"CLI bench task {next(counter)}", "--project", "bench"]  # fmt: skip
                    v = time_cmd(cmd, env, 1, 0)[0]
                    if i >= args.warmup:
                        values.append(v)
            else:
                values = time_cmd(argv, env, args.runs, args.warmup)
            print(report(label, values, TARGETS_MS.get(key)))
        if not args.no_references:
            for label, argv in references:
                print(report(f"  ref: {label}", time_cmd(argv, env, args.runs, args.warmup), None))

    if args.hyperfine:
        hf = shutil.which("hyperfine")
        if hf is None:
            print("\nhyperfine not on PATH; skipped")
        else:
            env = modes.get("cached", base_env)
            cmds = [shlex.join(a) for _, _, a in commands if a is not None]
            subprocess.run([hf, "-N", "--warmup", "2", "--runs", str(args.runs), *cmds],
                           cwd=ROOT, env=env)  # fmt: skip
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
