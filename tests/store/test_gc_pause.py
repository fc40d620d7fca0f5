"""The shared pause of the cyclic garbage collector, and the engine planning inside it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import core.prd.plan
from core.prd.models import ImportOptions, ImportPlan
from core.store.engine import SqlTaskEngine
from core.store.gc_pause import cyclic_gc_paused, without_cyclic_gc


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and a failing one cannot leave it off."""
    assert gc.isenabled()
    yield
    gc.enable()


def test_a_pause_turns_the_collector_off_until_it_ends() -> None:
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_block_still_ends_the_pause() -> None:
    with pytest.raises(ZeroDivisionError), cyclic_gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends() -> None:
    """Two previews planned at once: the first to finish must not turn the collector back on."""
    first_in = threading.Event()
    first_may_leave = threading.Event()
    first_out = threading.Event()

    def first() -> None:
        with cyclic_gc_paused():
            first_in.set()
            first_may_leave.wait(5)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(5)
    with cyclic_gc_paused():
        first_may_leave.set()
        assert first_out.wait(5)
        thread.join(5)
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_the_wrapper_passes_arguments_and_result_through() -> None:
    def seen(a: int, *, b: int) -> tuple[int, int, bool]:
        return a, b, gc.isenabled()

    assert without_cyclic_gc(seen)(1, b=2) == (1, 2, False)
    assert gc.isenabled()


async def test_the_engine_plans_with_the_collector_paused(
    sqlite_engine: SqlTaskEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner itself leaves the collector alone; the engine pauses it around planning."""
    real = core.prd.plan.build_plan
    collector: list[bool] = []

    def spy(text: str, **kwargs: Any) -> ImportPlan:
        collector.append(gc.isenabled())
        return real(text, **kwargs)

    monkeypatch.setattr(core.prd.plan, "build_plan", spy)
    preview = await sqlite_engine.preview_import(
        "## Build it\n\nText.\n", source="x.md", options=ImportOptions()
    )
    assert [t.title for t in preview.plan.tasks] == ["Build it"]
    assert collector == [False]
    assert gc.isenabled()
