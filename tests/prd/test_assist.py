"""Reading an agent's answer about a plan and applying what it suggests (core/prd/assist)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ValidationError
from core.prd.assist import MAX_SUGGESTIONS, apply_suggestions, assist_prompt, read_answer
from core.prd.models import ImportPlan
from tests.fixtures.prd_plans import SOURCE_KEY, plan, task


def key(name: str) -> str:
    return f"{SOURCE_KEY}/{name}"


def two_tasks() -> ImportPlan:
    return plan([task("api", "Payment API"), task("ui", "Payment UI")], [("ui", "api")])


def test_the_prompt_holds_the_plan_the_document_and_the_answer_shape() -> None:
    prompt = assist_prompt("# Doc\n\nText.", two_tasks())
    assert key("api") in prompt
    assert "# Doc" in prompt
    assert '{"suggestions": [' in prompt


@pytest.mark.parametrize(
    "output",
    [
        '{"suggestions": [{"kind": "priority"}]}',
        'Sure!\n```json\n{"suggestions": [{"kind": "priority"}]}\n```\nDone.',
        'My answer: {"suggestions": [{"kind": "priority"}]} hope it helps',
    ],
)
def test_an_answer_is_found_bare_fenced_or_among_words(output: str) -> None:
    assert read_answer(output, "claude") == [{"kind": "priority"}]


def test_no_answer_quotes_what_the_agent_said() -> None:
    with pytest.raises(ValidationError, match="it printed: no idea"):
        read_answer("no idea", "claude")


def test_what_changes_nothing_or_is_malformed_is_refused_with_why() -> None:
    raw: list[dict[str, Any]] = [
        {"kind": "edge", "task": key("ui"), "blocker": key("api"), "reason": "again"},
        {"kind": "edge", "task": key("api"), "blocker": key("api")},
        {"kind": "priority", "task": key("api"), "priority": "urgent"},
        {"kind": "priority", "task": key("api"), "priority": "medium"},
        {"kind": "split", "task": key("api"), "parts": ["only one"]},
        {"kind": "rewrite", "task": key("api")},
    ]
    result = apply_suggestions(two_tasks(), raw, "claude")
    assert [s.refused for s in result.suggestions] == [
        "the plan has that dependency already",
        "a task cannot wait for itself",
        "no priority 'urgent'",
        "the plan has that priority already",
        "a split needs two parts or more",
        "unknown kind 'rewrite'",
    ]
    assert result.edges == two_tasks().edges


def test_a_flood_of_suggestions_is_cut_off() -> None:
    raw = [{"kind": "priority", "task": key("api"), "priority": "high"}] * (MAX_SUGGESTIONS + 3)
    result = apply_suggestions(two_tasks(), raw, "claude")
    assert [s.refused for s in result.suggestions[-3:]] == ["too many suggestions"] * 3
