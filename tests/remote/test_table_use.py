"""HttpTaskEngine makes its calls from the API table, and implements the whole Protocol."""

from __future__ import annotations

import inspect
import re
from typing import Any, cast

import pytest

from core.api.endpoints import ENDPOINTS_BY_METHOD
from core.api.outside import HAND_WRITTEN, NOT_SERVED
from core.engine import TaskEngine
from core.remote.engine import HttpTaskEngine
from core.remote.transport import Transport

PROTOCOL = sorted(
    name
    for name, member in vars(TaskEngine).items()
    if not name.startswith("_") and callable(member)
)


@pytest.mark.parametrize("name", PROTOCOL)
def test_every_protocol_method_is_implemented_with_its_signature(name: str) -> None:
    ours = getattr(HttpTaskEngine, name)
    assert ours is not getattr(TaskEngine, name)
    wanted = inspect.signature(getattr(TaskEngine, name))
    assert list(inspect.signature(ours).parameters) == list(wanted.parameters)


@pytest.mark.parametrize("name", sorted(ENDPOINTS_BY_METHOD))
def test_a_method_in_the_table_is_called_through_its_entry(name: str) -> None:
    """So the client sends what the server's route, built from the same entry, reads."""
    ours = getattr(HttpTaskEngine, name)
    if getattr(ours, "__wrapped__", None) is getattr(TaskEngine, name):
        return  # table_method(TaskEngine.<name>): made from the entry
    source = inspect.getsource(ours)
    assert re.search(rf'self\._api\(\s*"{name}"', source), source


def test_the_table_and_the_lists_outside_it_cover_the_protocol() -> None:
    assert set(PROTOCOL) == set(ENDPOINTS_BY_METHOD) | set(HAND_WRITTEN) | set(NOT_SERVED)


class _Recording:
    """Stands for a ``Transport``: keeps each request and answers ``answer``."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, Any, Any]] = []

    async def json(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        self.sent.append((method, path, params, json))
        return self.answer


async def test_a_table_method_sends_the_protocol_defaults_and_collections_as_lists() -> None:
    transport = _Recording({"items": []})
    engine = HttpTaskEngine(cast(Transport, transport))
    assert await engine.claim_tasks("w 1", pipelines={"ci"}, in_projects=("web",)) == []
    body = {
        "limit": 1,
        "project": None,
        "lease_seconds": None,
        "max_per_project": None,
        "pipelines": ["ci"],
        "approved_by": None,
        "in_projects": ["web"],
    }
    assert transport.sent == [("POST", "/api/v2/workers/w%201/claims", {}, body)]
    assert HttpTaskEngine.claim_tasks.__doc__ == TaskEngine.claim_tasks.__doc__
