"""The task form: create, edit, inline errors, the dependency picker, conflicts and $EDITOR.

Every test drives the app with keys only (a terminal paste for the 501-character title) and
checks the result through a fresh engine on the same database file.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from core.domain.commands import TaskPatch, TaskQuery
from core.domain.models import Priority
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.editor import EditorFailed, edit_text
from tui.modals.conflict import ConflictModal, DiscardModal
from tui.modals.dependency_picker import DependencyPickerModal, fuzzy_score
from tui.modals.task_form import TaskFormModal, merge
from tui.screens.board import BoardScreen

SIZE = (120, 40)


async def type_text(pilot: Pilot[int], text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


def form(app: TaskyardApp) -> TaskFormModal:
    screen = app.screen
    assert isinstance(screen, TaskFormModal), f"the form is not open ({screen!r})"
    return screen


async def open_board(pilot: Pilot[int]) -> None:
    app = pilot.app
    await wait_until(
        lambda: isinstance(app.screen, BoardScreen) and app.screen._loaded, pilot=pilot
    )


async def open_new_form(pilot: Pilot[int]) -> TaskFormModal:
    """The board loads, ``n`` opens the create form."""
    await open_board(pilot)
    await pilot.press("n")
    await wait_until(lambda: isinstance(pilot.app.screen, TaskFormModal), pilot=pilot)
    return form(pilot.app)  # type: ignore[arg-type]


async def open_edit_form(pilot: Pilot[int]) -> TaskFormModal:
    await open_board(pilot)
    await pilot.press("e")
    await wait_until(lambda: isinstance(pilot.app.screen, TaskFormModal), pilot=pilot)
    modal = form(pilot.app)  # type: ignore[arg-type]
    await wait_until(lambda: modal.loaded, pilot=pilot)
    return modal


@contextlib.asynccontextmanager
async def engine_on(url: str, actor: str = "checker") -> AsyncIterator[SqlTaskEngine]:
    engine = await SqlTaskEngine.open(url, actor=actor)
    try:
        yield engine
    finally:
        await engine.close()


def error_text(modal: TaskFormModal, widget_id: str) -> str:
    error = modal.query_one(f"#{widget_id}-error", Static)
    return str(error.render()) if error.has_class("-shown") else ""


def cursor_inside(app: TaskyardApp, widget_id: str) -> bool:
    region = app.screen.query_one(f"#{widget_id}").region
    return region.contains_point(app.cursor_position)


# -- create ----------------------------------------------------------------------------------
async def test_create_with_label_and_dependency_from_the_board(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    """n, a title, a label, a dependency found by part of its title, ctrl+s: it is all saved."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        assert demo_app.focused is modal.query_one("#form-title")
        await type_text(pilot, "Write the release notes")
        # Reading order: title, project, start in, description, type, priority, labels.
        await pilot.press(*["tab"] * 6)
        assert demo_app.focused is modal.query_one("#form-labels")
        await type_text(pilot, "docs")

        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(demo_app.screen, DependencyPickerModal), pilot=pilot)
        picker = demo_app.screen
        assert isinstance(picker, DependencyPickerModal)
        await type_text(pilot, "flaky")
        await wait_until(
            lambda: [t.title for t in picker.results] == ["Fix flaky signup test"], pilot=pilot
        )
        await pilot.press("enter")
        await wait_until(lambda: demo_app.screen is modal and len(modal.blockers) == 1, pilot=pilot)
        # The new task takes the blocker's project (dependencies stay in one project).
        await wait_until(
            lambda: modal.query_one("#form-project", Input).value == "web-app", pilot=pilot
        )

        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)
        assert any(e.text.endswith("created") for e in demo_app.message_log)

    async with engine_on(demo_db_url) as engine:
        page = await engine.list_tasks(TaskQuery(text="release notes"))
        assert len(page.items) == 1
        task = page.items[0]
        assert task.title == "Write the release notes"
        assert task.labels == ["docs"]
        assert [b.title for b in task.blocked_by] == ["Fix flaky signup test"]
        project = await engine.get_project(task.project_id)
        assert project.slug == "web-app"


