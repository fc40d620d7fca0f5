"""How close the PRD planner comes to a careful human planner, on the hand-written corpus.

Plans every document of ``tests/fixtures/prds/corpus/`` in-process at balanced granularity and
compares the plan with the document's ``.expected.json`` (schema in that folder's README):
task precision/recall, edge precision/recall, priority accuracy, milestone attachment, and
the edges drawn from an ambiguous reference. The scoring lives in
``tests/fixtures/prd_scoring.py``, shared with ``tests/prd/test_quality.py``.

Run from the repository root:

    .venv/bin/python bench/prd_quality.py             # a table per document, style, language
    .venv/bin/python bench/prd_quality.py --details   # plus what each document lost points for
    .venv/bin/python bench/prd_quality.py --json      # everything, machine-readable
    .venv/bin/python bench/prd_quality.py --corpus DIR  # another folder of documents
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import _common  # noqa: F401  (puts the repository root on sys.path)

from tests.fixtures.prd_scoring import (
    CORPUS,
    Counts,
    DocumentResult,
    iter_problems,
    score_corpus,
    summarize,
)

COLUMNS = [
    ("task_precision", "task P"),
    ("task_recall", "task R"),
    ("edge_precision", "edge P"),
    ("edge_recall", "edge R"),
    ("priority_accuracy", "prio"),
    ("milestone_attachment", "miles"),
]


def _cell(value: float | None) -> str:
    return "   —  " if value is None else f"{value:6.2f}"


def _row(label: str, counts: Counts, width: int) -> str:
    ratios = counts.ratios()
    cells = " ".join(_cell(ratios[key]) for key, _ in COLUMNS)
    extra = f"{counts.ambiguous_wrong_edges:5d} {counts.non_work_tasks:5d}"
    return f"{label:<{width}} {cells} {extra}"


def _table(title: str, rows: Iterable[tuple[str, Counts]]) -> list[str]:
    rows = list(rows)
    width = max([len(title), *(len(label) for label, _ in rows)])
    header = " ".join(f"{name:>6}" for _, name in COLUMNS)
    lines = [f"{title:<{width}} {header} {'ambig':>5} {'info':>5}"]
    lines += [_row(label, counts, width) for label, counts in rows]
    return lines


def report(results: list[DocumentResult], details: bool) -> str:
    """The human-readable report: per document, per style, per language, overall."""
    lines = _table("document", ((r.name.removesuffix(".md"), r.counts) for r in results))
    for by in ("style", "language"):
        lines += ["", *_table(by, sorted(summarize(results, by).items()))]
    overall = summarize(results)["overall"]
    lines += ["", *_table("overall", [("overall", overall)])]
    lines += [
        "",
        f"{len(results)} documents; tasks {overall.tasks_found}/{overall.tasks_expected} found, "
        f"{overall.tasks_matched}/{overall.tasks_planned} planned matched; "
        f"edges {overall.edges_found:.1f}/{overall.edges_required:.0f} required entries ordered, "
        f"{overall.edges_correct} correct / {overall.edges_wrong} wrong "
        f"({overall.edges_neutral} neutral, {overall.edges_unscored} unscored); "
        f"priorities {overall.priorities_right}/{overall.priorities_stated}; "
        f"milestones {overall.memberships_present}/{overall.memberships}.",
        "ambig = wrong edges from an ambiguous reference; info = non-work sections made tasks.",
    ]
    if details:
        for r in results:
            problems = list(iter_problems(r))
            if problems:
                lines += ["", f"## {r.name}"]
                lines += [f"  {kind:<18} {text}" for kind, text in problems]
    return "\n".join(lines)


def as_json(results: list[DocumentResult]) -> dict[str, object]:
    """Every count, ratio and problem, per document and summed."""

    def block(counts: Counts) -> dict[str, object]:
        return {"counts": dataclasses.asdict(counts), "scores": counts.ratios()}

    return {
        "granularity": "balanced",
        "documents": [
            {
                "name": r.name,
                "style": r.style,
                "language": r.language,
                **block(r.counts),
                "problems": [{"kind": k, "text": t} for k, t in iter_problems(r)],
            }
            for r in results
        ],
        "by_style": {k: block(c) for k, c in sorted(summarize(results, "style").items())},
        "by_language": {k: block(c) for k, c in sorted(summarize(results, "language").items())},
        "overall": block(summarize(results)["overall"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--details", action="store_true", help="list each document's problems")
    ap.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="a folder of NAME.md + NAME.expected.json (default: the test corpus); "
        "documents the planner was not tuned on score its general rules",
    )
    args = ap.parse_args()
    if not args.corpus.is_dir():
        ap.error(f"--corpus {args.corpus}: not a folder")
    results = score_corpus(args.corpus)
    if args.json:
        json.dump(as_json(results), sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        print(report(results, args.details))


if __name__ == "__main__":
    main()
