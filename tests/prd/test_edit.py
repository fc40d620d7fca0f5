"""Editing a plan before commit: what is dropped or changed, and the preview recomputed."""

from __future__ import annotations

import pytest

from core.domain.models import Priority
from core.errors import NotFoundError, ValidationError
from core.prd.edit import drop_edge, drop_task, set_priority, set_task_type, summarize
from core.prd.models import ImportOptions, ImportPlan, PlannedEdge, PlannedTask, SourceSpan


def task(key: str, parent: str | None = None, priority: Priority = Priority.MEDIUM) -> PlannedTask:
    return PlannedTask(
        key=key,
        title=f"Task {key}",
        parent_key=parent,
        priority=priority,
        source=SourceSpan(section_path=[key], line_start=1, line_end=2),
    )


def plan() -> ImportPlan:
    """a <- b <- c, a <- d; e is a child of d; two workers."""
    return summarize(
        ImportPlan(
            source="prd.md",
            source_key="prd",
            options=ImportOptions(max_parallelism_hint=2),
            tasks=[
                task("a"),
                task("b"),
                task("c"),
                task("d", priority=Priority.HIGH),
                task("e", "d"),
            ],
            edges=[
                PlannedEdge(task_key="b", blocker_key="a"),
                PlannedEdge(task_key="c", blocker_key="b"),
                PlannedEdge(task_key="d", blocker_key="a"),
            ],
        )
    )


def test_summary_shows_waves_critical_path_and_where_work_starts() -> None:
    p = plan()
    assert p.waves == [["a", "e"], ["d", "b"], ["c"]]  # two at a time, high priority first
    assert p.critical_path == ["a", "b", "c"]
    assert p.blocked_roots == ["a"]


def test_dropping_a_task_drops_its_edges_and_lifts_its_children() -> None:
    p = drop_task(plan(), "d")
    assert [t.key for t in p.tasks] == ["a", "b", "c", "e"]
    assert all("d" not in (e.task_key, e.blocker_key) for e in p.edges)
    assert next(t for t in p.tasks if t.key == "e").parent_key is None


def test_dropping_an_edge_shortens_the_critical_path() -> None:
    p = drop_edge(plan(), "c", "b")
    assert len(p.critical_path) == 2
    assert "c" in p.waves[0]  # nothing holds it back any more
    with pytest.raises(NotFoundError):
        drop_edge(p, "c", "b")


def test_priority_and_type_changes_reorder_the_waves() -> None:
    p = set_priority(plan(), "e", Priority.LOW)
    p = set_priority(p, "b", Priority.CRITICAL)
    assert p.waves[1][0] == "b"
    p = set_task_type(p, "b", " Bug ")
    assert next(t for t in p.tasks if t.key == "b").task_type == "bug"
    with pytest.raises(ValidationError, match="not a task type"):
        set_task_type(p, "b", "two words")
    with pytest.raises(NotFoundError):
        set_priority(p, "zzz", Priority.LOW)
