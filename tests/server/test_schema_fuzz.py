"""schemathesis over ``/openapi.json`` against the real server: no 5xx, nothing off-schema.

Every operation the server declares gets ``MAX_EXAMPLES`` generated requests, valid ones
and invalid ones, sent with an admin token to ``taskyard serve`` (uvicorn in a subprocess)
on a seeded database. Each answer must be no server error and carry a status, a content
type and a body that the operation declares (the error body for every error status).

The routes come from the served document, so a route added anywhere is fuzzed as soon as
it exists. A deeper run by hand: ``st run URL/openapi.json -H "Authorization: Bearer ..."
--max-examples 300`` against a server of your own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from core.domain.access import TokenCreate, TokenScope
from tests.fixtures.servers import ServerProcess

from .conftest import Served, database_url, error_of
from .world import DATABASES, EngineThread, Side

# schemathesis over every operation on both databases: a fuzz run, left to `make slow`.
pytestmark = pytest.mark.slow

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is in the test extra: pip install -e '.[test]'"
)
openapi_checks = pytest.importorskip("schemathesis.specs.openapi.checks")

MAX_EXAMPLES = 10
"""Generated requests per operation and database: each operation's answers, in seconds."""

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]

REAL: dict[str, list[str]] = {}
"""Real things of the served database, by path parameter name (set by ``fuzzed``)."""


@pytest.fixture(scope="module", params=DATABASES)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server on a database with a project of tasks, runs and files, and an admin token."""
    folder = tmp_path_factory.mktemp("fuzzed")
    db_url = database_url(request, folder)
    db = EngineThread(db_url)
    try:
        side = Side.create(db, "fuzz", "FUZZ")
        side.grow()
        waiting, blocker = side.edge()
        lone = side.task()
        tokens = {
            name: db.run(db.engine.create_token(TokenCreate(name=name, scope=TokenScope.ADMIN)))
            for name in ("fuzzer", "checker")
        }
    finally:
        db.close()
    REAL.update(
        ref=[waiting.ref, blocker.id, lone.ref],
        blocker=[blocker.ref],
        project=[side.project.slug, side.project.id],
    )
    server = ServerProcess(db_url, folder)
    # The fuzzing spends its own token's requests; the other tests get a token of their own.
    secrets = {"admin": tokens["fuzzer"].secret, "checker": tokens["checker"].secret}
    yield Served(server=server, db_url=db_url, tokens=secrets)
    code = server.stop()
    assert code == 0, server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()


@pytest.fixture
def api_schema(fuzzed: Served) -> Any:
    """The server's own OpenAPI document, as schemathesis reads it."""
    return schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.serializer("application/x-ndjson")  # type: ignore[untyped-decorator]
def json_lines(context: Any, value: Any) -> bytes:
    """Bodies of routes that take JSON Lines (a JSONL import): one JSON value per line."""
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode()


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_declared(case: Any, fuzzed: Served) -> None:
    """A generated request gets no 5xx and an answer its operation declares.

    A path parameter naming a task or project often names a real one (chosen from the
    generated value, so a run is repeatable): most generated references name nothing, and
    the routes' work beyond "not found" would go untried.
    """
    for name, value in list((case.path_parameters or {}).items()):
        choices = REAL.get(name, [])
        pick = sum(str(value).encode()) % (len(choices) + 1)
        if pick < len(choices):
            case.path_parameters[name] = choices[pick]
    case.call_and_validate(
        base_url=fuzzed.url,
        headers={"Authorization": f"Bearer {fuzzed.tokens['admin']}"},
        checks=CHECKS,
    )


# -- what the fuzzing found ----------------------------------------------------------------
def test_a_405_allows_every_method_of_the_path(fuzzed: Served) -> None:
    """``Allow`` lists the methods of every route at the path, not of the first one only.

    schemathesis (unsupported_method): ``OPTIONS /api/v2/projects`` said ``Allow: POST``,
    though ``GET`` works there too, and ``PUT /api/v2/tasks/X`` said only ``GET``.
    """
    with fuzzed.client("checker") as api:
        projects = api.options("/api/v2/projects")
        task = api.put("/api/v2/tasks/FUZZ-1")
        health = api.post("/healthz")
    assert projects.status_code == task.status_code == health.status_code == 405
    assert error_of(projects)["code"] == "method_not_allowed"
    assert projects.headers["Allow"] == "GET, POST"
    assert task.headers["Allow"] == "DELETE, GET, PATCH"
    assert health.headers["Allow"] == "GET"
