"""The task form explains itself: help from inside a field, and errors in the form's words.

Review findings 9 and 11: ``?`` typed a question mark into the focused field while the note
promised help; errors named API fields (``effort_estimate: Input should be a valid number``),
could sit below the visible part of the form, stayed after the fix and sent users to the CLI.
"""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.form_words import date_problem, number_problem
from tui.modals.help import HelpModal
from tui.modals.task_form import TaskFormModal

SIZE = (100, 24)


async def _new_form(app: TaskyardApp, pilot: object) -> TaskFormModal:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await wait_until(lambda: isinstance(app.screen, TaskFormModal), pilot=pilot)  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, TaskFormModal)
    return screen


def _shown_error(form: TaskFormModal, widget_id: str) -> str | None:
    line = form.query_one(f"#{widget_id}-error", Static)
    return str(line.render()) if line.has_class("-shown") else None


async def test_f1_in_a_form_shows_its_help_and_the_note_names_that_key(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await _new_form(demo_app, pilot)
        note = str(form.query_one("#form-note", Static).render())
        assert "f1 lists every key" in note
        assert "?" not in note  # ? is typed into the field that has focus
        await pilot.press("f1")
        await wait_until(lambda: isinstance(demo_app.screen, HelpModal), pilot=pilot)
        await settle(pilot)
        assert "Task form" in screen_text(demo_app)
        await pilot.press("escape")
        await wait_until(lambda: demo_app.screen is form, pilot=pilot)
        assert form.query_one("#form-title", Input).value == ""


async def test_errors_use_the_field_labels_show_in_view_and_leave_when_fixed(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await _new_form(demo_app, pilot)
        form.query_one("#form-title", Input).value = "Words"
        form.query_one("#form-due-date", Input).value = "2026-13-40"
        form.query_one("#form-effort", Input).value = "abc"
        await pilot.press("ctrl+s")
        await wait_until(lambda: _shown_error(form, "form-effort") is not None, pilot=pilot)
        await settle(pilot)
        due = _shown_error(form, "form-due-date")
        effort = _shown_error(form, "form-effort")
        assert due == "Error: Due date: month 13 does not exist (write YYYY-MM-DD)."
        assert effort is not None
        assert effort.startswith("Error: Effort estimate must be a number")
        # Focus is on the first refused field, and its error line is on screen with it.
        assert demo_app.focused is form.query_one("#form-due-date")
        body = form.query_one("#form-body")
        error_line = form.query_one("#form-due-date-error")
        assert body.region.contains_region(error_line.region), (body.region, error_line.region)
        assert "month 13 does not exist" in screen_text(demo_app)
        # Fixing a field takes its error away at once; the other stays until fixed.
        await pilot.press("ctrl+u", *"2026-12-31")
        await settle(pilot)
        assert _shown_error(form, "form-due-date") is None
        assert _shown_error(form, "form-effort") is not None


async def test_an_unknown_project_points_to_the_tui_not_the_cli(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await _new_form(demo_app, pilot)
        form.query_one("#form-title", Input).value = "Words"
        form.query_one("#form-project", Input).value = "nope"
        await pilot.press("ctrl+s")
        await wait_until(lambda: _shown_error(form, "form-project") is not None, pilot=pilot)
        error = _shown_error(form, "form-project")
        assert error is not None
        assert "nope" in error
        assert "taskyard project list" not in error
        assert "suggests existing projects" in error


def test_dates_and_numbers_are_explained() -> None:
    assert date_problem("2026-02-30") == "Due date: February 2026 has 28 days, not 30."
    assert date_problem("2026-12-31") is None
    assert date_problem("soon") == (
        "Due date “soon” is not a date: write it as YYYY-MM-DD, for example 2026-12-31."
    )
    assert number_problem("-1") == "Effort estimate cannot be negative."