async def test_empty_title_is_refused_inline_with_focus_and_cursor_there(
    demo_app: TaskyardApp,
) -> None:
    """R14: "Error: …" under the title, focus and the terminal cursor in the title field."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        await pilot.press("tab", "tab", "tab")  # away from the title, to prove focus comes back
        await pilot.press("ctrl+s")
        await wait_until(lambda: bool(error_text(modal, "form-title")), pilot=pilot)
        text = error_text(modal, "form-title")
        assert text.startswith("Error: ")
        assert "Title cannot be empty" in text
        assert demo_app.focused is modal.query_one("#form-title")
        # The terminal cursor follows once the form has scrolled the field into view.
        await wait_until(lambda: cursor_inside(demo_app, "form-title"), timeout=2, pilot=pilot)
        assert isinstance(demo_app.screen, TaskFormModal)  # nothing was closed or saved


async def test_over_long_title_is_refused_and_kept(demo_app: TaskyardApp) -> None:
    """A 501-character title gets an inline error; the text stays as typed."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        title = modal.query_one("#form-title", Input)
        title.post_message(events.Paste("x" * 501))  # a terminal paste
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(lambda: bool(error_text(modal, "form-title")), pilot=pilot)
        assert "501 characters long; the limit is 500" in error_text(modal, "form-title")
        assert title.value == "x" * 501
        assert demo_app.focused is title


# -- edit ------------------------------------------------------------------------------------
async def test_edit_priority_bumps_the_version(demo_app: TaskyardApp, demo_db_url: str) -> None:
    """e, change the priority with the keyboard, ctrl+s: saved, version + 1, "saved" reported."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_edit_form(pilot)
        ref, version = modal.ref, modal.version
        assert ref is not None
        assert version is not None
        before = modal.original["priority"]
        await pilot.press("tab", "tab", "tab")  # title, description, type, priority
        assert demo_app.focused is modal.query_one("#form-priority")
        await pilot.press("enter")  # open the list
        await pilot.press("up" if before == Priority.LOW.value else "down", "enter")
        await pilot.pause()
        assert modal.read_raw()["priority"] != before
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)
        assert any(e.text == f"{ref} saved" for e in demo_app.message_log)

    async with engine_on(demo_db_url) as engine:
        task = await engine.get_task(ref)
        assert task.priority.value != before
        assert task.version == version + 1


async def test_conflict_merge_keeps_both_changes(demo_app: TaskyardApp, demo_db_url: str) -> None:
    """Someone else changes the priority while I retitle: the dialog says so; Merge keeps both."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_edit_form(pilot)
        ref = modal.ref
        assert ref is not None
        old_title = modal.original["title"]
        await pilot.press("end")
        await type_text(pilot, " v2")
        theirs = Priority.CRITICAL if modal.original["priority"] != "critical" else Priority.LOW
        async with engine_on(demo_db_url, actor="someone") as other:
            await other.update_task(ref, TaskPatch(priority=theirs), expected_version=None)

        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(demo_app.screen, ConflictModal), pilot=pilot)
        dialog = demo_app.screen
        assert isinstance(dialog, ConflictModal)
        assert f"{ref} was changed by someone else since you opened it" in dialog.message
        assert "→" in dialog.message
        assert "priority" in dialog.message
        await pilot.press("1")  # Merge
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)

    async with engine_on(demo_db_url) as engine:
        task = await engine.get_task(ref)
        assert task.title == f"{old_title} v2"
        assert task.priority == theirs


async def test_conflict_keep_editing_loses_nothing(demo_app: TaskyardApp, demo_db_url: str) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_edit_form(pilot)
        ref = modal.ref
        assert ref is not None
        await pilot.press("end")
        await type_text(pilot, " mine")
        async with engine_on(demo_db_url, actor="someone") as other:
            await other.update_task(ref, TaskPatch(assignee="zoe"), expected_version=None)
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(demo_app.screen, ConflictModal), pilot=pilot)
        await pilot.press("escape")
        await wait_until(lambda: demo_app.screen is modal, pilot=pilot)
        assert modal.query_one("#form-title", Input).value.endswith(" mine")
        assert error_text(modal, "form").startswith("Error: ")


