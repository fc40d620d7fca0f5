"""Time build_plan (the PRD preview) on the generated >1 MB PRD: cold and warm, per granularity.

Cold = a fresh chunk cache (first preview of a document); warm = the same document re-planned
(what the TUI does on every option change). Run: .venv/bin/python bench/prd_preview.py --runs 5
With ``--cpu`` the times are the process's CPU time (``time.process_time``) and the minimum is
printed too: steadier than wall time when other work shares the cores. Each plan runs with the
cyclic collector paused, as ``SqlTaskEngine.preview_import`` runs it; ``--gc-on`` leaves the
collector running, to measure what the pause saves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import _common

from core.prd.models import Granularity, ImportOptions
from core.prd.parse.convert import parse_chunk
from core.prd.plan import build_plan
from core.store.gc_pause import without_cyclic_gc

sys.path.insert(0, str(_common.ROOT / "tests" / "fixtures" / "prds"))
from generate_large import large_prd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    ap.add_argument("--gc-on", action="store_true", help="do not pause the cyclic collector")
    args = ap.parse_args()
    plan_of = build_plan if args.gc_on else without_cyclic_gc(build_plan)
    clock = time.process_time if args.cpu else time.perf_counter
    text, sections = large_prd()
    print(f"document: {len(text.encode()) / 1e6:.2f} MB, {sections} sections")
    for granularity in Granularity:
        options = ImportOptions(granularity=granularity)
        cold, warm = [], []
        for _ in range(args.runs):
            parse_chunk.cache_clear()
            t0 = clock()
            plan = plan_of(text, source="large.md", options=options)
            cold.append(clock() - t0)
            t0 = clock()
            plan_of(text, source="large.md", options=options)
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
