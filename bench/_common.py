"""Shared helpers for the benchmark scripts (not a test module).

Run the scripts from the repository root as ``.venv/bin/python bench/NAME.py``; they put the
repository root on ``sys.path`` themselves, so an editable install is not needed.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROJECT_KEY = "BEN"

# A realistic board: most finished work is done, a modest ready queue, a few things running.
STATUS_WEIGHTS = {
    "done": 0.38,
    "cancelled": 0.04,
    "backlog": 0.25,
    "ready": 0.16,
    "in_progress": 0.03,
    "in_review": 0.03,
    "blocked": 0.11,
}
PRIORITY_WEIGHTS = {"critical": 0.05, "high": 0.20, "medium": 0.50, "low": 0.25}
TYPES = ["feature", "bug", "chore", "docs", "test", "refactor", "research"]
LABELS = ["backend", "frontend", "api", "db", "ui", "infra", "perf", "security", "docs", "tests",
          "cli", "tui", "agent", "flaky", "needs-design", "good-first-issue"]  # fmt: skip
ASSIGNEES = [None, None, None, "alice", "bob", "carol", "dave", "agent-1", "agent-2", "agent-3"]
_WORDS_TEXT = (
    "add fix refactor remove support handle migrate document test speed up cache validate "
    "parse render export import sync retry log trace index queue worker board column card "
    "search filter sort page label milestone project dependency blocker event stream config "
    "theme keymap schema migration report metrics timeout "
)
WORDS = _WORDS_TEXT.split()


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate_items(n: int, *, edge_ratio: float = 1.1, seed: int = 42) -> list[dict[str, Any]]:
    """``n`` task dicts (TaskImportItem shape) with about ``edge_ratio * n`` blocked_by edges.

    External ids are ``ext:N``: an id shaped like a ref (``ext-12``) in ``blocked_by`` is read as
    the ref EXT-12 when it is not in the same import call, so chunked imports could not use it.

    Edges only point from a later item to an earlier one, so the graph has no cycle. Most
    blockers are recent (a local chain of work), some are far back (an old foundation task).
    Statuses are chosen so that no ``ready``/``in_progress`` task has an unresolved blocker
    (the import would park or refuse it), which keeps the requested mix honest.
    """
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    statuses: list[str] = []
    target_edges = int(edge_ratio * n)
    edges_left = target_edges
    for i in range(n):
        # Spread the remaining edges over the remaining items (never more than i blockers).
        remaining = n - i
        mean = edges_left / remaining if remaining else 0
        k = 0
        if i > 0:
            k = int(mean)
            if rng.random() < mean - k:
                k += 1
            k = min(k, i, 6)
        blockers: set[int] = set()
        while len(blockers) < k:
            # mostly a recent task (a chain of work), sometimes anything earlier
            recent = rng.random() < 0.8
            j = i - 1 - int(rng.expovariate(1 / 20)) if recent else rng.randrange(i)
            if 0 <= j < i:
                blockers.add(j)
        edges_left -= len(blockers)
        status = _pick(rng, STATUS_WEIGHTS)
        unresolved = any(statuses[j] not in ("done", "cancelled") for j in blockers)
        if unresolved and status in ("ready", "in_progress"):
            status = "blocked" if status == "ready" else "backlog"
        statuses.append(status)
        words = rng.sample(WORDS, 4)
        item: dict[str, Any] = {
            "external_id": f"ext:{i}",
            "title": f"{words[0].capitalize()} {' '.join(words[1:])} #{i}",
            "description": f"Task {i}: {' '.join(rng.sample(WORDS, 12))}.",
            "task_type": rng.choice(TYPES),
            "priority": _pick(rng, PRIORITY_WEIGHTS),
            "status": status,
            "labels": rng.sample(LABELS, rng.choice([0, 1, 1, 2, 2, 3])),
            "blocked_by": [f"ext:{j}" for j in sorted(blockers)],
        }
        assignee = rng.choice(ASSIGNEES)
        if assignee:
            item["assignee"] = assignee
        items.append(item)
    return items


def edge_count(items: list[dict[str, Any]]) -> int:
    return sum(len(it["blocked_by"]) for it in items)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def summarize(values_s: list[float]) -> dict[str, float]:
    """Milliseconds: median, p95, p99, min, max."""
    ms = [v * 1000 for v in values_s]
    return {
        "n": len(ms),
        "median": statistics.median(ms),
        "p90": percentile(ms, 90),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "min": min(ms),
        "max": max(ms),
    }


def fmt_row(name: str, s: dict[str, float], target_ms: float | None = None) -> str:
    verdict = ""
    if target_ms is not None:
        verdict = f"  target <= {target_ms:g} ms: {'PASS' if s['median'] <= target_ms else 'FAIL'}"
    return (
        f"{name:<44} n={s['n']:<4} median={s['median']:8.2f} ms  p95={s['p95']:8.2f}  "
        f"p99={s['p99']:8.2f}  min={s['min']:8.2f}  max={s['max']:8.2f}{verdict}"
    )


def machine_note() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load avg {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )
