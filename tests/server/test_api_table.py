"""The API table (``core.api``) covers the whole ``TaskEngine`` and names real arguments.

A method added to the Protocol fails here until it is in the table, or in
``core.api.outside`` with the reason it is served otherwise or not at all.
"""

from __future__ import annotations

import inspect

import pytest

from core.api.endpoint import API_PREFIX, Endpoint
from core.api.endpoints import ENDPOINTS, ENDPOINTS_BY_METHOD
from core.api.outside import HAND_WRITTEN, NOT_SERVED
from core.domain.commands import BoardQuery
from core.domain.models import Priority, TaskStatus
from core.domain.runs import Worker
from core.engine import TaskEngine


def protocol_methods() -> set[str]:
    return {
        name
        for name, value in vars(TaskEngine).items()
        if callable(value) and not name.startswith("_")
    }


def test_every_engine_method_is_in_the_table_or_says_why_not() -> None:
    listed = [e.method for e in ENDPOINTS] + list(HAND_WRITTEN) + list(NOT_SERVED)
    assert sorted(listed) == sorted(protocol_methods()), "each method exactly once"
    assert all(HAND_WRITTEN.values())
    assert all(NOT_SERVED.values())


@pytest.mark.parametrize("entry", ENDPOINTS, ids=lambda e: e.method)
def test_entries_carry_arguments_the_engine_takes(entry: Endpoint) -> None:
    parameters = inspect.signature(getattr(TaskEngine, entry.method)).parameters
    wire = list(entry.path_params)
    for model in (entry.query, entry.body if entry.body_arg is None else None):
        wire += list(model.model_fields) if model is not None else []
    names = [entry.argument(w) for w in wire] + ([entry.body_arg] if entry.body_arg else [])
    if entry.query is not None and hasattr(entry.query, "engine_arguments"):
        defaults = entry.arguments(dict.fromkeys(entry.path_params, "x"), {}, None)
        names = list(entry.assembled(defaults))
    assert set(names) <= set(parameters) - {"self"}
    required = {
        n for n, p in parameters.items() if n != "self" and p.default is inspect.Parameter.empty
    }
    assert required <= set(names), f"{entry.method} cannot carry {required - set(names)}"


def test_a_client_builds_the_call_and_reads_the_answer() -> None:
    entry = ENDPOINTS_BY_METHOD["register_worker"]
    call = entry.call({"worker_id": "w/1", "host": "h", "pid": 7})
    assert (call.method, call.url, call.params) == ("POST", f"{API_PREFIX}/workers", {})
    assert call.json == {"id": "w/1", "host": "h", "pid": 7}
    heartbeat = ENDPOINTS_BY_METHOD["heartbeat"].call({"worker_id": "w/1 x", "leases": None})
    assert heartbeat.url == f"{API_PREFIX}/workers/w/1%20x/heartbeat"
    runs = ENDPOINTS_BY_METHOD["runs_of"]
    assert runs.call({"ref": "A/B"}).url == f"{API_PREFIX}/tasks/A%2FB/runs"
    assert runs.result({"items": [], "next_cursor": None}) == []
    worker = {
        "id": "w",
        "host": "h",
        "pid": 1,
        "slots": 1,
        "started_at": "2026-01-01T00:00:00Z",
        "last_heartbeat_at": "2026-01-01T00:00:00Z",
        "status": "active",
    }
    assert isinstance(ENDPOINTS_BY_METHOD["stop_worker"].result(worker), Worker)


def test_the_board_query_travels_as_its_filters_and_comes_back_whole() -> None:
    entry = ENDPOINTS_BY_METHOD["board_column"]
    query = BoardQuery(
        project="web", priorities=[Priority.HIGH], labels=["ui"], text="login", per_column=0
    )
    call = entry.call({"query": query, "status": TaskStatus.READY, "offset": 5, "limit": 9})
    assert call.url == f"{API_PREFIX}/tasks/board/ready"
    assert call.params == {
        "project": "web",
        "priority": ["high"],
        "label": ["ui"],
        "q": "login",
        "offset": 5,
        "limit": 9,
    }
    args = entry.arguments({"column": "ready"}, call.params, None)
    assert entry.assembled(args) == {"query": query, "status": "ready", "offset": 5, "limit": 9}
