"""What the rule tests read from a plan of a small document."""

from __future__ import annotations

from core.prd.models import Granularity, ImportOptions, ImportPlan
from core.prd.plan import build_plan


def plan_of(text: str, granularity: Granularity = Granularity.BALANCED) -> ImportPlan:
    return build_plan(text, source="doc.md", options=ImportOptions(granularity=granularity))


def pairs(plan: ImportPlan) -> set[tuple[str, str]]:
    """(blocker title, waiting title) of every edge."""
    title = {t.key: t.title for t in plan.tasks}
    return {(title[e.blocker_key], title[e.task_key]) for e in plan.edges}


def titles(plan: ImportPlan) -> list[str]:
    return [t.title for t in plan.tasks]


def codes(plan: ImportPlan) -> list[str]:
    return [w.code for w in plan.warnings]
