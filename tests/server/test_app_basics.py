"""The app's frame: health checks, request ids, one error body, and a complete OpenAPI."""

from __future__ import annotations

import httpx
import pytest

import core

from .conftest import Served, error_of

ERROR_STATUSES = {"400", "401", "403", "422", "503"}
"""Every /api route declares at least these (the token and the database can fail anywhere)."""


def test_healthz_needs_no_token(served: Served) -> None:
    """A load balancer without a token sees the process answer."""
    with served.client(token=None) as api:
        response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_schema_revision_and_version(served: Served) -> None:
    """Ready means the database answered and its schema is the one this release needs; the
    version lets a client check it speaks the same API before anything else."""
    with served.client(token=None) as api:
        response = api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "revision": "0015_worker_lease",
        "version": core.__version__,
    }


def test_every_response_carries_a_request_id(served: Served) -> None:
    """Each answer has an id (a client's own id is kept), and the access log names it."""
    with served.client() as api:
        made = api.get("/api/v2/projects")
        kept = api.get("/api/v2/projects", headers={"X-Request-ID": "trace-42"})
        refused = api.get("/api/v2/nowhere")
    assert len(made.headers["X-Request-ID"]) == 32
    assert kept.headers["X-Request-ID"] == "trace-42"
    assert refused.headers["X-Request-ID"]
    log = served.server.log_text()
    assert "request_id=trace-42" in log
    assert '"GET /api/v2/projects HTTP/1.1" 200' in log
    assert "token=admin" in log


def test_unknown_routes_and_methods_answer_with_the_error_body(served: Served) -> None:
    """A wrong path is a 404 and a wrong method a 405, both in the one error shape."""
    with served.client() as api:
        missing = api.get("/api/v2/nowhere")
        wrong_method = api.put("/api/v2/projects")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_400(served: Served) -> None:
    """Malformed JSON is the client's mistake, said as such (not a 500, not a 422)."""
    with served.client() as api:
        response = api.post(
            "/api/v2/projects", content=b"{name", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_invalid_fields_are_named_as_the_cli_names_them(served: Served) -> None:
    """A 422 says which field was wrong and how to fix it, with every problem listed."""
    with served.client() as api:
        response = api.post("/api/v2/tasks", json={"title": "", "priority": "urgent"})
        typo = api.post("/api/v2/projects", json={"name": "X", "colour": "red"})
        bad_query = api.get("/api/v2/tasks", params={"limit": 0})
    error = error_of(response)
    assert response.status_code == 422
    assert error["code"] == "validation_error"
    assert {e["field"] for e in error["details"]["errors"]} == {"title", "priority"}
    assert error["hint"]
    assert error_of(typo)["message"] == "Unknown field 'colour'."
    assert bad_query.status_code == 422
    assert error_of(bad_query)["details"]["field"] == "limit"


def test_openapi_declares_every_route_and_its_errors(served: Served) -> None:
    """/openapi.json lists each /api route with its error responses; /docs serves."""
    with httpx.Client(base_url=served.url) as anonymous:
        spec = anonymous.get("/openapi.json").json()
        docs = anonymous.get("/docs")
    assert docs.status_code == 200
    assert "ErrorBody" in spec["components"]["schemas"]
    api_paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/v2")}
    assert "/api/v2/tasks/{ref}/transition" in api_paths
    for path, operations in api_paths.items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert declared >= ERROR_STATUSES, (method, path, declared)
            for status in declared - {"200", "201", "304"}:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)


async def test_a_bug_answers_500_with_the_error_body_and_a_request_id(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception never shows a traceback: the error body, the id, the log."""
    from core.domain.access import TokenCreate, TokenScope
    from core.server.app import create_app
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    secret = (await engine.create_token(TokenCreate(name="a", scope=TokenScope.ADMIN))).secret

    async def broken() -> list[object]:
        raise RuntimeError("a bug in list_projects")

    monkeypatch.setattr(SqlTaskEngine, "list_projects", lambda self: broken())

    async def open_engine() -> SqlTaskEngine:
        return engine

    app = create_app(open_engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {secret}"},
        ) as api,
    ):
        response = await api.get("/api/v2/projects")
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert error["details"] == {"request_id": request_id}
    assert "RuntimeError" not in response.text
    assert "list_projects" not in response.text
    assert "Traceback" not in response.text
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_what_the_server_built_at_start_is_left_out_of_full_collections(
    sqlite_url: str,
) -> None:
    """Full collections of a 100k-task server took ~130 ms each, walking objects that live as
    long as the process; they are frozen while it serves, and given back when it stops."""
    import gc

    from core.server.app import create_app
    from core.store.engine import SqlTaskEngine

    async def open_engine() -> SqlTaskEngine:
        return await SqlTaskEngine.open(sqlite_url, actor="tester")

    app = create_app(open_engine)
    before = gc.get_freeze_count()
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > before + 10_000
    assert gc.get_freeze_count() == before
