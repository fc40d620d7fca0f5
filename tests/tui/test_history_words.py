"""A task's history reads as sentences (review finding 24): no event kinds, run ids, Python
literals or line breaks, and each edit says what the field was and what it became."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.domain.models import Event
from tui.history_words import history_lines

RUN = "01a249e6-2015-7a30-8f3e-2b1c0d9e8f7a"


def event(seq: int, kind: str, **payload: Any) -> Event:
    return Event(
        seq=seq,
        id=f"e{seq}",
        type=kind,
        actor="ana",
        at=datetime(2026, 11, 2, 9, seq, tzinfo=UTC),
        payload={"ref": "WEB-4", **payload},
    )


def test_history_reads_as_sentences_with_old_and_new_values() -> None:
    lines = history_lines(
        [
            event(1, "task.created", title="Cart API", status="backlog", priority="medium"),
            event(
                2,
                "task.updated",
                fields=["description", "priority", "title"],
                changes={"priority": "high", "title": "Cart API v2"},
            ),
            event(3, "task.updated", fields=["labels"], changes={"labels": ["api", "shop"]}),
            event(4, "task.status_changed", **{"from": "backlog", "to": "ready", "reason": None}),
            event(5, "task.step_started", run_id=RUN, step="shell", index=1, total=1, attempt=1),
            event(
                6,
                "task.step_completed",
                run_id=RUN,
                step="shell",
                index=1,
                total=1,
                attempt=1,
                success=True,
                exit_code=0,
                summary="hi\ndone",
            ),
            event(
                7,
                "task.lease_expired",
                run_id=RUN,
                worker_id="vm-1",
                attempt=1,
                **{
                    "from": "in_progress",
                    "to": "ready",
                    "reason": f"the lease of run {RUN} (worker vm-1) expired",
                },
            ),
        ]
    )
    assert lines == [
        "2026-11-02 09:01 UTC ana: Created in backlog.",
        "2026-11-02 09:02 UTC ana: Edited the description, priority from medium to high and "
        "title from “Cart API” to “Cart API v2”.",
        "2026-11-02 09:03 UTC ana: Edited labels to api, shop.",
        "2026-11-02 09:04 UTC ana: Moved from backlog to ready.",
        "2026-11-02 09:05 UTC ana: Step shell started.",
        "2026-11-02 09:06 UTC ana: Step shell finished: exit 0 — hi / done.",
        "2026-11-02 09:07 UTC ana: Its worker stopped answering: moved from in progress to "
        "ready (the lease of the run (worker vm-1) expired).",
    ]
    text = "\n".join(lines)
    for raw in (RUN, "True", "None", "task.", "_id"):
        assert raw not in text
