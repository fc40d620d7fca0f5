"""First paint of the board in a real terminal (tmux), and RSS after it; the same for a peer.

    .venv/bin/python bench/tui_first_paint.py --db /tmp/tb/1000.db /tmp/tb/10000.db \\
        /tmp/tb/100000.db --runs 7 --backlog /tmp/peer/backlog/node_modules/.bin/backlog

What is measured, for each database, ``--runs`` times (runs of every program interleaved, so
load hits them alike, after one warm-up each that is not counted):

- **first paint**: wall time from just before ``tmux new-session`` spawns the real console
  script (``.venv/bin/taskyard --db X``, TERM=xterm-256color, 160x45) until
  ``tmux capture-pane -p`` shows the board's content: the first column's header with its real
  count (``BACKLOG · 26674``) *and* the ref of that column's first card, both read from the
  database with stdlib sqlite3 beforehand. The pane is polled every ``--poll`` ms (default 10),
  so the resolution is the poll interval plus one ``capture-pane`` (~5 ms).
- **RSS**: VmRSS of the pane's process tree (the program and its children) read from
  /proc right after the paint was seen, and VmHWM (the peak) after ``--settle`` seconds more.

The tmux server is a private one (``-L taskyard-bench``) that lives for the whole run, so its
start-up is not counted: a user's terminal is already open too. Bytecode is cached in a
private ``PYTHONPYCACHEPREFIX`` (like an installed taskyard; this environment sets
``PYTHONDONTWRITEBYTECODE``), filled by the warm-up run. The board runs in an empty temporary
folder with no taskyard.toml and an empty XDG config home.

``--server``: each database is also served by a ``taskyard serve`` subprocess on a copy of
it (started before the runs, so its start-up is not counted, like a server that is already
up), and the board is opened on it (``taskyard --server URL``, the token in
``TASKYARD_TOKEN``), interleaved with the local runs; RSS is the client's alone. Issue 17's
target: remote first paint <= 1.2x the local first paint of the same run.

Peer: Backlog.md (npm ``backlog.md``), ``backlog board`` in a git repository of N task files
written in its own format (``--make-backlog`` writes them from the same generator as
``seed.py``: same titles, priorities, labels, assignees and dependency edges; our 7 states are
folded into its 3 default columns). Its markers are the header ``To Do (N)`` and a ``TASK-`` line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, generate_items, machine_note, percentile
from _server import BenchServer, bench_env, issue_token, taskyard_argv

SOCKET = "taskyard-bench"
WIDTH, HEIGHT = 160, 45
STATUS_LABEL = {
    "backlog": "BACKLOG",
    "ready": "READY",
    "in_progress": "IN PROGRESS",
    "in_review": "IN REVIEW",
    "done": "DONE",
    "blocked": "BLOCKED",
    "cancelled": "CANCELLED",
}
BACKLOG_STATUS = {
    "backlog": "To Do",
    "ready": "To Do",
    "blocked": "To Do",
    "in_progress": "In Progress",
    "in_review": "In Progress",
    "done": "Done",
    "cancelled": "Done",
}


def tmux(*args: str, check: bool = True) -> str:
    out = subprocess.run(["tmux", "-L", SOCKET, *args], check=check, capture_output=True, text=True)
    return out.stdout


def start_server() -> None:
    tmux("kill-server", check=False)
    tmux("new-session", "-d", "-s", "keeper", "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 86400")
    tmux("set-option", "-g", "remain-on-exit", "on")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Target:
    name: str
    size: int
    argv: list[str]
    cwd: str
    env: dict[str, str]
    markers: list[str]
    paints: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    hwm: list[float] = field(default_factory=list)
    failures: int = 0


def measure(t: Target, *, poll: float, timeout: float, settle: float) -> bool:
    session = f"run{time.monotonic_ns()}"
    env_args = [a for k, v in t.env.items() for a in ("-e", f"{k}={v}")]
    cmd = " ".join(_quote(a) for a in t.argv)
    t0 = time.perf_counter()
    tmux(
        "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
        "-c", t.cwd, *env_args, cmd,
    )  # fmt: skip
    paint = None
    screen = ""
    try:
        while time.perf_counter() - t0 < timeout:
            screen = tmux("capture-pane", "-p", "-t", session, check=False)
            if all(m in screen for m in t.markers):
                paint = time.perf_counter() - t0
                break
            time.sleep(poll)
        pane = int(tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])
        if paint is None:
            print(f"  !! {t.name} {t.size}: no paint in {timeout} s; screen was:\n{screen}")
            t.failures += 1
            return False
        pids = descendants(pane)
        t.paints.append(paint)
        t.rss.append(sum(status_kb(p, "VmRSS") for p in pids) / 1024)
        time.sleep(settle)
        pids = descendants(pane)
        t.hwm.append(sum(status_kb(p, "VmHWM") for p in pids) / 1024)
        return True
    finally:
        tmux("kill-session", "-t", session, check=False)
        time.sleep(0.3)  # let the killed process go before the next spawn


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


# -- taskyard ------------------------------------------------------------------------------------
def taskyard_markers(db: Path) -> tuple[int, list[str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM tasks WHERE status = 'backlog'").fetchone()[0]
        first = conn.execute(
            "SELECT p.key || '-' || t.number FROM tasks t JOIN projects p ON p.id = t.project_id"
            " WHERE t.status = 'backlog'"
            " ORDER BY t.priority_rank, t.created_at, t.number, t.id LIMIT 1"  # CARD_ORDER
        ).fetchone()
    finally:
        conn.close()
    markers = [f"BACKLOG · {count}"]
    if first:
        markers.append(f"{first[0]} ")
    return total, markers


def taskyard_target(db: Path, workdir: str, pycache: str, tree: Path | None = None) -> Target:
    """The console script; with ``tree``, ``python -m tui`` run from another checkout instead."""
    total, markers = taskyard_markers(db)
    env = {
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": workdir,
        "PYTHONPYCACHEPREFIX": pycache,
        # The embedded workers (on by default for a local file) would claim the seeded ready
        # tasks after the first frame and change the database between runs.
        "TASKYARD_EMBEDDED_WORKERS": "0",
    }
    argv = ["env", "-u", "PYTHONDONTWRITEBYTECODE", *(f"{k}={v}" for k, v in env.items())]
    if tree is None:
        # This checkout's code, also when the interpreter's editable install is another one.
        argv += [f"PYTHONPATH={ROOT}", *taskyard_argv(), "--db", str(db)]
        return Target("taskyard", total, argv, workdir, {"TERM": "xterm-256color"}, markers)
    # The checkout is the working directory, so ``-m tui`` imports its code, not this one's.
    argv += [sys.executable, "-m", "tui", "--db", str(db)]
    return Target(f"@{tree.name}", total, argv, str(tree), {"TERM": "xterm-256color"}, markers)


def remote_target(db: Path, url: str, token: str, workdir: str, pycache: str) -> Target:
    """The console script on the server at ``url``, which serves a copy of ``db``."""
    total, markers = taskyard_markers(db)
    env = {
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": workdir,
        "TASKYARD_CONFIG_DIR": workdir,  # no stored login
        "PYTHONPYCACHEPREFIX": pycache,
        "PYTHONPATH": str(ROOT),
        "TASKYARD_TOKEN": token,
    }
    argv = ["env", "-u", "PYTHONDONTWRITEBYTECODE", *(f"{k}={v}" for k, v in env.items())]
    argv += [*taskyard_argv(), "--server", url]
    return Target("remote", total, argv, workdir, {"TERM": "xterm-256color"}, markers)


def start_servers(dbs: list[Path], stack: ExitStack, workdir: str, pycache: str) -> list[Target]:
    """A server on a copy of each database (closed by ``stack``), and a target on each."""
    targets = []
    for db in dbs:
        folder = Path(tempfile.mkdtemp(prefix="tui-paint-server-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        served = folder / db.name
        shutil.copy2(db, served)
        env = bench_env(folder)
        token = issue_token(served, env)
        server = stack.enter_context(BenchServer(served, env, folder / "server.log"))
        print(f"serving a copy of {db} at {server.url}", flush=True)
        targets.append(remote_target(db, server.url, token, workdir, pycache))
    return targets


# -- Backlog.md ----------------------------------------------------------------------------------
def make_backlog(n: int, repo: Path, backlog_bin: str) -> None:
    """A Backlog.md project of ``n`` tasks, written in its file format (same generator)."""
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    run = {"cwd": repo, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)  # type: ignore[call-overload]
    subprocess.run(
        [backlog_bin, "init", "bench", "--integration-mode", "none", "--check-branches", "false",
         "--include-remote", "false", "--auto-open-browser", "false"],
        stdin=subprocess.DEVNULL, **run,
    )  # type: ignore[call-overload]  # fmt: skip
    tasks = repo / "backlog" / "tasks"
    items = generate_items(n)
    prio = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}
    for i, item in enumerate(items, start=1):
        deps = [f"TASK-{int(b.split(':')[1]) + 1}" for b in item["blocked_by"]]
        slug = "-".join(item["title"].split()[:4]).replace("#", "")
        lines = [
            "---",
            f"id: TASK-{i}",
            f"title: '{item['title']}'",
            f"status: {BACKLOG_STATUS[item['status']]}",
            "assignee:" + (f"\n  - '@{item['assignee']}'" if item.get("assignee") else " []"),
            "created_date: '2026-11-01 10:00'",
            "labels:" + ("".join(f"\n  - {lb}" for lb in item["labels"]) or " []"),
            "dependencies:" + ("".join(f"\n  - {d}" for d in deps) or " []"),
            f"priority: {prio[item['priority']]}",
            f"ordinal: {i * 1000}",
            "---",
            "",
            "## Description",
            "",
            item["description"],
            "",
        ]
        (tasks / f"task-{i} - {slug}.md").write_text("\n".join(lines))
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run(["git", "add", "-A"], **run)  # type: ignore[call-overload]
    subprocess.run([*git, "commit", "-qm", "tasks"], **run)  # type: ignore[call-overload]


def backlog_target(repo: Path, backlog_bin: str) -> Target:
    files = list((repo / "backlog" / "tasks").glob("task-*.md"))
    todo = sum(1 for f in files if "\nstatus: To Do\n" in f.read_text())
    markers = [f"To Do ({todo})", "TASK-"]
    argv = ["env", "TERM=xterm-256color", backlog_bin, "board"]
    return Target("Backlog.md", len(files), argv, str(repo), {"TERM": "xterm-256color"}, markers)


# -- report --------------------------------------------------------------------------------------
def stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    med = statistics.median(values)
    return f"{med:7.3f} (p90 {percentile(values, 90):7.3f}, min {min(values):7.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, nargs="+", required=True, help="taskyard SQLite files")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--poll", type=float, default=10.0, help="poll interval, ms")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a paint")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds before reading VmHWM")
    ap.add_argument("--backlog", default=None, help="path of the Backlog.md `backlog` binary")
    ap.add_argument("--backlog-sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--backlog-dir", type=Path, default=Path("/tmp/taskyard-bench/backlog"))
    ap.add_argument("--backlog-runs", type=int, default=None, help="runs for the peer")
    ap.add_argument("--make-backlog", action="store_true", help="(re)write the peer's repos")
    ap.add_argument(
        "--tree",
        type=Path,
        default=None,
        help="also run `python -m tui` from this checkout (e.g. a `git archive` of an older\n"
        "commit), interleaved with the current code: a before/after comparison",
    )
    ap.add_argument(
        "--tree-db",
        type=Path,
        nargs="+",
        default=None,
        help="the databases --tree opens instead of --db (same order): an older checkout\n"
        "refuses a file that a newer schema revision was applied to",
    )
    ap.add_argument("--server", action="store_true", help="also on a taskyard server (a copy)")
    args = ap.parse_args()

    print(f"machine: {machine_note()}")
    workdir = tempfile.mkdtemp(prefix="tui-paint-")
    pycache = tempfile.mkdtemp(prefix="tui-pycache-")
    targets = [taskyard_target(db, workdir, pycache) for db in args.db]
    if args.tree:
        tree_dbs = args.tree_db or args.db
        if len(tree_dbs) != len(args.db):
            raise SystemExit("--tree-db needs one file per --db")
        targets += [taskyard_target(db, workdir, pycache, args.tree.resolve()) for db in tree_dbs]
    peers: list[Target] = []
    if args.backlog:
        for n in args.backlog_sizes:
            repo = args.backlog_dir / f"bl-{n}"
            if args.make_backlog or not repo.exists():
                t0 = time.perf_counter()
                make_backlog(n, repo, args.backlog)
                print(f"wrote Backlog.md repo {repo} ({time.perf_counter() - t0:.1f} s)")
            peers.append(backlog_target(repo, args.backlog))
    stack = ExitStack()
    start_server()
    try:
        if args.server:
            targets += start_servers(args.db, stack, workdir, pycache)
        poll = args.poll / 1000
        for t in targets + peers:  # warm-up: bytecode cache, page cache
            measure(t, poll=poll, timeout=args.timeout, settle=0)
            t.paints.clear(), t.rss.clear(), t.hwm.clear()
        peer_runs = args.backlog_runs or args.runs
        for i in range(args.runs):
            for t in targets + (peers if i < peer_runs else []):
                measure(t, poll=poll, timeout=args.timeout, settle=args.settle)
            print(f"  run {i + 1}/{args.runs} done, load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        stack.close()
        tmux("kill-server", check=False)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(pycache, ignore_errors=True)

    print(f"machine at end: {machine_note()}")
    print(f"{'program':<12}{'tasks':>8}  {'first paint s: median (p90, min)':<40}{'RSS MB':>8}"
          f"{'peak MB':>9}  runs")  # fmt: skip
    mine = {t.size: t for t in targets if t.name == "taskyard"}
    for t in targets + peers:
        rss = statistics.median(t.rss) if t.rss else float("nan")
        hwm = statistics.median(t.hwm) if t.hwm else float("nan")
        line = (
            f"{t.name:<12}{t.size:>8}  {stats(t.paints):<40}{rss:8.1f}{hwm:9.1f}  {len(t.paints)}"
        )
        if t.failures:
            line += f" ({t.failures} failed)"
        ref = mine.get(t.size)
        if t.name == "remote" and ref and ref.paints and t.paints:
            pairs = statistics.median(r / v for r, v in zip(t.paints, ref.paints, strict=False))
            line += f"   pairs {pairs:.2f}x"
        if t is not ref and ref and ref.paints and t.paints:
            ratio = statistics.median(t.paints) / statistics.median(ref.paints)
            line += f"   {ratio:.1f}x taskyard's paint"
        print(line)
    for t in (t for t in targets if t.name == "taskyard"):
        target = 1.0 if t.size >= 100_000 else 0.8 if t.size >= 10_000 else None
        if target and t.paints:
            med = statistics.median(t.paints)
            print(f"taskyard {t.size}: target <= {target} s: {'PASS' if med <= target else 'FAIL'}"
                  f"; RSS target <= 200 MB: {'PASS' if max(t.hwm) <= 200 else 'FAIL'}")  # fmt: skip
    for t in (t for t in targets if t.name == "remote"):
        ref = mine.get(t.size)
        if ref and ref.paints and t.paints:
            ratio = statistics.median(t.paints) / statistics.median(ref.paints)
            print(f"remote {t.size}: {ratio:.2f}x the local first paint; target <= 1.2x: "
                  f"{'PASS' if ratio <= 1.2 else 'FAIL'}")  # fmt: skip


if __name__ == "__main__":
    main()
