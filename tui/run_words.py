"""Runs, steps and workers in words: what the detail screen and the monitor say about them.

Progress is text ("running, step 2 of 6"), never a spinner or a bar, so it reads the same to
a screen reader, in NO_COLOR and in a screenshot. Times are passed in (the app's clock):
nothing here reads the wall clock.
"""

from __future__ import annotations

from datetime import datetime

from core.domain.models import Event
from core.domain.runs import (
    MANUAL_WORKER_ID,
    Run,
    RunStatus,
    RunStep,
    Worker,
    WorkerStatus,
    lost_output_words,
)

STATUS_MARK = {
    RunStatus.QUEUED: "…",
    RunStatus.RUNNING: "▶",
    RunStatus.SUCCEEDED: "✓",
    RunStatus.FAILED: "✗",
    RunStatus.CANCELLED: "⊘",
    RunStatus.EXPIRED: "⌛",
    RunStatus.INTERRUPTED: "⏸",
}
"""A glyph beside the status word (never instead of it)."""

WORKER_MARK = {WorkerStatus.ACTIVE: "●", WorkerStatus.LOST: "✗", WorkerStatus.STOPPED: "○"}


def clock_text(seconds: float) -> str:
    """``00:41``, ``12:03``, ``1:02:03``: an elapsed time."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes:02}:{secs:02}"


def age_text(seconds: float) -> str:
    """``4 s``, ``3 min``, ``2 h``, ``5 d``: how long ago, roughly."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def elapsed(run: Run, now: datetime) -> float:
    """Seconds the run has taken (until now while it is active)."""
    end = run.finished_at or now
    return (end - run.started_at).total_seconds()


def progress_words(run: Run) -> str:
    """``running, step 2 of 6`` / ``queued for a worker`` / ``succeeded, exit code 0``."""
    status = run.status
    if status == RunStatus.QUEUED:
        return "queued for a worker"
    if status == RunStatus.RUNNING:
        index, count = run.step_index, run.step_count
        if index and count:
            return f"running, step {index} of {count}"
        return "running, starting" if run.step is None else "running"
    words = status.value
    if run.exit_code is not None:
        words += f", exit code {run.exit_code}"
    return words


def worker_words(worker_id: str) -> str:
    if worker_id == MANUAL_WORKER_ID:
        return "Run Now, waiting for a worker"
    return f"worker {worker_id}"


def run_line(run: Run, now: datetime) -> str:
    """``▶ attempt 2 · running, step 2 of 6 · plan_impl · worker w-1 · 00:41``."""
    parts = [f"{STATUS_MARK[run.status]} attempt {run.attempt}", progress_words(run)]
    if run.step:
        parts.append(run.step)
    parts.append(worker_words(run.worker_id))
    parts.append(clock_text(elapsed(run, now)))
    if run.lost_output_bytes:  # the output below has a gap: say so before anyone reads it
        parts.append(lost_output_words(run.lost_output_bytes))
    line = " · ".join(parts)
    ended_early = (RunStatus.FAILED, RunStatus.EXPIRED, RunStatus.CANCELLED, RunStatus.INTERRUPTED)
    if run.status in ended_early and run.error:
        line += f" · {first_line(run.error)}"
    elif run.summary and not run.status.active:
        line += f" · {first_line(run.summary)}"
    return line


def step_line(step: RunStep, now: datetime) -> str:
    """``✓ step 1 plan (claude) · succeeded · 00:12 · exit code 0``: one step of a run."""
    end = step.finished_at or now
    seconds = (end - step.started_at).total_seconds()
    words = f"{STATUS_MARK[step.status]} step {step.index} {step.name} ({step.profile})"
    words += f" · {step.status.value} · {clock_text(seconds)}"
    if step.exit_code is not None:
        words += f" · exit code {step.exit_code}"
    if step.summary:
        words += f" · {first_line(step.summary)}"
    return words


def worker_line(worker: Worker, now: datetime, running: int | None = None) -> str:
    """``● w-laptop-1 · active · heartbeat 2 s ago · 1 of 2 slots busy · host laptop``."""
    beat = age_text((now - worker.last_heartbeat_at).total_seconds())
    slots = f"{worker.slots} slot" + ("" if worker.slots == 1 else "s")
    if running is not None:
        slots = f"{running} of {slots} busy"
    return (
        f"{WORKER_MARK[worker.status]} {worker.id} · {worker.status.value} · heartbeat {beat} "
        f"ago · {slots} · host {worker.host}, pid {worker.pid}"
    )


def first_line(text: str, limit: int = 100) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def spoken_step(event: Event) -> str | None:
    """One line per step started or finished, for screen-reader announcements."""
    ref = str(event.payload.get("ref") or "A task")
    step = event.payload.get("step")
    if event.type == "task.step_started" and step:
        index, total = event.payload.get("index"), event.payload.get("total")
        where = f" (step {index} of {total})" if index and total else ""
        return f"{ref} started step {step}{where}."
    if event.type == "task.step_completed" and step:
        ok = event.payload.get("success")
        return f"{ref} finished step {step}: {'succeeded' if ok else 'failed'}."
    return None
