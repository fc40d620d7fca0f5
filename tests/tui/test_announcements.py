"""Screen-reader mode tells the user about changes made elsewhere, once, and never by toast.

In screen-reader mode the board says each change another process makes as one plain line
(in the status line and the message log, tui/screens/board.py); toasts, which a screen reader
cannot review, are not shown at all (``TaskyardApp.report``). Outside that mode the same
reports do show as toasts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.domain.models import Event
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.screens.board import BoardScreen
from tui.settings import TuiSettings

SIZE = (120, 30)

SPOKEN: dict[str, tuple[dict[str, Any], str | None]] = {
    # kind: (payload, the line said, or None when the kind is not announced)
    "task.created": ({"ref": "WEB-1", "title": "Login"}, "WEB-1 Login was created by ana."),
    "task.status_changed": (
        {"ref": "WEB-1", "to": "in_review"},
        "WEB-1 moved to in review by ana.",
    ),
    "task.completed": ({"ref": "WEB-1", "to": "done"}, "WEB-1 moved to done by ana."),
    "task.blocked": ({"ref": "WEB-1", "to": "blocked"}, "WEB-1 moved to blocked by ana."),
    "task.cancelled": ({"ref": "WEB-1", "to": "cancelled"}, "WEB-1 moved to cancelled by ana."),
    "task.unblocked": ({"ref": "WEB-1", "to": "ready"}, "WEB-1 moved to ready by ana."),
    "task.deleted": ({"ref": "WEB-1"}, "WEB-1 was deleted by ana."),
    # Said by the run panel and the monitor, or not news to a reader of the board:
    "task.updated": ({"ref": "WEB-1"}, None),
    "task.assigned": ({"ref": "WEB-1", "assignee": "ben"}, None),
    "task.attachment_added": ({"ref": "WEB-1"}, None),
    "task.claimed": ({"ref": "WEB-1"}, None),
    "task.dependency_added": ({"ref": "WEB-1"}, None),
    "task.dependency_removed": ({"ref": "WEB-1"}, None),
    "task.lease_expired": ({"ref": "WEB-1"}, None),
    "task.retried": ({"ref": "WEB-1"}, None),
    "task.retry_scheduled": ({"ref": "WEB-1"}, None),
    "task.step_started": ({"ref": "WEB-1"}, None),
    "task.step_completed": ({"ref": "WEB-1"}, None),
    "run.succeeded": ({}, None),
    "run.failed": ({}, None),
    "run.cancelled": ({}, None),
    "run.interrupted": ({}, None),
    "run.adopted": ({}, None),
    "project.created": ({}, None),
    "milestone.created": ({}, None),
    "project.updated": ({}, None),
    "milestone.updated": ({}, None),
    "import.committed": ({}, None),
    "import.failed": ({}, None),
    "worker.registered": ({}, None),
    "worker.stopped": ({}, None),
}
"""Every kind of event the store writes (``grep -rho '"[a-z]*\\.[a-z_]*"' core/store``)."""


def spoken_app(url: str, *, screen_reader: bool = True) -> TaskyardApp:
    return make_app(
        TuiSettings(
            db=url,
            animations=False,
            embedded_workers=False,
            screen_reader=screen_reader,
            screen_reader_source="test",
        )
    )


async def test_every_kind_of_event_is_said_as_its_line_or_not_at_all(demo_db_url: str) -> None:
    app = spoken_app(demo_db_url)
    said: dict[str, str | None] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for seq, (kind, (payload, _)) in enumerate(SPOKEN.items(), start=10_000):
            before = len(app.message_log)
            app.engine_events.publish(
                [
                    Event(
                        seq=seq,
                        id=f"e{seq}",
                        type=kind,
                        actor="ana",
                        at=datetime(2026, 12, 1, tzinfo=UTC),
                        payload=payload,
                    )
                ]
            )
            await pilot.pause()
            new = [entry.text for entry in app.message_log[before:]]
            assert len(new) <= 1, (kind, new)
            said[kind] = new[0] if new else None
    assert said == {kind: line for kind, (_, line) in SPOKEN.items()}


async def test_a_task_deleted_elsewhere_is_announced_once(demo_db_url: str) -> None:
    app = spoken_app(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine = await SqlTaskEngine.open(demo_db_url, actor="someone-else")
        try:
            await engine.delete_task("WEB-10")
        finally:
            await engine.close()
        line = "WEB-10 was deleted by someone-else."
        await wait_until(lambda: "Backlog, 5 tasks." in screen_text(app), pilot=pilot)
        await wait_until(lambda: line in screen_text(app), pilot=pilot)  # the status line
        await settle(pilot)
        await pilot.pause(0.2)  # a second reload or event would announce it again
        assert [e.text for e in app.message_log if "WEB-10" in e.text] == [line]


@pytest.mark.parametrize("screen_reader", [True, False], ids=["screen-reader", "visual"])
async def test_a_refusal_is_a_toast_only_outside_screen_reader_mode(
    demo_db_url: str, screen_reader: bool
) -> None:
    """A refused move is reported in both modes; only the visual board shows a toast."""
    app = spoken_app(demo_db_url, screen_reader=screen_reader)
    # ``run_test`` leaves toasts out unless asked: ask, so that they can be seen or missed.
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("shift+right")  # WEB-12, first in Backlog, is blocked: refused
        await wait_until(lambda: any(e.severity == "error" for e in app.message_log), pilot=pilot)
        if screen_reader:
            await settle(pilot)
            await pilot.pause(0.2)
            assert not app.screen.query("Toast")
            assert "WEB-12 cannot move to ready" in screen_text(app)  # said in the status line
        else:
            await wait_until(lambda: bool(app.screen.query("Toast")), pilot=pilot)


async def test_your_own_move_is_said_once_not_again_by_the_event_feed(demo_db_url: str) -> None:
    """One change, one announcement: the move's own sentence, never the feed's copy of it
    ("WEB-5 moved to backlog by ana." after "WEB-5 moved to backlog.")."""
    app = spoken_app(demo_db_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        said: list[str] = []
        status = board.set_status

        def spy(text: str, *, error: bool = False) -> None:
            said.append(text)
            status(text, error=error)

        board.set_status = spy  # type: ignore[method-assign]
        await pilot.press("l")  # Ready: WEB-5 first
        await settle(pilot)
        await pilot.press("shift+left")
        await wait_until(lambda: "Backlog, 7 tasks." in screen_text(app), pilot=pilot)
        await settle(pilot)
        await pilot.pause(0.3)  # the feed delivers the move's event after the move returns
        await settle(pilot)
        assert [s for s in said if "WEB-5" in s] == ["WEB-5 moved to backlog."]
        assert [e.text for e in app.message_log if "WEB-5" in e.text] == ["WEB-5 moved to backlog."]
