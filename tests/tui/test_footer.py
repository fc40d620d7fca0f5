"""The footer, with the mouse: a click presses the key, a dimmed key rings the bell, hovering
shows the key's tooltip, and only whole keys are drawn."""

from __future__ import annotations

from tests.fixtures.tui import screen_text, settle
from tests.fixtures.tui_runs import app_for
from tests.fixtures.waiting import wait_until
from tui.app import TaskyardApp
from tui.modals.help import HelpModal
from tui.screens.monitor import ExecutionMonitorScreen
from tui.widgets.footer import KeyFooter

SIZE = (120, 30)


def key_x(app: TaskyardApp, label: str) -> int:
    """The column where ``label`` (e.g. ``"? Help"``) starts on the footer line."""
    line = screen_text(app).splitlines()[-1]
    assert label in line, line
    return line.index(label)


async def test_a_click_on_a_key_presses_it(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(KeyFooter, offset=(key_x(demo_app, "? Help") + 3, 0))
        await wait_until(lambda: isinstance(demo_app.screen, HelpModal), pilot=pilot)


async def test_hovering_a_key_shows_its_tooltip_and_leaving_it_hides_it(
    demo_app: TaskyardApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = demo_app.screen.query_one(KeyFooter)
        await pilot.hover(KeyFooter, offset=(key_x(demo_app, "? Help") + 1, 0))
        await wait_until(lambda: footer.tooltip == "Every key, explained", pilot=pilot)
        await pilot.hover(KeyFooter, offset=(key_x(demo_app, "n New") + 1, 0))
        await wait_until(lambda: footer.tooltip not in {None, "Every key, explained"}, pilot=pilot)


async def test_a_click_on_a_dimmed_key_rings_the_bell_and_does_nothing(
    demo_db_url: str,
) -> None:
    app = app_for(demo_db_url, workers=False)  # no embedded workers: Pause/resume is dimmed
    bells: list[None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(lambda: isinstance(app.screen, ExecutionMonitorScreen), pilot=pilot)
        await settle(pilot)
        app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
        status_before = screen_text(app)
        await pilot.click(KeyFooter, offset=(key_x(app, "p Pause/resume") + 1, 0))
        await settle(pilot)
        assert bells == [None]
        assert isinstance(app.screen, ExecutionMonitorScreen)
        assert "paused" not in screen_text(app).replace(status_before, "")


async def test_keys_that_do_not_fit_are_left_out_whole(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        footer = demo_app.screen.query_one(KeyFooter)
        line = screen_text(demo_app).splitlines()[-1].rstrip()
        assert line.endswith("▏^p palette")
        shown = line.split("▏")[0]
        descriptions = [item.description for item in footer.items]
        drawn = [d for d in descriptions if f" {d} " in f"{shown} "]
        assert drawn == descriptions[: len(drawn)]  # a prefix of the keys, each whole
        assert 0 < len(drawn) < len(descriptions)
        last_shown = shown.rstrip().rsplit("  ", 1)[-1]
        assert last_shown.split(" ", 1)[1] == drawn[-1]
