"""The fixture corpus: task counts, edges and warnings per granularity for realistic PRDs."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest

from core.domain import graph
from core.prd.models import Granularity, ImportOptions, ImportPlan
from core.prd.plan import build_plan

PRDS = Path(__file__).resolve().parents[1] / "fixtures" / "prds"
sys.path.insert(0, str(PRDS))
from generate_large import large_prd  # type: ignore[import-not-found]  # noqa: E402

C, B, F = Granularity.COARSE, Granularity.BALANCED, Granularity.FINE

# file -> granularity -> (tasks, edges, {warning code: count}); order_dependencies on.
EXPECTED: dict[str, dict[Granularity, tuple[int, int, dict[str, int]]]] = {
    "short_brief.md": {C: (1, 0, {}), B: (1, 0, {}), F: (3, 2, {})},
    "multi_milestone.md": {C: (4, 4, {}), B: (4, 4, {}), F: (12, 14, {})},
    "tables.md": {C: (2, 1, {}), B: (2, 1, {}), F: (2, 1, {})},
    "cross_refs.md": {
        C: (5, 5, {"dangling_reference": 1}),
        B: (5, 5, {"dangling_reference": 1}),
        F: (7, 8, {"dangling_reference": 1}),
    },
    "cycle.md": {C: (4, 3, {"cycle": 1}), B: (4, 3, {"cycle": 1}), F: (4, 3, {"cycle": 1})},
    "no_headings.md": {
        C: (1, 0, {"no_headings": 1}),
        B: (1, 0, {"no_headings": 1}),
        F: (5, 5, {"no_headings": 1}),
    },
    "spec_style.md": {C: (1, 0, {}), B: (3, 2, {}), F: (10, 10, {})},
}


def plan_of(name: str, granularity: Granularity) -> ImportPlan:
    text = (PRDS / name).read_text(encoding="utf-8")
    options = ImportOptions(granularity=granularity, order_dependencies=True)
    return build_plan(text, source=f"tests/fixtures/prds/{name}", options=options)


def assert_sound(plan: ImportPlan) -> None:
    keys = [t.key for t in plan.tasks]
    assert len(keys) == len(set(keys))
    g: dict[str, set[str]] = {k: set() for k in keys}
    for e in plan.edges:
        g[e.task_key].add(e.blocker_key)
    assert graph.find_cycle(g) is None
    assert sorted(k for wave in plan.waves for k in wave) == sorted(keys)


@pytest.mark.parametrize(
    ("name", "granularity"), [(n, g) for n, per in EXPECTED.items() for g in per]
)
def test_corpus_counts(name: str, granularity: Granularity) -> None:
    plan = plan_of(name, granularity)
    tasks, edges, warnings = EXPECTED[name][granularity]
    counts = dict(collections.Counter(w.code for w in plan.warnings))
    assert (len(plan.tasks), len(plan.edges), counts) == (tasks, edges, warnings)
    assert_sound(plan)


def test_cycle_fixture_names_the_path_and_drops_the_latest_edge() -> None:
    plan = plan_of("cycle.md", B)
    (warning,) = plan.warnings
    titles = warning.details["cycle_titles"]
    assert isinstance(titles, list)
    assert titles[0] == titles[-1]
    assert set(titles) == {"Invoices", "Payments", "Ledger"}
    assert warning.details["dropped_edge"] == {
        "task_key": "cycle:ledger",
        "blocker_key": "cycle:invoices",
    }


def test_cross_refs_resolve_numbers_titles_and_report_the_dangling_one() -> None:
    plan = plan_of("cross_refs.md", B)
    pairs = {(e.task_key, e.blocker_key) for e in plan.edges}
    assert ("cross-refs:indexer", "cross-refs:index-schema") in pairs  # "section 1"
    assert ("cross-refs:search-screen", "cross-refs:query-parser") in pairs  # "#3"
    (dangling,) = plan.warnings
    assert dangling.details["reference"] == "Telemetry dashboard"


def test_multi_milestone_attaches_tasks_to_their_milestones() -> None:
    plan = plan_of("multi_milestone.md", B)
    assert [(m.key, m.due_date) for m in plan.milestones] == [
        ("m1", "2026-03-01"),
        ("m2", "2026-05-01"),
    ]
    assert {t.title: t.milestone_key for t in plan.tasks} == {
        "Claim protocol": "m1",
        "Heartbeats": "m1",
        "Postgres backend": "m2",
        "Load test": "m2",
    }
    claim = plan.tasks[0]
    assert claim.priority.value == "critical"
    assert claim.context_files == ["core/store/claim.py"]
    assert "agents" in claim.labels


def test_tables_give_settings_and_files() -> None:
    csv = plan_of("tables.md", B).tasks[0]
    assert (csv.priority.value, csv.task_type) == ("high", "feature")
    assert csv.context_files == ["core/domain/models.py"]


def test_large_prd_is_over_a_megabyte_and_plans_as_a_chain() -> None:
    text, sections = large_prd()
    assert len(text.encode()) > 1_000_000
    plan = build_plan(text, source="large.md", options=ImportOptions(granularity=B))
    assert len(plan.tasks) == sections
    assert len(plan.edges) == sections - 1
    assert plan.warnings == []
    assert len(plan.critical_path) == sections
