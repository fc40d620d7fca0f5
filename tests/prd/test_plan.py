"""Planning rules: keys, validation, extraction."""

from __future__ import annotations

import gc

import pytest

from core.errors import ValidationError
from core.prd.models import Granularity, ImportOptions
from core.prd.parse import ListBlock, parse_document
from core.prd.plan import build_plan

DOC = """# PRD

## Auth
Priority: P0
- [ ] login works

## Fix crash on save
Depends on: Auth
Uses `core/save.py` and https://x.io/a.py #urgent-fix
"""


def keys(text: str) -> dict[str, str]:
    plan = build_plan(text, source="docs/My PRD.md", options=ImportOptions())
    return {t.title: t.key for t in plan.tasks}


@pytest.mark.parametrize("text", ["", "  \n\t\n", "abc\x00def"])
def test_unusable_input_is_a_validation_error(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        build_plan(text, source="x.md", options=ImportOptions())
    assert err.value.hint


def test_keys_are_stable_across_reimport_and_unrelated_edits() -> None:
    first = keys(DOC)
    assert first == {"Auth": "my-prd:auth", "Fix crash on save": "my-prd:fix-crash-on-save"}
    assert keys(DOC) == first
    edited = DOC.replace("- [ ] login works", "- [ ] login works\n- [ ] logout works\n\nMore.")
    assert keys(edited) == first


def test_extraction() -> None:
    plan = build_plan(DOC, source="x.md", options=ImportOptions())
    auth, fix = plan.tasks
    assert auth.priority.value == "critical"
    assert auth.acceptance_criteria == ["login works"]
    assert fix.task_type == "bug"
    assert fix.context_files == ["core/save.py"]
    assert "urgent-fix" in fix.labels
    assert [(e.task_key, e.blocker_key) for e in plan.edges] == [("x:fix-crash-on-save", "x:auth")]
    assert plan.blocked_roots == ["x:auth"]
    assert fix.source.section_path == ["Fix crash on save"]
    assert (fix.source.line_start, fix.source.line_end) == (7, 9)


def test_long_titles_are_cut_and_kept_in_the_description() -> None:
    title = "word " * 150
    plan = build_plan(f"## {title}\ntext", source="x.md", options=ImportOptions())
    task = plan.tasks[0]
    assert len(task.title) <= 500
    assert task.description.startswith(title.strip()[:100])


def test_declared_id_wins_over_the_file_name() -> None:
    plan = build_plan("---\nid: Billing 2\n---\n## A\nx", source="a.md", options=ImportOptions())
    assert plan.source_key == "billing-2"
    assert plan.tasks[0].source.line_start == 4


def test_fine_makes_steps_children_that_the_parent_waits_for() -> None:
    text = "## Ship\n1. build\n2. test\n"
    opts = ImportOptions(granularity=Granularity.FINE, order_dependencies=True)
    plan = build_plan(text, source="s.md", options=opts)
    assert [t.parent_key for t in plan.tasks] == [None, "s:ship", "s:ship"]
    assert {e.reason for e in plan.edges} == {"parent", "order"}


def test_parse_line_numbers_skip_headings_in_code() -> None:
    doc = parse_document("## A\n```\n# not\n```\n- x\n  - y\n## B\n")
    a, b = doc.sections
    assert (a.line_start, a.line_end, b.line_start) == (1, 6, 7)
    lst = a.blocks[1]
    assert isinstance(lst, ListBlock)
    assert lst.line_start == 5
    assert lst.items[0].lists[0].items[0].line_start == 6


def test_planning_leaves_the_garbage_collector_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector is process-wide: pausing it is the caller's business (the engine's)."""

    def refuse() -> None:
        raise AssertionError("the planner switched the garbage collector")

    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "enable", refuse)
    build_plan(DOC, source="x.md", options=ImportOptions())
    with pytest.raises(ValidationError):
        build_plan("", source="x.md", options=ImportOptions())
