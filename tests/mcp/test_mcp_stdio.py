"""The MCP tools over stdio: the SDK's client talking to a real ``taskyard mcp`` subprocess.

One subprocess and one SQLite file for the module; each test makes its own project, so the
tests do not depend on each other's data. Every tool is called on its happy path and on a
refusal, which must carry the CLI's code, message and hint.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from mcp import ClientSession

from tests.fixtures.servers import server_env
from tests.mcp.clients import ROOT, Held, call, over_stdio, refused

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN_BUDGET = 3000
"""The tool listing's budget in tokens, estimated as characters / 4 of its JSON (the common
rule of thumb for English and JSON with GPT/Claude tokenizers)."""

PRD = """# Checkout

## Cart page
Show the items and the total.

## Payment form
Depends on: Cart page
Take the card and pay.
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's data folder and database."""
    return tmp_path_factory.mktemp("mcp_stdio")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agent(folder: Path) -> AsyncIterator[ClientSession]:
    """A client of one ``taskyard mcp`` subprocess for the module."""
    held = Held(lambda: over_stdio(f"sqlite:///{folder / 'mcp.db'}", folder))
    yield await held.session()
    await held.close()


async def new_project(agent: ClientSession) -> str:
    """A project of the test's own; returns its slug."""
    name = f"P {uuid.uuid4().hex[:8]}"
    project = await call(
        agent, "do", operation="create_project", arguments={"request": {"name": name}}
    )
    slug: str = project["slug"]
    return slug


async def new_task(agent: ClientSession, project: str, title: str, **fields: Any) -> str:
    """A task in ``project``; returns its ref."""
    created = await call(agent, "create", title=title, project=project, **fields)
    ref: str = created["ref"]
    return ref


