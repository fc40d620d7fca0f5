"""An agent's second opinion on a plan: the prompt it gets, and its answer read and applied.

``taskyard import prd --planner agent[:PROFILE]`` sends the document and the deterministic plan
to an agent profile, which answers with suggestions in one JSON object: edges the rules
missed, priorities the text implies, tasks too big to be one. They are merged into the preview,
each marked as suggested with the agent's one-line reason; a suggestion that names no task of
the plan, would close a cycle or changes nothing is listed as refused, with why. Nothing here
runs a process (``core.orchestrator.plan_assist`` does) or writes anything: the person sees the
preview before any of it is committed, and the rules alone remain the default planner.
"""

from __future__ import annotations

import json
import re
from typing import Any

from core.domain.graph import cycle_through_new_edge
from core.domain.models import Priority
from core.errors import ValidationError
from core.prd.edit import set_priority, summarize
from core.prd.models import ImportPlan, PlannedEdge, PlannedTask, PlanSuggestion

MAX_SUGGESTIONS = 50
"""More than this is no second opinion but a second plan: the rest are refused."""

ANSWER_SHAPE = """{"suggestions": [
  {"kind": "edge", "task": "KEY", "blocker": "KEY", "reason": "one line"},
  {"kind": "priority", "task": "KEY", "priority": "critical|high|medium|low", "reason": "..."},
  {"kind": "split", "task": "KEY", "parts": ["sub-task title", "..."], "reason": "..."}
]}"""


def assist_prompt(text: str, plan: ImportPlan) -> str:
    """What the agent is asked: the rules' plan, the document, and the answer's exact shape."""
    tasks = [
        {"key": t.key, "title": t.title, "priority": t.priority.value, "parent": t.parent_key}
        for t in plan.tasks
    ]
    edges = [{"task": e.task_key, "waits_for": e.blocker_key} for e in plan.edges]
    return (
        "You review a work plan that rules extracted from a product document. Suggest only "
        "what the rules missed: dependencies the text states or clearly implies, priorities "
        "the text gives, and tasks too big to be one piece of work. Name tasks by their key. "
        "Do not repeat what the plan already has. Give each suggestion a one-line reason "
        "quoting or pointing at the document.\n\n"
        f"Answer with one JSON object and nothing else, shaped:\n{ANSWER_SHAPE}\n"
        'An empty list ({"suggestions": []}) is a fine answer.\n\n'
        f"## The plan\n\n```json\n{json.dumps({'tasks': tasks, 'edges': edges}, indent=1)}\n```"
        f"\n\n## The document\n\n{text}\n"
    )