async def test_conflict_overwrite_writes_mine(demo_app: TaskyardApp, demo_db_url: str) -> None:
    """Overwrite saves my whole form over the other change (their assignee is replaced)."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_edit_form(pilot)
        ref = modal.ref
        assert ref is not None
        mine_assignee = modal.original["assignee"]
        await pilot.press("end")
        await type_text(pilot, " over")
        async with engine_on(demo_db_url, actor="someone") as other:
            await other.update_task(ref, TaskPatch(assignee="zoe"), expected_version=None)
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(demo_app.screen, ConflictModal), pilot=pilot)
        await pilot.press("2")  # Overwrite with mine
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)

    async with engine_on(demo_db_url) as engine:
        task = await engine.get_task(ref)
        assert task.title.endswith(" over")
        assert (task.assignee or "") == mine_assignee


async def test_escape_with_changes_asks_before_discarding(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        await type_text(pilot, "half typed")
        await pilot.press("escape")
        await wait_until(lambda: isinstance(demo_app.screen, DiscardModal), pilot=pilot)
        await pilot.press("escape")  # keep editing
        await wait_until(lambda: demo_app.screen is modal, pilot=pilot)
        assert modal.query_one("#form-title", Input).value == "half typed"
        assert demo_app.focused is modal.query_one("#form-title")
        await pilot.press("escape")
        await wait_until(lambda: isinstance(demo_app.screen, DiscardModal), pilot=pilot)
        await pilot.press("2")  # discard
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)


async def test_tab_order_is_reading_order(demo_app: TaskyardApp) -> None:
    """R5: tab visits the fields top to bottom, then the buttons."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        chain = [w.id for w in modal.focus_chain]
        assert chain == [
            "form-title",
            "form-project",
            "form-status",
            "form-description",
            "form-task-type",
            "form-priority",
            "form-labels",
            "form-assignee",
            "form-milestone",
            "form-due-date",
            "form-effort",
            "form-acceptance",
            "form-context-files",
            "form-command",
            "form-add-dependency",
            "form-save",
            "form-cancel",
        ]


# -- dependencies ----------------------------------------------------------------------------
async def test_picker_escape_returns_focus_and_remove_by_key(demo_app: TaskyardApp) -> None:
    """R5: escape on the picker returns focus to the opener; x removes a chosen blocker."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        opener = demo_app.focused
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(demo_app.screen, DependencyPickerModal), pilot=pilot)
        await pilot.press("escape")
        await wait_until(lambda: demo_app.screen is modal, pilot=pilot)
        assert demo_app.focused is opener

        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(demo_app.screen, DependencyPickerModal), pilot=pilot)
        picker = demo_app.screen
        assert isinstance(picker, DependencyPickerModal)
        await type_text(pilot, "lgn api")  # letters in order, not a substring
        await wait_until(
            lambda: bool(picker.results) and picker.results[0].title.startswith("Build"),
            pilot=pilot,
        )
        await pilot.press("down")  # to the numbered results; the cursor follows the highlight
        await pilot.pause()
        results = picker.query_one("#picker-results")
        assert demo_app.focused is results
        assert results.region.contains_point(demo_app.cursor_position)
        await pilot.press("enter")
        await wait_until(lambda: demo_app.screen is modal and len(modal.blockers) == 1, pilot=pilot)

        modal.query_one("#form-blockers").focus()
        await pilot.press("x")
        await pilot.pause()
        assert modal.blockers == []


# -- $EDITOR ---------------------------------------------------------------------------------
@pytest.fixture
def editor_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\necho edited > "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    return script


async def test_ctrl_e_edits_the_description_in_editor(
    demo_app: TaskyardApp, editor_script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+e runs $EDITOR on a temp file and reads it back into the description.

    The headless test driver cannot suspend, so ``app.suspend`` is replaced by a no-op here;
    the editor itself is a real process.
    """
    async with demo_app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(demo_app, "suspend", contextlib.nullcontext)
        modal = await open_new_form(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert modal.query_one("#form-description", TextArea).text == "edited"
        assert demo_app.focused is modal.query_one("#form-description")


async def test_ctrl_e_without_suspend_says_so_and_keeps_text(
    demo_app: TaskyardApp, editor_script: Path
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "mine")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert error_text(modal, "form-description").startswith("Error: ")
        assert modal.query_one("#form-description", TextArea).text == "mine"


def test_edit_text_runs_the_editor(editor_script: Path) -> None:
    assert edit_text("before") == "edited\n"


def test_edit_text_failing_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "false")
    with pytest.raises(EditorFailed, match="exited with status 1"):
        edit_text("keep")
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    with pytest.raises(EditorFailed, match="Could not start"):
        edit_text("keep")