async def test_listing_is_small_and_annotated(agent: ClientSession) -> None:
    listing = await agent.list_tools()
    tools = {t.name: t for t in listing.tools}
    assert set(tools) == {
        "ready", "find", "show", "create", "update", "move", "add_dependency",
        "remove_dependency", "claim", "renew", "progress", "finish", "prd_preview",
        "prd_commit", "events", "describe", "do",
    }  # fmt: skip
    text = json.dumps(
        [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listing.tools]
    )
    assert len(text) / 4 < TOKEN_BUDGET, f"{len(text) / 4:.0f} tokens (characters / 4)"
    for name in ("ready", "find", "show", "events", "describe", "prd_preview"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True, name
    for name in ("create", "update", "move", "claim", "finish", "do", "remove_dependency"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is False, name
    assert tools["remove_dependency"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["create"].annotations.destructive_hint is False  # type: ignore[union-attr]


async def test_ready_and_find(agent: ClientSession) -> None:
    project = await new_project(agent)
    low = await new_task(agent, project, "Polish the icons", priority="low", ready=True)
    high = await new_task(agent, project, "Fix the login crash", priority="high", ready=True)
    await new_task(agent, project, "Someday maybe")
    queue = await call(agent, "ready", project=project)
    assert [c["ref"] for c in queue] == [high, low]
    assert set(queue[0]) == {"ref", "title", "status", "priority"}
    found = await call(agent, "find", project=project, text="login")
    assert found["total"] == 1
    assert found["items"][0]["ref"] == high
    whole = await call(agent, "find", project=project, status=["backlog"], full=True)
    assert whole["items"][0]["title"] == "Someday maybe"
    assert "created_at" in whole["items"][0]
    error = await refused(agent, "ready", project="no-such-project")
    assert error["code"] == "not_found"
    error = await refused(agent, "find", status=["sideways"])
    assert error["code"] == "validation_error"


async def test_show_with_blockers_dependents_and_criteria(agent: ClientSession) -> None:
    project = await new_project(agent)
    first = await new_task(agent, project, "Schema")
    second = await new_task(
        agent, project, "API", blocked_by=[first], criteria=["returns 200"], description="Do it"
    )
    shown = await call(agent, "show", ref=second)
    assert shown["blocked_by"] == [f"{first} (backlog)"]
    assert shown["criteria"] == ["returns 200"]
    assert shown["description"] == "Do it"
    assert (await call(agent, "show", ref=first))["blocks"] == [f"{second} (backlog)"]
    whole = await call(agent, "show", ref=second, full=True)
    assert whole["id"]
    assert whole["runs"] == []
    error = await refused(agent, "show", ref="NOPE-1")
    assert error["code"] == "not_found"
    assert error["hint"]


async def test_errors_say_what_the_cli_says(agent: ClientSession, folder: Path) -> None:
    error = await refused(agent, "show", ref="NOPE-7")
    cli = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", "--db", f"sqlite:///{folder / 'mcp.db'}", "--json",
         "task", "show", "NOPE-7"],
        cwd=ROOT, env=server_env(folder), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    said = json.loads(cli.stderr.strip().splitlines()[-1])["error"]
    assert {k: said[k] for k in ("code", "message", "hint")} == {
        k: error[k] for k in ("code", "message", "hint")
    }


async def test_create_is_idempotent_by_external_id(agent: ClientSession) -> None:
    project = await new_project(agent)
    first = await call(agent, "create", title="Sync", project=project, external_id="gh-41")
    again = await call(agent, "create", title="Sync", project=project, external_id="gh-41")
    assert first["created"] is True
    assert again["created"] is False
    assert again["ref"] == first["ref"]
    error = await refused(agent, "create", title="", project=project)
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "title"
    error = await refused(agent, "create", title="x", project=project, blocked_by=["NOPE-1"])
    assert error["code"] == "not_found"


async def test_update_refuses_a_stale_version(agent: ClientSession) -> None:
    project = await new_project(agent)
    ref = await new_task(agent, project, "Draft")
    updated = await call(agent, "update", ref=ref, title="Final", expected_version=1)
    assert updated["title"] == "Final"
    assert updated["version"] == 2
    error = await refused(agent, "update", ref=ref, title="Again", expected_version=1)
    assert error["code"] == "conflict"


async def test_move_refusal_carries_reason_and_way_out(agent: ClientSession) -> None:
    project = await new_project(agent)
    ref = await new_task(agent, project, "Ship it")
    assert (await call(agent, "move", ref=ref, status="ready"))["status"] == "ready"
    error = await refused(agent, "move", ref=ref, status="done")
    assert error["code"] == "invalid_transition"
    assert "ready" in error["message"]
    assert "done" in error["message"]
    assert error["hint"]
    assert error["details"]["allowed"]
    blocker = await new_task(agent, project, "First")
    waiting = await new_task(agent, project, "Second", blocked_by=[blocker])
    error = await refused(agent, "move", ref=waiting, status="ready")
    assert error["code"] == "dependency_violation"
    assert blocker in error["message"]
    parked = await call(agent, "move", ref=waiting, status="ready", when_unblocked=True)
    assert parked["status"] == "blocked"


async def test_dependencies(agent: ClientSession) -> None:
    project = await new_project(agent)
    a = await new_task(agent, project, "A")
    b = await new_task(agent, project, "B")
    assert (await call(agent, "add_dependency", ref=b, blocker=a))["blocked_by"] == [a]
    error = await refused(agent, "add_dependency", ref=a, blocker=b)
    assert error["code"] == "circular_dependency"
    assert (await call(agent, "remove_dependency", ref=b, blocker=a))["blocked_by"] == []
    error = await refused(agent, "remove_dependency", ref=b, blocker=a)
    assert error["code"] == "not_found"


async def test_work_loop_is_fenced(agent: ClientSession) -> None:
    project = await new_project(agent)
    assert await call(agent, "claim", project=project) is None
    ref = await new_task(agent, project, "Do the work", ready=True, criteria=["tests pass"])
    got = await call(agent, "claim", project=project, agent="worker-1")
    assert got["task"]["ref"] == ref
    assert got["task"]["criteria"] == ["tests pass"]
    run, token = got["run_id"], got["claim_token"]
    assert (await call(agent, "renew", run_id=run, claim_token=token))["run_id"] == run
    assert (await call(agent, "progress", run_id=run, claim_token=token, text="half way"))["seq"]
    error = await refused(agent, "progress", run_id=run, claim_token="not-the-token", text="x")
    assert error["code"] == "lease_lost"
    error = await refused(agent, "finish", run_id=run, claim_token=token, outcome="failed")
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "reason"
    done = await call(agent, "finish", run_id=run, claim_token=token, outcome="done", summary="ok")
    assert done == {"ref": ref, "status": "done", "run": "succeeded"}
    for tool, extra in (
        ("renew", {}),
        ("progress", {"text": "late"}),
        ("finish", {"outcome": "done"}),
    ):
        error = await refused(agent, tool, run_id=run, claim_token=token, **extra)
        assert error["code"] == "lease_lost", tool
    log = await call(agent, "do", operation="read_log", arguments={"owner_id": run})
    assert [chunk["text"] for chunk in log] == ["half way\n"]


async def test_failed_and_in_review(agent: ClientSession) -> None:
    project = await new_project(agent)
    review = await new_task(agent, project, "Needs eyes", ready=True, priority="high")
    flaky = await new_task(agent, project, "Flaky", ready=True)
    got = await call(agent, "claim", project=project)
    assert got["task"]["ref"] == review
    answer = await call(
        agent, "finish", run_id=got["run_id"], claim_token=got["claim_token"], outcome="in_review"
    )
    assert answer["status"] == "in_review"
    got = await call(agent, "claim", project=project)
    assert got["task"]["ref"] == flaky
    answer = await call(
        agent, "finish", run_id=got["run_id"], claim_token=got["claim_token"], outcome="failed",
        reason="the build broke",
    )  # fmt: skip
    assert answer["run"] == "failed"
    assert answer["status"] in {"ready", "blocked"}


async def test_prd_preview_then_commit(agent: ClientSession) -> None:
    project = await new_project(agent)
    preview = await call(agent, "prd_preview", text=PRD, source="checkout.md", project=project)
    titles = [t["title"] for t in preview["tasks"]]
    assert "Cart page" in titles
    assert "Payment form" in titles
    assert any(t.get("after") for t in preview["tasks"])
    assert (await call(agent, "find", project=project))["total"] == 0
    committed = await call(agent, "prd_commit", text=PRD, source="checkout.md", project=project)
    assert len(committed["created"]) == len(preview["tasks"])
    again = await call(agent, "prd_commit", text=PRD, source="checkout.md", project=project)
    assert again["created"] == []
    assert (await call(agent, "find", project=project))["total"] == len(preview["tasks"])
    whole = await call(
        agent, "prd_preview", text=PRD, source="checkout.md", project=project, full=True
    )
    assert set(whole) >= {"plan", "diff"}
    error = await refused(agent, "prd_preview", text=PRD, project="no-such-project")
    assert error["code"] == "not_found"


async def test_events_since(agent: ClientSession) -> None:
    start = (await call(agent, "events", since=0, limit=500))["next"]
    while True:
        page = await call(agent, "events", since=start, limit=500)
        if not page["items"]:
            break
        start = page["next"]
    project = await new_project(agent)
    ref = await new_task(agent, project, "Watched")
    feed = await call(agent, "events", since=start)
    assert [e["type"] for e in feed["items"]] == ["project.created", "task.created"]
    assert feed["items"][1]["ref"] == ref
    assert feed["next"] > start
    assert (await call(agent, "events", since=feed["next"]))["items"] == []
    error = await refused(agent, "events", task="NOPE-1")
    assert error["code"] == "not_found"


async def test_describe_and_do(agent: ClientSession) -> None:
    listed = {op["name"]: op for op in await call(agent, "describe")}
    assert "cancel" in listed
    assert listed["cancel"]["writes"] is True
    assert "approve_commands" not in listed
    assert "create_token" not in listed
    one = await call(agent, "describe", operation="cancel")
    assert set(one["arguments"]["properties"]) == {"ref", "reason"}
    project = await new_project(agent)
    ref = await new_task(agent, project, "Drop me")
    cancelled = await call(agent, "do", operation="cancel", arguments={"ref": ref, "reason": "no"})
    assert cancelled["status"] == "cancelled"
    error = await refused(agent, "do", operation="approve_commands", arguments={})
    assert error["code"] == "not_found"
    assert "cancel" in error["details"]["suggestions"]
    error = await refused(agent, "do", operation="cancel", arguments={"ref": ref})
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "reason"


async def test_resources_and_prompt(agent: ClientSession) -> None:
    project = await new_project(agent)
    ref = await new_task(agent, project, "Readable", ready=True)
    task = json.loads((await agent.read_resource(f"taskyard://task/{ref}")).contents[0].text)  # type: ignore[union-attr]
    assert task["ref"] == ref
    assert task["status"] == "ready"
    board = await agent.read_resource(f"taskyard://board/{project}")
    columns = json.loads(board.contents[0].text)["columns"]  # type: ignore[union-attr]
    assert columns["ready"] == {"count": 1, "top": [f"{ref} Readable"]}
    templates = {t.uri_template for t in (await agent.list_resource_templates()).resource_templates}
    assert templates == {"taskyard://task/{ref}", "taskyard://board/{project}"}
    prompt = await agent.get_prompt("plan_prd", {"path": "docs/checkout.md"})
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "prd_preview" in text
    assert "prd_commit" in text
    assert "docs/checkout.md" in text


async def test_handshake_comes_before_the_database_and_its_error_after(tmp_path: Path) -> None:
    """The agent's handshake is answered while the engine opens; a database that cannot
    open answers each tool call with the CLI's storage error instead of a dead server."""
    missing = tmp_path / "no-such-folder" / "deeper" / "x.db"
    (tmp_path / "no-such-folder").write_text("a file where a folder should be")
    async with over_stdio(f"sqlite:///{missing}", tmp_path, "lost") as lost:
        assert len((await lost.list_tools()).tools) == 17
        error = await refused(lost, "ready")
        assert error["code"] == "storage_error"
        assert error["hint"]
