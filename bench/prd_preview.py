"""Time build_plan (the PRD preview) on the generated >1 MB PRD: cold and warm, per granularity.

Cold = a fresh chunk cache (first preview of a document); warm = the same document re-planned
(what the TUI does on every option change). Run: .venv/bin/python bench/prd_preview.py --runs 5
With ``--cpu`` the times are the process's CPU time (``time.process_time``) and the minimum is
printed too: steadier than wall time when other work shares the cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import _common

from core.prd import parse
from core.prd.models import Granularity, ImportOptions
from core.prd.plan import build_plan

sys.path.insert(0, str(_common.ROOT / "tests" / "fixtures" / "prds"))
from generate_large import large_prd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    args = ap.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    text, sections = large_prd()
    print(f"document: {len(text.encode()) / 1e6:.2f} MB, {sections} sections")
    for granularity in Granularity:
        options = ImportOptions(granularity=granularity)
        cold, warm = [], []
        for _ in range(args.runs):
            parse._parse_chunk.cache_clear()
            t0 = clock()
            plan = build_plan(text, source="large.md", options=options)
            cold.append(clock() - t0)
            t0 = clock()
            build_plan(text, source="large.md", options=options)
            warm.append(clock() - t0)
        print(
            f"{granularity.value:9} tasks={len(plan.tasks):5} edges={len(plan.edges):5} "
            f"cold median {statistics.median(cold) * 1000:6.0f} ms   "
            f"warm median {statistics.median(warm) * 1000:6.0f} ms"
            + (
                f"   (min cold {min(cold) * 1000:.0f}, warm {min(warm) * 1000:.0f})"
                if args.cpu
                else ""
            )
        )


if __name__ == "__main__":
    main()