# -- pure helpers ----------------------------------------------------------------------------
def test_fuzzy_score_order() -> None:
    title = "Build the login API"
    ref_prefix = fuzzy_score("web-1", "WEB-12", "x")
    assert ref_prefix is not None
    assert ref_prefix > (fuzzy_score("build", "WEB-2", title) or 0)
    assert (fuzzy_score("build", "WEB-2", title) or 0) > (fuzzy_score("login", "WEB-2", title) or 0)
    assert (fuzzy_score("login", "WEB-2", title) or 0) > (
        fuzzy_score("lgnapi", "WEB-2", title) or 0
    )
    assert fuzzy_score("zzz", "WEB-2", title) is None


def test_merge_takes_theirs_where_i_did_not_touch() -> None:
    base = {"title": "a", "priority": "low", "labels": ""}
    mine = {"title": "a2", "priority": "low", "labels": "x"}
    theirs = {"title": "a", "priority": "high", "labels": "y"}
    merged, both = merge(mine, base, theirs)
    assert merged["title"] == "a2"
    assert merged["priority"] == "high"
    assert merged["labels"] == "x"
    assert both == {"labels"}


# -- snapshot --------------------------------------------------------------------------------
def _no_blink(app: TaskyardApp) -> None:
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]


def test_snapshot_create_form_empty_title_error(
    snap_compare: Callable[..., bool], demo_app: TaskyardApp
) -> None:
    """The "New task" form over the demo board after ctrl+s with an empty title.

    The reviewer must see: the form with the heading "New task"; directly under the Title
    field the line "Error: Title cannot be empty." in the error colour (the words, not only
    the colour); the title field focused; every other field still empty; project web-app is
    not preset (the board shows all projects).
    """

    async def run_before(pilot: Pilot[int]) -> None:
        modal = await open_new_form(pilot)
        _no_blink(pilot.app)  # type: ignore[arg-type]
        await pilot.press("ctrl+s")
        await wait_until(lambda: bool(error_text(modal, "form-title")), pilot=pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


# -- opening the edit form, and keys typed faster than focus moves ---------------------------
async def test_edit_form_opens_at_its_heading_and_the_first_key_adds_to_the_title(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    """Review finding 1: the form opens at its top, focus and cursor in the title, nothing
    selected; a key typed then goes after the title instead of replacing it."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_edit_form(pilot)
        title = modal.query_one("#form-title", Input)
        original = title.value
        assert original
        await wait_until(lambda: cursor_inside(demo_app, "form-title"), timeout=2, pilot=pilot)
        assert demo_app.focused is title
        assert modal.query_one("#form-body").scroll_y == 0
        assert title.selection.is_empty
        assert title.cursor_position == len(original)
        heading = modal.query_one("#form-heading")
        assert modal.query_one("#form-body").region.contains(heading.region.x, heading.region.y)
        await pilot.press("X")
        assert title.value == original + "X"


async def test_the_new_form_opens_at_its_heading_and_stays_there(demo_app: TaskyardApp) -> None:
    """The heading and the Title label stay in view once the form has settled: Textual's own
    focus scroll (which centred the title a refresh later and hid both) is not used."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(lambda: isinstance(demo_app.screen, TaskFormModal), pilot=pilot)
        modal = demo_app.screen
        for _ in range(5):  # several refreshes: a late scroll would have happened by now
            await settle(pilot)
        await wait_until(lambda: cursor_inside(demo_app, "form-title"), timeout=2, pilot=pilot)
        assert modal.query_one("#form-body").scroll_y == 0
        assert "New task" in screen_text(demo_app)
        assert "Title" in screen_text(demo_app)


async def test_keys_typed_right_after_tab_land_in_the_field_tab_moved_to(
    demo_app: TaskyardApp,
) -> None:
    """Review finding 28: ``abc``, tab, ``def`` sent in one burst (a paste, a fast typist)
    go to the two fields in order, not all into the first."""
    async with demo_app.run_test(size=SIZE) as pilot:
        modal = await open_new_form(pilot)
        project = modal.query_one("#form-project", Input)
        project.value = ""
        for key in ["a", "b", "c", "tab", "d", "e", "f"]:
            character = key if len(key) == 1 else None
            demo_app.post_message(events.Key(key, character))  # as the driver sends them
        await wait_until(lambda: project.value == "def", pilot=pilot, timeout=3)
        assert modal.query_one("#form-title", Input).value == "abc"
        assert demo_app.focused is project
