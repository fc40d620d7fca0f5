"""HttpTaskEngine makes its calls from the API table, and implements the whole Protocol."""

from __future__ import annotations

import inspect
import re

import pytest

from core.api.endpoints import ENDPOINTS_BY_METHOD
from core.api.outside import HAND_WRITTEN, NOT_SERVED
from core.engine import TaskEngine
from core.remote.engine import HttpTaskEngine

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
    source = inspect.getsource(getattr(HttpTaskEngine, name))
    assert re.search(rf'self\._api\(\s*"{name}"', source), source


def test_the_table_and_the_lists_outside_it_cover_the_protocol() -> None:
    assert set(PROTOCOL) == set(ENDPOINTS_BY_METHOD) | set(HAND_WRITTEN) | set(NOT_SERVED)
