"""The task detail screen, driven with keys only, on the deterministic demo database.

Demo refs: WEB-1 "Design the login page" (done), WEB-2 "Build the login API" (in review,
blocked by WEB-1, blocks WEB-3/4/6/11/12), WEB-3 (blocked, queued on WEB-2), WEB-4 (backlog,
waits for WEB-2), WEB-12 (backlog, waits for WEB-2 and WEB-7).
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static, TextArea

from core.domain.commands import AttachmentIn, TaskPatch
from core.domain.models import DependencyReason, TaskStatus
from core.domain.states import allowed_targets
from core.errors import NotFoundError
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import settle
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.modals.attachments import AttachmentViewModal, SaveAttachmentModal
from tui.modals.confirm import ConfirmModal
from tui.modals.move import MoveModal
from tui.screens.board import BoardScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.settings import TuiSettings
from tui.widgets.choice_list import ChoiceList
from tui.widgets.task_list import TaskList

SIZE = (120, 40)


async def open_detail(app: TaskyardApp, pilot: Pilot[int], ref: str) -> TaskDetailScreen:
    """The board loads, then the detail of ``ref`` is pushed as the board would push it."""
    await settle(pilot)
    screen = TaskDetailScreen(ref)
    app.push_screen(screen)
    await settle(pilot)
    assert screen.shown_task is not None, screen.query_one("#detail-status", Static).content
    return screen


def text_of(screen: TaskDetailScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def list_lines(screen: TaskDetailScreen, selector: str) -> list[str]:
    choices = screen.query_one(selector, ChoiceList)
    return [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]


def cursor_inside_focus(app: TaskyardApp) -> bool:
    focused = app.focused
    assert focused is not None
    return focused.region.contains_point(app.cursor_position)


async def test_open_web2_from_the_board_shows_what_a_reader_needs(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # backlog -> ready -> in progress -> in review, where WEB-2 is the only card.
        await pilot.press("right", "right", "right")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert board.selected_card is not None
        assert board.selected_card.ref == "WEB-2"
        await pilot.press("enter")
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        assert text_of(screen, "#detail-heading") == "WEB-2 Build the login API"
        fields = text_of(screen, "#detail-fields")
        for line in (
            "Status: in review",
            "Priority: ‼ critical",
            "Type: feature",
            "Labels: backend, auth",
            "Milestone: Sign-in MVP",
            "Assignee: ben",
            "Source: manual",
            "Created: 2026-11-02",
        ):
            assert line in fields
        assert "email and password" in screen.query_one("#detail-description", Markdown).source
        criteria = text_of(screen, "#detail-criteria")
        assert "☐ Valid credentials return a session" in criteria
        assert "☐ Five failures lock the account" in criteria
        assert "api/auth/login.py" in text_of(screen, "#detail-context")
        deps = list_lines(screen, "#detail-deps")
        assert deps[0] == "1. Blocked by WEB-1 “Design the login page”, done (resolved)"
        assert "2. Blocks WEB-3 “Password reset emails”, blocked" in deps
        history = text_of(screen, "#detail-history").splitlines()
        assert history[0].endswith(": Moved from in progress to in review.")
        assert history[-1].endswith(": Created in backlog.")
        moves = text_of(screen, "#detail-moves")
        assert moves == (
            "Moves from in review (m): in progress, done, blocked. "
            "In progress is entered when a worker starts it."
        )
        # R1: the cursor is in the focused widget; escape goes back to the board.
        assert cursor_inside_focus(app)
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_follow_a_dependency_and_come_back(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        web3 = await open_detail(app, pilot, "WEB-3")
        assert "⊘ Blocked: waiting for WEB-2 “Build the login API”, in review." in text_of(
            web3, "#detail-blocked"
        )
        await pilot.press("d")
        await pilot.pause()
        deps = web3.query_one("#detail-deps", ChoiceList)
        assert app.focused is deps
        assert cursor_inside_focus(app)
        await pilot.press("enter")
        await settle(pilot)
        web2 = app.screen
        assert isinstance(web2, TaskDetailScreen)
        assert web2.ref == "WEB-2"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is web3
        assert app.focused is deps


async def test_remove_an_edge_and_the_board_count_drops(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-12")
        assert len(list_lines(screen, "#detail-deps")) == 2
        await pilot.press("d", "x")
        await pilot.pause()
        assert isinstance(app.screen_stack[-1], ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "WEB-12 no longer waits for WEB-2." in text_of(screen, "#detail-status")
        assert list_lines(screen, "#detail-deps") == [
            "1. Blocked by WEB-7 “Rate-limit failed logins”, ready"
        ]
        engine = await app.engine()
        assert [b.ref for b in (await engine.get_task("WEB-12")).blocked_by] == ["WEB-7"]

        await pilot.press("escape")
        await asyncio.sleep(0.3)
        await settle(pilot)
        backlog = app.screen.query_one("#list-backlog", TaskList)
        card = next(c for c in backlog.cards_loaded() if c.ref == "WEB-12")
        assert card.unresolved_blocker_count == 1


async def test_keeping_the_edge_changes_nothing(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-12")
        await pilot.press("d", "x", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert text_of(screen, "#detail-status") == "Dependency kept."
        assert len(list_lines(screen, "#detail-deps")) == 2


async def test_queue_when_unblocked(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-4")
        assert "Or press u to queue it" in text_of(screen, "#detail-blocked")
        await pilot.press("u")
        await settle(pilot)
        engine = await app.engine()
        task = await engine.get_task("WEB-4")
        assert task.status == TaskStatus.BLOCKED
        assert isinstance(task.blocked_reason, DependencyReason)
        assert "WEB-4 is waiting in blocked" in text_of(screen, "#detail-status")
        assert "Status: blocked" in text_of(screen, "#detail-fields")
        # Already queued: the key is no longer offered.
        assert screen.check_action("queue_when_unblocked", ()) is False


async def test_a_refused_move_is_explained_on_screen_and_logged(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-4")
        await pilot.press("m")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, MoveModal)
        # Exactly the moves of the state machine (plus "ready when unblocked").
        assert set(modal.targets) == allowed_targets(TaskStatus.BACKLOG)
        await pilot.press("2")  # 2. Ready (1. is Ready when unblocked)
        await settle(pilot)
        assert app.screen is screen
        status = screen.query_one("#detail-status", Static)
        assert status.has_class("-error")
        said = str(status.render())
        assert said.startswith("WEB-4 not moved: WEB-4 cannot move to ready: 1 blocker is not done")
        assert "WEB-2" in said
        assert "queue it to become ready by itself" in said  # the engine's hint
        assert any("WEB-4 not moved" in e.text for e in app.message_log)
        engine = await app.engine()
        assert (await engine.get_task("WEB-4")).status == TaskStatus.BACKLOG


async def test_a_legal_move(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("2")  # in progress, done, blocked -> 2. Done
        await settle(pilot)
        assert "WEB-2 moved to done." in text_of(screen, "#detail-status")
        assert "Status: done" in text_of(screen, "#detail-fields")
        assert "Moves from done (m): ready." in text_of(screen, "#detail-moves")


async def test_live_update_from_another_engine_keeps_focus(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        await pilot.press("d", "down")
        await pilot.pause()
        deps = screen.query_one("#detail-deps", ChoiceList)
        assert deps.highlighted == 1
        other = await SqlTaskEngine.open(demo_db_url, actor="someone-else")
        try:
            task = await other.get_task("WEB-2")
            await other.update_task(
                "WEB-2", TaskPatch(title="Build the sign-in API"), expected_version=task.version
            )
        finally:
            await other.close()
        # Another process's commit reaches the follower within its 0.5 s poll; allow for a
        # slow, busy machine.
        for _ in range(150):
            await asyncio.sleep(0.1)
            await settle(pilot)
            if "Edited title" in text_of(screen, "#detail-history"):
                break
        assert text_of(screen, "#detail-heading") == "WEB-2 Build the sign-in API"
        assert (
            "someone-else: Edited title from “Build the login API” to “Build the sign-in API”."
            in text_of(screen, "#detail-history")
        )
        assert app.focused is deps
        assert deps.highlighted == 1
        for _ in range(20):  # the cursor follows once the reloaded page is laid out
            if cursor_inside_focus(app):
                break
            await pilot.pause(0.05)
        assert cursor_inside_focus(app)


async def test_attachments_view_and_save(demo_db_url: str, tmp_path: Path) -> None:
    engine = await SqlTaskEngine.open(demo_db_url, actor="tester")
    try:
        for name, data, kind in (
            ("notes.txt", b"first line\nsecond line\n", "text/plain"),
            ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        ):
            await engine.add_attachment(
                "WEB-2",
                AttachmentIn(
                    name=name, content_base64=base64.b64encode(data).decode(), content_type=kind
                ),
            )
    finally:
        await engine.close()
    app = make_app(TuiSettings(db=demo_db_url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        assert list_lines(screen, "#detail-attachments") == [
            "1. notes.txt (23 bytes, text/plain)",
            "2. logo.png (10 bytes, image/png)",
        ]
        await pilot.press("a", "enter")
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, AttachmentViewModal)
        assert viewer.query_one(TextArea).text == "first line\nsecond line\n"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        # A binary file cannot be viewed: it is offered for saving instead.
        await pilot.press("down", "v")
        await settle(pilot)
        saver = app.screen
        assert isinstance(saver, SaveAttachmentModal)
        assert "logo.png is not text" in text_of(screen, "#detail-status")
        field = saver.query_one(Input)
        field.value = str(tmp_path / "missing-folder" / "logo.png")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is saver
        error = str(saver.query_one("#save-error", Static).render())
        assert error.startswith("Error: cannot write")
        assert "No such file or directory" in error
        assert app.focused is field
        field.value = str(tmp_path)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert (tmp_path / "logo.png").read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00"
        assert f"Saved logo.png to {tmp_path / 'logo.png'}." in text_of(screen, "#detail-status")


async def test_a_missing_task_is_explained_not_a_traceback(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = TaskDetailScreen("WEB-999")
        app.push_screen(screen)
        await settle(pilot)
        status = screen.query_one("#detail-status", Static)
        assert status.has_class("-error")
        assert str(status.render()).startswith("Cannot read WEB-999.")
        assert screen.check_action("choose_move", ()) is None


async def test_screen_reader_mode_has_no_box_borders(demo_db_url: str) -> None:
    app = make_app(TuiSettings(db=demo_db_url, screen_reader=True, screen_reader_source="test"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        assert screen.has_class("-screen-reader")
        for choices in screen.query(ChoiceList):
            assert choices.styles.border_top[0] in ("", "none")
        assert "Status: in review" in text_of(screen, "#detail-fields")


def test_every_key_has_words_a_tooltip_and_an_id() -> None:
    bindings = [b for b in TaskDetailScreen.BINDINGS if isinstance(b, Binding)]
    assert bindings
    for binding in bindings:
        assert binding.description, binding
        assert binding.tooltip, binding
        assert binding.id, binding
        assert binding.id.startswith("task."), binding
    actions = {b.action for b in bindings}
    assert "edit" in actions  # `e` opens the task form (tui.modals.task_form)
    assert {"run_now", "retry", "cancel_task"} <= actions  # the execution keys
    assert TaskDetailScreen.HELP.strip()


@pytest.mark.parametrize("key", ["escape", "backspace"])
async def test_escape_and_backspace_go_back(demo_app: TaskyardApp, key: str) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(app, pilot, "WEB-2")
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


class TestTaskDetailSnapshots:
    def test_detail_of_web2(self, snap_compare, demo_app: TaskyardApp) -> None:  # type: ignore[no-untyped-def]
        """WEB-2 "Build the login API" in full, the top of the page.

        The reviewer must see: the ref and title on the first line; the status line; the fields
        as "Field: value" lines (status in review, priority ‼ critical, milestone "Sign-in MVP"
        by name, assignee ben, absolute UTC dates); the allowed moves (in progress, done,
        blocked); the numbered dependencies list, first "Blocked by WEB-1 … done (resolved)" then
        the tasks it blocks each with its state; and the start of the Markdown description.
        The footer shows Back, Move…, Edit, Go to, Remove dependency, Quit and Help in full
        colour; Run now, Retry and Cancel task are there but dimmed (not for a task in review:
        the Runs section says why).
        """

        async def run_before(pilot: Pilot[int]) -> None:
            app = pilot.app
            assert isinstance(app, TaskyardApp)
            await open_detail(app, pilot, "WEB-2")

        assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


async def test_cancel_is_offered_only_where_the_state_machine_allows_it(
    demo_app: TaskyardApp,
) -> None:
    """In review has no move to cancelled: the Runs section says so, the key is off and
    pressing it opens no dialog; a backlog task offers it."""
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        actions = text_of(screen, "#runs-actions")
        assert "Cancel (c): not from in review; the state machine does not allow it." in actions
        assert screen.check_action("cancel_task", ()) is None
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is screen
        app.pop_screen()
        screen = await open_detail(app, pilot, "WEB-4")
        assert "Cancel (c): asks why, then stops it." in text_of(screen, "#runs-actions")
        assert screen.check_action("cancel_task", ()) is True


async def test_attach_a_file_from_the_detail(demo_app: TaskyardApp, tmp_path: Path) -> None:
    """f asks for a path; what cannot be attached is said under the field, in words."""
    from tui.modals.attach_file import AttachFileModal

    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"hello\n")
    large = tmp_path / "large.bin"
    large.write_bytes(b"\x00" * (10 * 1024 * 1024 + 1))
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-2")
        assert not list_lines(screen, "#detail-attachments")
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, AttachFileModal)
        field = modal.query_one(Input)
        assert app.focused is field

        async def refused(path: Path) -> str:
            field.value = str(path)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is modal
            assert app.focused is field
            return str(modal.query_one("#attach-error", Static).render())

        assert "there is no file at" in await refused(tmp_path / "missing.txt")
        assert "is a folder" in await refused(tmp_path)
        assert "larger than the 10 MiB limit" in await refused(large)

        field.value = str(notes)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert "Attached notes.txt (6 bytes) to WEB-2." in text_of(screen, "#detail-status")
        assert list_lines(screen, "#detail-attachments") == ["1. notes.txt (6 bytes, text/plain)"]

        # Escape attaches nothing.
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert len(list_lines(screen, "#detail-attachments")) == 1


async def test_delete_from_the_detail_asks_then_returns_to_the_board(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    """D asks first; enter alone keeps the task; yes deletes it and the board says so."""
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(app, pilot, "WEB-12")
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # "Keep it"
        await settle(pilot)
        shown: object = app.screen  # not narrowed by the isinstance above: the screen changed
        assert shown is screen
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert "WEB-12 deleted." in str(board.query_one("#board-status", Static).render())
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        with pytest.raises(NotFoundError):
            await engine.get_task("WEB-12")
    finally:
        await engine.close()
