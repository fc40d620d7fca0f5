"""Time build_plan (the PRD preview) on the generated >1 MB PRD: cold and warm, per granularity.

Cold = a fresh chunk cache (first preview of a document); warm = the same document re-planned
(what the TUI does on every option change). Run: .venv/bin/python bench/prd_preview.py --runs 5
With ``--cpu`` the times are the process's CPU time (``time.process_time``) and the minimum is
printed too: steadier than wall time when other work shares the cores. Each plan runs with the
cyclic collector paused, as ``SqlTaskEngine.preview_import`` runs it; ``--gc-on`` leaves the
collector running, to measure what the pause saves.

``--varied`` measures issue 21's budgets instead, on text whose sections all differ (the corpus
documents, each copy's headings numbered, so the chunk cache cannot hide the cost): a 50 KB
preview, and a 1 MB preview beside mistune's own AST parse of the same text, in the same run
(CPU time, median and minimum of the runs, each run with every cache of the planner cleared).
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

import _common
import mistune

from core.prd.models import Granularity, ImportOptions
from core.prd.parse import _chunk_starts
from core.prd.parse.convert import parse_chunk
from core.prd.plan import build_plan, classify
from core.store.gc_pause import without_cyclic_gc

sys.path.insert(0, str(_common.ROOT / "tests" / "fixtures" / "prds"))
from generate_large import large_prd

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$", re.MULTILINE)


def varied_text(min_bytes: int) -> str:
    """The corpus documents one after the other, each copy's headings numbered, to ``min_bytes``.

    The first copy of each document is the corpus text itself (40 real-world styles, four
    languages); later copies number every heading (``## Goals (3)``). No chunk (a heading and
    the text up to the next one, what the parser caches) appears twice: a chunk already
    emitted (a bare heading two documents share, ``## Requirements``) gets its copy's number.
    """
    corpus = _common.ROOT / "tests" / "fixtures" / "prds" / "corpus"
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted(corpus.glob("*.md"))]
    texts = [t for t in texts if not t.startswith("# PRD quality corpus")]
    seen: set[str] = set()
    parts: list[str] = []
    size = copy = 0
    while size < min_bytes:
        suffix = f" ({copy // len(texts)})" if copy >= len(texts) else ""
        lines = (_HEADING.sub(rf"\1 \2{suffix}", texts[copy % len(texts)]) + "\n").split("\n")
        starts = [*_chunk_starts(lines)[1:], len(lines)]
        for first, after in itertools.pairwise(starts):
            chunk = "\n".join(lines[first:after])
            if chunk in seen:
                lines[first] += f" (copy {copy})"
                chunk = "\n".join(lines[first:after])
            seen.add(chunk)
        part = "\n".join(lines)
        parts.append(part)
        size += len(part.encode())
        copy += 1
    return "".join(parts)


def _cold() -> None:
    """Forget what the planner cached from earlier runs (parsed chunks, title kinds)."""
    parse_chunk.cache_clear()
    classify._whole_kind.cache_clear()


def _cpu_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and minimum of ``runs`` calls, in CPU milliseconds, each one cold (``_cold``)."""
    times = []
    for _ in range(runs):
        _cold()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000, min(times) * 1000


def varied(runs: int) -> None:
    """Issue 21's budgets: a 50 KB preview, and 1 MB of varied text against mistune's parse."""
    plan_of = without_cyclic_gc(build_plan)
    plugins = ["table", "task_lists", "strikethrough", "url"]
    md = mistune.create_markdown(renderer=None, plugins=plugins)
    options = ImportOptions()
    for size in (50_000, 1_000_000):
        text = varied_text(size)
        plan = partial(plan_of, text, source="varied.md", options=options)
        plan_med, plan_min = _cpu_ms(plan, runs)
        parse_med, parse_min = _cpu_ms(partial(md, text), runs)
        print(
            f"{len(text.encode()) / 1000:6.0f} KB varied: preview median {plan_med:5.0f} ms CPU "
            f"(min {plan_min:.0f}), mistune AST parse median {parse_med:5.0f} ms CPU "
            f"(min {parse_min:.0f}); ratio of medians {plan_med / parse_med:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    ap.add_argument("--gc-on", action="store_true", help="do not pause the cyclic collector")
    ap.add_argument("--varied", action="store_true", help="issue 21's budgets on varied text")
    args = ap.parse_args()
    if args.varied:
        varied(args.runs)
        return
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
