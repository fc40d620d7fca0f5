"""The planner against the hand-written corpus (``tests/fixtures/prds/corpus/``): no regression.

``FLOORS`` are the overall scores measured when the corpus was written, rounded down a little,
so a change that makes the plans worse fails here. ``TARGETS`` are issue 21's acceptance
levels. Whoever improves the planner raises the floors towards the targets (a floor never
exceeds its target, so an improvement that trades a little of an over-target score for a lot
of another still passes). ``bench/prd_quality.py --details`` shows where the points go.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.domain.models import Priority
from core.prd.models import PlannedMilestone, PlannedTask
from tests.fixtures.prd_plans import plan, task
from tests.fixtures.prd_scoring import (
    CORPUS,
    corpus_documents,
    load_expected,
    score_corpus,
    score_document,
    summarize,
)

TARGETS: dict[str, float] = {
    "task_precision": 0.9,
    "task_recall": 0.9,
    "edge_precision": 0.9,
    "edge_recall": 0.8,
    "priority_accuracy": 0.9,
    "milestone_attachment": 0.9,
}
"""Issue 21's acceptance levels on this corpus at balanced granularity."""

FLOORS: dict[str, float] = {
    "task_precision": 0.9,
    "task_recall": 0.9,
    "edge_precision": 0.9,
    "edge_recall": 0.8,
    "priority_accuracy": 0.9,
    "milestone_attachment": 0.9,
}
"""The overall scores after issue 21's planner work (0.930, 0.982, 0.995, 0.910, 1.000, 0.962),
rounded down and capped at the targets. When the corpus was written they were 0.346, 0.361,
0.857, 0.075, 0.355 and 0.038. With blind batches 8 and 9 moved in (120 documents, branch
``prd-edges``) they are 0.942, 0.975, 0.984, 0.818, 0.971 and 0.902: edge recall and
milestones are close to their floors."""

TARGET_AMBIGUOUS_WRONG_EDGES = 0
"""Issue 21: an ambiguous reference gives a warning with its candidates, never an edge."""
MAX_AMBIGUOUS_WRONG_EDGES = 0
"""Today's count: "Depends on: Writer library" (two libraries) is a warning, not an edge."""


def test_floors_lie_at_or_below_the_targets() -> None:
    assert FLOORS.keys() == TARGETS.keys()
    assert all(FLOORS[k] <= TARGETS[k] for k in TARGETS)
    assert MAX_AMBIGUOUS_WRONG_EDGES >= TARGET_AMBIGUOUS_WRONG_EDGES


def test_the_corpus_covers_the_styles_and_languages_it_promises() -> None:
    docs = corpus_documents()
    names = {d.with_suffix(".expected") for d in docs}
    expected = [load_expected(d.with_name(d.stem + ".expected.json")) for d in docs]
    assert len(docs) >= 30
    assert len({e.style for e in expected}) >= 8
    languages = [e.language for e in expected]
    assert {"en", "de", "es", "fr"} <= set(languages)
    assert all(languages.count(lang) >= 3 for lang in ("de", "es", "fr"))
    orphans = [p for p in CORPUS.glob("*.expected.json") if p.with_suffix("") not in names]
    assert not orphans, "an expected graph without its document"


def test_overall_scores_stay_above_the_floors() -> None:
    overall = summarize(score_corpus())["overall"]
    scores = overall.ratios()
    below = {k: round(v or 0.0, 3) for k, v in scores.items() if (v or 0.0) < FLOORS[k]}
    assert not below, f"below the floors {FLOORS}: {below}"
    assert overall.ambiguous_wrong_edges <= MAX_AMBIGUOUS_WRONG_EDGES


BLIND = CORPUS.parent / "blind"
"""Documents written blind and tuned on since (``tests/fixtures/prds/blind/README.md``)."""

BLIND_FLOORS: dict[str, float] = {
    "task_precision": 0.97,
    "task_recall": 0.99,
    "edge_precision": 0.99,
    "edge_recall": 0.75,
    "priority_accuracy": 0.99,
    "milestone_attachment": 0.98,
}
"""The blind folder's overall scores once the planner learned from its 102 documents (0.979,
0.997, 0.995, 0.757, 0.999, 0.983 on 2026-12-08), rounded down. Edge recall fell from 0.785
when batches 26 and 27 joined (0.47 and 0.50 after tuning: their dependencies are mostly
written as descriptions the matcher cannot tie to one task). Not issue 21's targets (edge
recall is below 0.8): what was learned stays learned. The targets are held on the corpus."""


