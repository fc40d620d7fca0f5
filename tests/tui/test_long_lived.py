"""The board keeps what start-up built out of full collections (at 100k tasks those passes
took up to 160 ms, the slowest keys), and hands it back when it quits."""

from __future__ import annotations

import gc

from tests.fixtures.tui import settle
from tests.fixtures.waiting import wait_until
from tui.app import HEAP_FREEZE_DELAY, TaskyardApp


async def test_start_up_is_frozen_after_the_first_frame_and_given_back_at_exit(
    demo_app: TaskyardApp,
) -> None:
    before = gc.get_freeze_count()
    async with demo_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await wait_until(
            lambda: gc.get_freeze_count() > before + 10_000, timeout=HEAP_FREEZE_DELAY + 5
        )
        await pilot.press("j")  # the board keeps working with its heap frozen
        await settle(pilot)
    assert gc.get_freeze_count() == before