_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)\n```", re.DOTALL)


def read_answer(output: str, agent: str) -> list[dict[str, Any]]:
    """The suggestions in an agent's output (a JSON object, maybe in a code fence).

    Raises:
        ValidationError: no such object in the output (what the agent printed is quoted).
    """
    for candidate in [*reversed(_FENCE.findall(output)), output, *_braced(output)]:
        try:
            answer = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(answer, dict) and isinstance(answer.get("suggestions"), list):
            return [s for s in answer["suggestions"] if isinstance(s, dict)]
    shown = output.strip()[:300] or "(nothing)"
    raise ValidationError(
        f"The agent {agent!r} did not answer with suggestions; it printed: {shown}",
        field="planner",
        hint='Check the profile runs a non-interactive agent that prints {"suggestions": [...]} '
        "(docs/agents.md), or import with the rules alone (--planner rules).",
    )


def _braced(output: str) -> list[str]:
    """The text from the first ``{`` to the last ``}``: an object among other words."""
    start, end = output.find("{"), output.rfind("}")
    return [output[start : end + 1]] if 0 <= start < end else []


def apply_suggestions(plan: ImportPlan, raw: list[dict[str, Any]], agent: str) -> ImportPlan:
    """The plan with what the agent suggested applied, and every suggestion listed."""
    out: list[PlanSuggestion] = []
    for index, item in enumerate(raw):
        suggestion = _suggestion(item, agent)
        if index >= MAX_SUGGESTIONS:
            suggestion = suggestion.model_copy(update={"refused": "too many suggestions"})
        elif not suggestion.refused:
            plan, suggestion = _apply(plan, suggestion)
        out.append(suggestion)
    return summarize(plan.model_copy(update={"suggestions": [*plan.suggestions, *out]}))


def _suggestion(item: dict[str, Any], agent: str) -> PlanSuggestion:
    """One suggestion as given, or refused with what is wrong in it."""
    kind = str(item.get("kind", ""))
    reason = " ".join(str(item.get("reason", "")).split())[:300]
    base = {"task_key": str(item.get("task", "")), "reason": reason, "agent": agent}
    if kind == "edge":
        return PlanSuggestion(kind="edge", blocker_key=str(item.get("blocker", "")), **base)
    if kind == "priority":
        value = str(item.get("priority", "")).lower()
        if value not in {p.value for p in Priority}:
            return PlanSuggestion(kind="priority", refused=f"no priority {value!r}", **base)
        return PlanSuggestion(kind="priority", priority=Priority(value), **base)
    if kind == "split":
        parts = item.get("parts")
        titles = [" ".join(str(p).split())[:200] for p in parts or [] if str(p).strip()]
        if not isinstance(parts, list) or len(titles) < 2:
            return PlanSuggestion(kind="split", refused="a split needs two parts or more", **base)
        return PlanSuggestion(kind="split", parts=titles, **base)
    return PlanSuggestion(kind="edge", refused=f"unknown kind {kind!r}", **base)


def _apply(plan: ImportPlan, s: PlanSuggestion) -> tuple[ImportPlan, PlanSuggestion]:
    """Apply one suggestion, or refuse it with the reason."""
    keys = {t.key for t in plan.tasks}
    for key in (s.task_key, s.blocker_key):
        if key is not None and key not in keys:
            return plan, s.model_copy(update={"refused": f"no task {key!r} in the plan"})
    if s.kind == "edge":
        return _add_edge(plan, s)
    task = next(t for t in plan.tasks if t.key == s.task_key)
    if s.kind == "priority":
        assert s.priority is not None
        if task.priority == s.priority:
            return plan, s.model_copy(update={"refused": "the plan has that priority already"})
        return set_priority(plan, s.task_key, s.priority), s.model_copy(update={"applied": True})
    return _split(plan, task, s), s.model_copy(update={"applied": True})


def _add_edge(plan: ImportPlan, s: PlanSuggestion) -> tuple[ImportPlan, PlanSuggestion]:
    assert s.blocker_key is not None
    if s.blocker_key == s.task_key:
        return plan, s.model_copy(update={"refused": "a task cannot wait for itself"})
    if any((e.task_key, e.blocker_key) == (s.task_key, s.blocker_key) for e in plan.edges):
        return plan, s.model_copy(update={"refused": "the plan has that dependency already"})
    graph: dict[str, set[str]] = {t.key: set() for t in plan.tasks}
    for e in plan.edges:
        graph[e.task_key].add(e.blocker_key)
    if cycle_through_new_edge(graph, s.task_key, s.blocker_key) is not None:
        return plan, s.model_copy(update={"refused": "it would close a dependency cycle"})
    edge = PlannedEdge(
        task_key=s.task_key,
        blocker_key=s.blocker_key,
        reason="suggested",
        because=f"suggested by {s.agent}: {s.reason}",
    )
    return plan.model_copy(update={"edges": [*plan.edges, edge]}), s.model_copy(
        update={"applied": True}
    )


def _split(plan: ImportPlan, task: PlannedTask, s: PlanSuggestion) -> ImportPlan:
    """Sub-tasks of ``task`` (it waits for them, as a parent waits for its children)."""
    taken = {t.key for t in plan.tasks}
    children: list[PlannedTask] = []
    edges: list[PlannedEdge] = []
    for n, title in enumerate(s.parts, 1):
        key = f"{task.key}/part-{n}"
        while key in taken:
            key += "-x"
        taken.add(key)
        children.append(
            PlannedTask(
                key=key,
                title=title,
                description=f"Part of {task.title} (suggested by {s.agent}: {s.reason}).",
                task_type=task.task_type,
                priority=task.priority,
                milestone_key=task.milestone_key,
                parent_key=task.key,
                source=task.source,
            )
        )
        edges.append(
            PlannedEdge(
                task_key=task.key,
                blocker_key=key,
                reason="suggested",
                because=f"suggested by {s.agent}: {s.reason}",
            )
        )
    at = plan.tasks.index(task) + 1
    tasks = [*plan.tasks[:at], *children, *plan.tasks[at:]]
    return plan.model_copy(update={"tasks": tasks, "edges": [*plan.edges, *edges]})