def test_what_the_planner_learned_from_the_blind_documents_stays_learned() -> None:
    overall = summarize(score_corpus(BLIND))["overall"]
    scores = overall.ratios()
    below = {k: round(v or 0.0, 3) for k, v in scores.items() if (v or 0.0) < BLIND_FLOORS[k]}
    assert not below, f"below the blind folder's floors {BLIND_FLOORS}: {below}"
    assert overall.ambiguous_wrong_edges == 0


# ---------------------------------------------------------------- the scorer itself


@pytest.fixture
def expected_file(tmp_path: Path) -> Path:
    path = tmp_path / "doc.expected.json"
    path.write_text(
        json.dumps(
            {
                "style": "test",
                "language": "en",
                "tasks": [
                    {"id": "a", "titles": ["Alpha"], "section": ["Work", "Alpha"],
                     "priority": ["high", "critical"]},
                    {"id": "a2", "titles": ["Alpha"], "section": ["Later", "Alpha"]},
                    {"id": "b", "pattern": "Beta( \\(Sam\\))?", "section": ["Work"],
                     "priority": ["low"]},
                    {"id": "c", "titles": ["Gamma"], "section": ["Work"]},
                    {"id": "d", "titles": ["Delta"], "section": ["Work"]},
                    {"id": "r", "titles": ["Rollout"], "section": ["Rollout"], "optional": True},
                ],
                "edges": {"required": [["a", "b"], ["b", "c"], ["a", "c"], ["@m1", "d"]],
                          "acceptable": [["d", "r"]]},
                "milestones": [{"id": "m1", "names": ["Beta launch"], "tasks": ["a", "b"]}],
                "not_tasks": [["TL;DR"]],
                "ambiguous": [{"task": "d", "reference": "the A", "candidates": ["a", "a2"]}],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    return path


def at(t: PlannedTask, *path: str) -> PlannedTask:
    """``t`` as if it came from the section ``path``."""
    return t.model_copy(update={"source": t.source.model_copy(update={"section_path": list(path)})})


def test_the_scorer_matches_one_to_one_and_classifies_edges(expected_file: Path) -> None:
    expected = load_expected(expected_file)
    tasks = [
        at(task("alpha", "alpha", priority=Priority.CRITICAL, milestone_key="m1"), "Work", "Alpha"),
        at(task("alpha-2", "Alpha"), "Later", "Alpha"),
        task("beta", "**Beta (Sam)**", priority=Priority.MEDIUM, milestone_key="m1"),
        task("gamma", "  Gamma "),
        task("tldr", "TL;DR"),
        task("rollout", "Rollout"),
    ]
    edges = [("beta", "alpha"), ("gamma", "beta"), ("rollout", "gamma"), ("gamma", "tldr")]
    milestones = [PlannedMilestone(key="m1", name="BETA LAUNCH")]
    result = score_document(expected, plan(tasks, edges, milestones=milestones))
    c = result.counts
    # a, a2, b, c and the optional rollout matched; delta missed; TL;DR extra and not work.
    assert (c.tasks_planned, c.tasks_matched, c.tasks_expected, c.tasks_found) == (6, 5, 5, 4)
    assert c.non_work_tasks == 1
    assert result.missed_tasks == ["d (Work)"]
    # a→b and b→c are required; a→c is ordered through b; rollout is optional; TL;DR unscored.
    assert (c.edges_correct, c.edges_wrong, c.edges_neutral, c.edges_unscored) == (2, 0, 1, 1)
    assert (c.edges_required, c.edges_found) == (3, 3)
    assert (c.priorities_stated, c.priorities_right) == (2, 1)
    assert (c.memberships, c.memberships_present) == (2, 2)


def test_the_scorer_counts_a_wrong_edge_from_an_ambiguous_reference(expected_file: Path) -> None:
    expected = load_expected(expected_file)
    # The one planned "Alpha" comes from the section of a (which d may wait for, via @m1) ...
    alpha = at(task("alpha", "Alpha"), "Work", "Alpha")
    result = score_document(expected, plan([alpha, task("delta", "Delta")], [("delta", "alpha")]))
    assert (result.counts.edges_correct, result.counts.ambiguous_wrong_edges) == (1, 0)
    # ... or from the section of a2, which nothing lets d wait for.
    later = at(task("later", "Alpha"), "Later", "Alpha")
    result = score_document(expected, plan([later, task("delta", "Delta")], [("delta", "later")]))
    assert (result.counts.edges_wrong, result.counts.ambiguous_wrong_edges) == (1, 1)
    assert result.ambiguous_edges == ["'Alpha' → 'Delta' (line None)"]
