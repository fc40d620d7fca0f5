"""Type-to-filter in the pickers (move, project, dependency): typing narrows the list."""

from __future__ import annotations

from textual.pilot import Pilot

from core.domain.commands import ProjectCreate
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.modals.dependency_picker import DependencyPickerModal
from tui.modals.move import MoveModal
from tui.modals.name_prompt import NameModal
from tui.modals.project_picker import ProjectPickerModal
from tui.screens.board import BoardScreen
from tui.settings import TuiSettings
from tui.widgets.filter_list import FilterList

SIZE = (160, 40)


def menu(app: TaskyardApp) -> FilterList:
    found = app.screen.query_one(FilterList)
    assert app.focused is found
    return found


def shown(app: TaskyardApp) -> list[str]:
    options = menu(app)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_typing_narrows_the_move_menu_and_says_so(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "m")  # WEB-5 in ready
        await wait_until(lambda: isinstance(demo_app.screen, MoveModal), pilot=pilot)
        assert "Type to narrow the list." in screen_text(demo_app)
        total = len(shown(demo_app))
        await pilot.press("c", "a")
        await settle(pilot)
        assert shown(demo_app) == ["1. Cancelled"]
        assert f"Typed “ca”: 1 of {total} shown; backspace widens." in screen_text(demo_app)
        await pilot.press("x")
        await settle(pilot)
        assert shown(demo_app) == []
        assert "none of" in screen_text(demo_app)
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert len(shown(demo_app)) > 1
        assert all("c" in words.lower() for words in shown(demo_app))
        await pilot.press("a", "1")  # digits still choose, by the numbers shown
        await wait_until(lambda: isinstance(demo_app.screen, BoardScreen), pilot=pilot)
        await wait_until(lambda: "WEB-5 moved to cancelled." in screen_text(demo_app), pilot=pilot)


async def app_with_projects(url: str, *names: str) -> TaskyardApp:
    """The TUI on the demo database with more projects, ``names``."""
    engine = await SqlTaskEngine.open(url)
    try:
        for name in names:
            await engine.create_project(ProjectCreate(name=name))
    finally:
        await engine.close()
    return make_app(TuiSettings(db=url, animations=False))


async def open_project_picker(app: TaskyardApp, pilot: Pilot[int]) -> None:
    await settle(pilot)
    await pilot.press("p")
    await wait_until(lambda: isinstance(app.screen, ProjectPickerModal), pilot=pilot)
    await settle(pilot)


async def test_typing_narrows_the_project_picker(demo_db_url: str) -> None:
    app = await app_with_projects(demo_db_url, "Ops", "Quality", "Mobile")
    async with app.run_test(size=SIZE) as pilot:
        await open_project_picker(app, pilot)
        await pilot.press("q", "u")  # q types, it does not quit
        await settle(pilot)
        assert isinstance(app.screen, ProjectPickerModal)
        assert shown(app) == ["1. Quality  (QUA, quality)"]
        await pilot.press("enter")
        await wait_until(lambda: "Project: Quality" in screen_text(app), pilot=pilot)


async def test_typing_in_the_dependency_results_narrows_the_search(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(lambda: type(demo_app.screen).__name__ == "TaskFormModal", pilot=pilot)
        await settle(pilot)
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(demo_app.screen, DependencyPickerModal), pilot=pilot)
        picker = demo_app.screen
        assert isinstance(picker, DependencyPickerModal)
        await wait_until(lambda: len(picker.results) > 1, pilot=pilot)
        await pilot.press("down")
        await pilot.pause()
        assert demo_app.focused is picker.query_one("#picker-results")
        await pilot.press(*"flaky")
        await wait_until(
            lambda: [t.title for t in picker.results] == ["Fix flaky signup test"], pilot=pilot
        )
        query = picker.query_one("#picker-query")
        assert demo_app.focused is query
        assert query.value == "flaky"  # type: ignore[attr-defined]


async def test_f2_in_the_project_picker_renames_the_highlighted_project(
    demo_db_url: str,
) -> None:
    """f2 asks for the new name; the list then shows it, the slug and key unchanged."""
    app = await app_with_projects(demo_db_url, "Quality")
    async with app.run_test(size=SIZE) as pilot:
        await open_project_picker(app, pilot)
        await pilot.press("q", "u", "f2")
        await wait_until(lambda: isinstance(app.screen, NameModal), pilot=pilot)
        await pilot.press(*"QA team", "enter")
        await wait_until(lambda: isinstance(app.screen, ProjectPickerModal), pilot=pilot)
        await wait_until(
            lambda: "Project quality is now named QA team." in screen_text(app), pilot=pilot
        )
        assert shown(app) == ["1. QA team  (QUA, quality)"]
        await pilot.press("enter")
        await wait_until(lambda: "Project: QA team" in screen_text(app), pilot=pilot)


async def test_the_milestones_dialog_shows_a_milestones_board_and_f2_renames_it(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    """M lists the milestones of every project (the all-projects board); f2 renames the
    highlighted one (its slug stays), enter shows its project's board narrowed to it (a
    milestone belongs to a project), and "Every milestone" takes the filter off again."""
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_until(lambda: "Sign-in MVP" in " ".join(shown(app)), pilot=pilot)
        assert shown(app) == [
            "1. New milestone…",
            "2. Every milestone (no milestone filter)",
            "3. Sign-in MVP  (sign-in-mvp, due 2026-12-15)",
        ]
        await pilot.press("s", "i", "f2")  # typing narrows the list to the milestone
        await wait_until(lambda: isinstance(app.screen, NameModal), pilot=pilot)
        await pilot.press(*"Sign-in beta", "enter")
        await wait_until(
            lambda: "Milestone sign-in-mvp is now named Sign-in beta." in screen_text(app),
            pilot=pilot,
        )
        assert shown(app) == ["1. Sign-in beta  (sign-in-mvp, due 2026-12-15)"]
        await pilot.press("enter")
        await wait_until(
            lambda: "Project: Web App · milestone sign-in-mvp" in screen_text(app), pilot=pilot
        )
        await settle(pilot)
        board_text = screen_text(app)
        assert "Two-factor sign-in" in board_text  # labelled auth: in the milestone
        assert "Fix flaky signup test" not in board_text  # labelled tests: not in it
        await pilot.press("M")
        await wait_until(lambda: "Sign-in beta" in " ".join(shown(app)), pilot=pilot)
        await pilot.press("2")
        await wait_until(lambda: "milestone sign-in-mvp" not in screen_text(app), pilot=pilot)
        await settle(pilot)
        assert "Fix flaky signup test" in screen_text(app)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        [milestone] = await engine.list_milestones("web-app")
        assert (milestone.slug, milestone.name) == ("sign-in-mvp", "Sign-in beta")
    finally:
        await engine.close()
