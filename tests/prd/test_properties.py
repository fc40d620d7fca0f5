"""Any Markdown-ish text gives a sound plan or a ValidationError, never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import graph
from core.errors import ValidationError
from core.prd.models import Granularity, ImportOptions
from core.prd.plan import build_plan

words = st.text(alphabet="abcdefgh XYZ#:`/.-()[]*_", min_size=0, max_size=30)
titles = st.sampled_from(["Alpha", "Beta", "Gamma", "1. Delta", "M1: Start", "Overview"])
blocks = st.one_of(
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 4), st.one_of(titles, words)),
    st.builds(lambda t: f"Depends on: {t}", st.one_of(titles, words)),
    st.builds(lambda t, c: f"- [{'x' if c else ' '}] {t}", words, st.booleans()),
    st.builds(lambda t: f"1. {t}\n2. (after: {t})", words),
    st.builds(lambda t: f"  - nested {t}", words),
    st.builds(lambda t: f"```\n# {t}\n```", words),
    st.builds(lambda t: f"| a | b |\n|---|---|\n| {t} | `x/y.py` |", words),
    words,
    st.text(max_size=40),
)
documents = st.lists(blocks, max_size=12).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from(list(Granularity)), st.booleans())
def test_any_text_plans_soundly_or_is_refused(
    text: str, granularity: Granularity, order: bool
) -> None:
    options = ImportOptions(granularity=granularity, order_dependencies=order)
    try:
        plan = build_plan(text, source="prop.md", options=options)
    except ValidationError:
        return
    keys = [t.key for t in plan.tasks]
    assert len(keys) == len(set(keys))
    g: dict[str, set[str]] = {k: set() for k in keys}
    for edge in plan.edges:
        assert edge.task_key in g
        assert edge.blocker_key in g
        g[edge.task_key].add(edge.blocker_key)
    assert graph.find_cycle(g) is None
    assert build_plan(text, source="prop.md", options=options) == plan
