"""Nothing runs by accident: real ``taskyard worker --once`` processes on SQLite and PostgreSQL
run a task's command only when it was set as a command and that exact text is approved."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.domain.commands import TaskCreate, TaskPatch
from core.domain.models import TaskStatus
from core.orchestrator.steps import RunHandle, execute_claim
from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until

from .conftest import REPO, Opener, make_config

S = TaskStatus


async def taskyard(db_url: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``taskyard --db URL ARGS`` as a subprocess; its output (it must succeed)."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", "--db", db_url, *args],
        cwd=REPO,
        env={**os.environ, "TASKYARD_ACTOR": "ana", **(env or {})},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def worker_once(db_url: str, tmp_path: Path, *args: str) -> str:
    config = tmp_path / "taskyard.toml"
    config.write_text("[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\n")
    return await taskyard(db_url, "worker", "--once", *args, env={"TASKYARD_CONFIG": str(config)})


def touch(path: Path) -> str:
    """A command that appends a line to ``path``: how many times it ran."""
    return f"echo ran >> {path}"


def runs_of(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


async def heartbeats_span(engine: SqlTaskEngine, seconds: float) -> bool:
    """Whether a registered worker's heartbeats reach ``seconds`` past its start."""
    return any(
        (worker.last_heartbeat_at - worker.started_at).total_seconds() >= seconds
        for worker in await engine.list_workers()
    )


