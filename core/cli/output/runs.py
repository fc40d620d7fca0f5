"""Execution: a worker's banner and summary, runs and their steps, quick runs, and run logs."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from core.cli.output.text import ref_list

if TYPE_CHECKING:
    from core.cli.output.writer import Output
    from core.domain.runs import LogChunk, QuickRun, Run, RunStep
    from core.orchestrator.config import OrchestratorConfig

STDERR_MARK = "[stderr] "
"""Starts each line a step wrote to stderr when ``logs`` prints every stream to stdout."""


def clock(at: datetime) -> str:
    """A time of day in the local zone: ``14:03:07``."""
    return at.astimezone().strftime("%H:%M:%S")


def worker_banner(
    worker_id: str,
    slots: int,
    config: OrchestratorConfig,
    *,
    project: str | None,
    once: bool,
    database: str,
) -> list[str]:
    """What a worker says when it starts: its slots, lease, filters, database and how it ends.

    ``database``: the database as it may be shown (``shown_database``), or the server's URL.
    """
    from core.domain.runs import RetryPolicy

    remote = database.startswith(("http://", "https://"))
    lines = [
        f"Worker {worker_id}: {slots} slot(s), lease {config.lease_seconds:g} s"
        + (f", project {project}" if project else "")
        + (f", commands approved by {', '.join(config.approved_by)}" if config.approved_by else "")
        + (" (until the queue is empty)" if once else "; Ctrl-C stops it"),
        f"  {'server' if remote else 'database'}: {database}",
    ]
    if remote and (config.auto_approve or config.retry != RetryPolicy()):
        # The server writes each run's end, with its own taskyard.toml (docs/server.md).
        lines.append(
            "  note: retries and auto_approve are the server's settings; this worker's "
            "[orchestrator.retry] and auto_approve do not apply to its runs."
        )
    return lines


def worker_stopped_lines(
    worker_id: str,
    runs: int,
    failures: Sequence[str],
    *,
    nothing_to_run: Sequence[str],
    unapproved: Sequence[str],
    approvers: Sequence[str] | None,
) -> list[str]:
    """What a worker says when it stops: its runs, the failed ones and what it left in ready.

    Args:
        worker_id: The worker.
        runs: How many runs it claimed.
        failures: The refs of the runs that failed, one per failure.
        nothing_to_run: Ready tasks it left because they have nothing to run.
        unapproved: Ready tasks it left because their command is not approved (by
            ``approvers``, when the worker takes only some).
        approvers: The actors whose approval the worker accepts (``None``: anyone's).
    """
    lines = [f"Worker {worker_id} stopped after {runs} run(s)."]
    if failures:
        refs = ref_list(list(dict.fromkeys(failures)))
        lines.append(f"{len(failures)} run(s) failed: {refs} (see taskyard runs REF).")
    if nothing_to_run:
        lines.append(
            "Left in ready with nothing to run (no command, and no pipeline for their "
            f"type): {ref_list(nothing_to_run)}."
        )
        lines.append(
            '  Give each a command (taskyard task edit REF --command "…"), a pipeline '
            "(--pipeline NAME), or add [pipelines.TYPE] to taskyard.toml."
        )
    if unapproved:
        lines.append(
            f"Left in ready because their command is not approved: {ref_list(unapproved)} "
            "(read it with taskyard task show REF, then taskyard approve REF"
            + (", as one of the approvers this worker takes)." if approvers else ").")
        )
    return lines


def runs_lines(runs: Sequence[Run], steps: Mapping[str, Sequence[RunStep]]) -> list[str]:
    """A task's runs, oldest first, each with its steps, and how to read the newest's output."""
    from core.domain.runs import lost_output_words

    lines = []
    for run in runs:
        lines.append(_run_line(run))
        lines.extend(_step_line(step) for step in steps[run.id])
        if run.error:
            lines.append("    error: " + run.error.splitlines()[0])
        if run.lost_output_bytes:
            lines.append(
                f"    {lost_output_words(run.lost_output_bytes)} (a [taskyard] line in its log "
                "marks where)"
            )
    newest = max(runs, key=lambda r: r.attempt)
    lines.append(f"Output: taskyard logs {newest.id}   (any run's id from the list above)")
    return lines


def _run_line(run: Run) -> str:
    where = f"step {run.step_index}/{run.step_count} {run.step}" if run.step_index else ""
    code = f"exit {run.exit_code}" if run.exit_code is not None else ""
    parts = [
        f"run {run.id}",
        f"attempt {run.attempt}",
        run.status.value,
        f"worker {run.worker_id}",
        f"started {clock(run.started_at)}",
        where,
        code,
    ]
    return "  ".join(p for p in parts if p)


def _step_line(step: RunStep) -> str:
    code = f"exit {step.exit_code}" if step.exit_code is not None else ""
    summary = (step.summary or "").splitlines()[-1:] if step.summary else []
    parts = [f"    {step.index}. {step.name}", f"({step.profile})", step.status.value, code]
    if summary:
        parts.append("— " + summary[0][:80])
    return "  ".join(p for p in parts if p)


def quick_line(q: QuickRun, refs: Mapping[str, str]) -> str:
    """One quick run: id, time, profile, outcome, prompt, and the task it was promoted to.

    ``refs``: the refs of promoted tasks by id (a deleted task shows its id).
    """
    first = q.prompt.splitlines()[0] if q.prompt.strip() else ""
    task = refs.get(q.promoted_task_id or "", q.promoted_task_id)
    promoted = f"  → task {task}" if q.promoted_task_id else ""
    code = f" (exit {q.exit_code})" if q.exit_code is not None else ""
    return (
        f"{q.id}  {clock(q.started_at)}  {q.profile:<8} {q.status.value}{code}  "
        f"{first[:60]}{promoted}"
    )


class LogPrinter:
    """Prints log chunks to stdout in order; with every stream, stderr lines are marked.

    A line one stream left unfinished is ended before another stream's text, so every line
    belongs to one stream. With ``--json`` each chunk is one JSON line instead.
    """

    def __init__(self, out: Output, stream: str = "all") -> None:
        self._out = out
        self._only = None if stream == "all" else stream
        self._at_line_start = True
        self._last_stream: str | None = None

    def print(self, chunk: LogChunk) -> None:
        """Print one chunk (nothing when it is of a stream not asked for)."""
        if self._only is not None and chunk.stream != self._only:
            return
        if self._out.json:
            self._out.json_line(
                {"schemaVersion": 1, "kind": "log_chunk", **chunk.model_dump(mode="json")}
            )
            return
        text = chunk.text
        if self._only is None:
            if self._last_stream not in (None, chunk.stream):
                self.end_line()
            if chunk.stream == "stderr":
                text = self._marked(text)
        sys.stdout.write(text)
        sys.stdout.flush()
        self._at_line_start = text.endswith("\n")
        self._last_stream = chunk.stream

    def _marked(self, text: str) -> str:
        out: list[str] = []
        for index, piece in enumerate(text.split("\n")):
            if index:
                out.append("\n")
            if piece and (index or self._at_line_start):
                out.append(STDERR_MARK)
            out.append(piece)
        return "".join(out)

    def end_line(self) -> None:
        """End a line the output left unfinished (before a line of taskyard's own)."""
        if not self._at_line_start and not self._out.json:
            sys.stdout.write("\n")
            self._at_line_start = True
