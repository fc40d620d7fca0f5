"""Commands awaiting approval, in the TUI, driven with keys only on a real SQLite file.

The board marks the card (in words in screen-reader mode), the task detail shows the
command, who set it and whether it may run, and ``A`` approves it after a dialog that shows
the exact text. The task form's Command field sets the command; whether a save approves it
depends on the engine (``approve_own_commands``), and the app says which happened.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.engine import TaskEngine
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.modals.confirm import ConfirmModal
from tui.modals.task_form import TaskFormModal
from tui.screens.task_detail import TaskDetailScreen
from tui.settings import TuiSettings

SIZE = (140, 40)
DEPLOY = "./deploy.sh --env staging"


async def seed(tmp_path: Path) -> str:
    """TY-1 "Deploy" is ready with a command its author (an agent) could not approve."""
    url = f"sqlite:///{tmp_path / 'approve.db'}"
    engine = await SqlTaskEngine.open(url, actor="agent", approve_own_commands=False)
    try:
        await engine.create_project(ProjectCreate(name="Tests", slug="tests", key="TY"))
        await engine.create_task(
            TaskCreate(
                title="Deploy",
                project="tests",
                status=TaskStatus.READY,
                metadata={"command": DEPLOY},
            )
        )
    finally:
        await engine.close()
    return url


def app_on(url: str, *, own: bool = True, screen_reader: bool = False) -> TaskyardApp:
    async def factory() -> TaskEngine:
        return await SqlTaskEngine.open(url, actor="ana", approve_own_commands=own)

    settings = TuiSettings(
        db=url, animations=False, screen_reader=screen_reader, screen_reader_source="test"
    )
    return make_app(settings, factory)


async def open_detail(app: TaskyardApp, pilot: Pilot[int], ref: str) -> TaskDetailScreen:
    await settle(pilot)
    screen = TaskDetailScreen(ref)
    app.push_screen(screen)
    await settle(pilot)
    assert screen.shown_task is not None
    return screen


async def command_of(url: str, ref: str = "TY-1") -> tuple[str, bool, str | None]:
    engine = await SqlTaskEngine.open(url, actor="checker")
    try:
        info = (await engine.get_task(ref)).command
        assert info is not None
        return info.text, info.approved, info.approved_by
    finally:
        await engine.close()


async def test_the_board_card_says_its_command_awaits_approval(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_on(url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "⚠ command awaits approval" in screen_text(app)


async def test_screen_reader_mode_says_it_in_words(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_on(url, screen_reader=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")  # the ready column
        await settle(pilot)
        text = screen_text(app)
        assert "1 of 1: TY-1 Deploy, priority medium, command awaits approval" in text
        assert "⚠" not in text


async def test_the_detail_shows_the_command_and_A_approves_it_after_showing_it(
    tmp_path: Path,
) -> None:
    url = await seed(tmp_path)
    app = app_on(url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "TY-1")
        shown = str(screen.query_one("#detail-command", Static).render())
        assert f"$ {DEPLOY}" in shown
        assert "Set by agent at" in shown
        assert "Not approved: workers will not run it. Press A to approve it" in shown
        assert "not now, its command is not approved" in screen_text(app)  # Run now says why

        await pilot.press("A")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), pilot=pilot)
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert DEPLOY in question
        assert "Set by agent" in question
        await pilot.press("n")  # "No" keeps it unapproved
        await settle(pilot)
        assert (await command_of(url))[1] is False

        await pilot.press("A")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), pilot=pilot)
        await pilot.press("y")
        await wait_until(
            lambda: "Approved by ana" in str(screen.query_one("#detail-command", Static).render()),
            pilot=pilot,
        )
        assert "TY-1's command is approved" in str(
            screen.query_one("#detail-status", Static).render()
        )
        history = str(screen.query_one("#detail-history", Static).render())
        assert "ana: Approved its command." in history
    assert await command_of(url) == (DEPLOY, True, "ana")


async def edit_command(app: TaskyardApp, pilot: Pilot[int], text: str) -> None:
    """e on the detail, replace the Command field, ctrl+s."""
    await open_detail(app, pilot, "TY-1")
    await pilot.press("e")
    await wait_until(lambda: isinstance(app.screen, TaskFormModal), pilot=pilot)
    modal = app.screen
    assert isinstance(modal, TaskFormModal)
    await wait_until(lambda: modal.loaded, pilot=pilot)
    field = modal.query_one("#form-command", TextArea)
    assert field.text == DEPLOY
    field.focus()
    field.text = ""
    await pilot.press(*["space" if c == " " else c for c in text])
    await pilot.press("ctrl+s")
    await wait_until(lambda: not isinstance(app.screen, TaskFormModal), pilot=pilot)
    await settle(pilot)


async def test_a_command_edited_in_the_form_waits_for_approval_again(tmp_path: Path) -> None:
    """On an engine that does not approve its actor's commands, an approved command edited
    in the form is not approved any more: a worker would not run it."""
    url = await seed(tmp_path)
    approver = await SqlTaskEngine.open(url, actor="boss")
    await approver.approve_commands(["TY-1"])
    await approver.close()
    app = app_on(url, own=False)
    async with app.run_test(size=SIZE) as pilot:
        await edit_command(app, pilot, "./deploy.sh --env prod")
        assert any(
            "TY-1 saved; command changed; it awaits approval" in e.text for e in app.message_log
        )
    assert await command_of(url) == ("./deploy.sh --env prod", False, "boss")
    engine = await SqlTaskEngine.open(url, actor="w")
    try:
        assert await engine.claim_tasks("w", limit=5, pipelines=[]) == []
    finally:
        await engine.close()


async def test_by_default_the_editor_approves_the_command_they_save(tmp_path: Path) -> None:
    url = await seed(tmp_path)
    app = app_on(url)
    async with app.run_test(size=SIZE) as pilot:
        await edit_command(app, pilot, "./deploy.sh --env prod")
        assert any(
            "TY-1 saved; command changed; approved by you" in e.text for e in app.message_log
        )
    assert await command_of(url) == ("./deploy.sh --env prod", True, "ana")


async def test_the_detail_says_what_run_now_would_start(tmp_path: Path) -> None:
    """Beside Run now: each step's profile and its exact command line, before anything runs."""
    url = await seed(tmp_path)
    app = app_on(url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "TY-1")
        actions = str(screen.query_one("#runs-actions", Static).render())
        assert f"Runs as 1/1 shell (shell): /bin/sh -c '{DEPLOY}' · no prompt" in actions