@pytest.mark.slow_on_postgres(
    "real worker processes; the claim's approval filter is tested on PostgreSQL in "
    "tests/store/test_command_approval.py"
)
async def test_a_sh_block_in_a_description_runs_nothing(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """The PRD case: a ```sh block under a section, imported ready. The worker runs nothing,
    and ``task show`` says the task has nothing to run."""
    marker = tmp_path / "ran"
    engine = await open_engine()
    ref = (
        await engine.create_task(
            TaskCreate(
                title="Set up the database",
                status=S.READY,
                description=f"Run this first:\n\n```sh\n{touch(marker)}\n```\n",
            )
        )
    ).task.ref
    out = await worker_once(db_url, tmp_path)
    assert "stopped after 0 run(s)" in out
    assert (
        f"Left in ready with nothing to run (no command, and no pipeline for their type): {ref}"
        in out
    )
    assert runs_of(marker) == 0
    assert (await engine.get_task(ref)).status == S.READY
    assert await engine.runs_of(ref) == []
    shown = await taskyard(db_url, "task", "show", ref)
    assert "Workers will not take it: nothing to run" in shown
    body = json.loads(await taskyard(db_url, "--json", "task", "show", ref))
    assert body["task"]["command"] is None
    assert body["nothingToRun"].startswith("nothing to run")


async def test_a_command_set_with_task_add_runs(db_url: str, tmp_path: Path) -> None:
    """On a database opened directly the local user's command is approved by them at once."""
    marker = tmp_path / "ran"
    out = await taskyard(db_url, "task", "add", "Say hi", "--ready", "--command", touch(marker))
    assert "command set, approved by you" in out
    await worker_once(db_url, tmp_path)
    assert runs_of(marker) == 1


@pytest.mark.slow_on_postgres(
    "real worker processes; the claim's approval filter is tested on PostgreSQL in "
    "tests/store/test_command_approval.py"
)
async def test_an_unapproved_command_runs_only_after_approval_and_once(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    author = await open_engine(approve_own_commands=False)
    ref = (
        await author.create_task(
            TaskCreate(title="Deploy", status=S.READY, metadata={"command": touch(marker)})
        )
    ).task.ref
    out = await worker_once(db_url, tmp_path)
    assert runs_of(marker) == 0
    assert f"Left in ready because their command is not approved: {ref}" in out
    ready = json.loads(await taskyard(db_url, "--json", "ready"))
    assert [i["command_pending"] for i in ready["items"]] == [True]
    assert "<- command awaits approval" in await taskyard(db_url, "ready")

    approved = await taskyard(db_url, "approve", ref)
    assert f"Approved {ref}" in approved
    assert touch(marker) in approved
    await worker_once(db_url, tmp_path)
    await worker_once(db_url, tmp_path)
    assert runs_of(marker) == 1
    assert (await author.get_task(ref)).status == S.IN_REVIEW


@pytest.mark.slow_on_postgres(
    "real worker processes; the claim's approval filter is tested on PostgreSQL in "
    "tests/store/test_command_approval.py"
)
async def test_a_command_edited_after_approval_waits_for_approval_again(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """``task edit --command`` by someone whose commands are not approved at once
    (``TASKYARD_APPROVE_OWN_COMMANDS=0``): the old approval does not carry over to the new
    text. By default the editor's change is approved by them, and the CLI says so."""
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    engine = await open_engine()
    ref = (
        await engine.create_task(
            TaskCreate(title="Deploy", status=S.BACKLOG, metadata={"command": touch(first)})
        )
    ).task.ref
    out = await taskyard(
        db_url,
        "task",
        "edit",
        ref,
        "--command",
        touch(second),
        env={"TASKYARD_APPROVE_OWN_COMMANDS": "0"},
    )
    assert "command changed; it awaits approval" in out
    await engine.transition_task(ref, S.READY)
    await worker_once(db_url, tmp_path)
    assert (runs_of(first), runs_of(second)) == (0, 0)

    out = await taskyard(db_url, "task", "edit", ref, "--command", touch(third))
    assert "command changed; approved by you" in out
    await worker_once(db_url, tmp_path)
    assert (runs_of(first), runs_of(second), runs_of(third)) == (0, 0, 1)
    info = (await engine.get_task(ref)).command
    assert info is not None
    assert info.approved_by == "ana"


async def test_worker_approved_by_skips_commands_approved_by_others(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    theirs, mine = tmp_path / "theirs", tmp_path / "mine"
    author = await open_engine(approve_own_commands=False)
    by_tester = (
        await author.create_task(
            TaskCreate(title="Theirs", status=S.READY, metadata={"command": touch(theirs)})
        )
    ).task.ref
    by_ana = (
        await author.create_task(
            TaskCreate(title="Mine", status=S.READY, metadata={"command": touch(mine)})
        )
    ).task.ref
    await author.approve_commands([by_tester])  # approved by "tester"
    await taskyard(db_url, "approve", by_ana)  # approved by "ana"
    out = await worker_once(db_url, tmp_path, "--approved-by", "ana,zoe")
    assert "commands approved by ana, zoe" in out
    assert (runs_of(theirs), runs_of(mine)) == (0, 1)
    assert (await author.get_task(by_tester)).status == S.READY


async def test_a_command_changed_after_the_claim_is_not_run(
    open_engine: Opener, tmp_path: Path
) -> None:
    """Defense in depth: the worker checks the text it is about to run against the approved
    hash. A command changed between the claim and the run blocks the run with the reason."""
    marker = tmp_path / "ran"
    config = make_config({})
    engine = await open_engine(config)
    ref = (
        await engine.create_task(
            TaskCreate(title="Deploy", status=S.READY, metadata={"command": "true"})
        )
    ).task.ref
    [claim] = await engine.claim_tasks("w", pipelines=[])
    other = await open_engine(config, approve_own_commands=False)
    await other.update_task(
        ref, TaskPatch(metadata={"command": touch(marker)}), expected_version=None
    )
    outcome = await execute_claim(engine, config, RunHandle(claim))
    assert outcome == "blocked"
    assert runs_of(marker) == 0
    task = await engine.get_task(ref)
    assert task.status == S.BLOCKED
    assert task.blocked_reason is not None
    assert "its command is not the approved one" in task.blocked_reason.message  # type: ignore[union-attr]


PRD = """# Release

## Tag the build

Tag it, then push the tag:

```sh
{command}
```
"""


@pytest.mark.slow_on_postgres(
    "8 s: a worker left running; approval is the same rows on either database"
)
async def test_a_received_prd_runs_nothing_until_its_command_is_approved_once(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """Issue 14's acceptance, through the real CLI: a PRD with an ``sh`` block under a section,
    imported ``--auto-ready --commit``, runs nothing under a worker; imported ``--commands``,
    its preview lists the command and the task waits for approval; approved, it runs once."""
    marker = tmp_path / "ran"
    doc = tmp_path / "release.md"
    doc.write_text(PRD.format(command=touch(marker)))
    engine = await open_engine()  # a migrated database the workers may open
    await taskyard(db_url, "import", "prd", str(doc), "--auto-ready", "--commit")
    config = tmp_path / "taskyard.toml"
    config.write_text("[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\n")
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.cli", "--db", db_url, "worker",
        cwd=REPO,
        env={**os.environ, "TASKYARD_CONFIG": str(config)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # A worker left running (the test) claims nothing: its claim loop polls every
    # 0.1 s between heartbeats, so heartbeats spanning 2 s mean some twenty polls went by.
    await wait_until(lambda: heartbeats_span(engine, 2.0), timeout=60)
    worker.terminate()
    assert await worker.wait() == 0
    assert runs_of(marker) == 0

    preview = await taskyard(db_url, "import", "prd", str(doc), "--commands")
    assert f"$ {touch(marker)}" in preview
    assert "None runs until approved" in preview
    await taskyard(db_url, "import", "prd", str(doc), "--commands", "--commit")
    [item] = json.loads(await taskyard(db_url, "--json", "task", "list"))["items"]
    shown = json.loads(await taskyard(db_url, "--json", "task", "show", item["ref"]))["task"]
    assert shown["status"] == "ready"
    assert shown["command"]["text"] == touch(marker)
    assert shown["command"]["approved"] is False  # an import never approves, even locally
    await worker_once(db_url, tmp_path)
    assert runs_of(marker) == 0

    await taskyard(db_url, "approve", item["ref"])
    await worker_once(db_url, tmp_path)
    await worker_once(db_url, tmp_path)
    assert runs_of(marker) == 1
