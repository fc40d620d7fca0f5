"""Documents whose plans are recorded (``reference_plans.json``), so planning cannot drift.

The fixture corpus, a few hand-written documents that exercise Markdown the fixtures do not
(emphasis, links, entities, setext headings, quotes, HTML, tabs, CRLF), and deterministic
pseudo-random documents built from fragments. ``python -m tests.prd.reference_docs`` rewrites the
JSON. The recording was made with the planner of commit 5619ad0 (before the PRD performance work)
and re-made when issue 21's planner changed the rules on purpose, after reading each difference
(full milestone names, stage headings such as "Alpha" as milestones, a milestone's list items as
its tasks, "nothing" as no reference, whole titles before splitting at "and", no close-spelling
guess between different names). Do not regenerate it to make a failing comparison pass: a
difference is a change of planning behaviour, to be read and kept only when the new plan is the
one a careful planner would draw.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from core.prd.models import Granularity, ImportOptions, ImportPlan
from core.prd.plan import build_plan

PRDS = Path(__file__).resolve().parents[1] / "fixtures" / "prds"
REFERENCE = PRDS / "reference_plans.json"
sys.path.insert(0, str(PRDS))
from generate_large import large_prd  # type: ignore[import-not-found]  # noqa: E402

__all__ = [
    "OPTIONS", "REFERENCE", "as_recorded", "digest", "documents", "large_prd", "plan_or_error",
]  # fmt: skip

HAND_WRITTEN: dict[str, str] = {
    "emphasis_links.md": (
        "# Store\n\n## *Cart* and __checkout__\nPriority: **P1**\nSee [the spec](http://x.io/s) "
        "and <https://y.io>; edit `core/cart.py` &amp; `tui/cart.tcss`.\n\n"
        "- [ ] **bold** item with `a/b.py`\n- [x] done _item_\n  - [ ] nested open\n"
        "  1. nested step\n\n## Payments\n**Depends on:** Cart and checkout\n"
        "1. Add ~~old~~ Stripe\n2. Refunds (after: Cart and checkout)\n"
    ),
    "setext_quotes.md": (
        "Big title\n=========\n\nIntro ID: setext-doc\n\nFirst part\n----------\n\n"
        "> Depends on: Second part\n> - [ ] quoted check\n\n<div>html block</div>\n\n"
        "Second part\n-----------\n\n\tindented code\n\n* star list\n+ plus list\n\n"
        "    # not a heading\n\n## Third\r\nDone when:\r\n- it works\r\n- it ships\r\n"
    ),
    "milestone_tables.md": (
        '---\nprd: Roadmap Doc\ntitle: "x"\n---\n# Plan\n\n'
        "## Roadmap\n| Milestone | Goal | Due |\n"
        "|---|---|---|\n| M1 | Alpha | 2026-01-02 |\n| Beta launch | wide | 2026-02-03 |\n\n"
        "## Phase 1: Build\n### API\nMilestone: M1\nType: chore\nTags: #infra, backend\n"
        "### UI\nRequires: API\n- Priority: low\n- Depends on:\n  - API\n\n"
        "## Acceptance criteria\n- all green\n\n## Overview\nJust text.\n\n## Empty\n"
        "## Empty\n\n## Big\n" + "word " * 900 + "\n"
    ),
    "fine_steps.md": (
        "## Release\nDepends on: 9.9, nothing here\n\n1. build `dist/`\n   - [ ] sign it\n"
        "2. upload\n3. announce (depends on: build)\n\n- [ ] SHOULD update docs\n"
        "- [ ] COULD tweet #marketing\n- plain bullet\n\nAcceptance criteria:\n- ok\n\n"
        "```python\n## not a heading\n- [ ] not an item\n```\n\n### Release notes\nDocs only.\n"
    ),
}

_FRAGMENTS = [
    "## {t}",
    "### {t}",
    "# {t}",
    "#### {t}",
    "{t}\n---",
    "Depends on: {r}",
    "Blocked by {r} and {r}",
    "Requires: {r}",
    "After: {r}",
    "(after: {r})",
    "Priority: {p}",
    "Type: {w}",
    "Labels: {w}, #{w}",
    "Milestone: M{n}: {t}",
    "- [ ] {w} {w}",
    "- [x] {w}",
    "  - [ ] {w} nested",
    "1. {w} step\n2. {w} step",
    "- Depends on: {r}",
    "- Priority: {p}",
    "Acceptance criteria:\n- {w}\n- {w}",
    "Done when: {w}",
    "Uses `{w}/{w}.py` and `x.{w}` #{w}",
    "The {w} MUST {w}; P{n} {w} SHOULD.",
    "| Key | Value |\n|---|---|\n| Priority | {p} |\n| {w} | `{w}/f.py` |",
    "```\n# {w}\n- [ ] {w}\n```",
    "> {w} (depends on: {r})",
    "*{w}* **{w}** [{w}](http://{w}.io) &amp; {w}",
    "ID: {w}",
    "{w} {w} {w}\n{w} {w}",
]
_TITLES = [
    "Alpha",
    "Beta",
    "Gamma",
    "1. Delta",
    "2.1 Epsilon",
    "M1: Start",
    "Milestones",
    "Overview",
    "Acceptance criteria",
    "Fix crash",
    "Docs",
    "Roadmap",
]
_WORDSET = ["api", "login", "cache", "tests", "bug", "release", "ui", "db", "queue", "auth"]
_PRIOS = ["P0", "high", "low", "MUST", "could", "medium"]


def random_doc(seed: int) -> str:
    """A deterministic pseudo-random PRD of 3-25 fragments."""
    rng = random.Random(seed)

    def fill(fragment: str) -> str:
        out = fragment
        for slot, pool in (
            ("{t}", _TITLES),
            ("{r}", [*_TITLES, "#2", "section 1", "nothing"]),
            ("{w}", _WORDSET),
            ("{p}", _PRIOS),
        ):
            while slot in out:
                out = out.replace(slot, rng.choice(pool), 1)
        while "{n}" in out:
            out = out.replace("{n}", str(rng.randint(0, 3)), 1)
        return out

    parts = [fill(rng.choice(_FRAGMENTS)) for _ in range(rng.randint(3, 25))]
    return "\n\n".join(parts) + "\n"


RANDOM_SEEDS = range(120)
OPTIONS = {
    f"{g.value}-{'order' if order else 'plain'}": ImportOptions(
        granularity=g, order_dependencies=order, max_parallelism_hint=2 if order else 4
    )
    for g in Granularity
    for order in (False, True)
}


def documents() -> dict[str, str]:
    """Name → text of every reference document except the large one."""
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted(PRDS.glob("*.md"))}
    docs.update(HAND_WRITTEN)
    docs.update({f"random-{seed}": random_doc(seed) for seed in RANDOM_SEEDS})
    return docs


ADDED_SINCE_RECORDING = "shell_blocks_kept_as_text"
"""The one planning note added after the recording (shell blocks stay text by default)."""


def as_recorded(plan: ImportPlan) -> dict[str, Any]:
    """The plan as the recording's models dump it: without what was added since, on purpose.

    The import's ``commands`` option (off here), the tasks' ``command`` (``None`` with it
    off) and the plan's ``suggestions`` (empty without an agent) are new fields, and a document
    with shell blocks gets a note that they stay text.
    Everything else must be exactly as recorded.
    """
    data = plan.model_dump(mode="json")
    assert data.pop("suggestions") == []  # an agent's, only with --planner agent
    for skipped in data["not_tasks"]:  # for making one a task after all (core.prd.edit)
        del skipped["line_end"], skipped["text"]
    assert data["options"].pop("commands") is False
    for task in data["tasks"]:
        assert task.pop("command") is None
    data["warnings"] = [w for w in data["warnings"] if w["code"] != ADDED_SINCE_RECORDING]
    return data


def plan_json(plan: ImportPlan) -> str:
    """The plan as canonical JSON (sorted keys), what the reference stores or hashes."""
    return json.dumps(as_recorded(plan), sort_keys=True, ensure_ascii=False)


def digest(plan: ImportPlan) -> str:
    """SHA-256 of the plan's canonical JSON."""
    return hashlib.sha256(plan_json(plan).encode()).hexdigest()


def plan_or_error(text: str, name: str, options: ImportOptions) -> ImportPlan | str:
    """The plan, or the error's class name when the planner refuses the text."""
    try:
        return build_plan(text, source=f"tests/fixtures/prds/{name}", options=options)
    except Exception as exc:  # recorded, so a refusal is part of the behaviour compared
        return type(exc).__name__


def record() -> dict[str, dict[str, object]]:
    """What the reference file holds: full plans for named documents, digests for the rest."""
    out: dict[str, dict[str, object]] = {}
    for name, text in documents().items():
        per: dict[str, object] = {}
        for label, options in OPTIONS.items():
            result = plan_or_error(text, name, options)
            if isinstance(result, str):
                per[label] = {"error": result}
            elif name.startswith("random-"):
                per[label] = {"sha256": digest(result)}
            else:
                per[label] = as_recorded(result)
        out[name] = per
    text, _ = large_prd()
    out["large"] = {
        g.value: {"sha256": digest(plan)}
        for g in Granularity
        if (plan := build_plan(text, source="large.md", options=ImportOptions(granularity=g)))
    }
    return out


if __name__ == "__main__":
    REFERENCE.write_text(
        json.dumps(record(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {REFERENCE}")
