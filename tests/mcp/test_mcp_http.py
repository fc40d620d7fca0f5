"""The MCP tools at ``/mcp`` of a real ``taskyard serve``, through the SDK's HTTP client.

Auth is the API's: no token is a 401 with the API's error body, a read-only token reads
but every write tool is refused (``forbidden``), and a token limited to a project sees
nothing of the others, not even that a task there exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.mcp.clients import call, over_http, over_stdio_to_server, refused
from tests.server.conftest import Served
from tests.server.own_servers import serving


def _title() -> str:
    return f"T {uuid.uuid4().hex[:8]}"


async def test_listing_and_work_loop_over_http(served_mcp: Served) -> None:
    async with over_http(served_mcp.url, served_mcp.tokens["writer"]) as agent:
        names = {t.name for t in (await agent.list_tools()).tools}
        assert {"claim", "finish", "describe", "do"} <= names
        created = await call(agent, "create", title=_title(), project="beta", ready=True)
        got = await call(agent, "claim", project="beta")
        assert got["task"]["ref"] == created["ref"]
        run, token = got["run_id"], got["claim_token"]
        await call(agent, "progress", run_id=run, claim_token=token, text="on it")
        done = await call(agent, "finish", run_id=run, claim_token=token, outcome="done")
        assert done["status"] == "done"
        error = await refused(agent, "finish", run_id=run, claim_token=token, outcome="done")
        assert error["code"] == "lease_lost"
        feed = await call(agent, "events", task=created["ref"], full=True)
        assert {e["actor"] for e in feed["items"]} == {"writer"}


async def test_taskyard_mcp_with_server_works_through_the_api(
    served_mcp: Served, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``taskyard --server URL mcp``: a stdio server for a local agent, on a team's server,
    with that token's rights (the reader may read, never write)."""
    folder = tmp_path_factory.mktemp("mcp-remote")
    async with over_stdio_to_server(served_mcp.url, served_mcp.tokens["writer"], folder) as a:
        created = await call(a, "create", title=_title(), project="beta", ready=True)
        assert (await call(a, "show", ref=created["ref"]))["ref"] == created["ref"]
    async with over_stdio_to_server(served_mcp.url, served_mcp.tokens["reader"], folder) as r:
        assert (await call(r, "show", ref=created["ref"]))["title"] == created["title"]
        error = await refused(r, "move", ref=created["ref"], status="backlog")
        assert error["code"] == "forbidden"
    with served_mcp.client() as api:
        task = api.get(f"/api/v2/tasks/{created['ref']}").json()
    assert task["status"] == "ready"


def test_no_token_is_refused_with_the_api_error(served_mcp: Served) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    with httpx.Client(base_url=served_mcp.url, timeout=30) as http:
        response = http.post("/mcp", json=message)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        bad = http.post("/mcp", json=message, headers={"Authorization": "Bearer ty_wrong"})
        assert bad.status_code == 401


async def test_read_only_token_reads_but_never_writes(served_mcp: Served) -> None:
    async with over_http(served_mcp.url, served_mcp.tokens["admin"]) as admin:
        ref = (await call(admin, "create", title=_title(), project="beta", ready=True))["ref"]
    async with over_http(served_mcp.url, served_mcp.tokens["reader"]) as reader:
        assert (await call(reader, "show", ref=ref))["ref"] == ref
        for tool, arguments in (
            ("create", {"title": "x", "project": "beta"}),
            ("move", {"ref": ref, "status": "backlog"}),
            ("claim", {"project": "beta"}),
            ("do", {"operation": "cancel", "arguments": {"ref": ref, "reason": "no"}}),
        ):
            error = await refused(reader, tool, **arguments)
            assert error["code"] == "forbidden", tool
        assert (await call(reader, "show", ref=ref))["status"] == "ready"


async def test_limited_token_sees_only_its_project(served_mcp: Served) -> None:
    async with over_http(served_mcp.url, served_mcp.tokens["admin"]) as admin:
        other = (await call(admin, "create", title=_title(), project="beta", ready=True))["ref"]
    async with over_http(served_mcp.url, served_mcp.tokens["limited"]) as limited:
        own = await call(limited, "create", title=_title(), ready=True)
        assert own["ref"].startswith("ALPHA-")
        error = await refused(limited, "show", ref=other)
        assert error["code"] == "not_found"
        assert error["details"]["suggestions"] == []
        assert error["message"] == f"No task {other!r}."
        queue = {c["ref"] for c in await call(limited, "ready", limit=500)}
        assert own["ref"] in queue
        assert other not in queue
        assert (await refused(limited, "ready", project="beta"))["code"] == "not_found"
        error = await refused(limited, "create", title="x", project="beta")
        assert error["code"] == "not_found"
        projects = await call(limited, "do", operation="list_projects")
        assert [p["slug"] for p in projects] == ["alpha"]
        error = await refused(
            limited, "do", operation="create_project", arguments={"request": {"name": "z"}}
        )
        assert error["code"] == "forbidden"
        got = await call(limited, "claim")
        assert got is None or got["task"]["ref"].startswith("ALPHA-")
        feed = await call(limited, "events", limit=500)
        assert all(e.get("ref", "ALPHA-").startswith("ALPHA-") for e in feed["items"])


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def rate_limited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server whose tokens may make two requests at once, then one a minute."""
    with serving(request, tmp_path_factory.mktemp("mcp_rate"), "--rate-limit", "1",
                 "--rate-burst", "2") as served:  # fmt: skip
        yield served


def test_mcp_requests_count_against_the_tokens_rate_limit(rate_limited: Served) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    with rate_limited.client("reader") as http:
        answers = [http.post("/mcp", json=message) for _ in range(3)]
    assert [a.status_code == 429 for a in answers] == [False, False, True]
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert int(answers[2].headers["Retry-After"]) >= 1
