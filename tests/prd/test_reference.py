"""The planner gives exactly the recorded plans (same behaviour).

``reference_plans.json`` is written by ``python -m tests.prd.reference_docs`` (see its docstring
for when it was re-recorded and why): full plans for the corpus and hand-written documents,
SHA-256 digests for the pseudo-random documents and the >1 MB PRD, at every granularity with and
without order edges.
"""

from __future__ import annotations

import json

import pytest

from core.prd.models import Granularity, ImportOptions
from core.prd.plan import build_plan
from tests.prd.reference_docs import (
    OPTIONS,
    REFERENCE,
    as_recorded,
    digest,
    documents,
    large_prd,
    plan_or_error,
)

RECORDED: dict[str, dict[str, dict[str, object]]] = json.loads(
    REFERENCE.read_text(encoding="utf-8")
)
DOCS = documents()


def test_the_reference_covers_every_document() -> None:
    assert set(RECORDED) == {*DOCS, "large"}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_plan_equals_the_recorded_one(name: str) -> None:
    for label, options in OPTIONS.items():
        expected = RECORDED[name][label]
        result = plan_or_error(DOCS[name], name, options)
        if isinstance(result, str):
            assert expected == {"error": result}, label
        elif "sha256" in expected:
            assert digest(result) == expected["sha256"], label
        else:
            assert as_recorded(result) == expected, label


def test_large_prd_plans_equal_the_recorded_ones() -> None:
    text, _ = large_prd()
    for granularity in Granularity:
        plan = build_plan(text, source="large.md", options=ImportOptions(granularity=granularity))
        assert digest(plan) == RECORDED["large"][granularity.value]["sha256"], granularity
