"""What the CLI prints: one JSON envelope for programs, plain concise text for people.

Kept apart from argument parsing so that the words and the envelope shape live in one place.
Nothing here imports pydantic, SQLAlchemy or the store at run time: models arrive already
built and their types are named for the checker only, so importing the CLI (and
``taskyard --version``) stays fast. The text output uses no colour and no box drawing: every
line reads the same in a terminal, a log file and a screen reader.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.domain.models import (
        Attachment,
        Event,
        Milestone,
        Project,
        Task,
        TaskCard,
        TaskLink,
    )
    from core.domain.views import BoardView, BulkResult, ImportResult
    from core.errors import TaskyardError
    from core.prd.models import ImportJob, ImportPreview

SCHEMA_VERSION = 1
"""Version of the ``--json`` envelope; bumped only when a field changes meaning or goes away."""

PRIORITY_WIDTH = 8
"""Width of the priority column: ``critical`` is the longest name."""

TITLE_WIDTH = 70
"""Titles are cut to this many characters in lists and on the board (``task show`` has all)."""

RESOLVED = frozenset({"done", "cancelled"})
"""Blocker states that no longer hold a task back (mirrors the domain's rule)."""

REPORT_URL_HINT = (
    "This is a bug in taskyard; please report it with the command you ran "
    "(re-run with TASKYARD_DEBUG=1 to see the traceback)."
)


class Output:
    """Writes results to stdout and problems to stderr, as JSON or as text.

    The streams are looked up at every write (not stored) so that tests and callers that swap
    ``sys.stdout`` see the output.
    """

    def __init__(self, *, json_mode: bool) -> None:
        self.json = json_mode

    # -- results ------------------------------------------------------------------------
    def envelope(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Print the one JSON object a successful command answers with, on one line."""
        body: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION, "kind": kind}
        body.update(payload)
        self.json_line(body)

    def result(
        self,
        kind: str,
        payload: Callable[[], Mapping[str, Any]],
        lines: Callable[[], Iterable[str]],
    ) -> int:
        """Print a command's answer, the envelope with ``--json`` or else the text lines.

        Both are callables so that only the form asked for is built. Returns exit code 0.
        """
        if self.json:
            self.envelope(kind, payload())
        else:
            self.lines(lines())
        return 0

    def json_line(self, body: Mapping[str, Any]) -> None:
        """Print one JSON object on one line and flush (streams are read line by line)."""
        print(json.dumps(body, ensure_ascii=False, default=str), flush=True)

    def lines(self, lines: Iterable[str]) -> None:
        """Print text lines to stdout."""
        for text in lines:
            print(text)
        sys.stdout.flush()

    # -- problems -----------------------------------------------------------------------
    def error(self, err: TaskyardError) -> None:
        """Explain a failure the user can act on: what went wrong and how to fix it."""
        if self.json:
            self._json_error(err.to_dict())
            return
        first, *rest = err.message.splitlines() or [""]
        out = [f"error: {first}", *rest]
        out.extend(_other_problems(err.message, err.details))
        if err.hint:
            out.append(f"hint: {err.hint}")
        _stderr(out)

    def usage_error(self, message: str, usage: str, prog: str) -> None:
        """Explain a command line that does not parse (bad option, bad choice, missing value)."""
        hint = f"Run `{prog} --help` to see what it takes."
        if self.json:
            self._json_error(
                {
                    "code": "usage_error",
                    "message": message,
                    "hint": hint,
                    "details": {"usage": usage.strip()},
                }
            )
            return
        _stderr([usage.rstrip(), f"{prog}: error: {message}", f"hint: {hint}"])

    def internal_error(self, exc: BaseException) -> None:
        """Report a bug in taskyard on one line, with where to report it (no traceback)."""
        message = f"internal error: {type(exc).__name__}: {exc}"
        if self.json:
            self._json_error(
                {"code": "internal_error", "message": message, "hint": REPORT_URL_HINT,
                 "details": {"exception": type(exc).__name__}}
            )  # fmt: skip
            return
        _stderr([message, f"hint: {REPORT_URL_HINT}"])

    def interrupted(self) -> None:
        """Say that Ctrl-C stopped the command (nothing half-written: writes are transactions)."""
        if self.json:
            self._json_error(
                {"code": "interrupted", "message": "Interrupted.", "hint": None, "details": {}}
            )
            return
        _stderr(["Interrupted."])

    def _json_error(self, error: Mapping[str, Any]) -> None:
        body = {"schemaVersion": SCHEMA_VERSION, "kind": "error", "error": dict(error)}
        print(json.dumps(body, ensure_ascii=False, default=str), file=sys.stderr, flush=True)


def _stderr(lines: Iterable[str]) -> None:
    for text in lines:
        print(text, file=sys.stderr)
    sys.stderr.flush()


def _other_problems(message: str, details: Mapping[str, Any]) -> list[str]:
    """Every further problem of a validation error (the message names only the first)."""
    problems = details.get("errors")
    if not isinstance(problems, list) or len(problems) < 2:
        return []
    out: list[str] = []
    for problem in problems[1:]:
        if isinstance(problem, Mapping):
            text = str(problem.get("message", ""))
            if text and text not in message:
                out.append(f"also: {text}")
    return out


# -- small formatting helpers ----------------------------------------------------------------
def iso(value: date | datetime | None) -> str:
    """A date or time as ISO 8601 (times to the second), or an empty string."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def number(value: float) -> str:
    """``3`` rather than ``3.0``; ``2.5`` stays."""
    return f"{value:g}"


def size(n: int) -> str:
    """A byte count as people read it."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (one line)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def label(status: str) -> str:
    """A state as people read it: ``in progress``."""
    return str(status).replace("_", " ")


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 task``, ``3 tasks``."""
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def link_text(link: TaskLink) -> str:
    """``TY-3 "Fix login" (in review)``."""
    return f'{link.ref} "{shorten(link.title, 50)}" ({label(link.status)})'


def _card_tail(card: TaskCard | Task) -> str:
    parts: list[str] = []
    if card.labels:
        parts.append("[" + ", ".join(card.labels) + "]")
    if card.assignee:
        parts.append(f"@{card.assignee}")
    if card.due_date is not None:
        parts.append(f"due {iso(card.due_date)}")
    if card.unresolved_blocker_count:
        parts.append(f"(blocked by {card.unresolved_blocker_count})")
    return "  ".join(parts)


def card_line(card: TaskCard | Task, ref_width: int, *, status_width: int = 0) -> str:
    """One task on one line: ``TY-12  high      Fix login  [backend] @alice  (blocked by 1)``.

    Args:
        card: The task.
        ref_width: Width to pad refs to, so titles line up.
        status_width: Width of a state column; 0 leaves the state out (the board's sections
            already say it).
    """
    cols = [card.ref.ljust(ref_width)]
    if status_width:
        cols.append(label(card.status).ljust(status_width))
    cols.append(str(card.priority).ljust(PRIORITY_WIDTH))
    cols.append(shorten(card.title))
    tail = _card_tail(card)
    if tail:
        cols.append(tail)
    return "  ".join(cols).rstrip()


def _ref_width(cards: Iterable[TaskCard | Task]) -> int:
    return max((len(c.ref) for c in cards), default=0)


# -- boards, lists and queues ----------------------------------------------------------------
def board_lines(board: BoardView, *, filter_hint: str = "") -> list[str]:
    """The board as text: one section per state in board order, ``READY (3)`` headers.

    Args:
        board: The board to show.
        filter_hint: Options to repeat in the "and N more" pointer (``--project x``).
    """
    width = _ref_width(card for col in board.columns for card in col.cards)
    out = [f"Board: {plural(board.total, 'task')}"]
    for col in board.columns:
        out.append("")
        out.append(f"{label(col.status).upper()} ({col.count})")
        if col.count == 0:
            out.append("  (none)")
            continue
        out.extend("  " + card_line(card, width) for card in col.cards)
        hidden = col.count - len(col.cards) - col.offset
        if hidden > 0:
            where = f"taskyard task list --status {col.status}{filter_hint}"
            if str(col.status) in RESOLVED:
                where += " --all"
            out.append(f"  … and {hidden} more (see them with `{where}`)")
    return out


def task_list_lines(
    tasks: Sequence[Task], *, total: int, page: int, limit: int, include_completed: bool
) -> list[str]:
    """A page of tasks, one per line with its state, and where the next page is."""
    if not tasks:
        if total:
            return [f"Page {page} is past the end: {plural(total, 'task')} match."]
        msg = "No tasks match."
        if not include_completed:
            msg += " Done and cancelled tasks are hidden; add --all to include them."
        return [msg]
    width = _ref_width(tasks)
    status_width = max(len(label(t.status)) for t in tasks)
    out = [card_line(t, width, status_width=status_width) for t in tasks]
    first = (page - 1) * limit + 1
    last = first + len(tasks) - 1
    pages = max(1, -(-total // limit))
    if pages == 1:
        out.append(f"{plural(total, 'task')}.")
    else:
        footer = f"Showing {first}–{last} of {total} tasks (page {page} of {pages})."
        if page < pages:
            footer += f" Next page: --page {page + 1}"
        out.append(footer)
    return out


def ready_lines(
    cards: Sequence[TaskCard],
    *,
    total: int | None = None,
    nothing_to_run: Mapping[str, str] | None = None,
) -> list[str]:
    """The ready queue, numbered in the order workers take the tasks.

    Args:
        cards: The page of the queue to show.
        total: The whole queue's size, when it is larger than the page.
        nothing_to_run: Why no worker would take a task, by ref: those are marked, and the
            fix follows the list.
    """
    if not cards:
        return [
            "Nothing is ready. Move a task there with `taskyard task move REF ready` "
            "(add --when-unblocked to queue one that still waits for blockers)."
        ]
    idle = nothing_to_run or {}
    width = _ref_width(cards)
    n_width = len(str(len(cards)))
    size = f"{len(cards)} of {total}" if total is not None and total > len(cards) else len(cards)
    pending = [c.ref for c in cards if c.command_pending]
    out = [f"Ready queue ({size}), in the order workers take them:"]
    for n, card in enumerate(cards, 1):
        mark = ""
        if card.command_pending:
            mark = f"  <- {COMMAND_AWAITS}"
        elif card.ref in idle:
            mark = "  <- nothing to run"
        out.append(f"  {str(n).rjust(n_width)}. {card_line(card, width)}{mark}")
    if pending or idle:
        taken = len([c for c in cards if not c.command_pending and c.ref not in idle])
        out.append(f"  Workers will take {taken} of these {len(cards)}.")
    if pending:
        out.append("")
        out.append(
            f"Workers leave {ref_list(pending)} in ready until their command is approved: "
            f"read it (taskyard task show {pending[0]}), then taskyard approve {pending[0]}."
        )
    idle = {ref: why for ref, why in idle.items() if ref not in set(pending)}
    if idle:
        refs = list(idle)
        reasons = set(idle.values())
        why = (
            reasons.pop()
            if len(reasons) == 1
            else "nothing to run: no command, and no pipeline for their types"
        )
        out.append("")
        out.append(
            f"Workers leave {', '.join(refs[:10])}{' …' if len(refs) > 10 else ''} in ready: {why}."
        )
        out.append(
            f'  Give it a command (taskyard task edit {refs[0]} --command "…"), a pipeline '
            "(--pipeline NAME), or add [pipelines.TYPE] to taskyard.toml."
        )
    return out


COMMAND_AWAITS = "command awaits approval"
"""The mark of a ready task whose command no worker runs until someone approves it."""


def command_lines(task: Task, *, actor: str | None = None) -> list[str]:
    """A task's command: the text, who set it, and who approved it (or how to approve it)."""
    info = task.command
    if info is None:
        return []

    def you(who: str) -> str:
        return f"{who} (you)" if actor and who == actor else who

    set_by = f"set by {you(info.set_by)}" if info.set_by else "set"
    if info.set_at is not None:
        set_by += f" at {iso(info.set_at)}"
    out = [f"Command ({set_by}; hash {info.hash[:12]}):"]
    out.extend(f"  {line}".rstrip() for line in info.text.splitlines() or [""])
    if info.approved:
        when = f" at {iso(info.approved_at)}" if info.approved_at else ""
        out.append(f"  Approved by {you(info.approved_by or '?')}{when}: workers run it.")
    else:
        lapsed = " (it changed since it was approved)" if info.lapsed else ""
        out.append(
            f"  Not approved{lapsed}: workers will not run it until someone approves it "
            f"(taskyard approve {task.ref})."
        )
    return out


def command_change_text(task: Task, actor: str) -> str:
    """A task's command just set or changed: "approved by you", or that it awaits approval."""
    info = task.command
    if info is None:
        return "no command now"
    if info.approved:
        return "approved by you" if info.approved_by == actor else f"approved by {info.approved_by}"
    return f"it awaits approval, workers will not run it until then (taskyard approve {task.ref})"


def approved_lines(tasks: Sequence[Task], actor: str) -> list[str]:
    """What ``taskyard approve`` approved: each task's command in full.

    The approver sees exactly what workers will now run.
    """
    out: list[str] = []
    for task in tasks:
        info = task.command
        if info is None:  # pragma: no cover - the engine refuses tasks without one
            continue
        if out:
            out.append("")
        out.append(
            f'Approved {task.ref} "{shorten(task.title)}" as {actor} (hash {info.hash[:12]}); '
            "workers may run:"
        )
        out.extend(f"  {line}".rstrip() for line in info.text.splitlines() or [""])
    return out


def project_lines(projects: Sequence[Project]) -> list[str]:
    """Projects as aligned columns with a header row."""
    if not projects:
        return ["No projects yet. Create one with `taskyard project add NAME`."]
    rows = [("SLUG", "KEY", "NAME", "REPOSITORY")] + [
        (p.slug, p.key, p.name, p.repo_path or "") for p in projects
    ]
    return _table(rows)


def milestone_lines(milestones: Sequence[Milestone], project_slugs: Mapping[str, str]) -> list[str]:
    """Milestones as aligned columns with their project and dates."""
    if not milestones:
        return ["No milestones."]
    rows = [("PROJECT", "SLUG", "NAME", "START", "DUE")] + [
        (
            project_slugs.get(m.project_id, m.project_id),
            m.slug,
            m.name,
            iso(m.start_date),
            iso(m.due_date),
        )
        for m in milestones
    ]
    return _table(rows)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


# -- one task in full ------------------------------------------------------------------------
@dataclass
class TaskContext:
    """What ``task show`` looks up besides the task: names for the ids it holds."""

    project: Project | None = None
    milestone: Milestone | None = None
    parent: TaskLink | None = None
    children: list[TaskLink] = field(default_factory=list)
    nothing_to_run: str | None = None
    """Why no worker would run the task, when none would."""
    actor: str | None = None
    """Who is looking (their name reads "alice (you)")."""


def task_detail_lines(task: Task, ctx: TaskContext) -> list[str]:
    """Every field of a task, its dependencies both ways, and what to do if it is stuck."""
    out = [f"{task.ref}  {task.title}"]
    fields: list[tuple[str, str]] = [
        ("status", label(task.status)),
        ("type", task.task_type),
        ("priority", str(task.priority)),
    ]
    if ctx.project is not None:
        fields.append(
            ("project", f"{ctx.project.name} ({ctx.project.slug}, key {ctx.project.key})")
        )
    else:
        fields.append(("project", task.project_id))
    if task.milestone_id:
        m = ctx.milestone
        fields.append(("milestone", f"{m.name} ({m.slug})" if m else task.milestone_id))
    fields.append(("labels", ", ".join(task.labels) if task.labels else "(none)"))
    fields.append(("assignee", task.assignee or "(unassigned)"))
    if task.effort_estimate is not None:
        fields.append(("estimate", number(task.effort_estimate)))
    if task.due_date is not None:
        fields.append(("due", iso(task.due_date)))
    if task.parent_id:
        fields.append(("parent", link_text(ctx.parent) if ctx.parent else task.parent_id))
    if task.external_id:
        fields.append(("external id", task.external_id))
    fields.append(("source", str(task.source)))
    if task.pipeline_template:
        fields.append(("pipeline", task.pipeline_template))
    if task.current_step:
        fields.append(("current step", task.current_step))
    if task.current_agent_id:
        fields.append(("agent", task.current_agent_id))
    if task.run_ids:
        fields.append(("runs", ", ".join(task.run_ids)))
    if task.retry_count:
        fields.append(("retries", str(task.retry_count)))
    if task.error:
        fields.append(("error", task.error))
    fields.append(("version", str(task.version)))
    fields.append(("created", iso(task.created_at)))
    fields.append(("updated", iso(task.updated_at)))
    if task.completed_at is not None:
        fields.append(("completed", iso(task.completed_at)))
    fields.append(("id", task.id))
    width = max(len(name) for name, _ in fields) + 1
    out.extend(f"  {(name + ':').ljust(width)} {value}" for name, value in fields)

    if task.blocked_by:
        out.append("")
        unresolved = task.unresolved_blocker_count
        out.append(f"Blocked by ({unresolved} of {len(task.blocked_by)} not done or cancelled):")
        for b in task.blocked_by:
            mark = "  resolved" if str(b.status) in RESOLVED else ""
            out.append(f"  {link_text(b)}{mark}")
    if task.blocks:
        out.append("")
        out.append(f"Blocks ({len(task.blocks)}):")
        out.extend(f"  {link_text(d)}" for d in task.blocks)
    if ctx.children:
        out.append("")
        out.append(f"Subtasks ({len(ctx.children)}):")
        out.extend(f"  {link_text(c)}" for c in ctx.children)

    advice = blocked_advice(task)
    if advice:
        out.append("")
        out.extend(advice)
    command = command_lines(task, actor=ctx.actor)
    if command:
        out.append("")
        out.extend(command)
    if ctx.nothing_to_run:
        out.append("")
        out.append(f"Workers will not take it: {ctx.nothing_to_run}.")
        out.append(
            f'  Give it a command (taskyard task edit {task.ref} --command "…"), a pipeline '
            f"(--pipeline NAME), or add [pipelines.{task.task_type}] to taskyard.toml."
        )

    if task.acceptance_criteria:
        out.append("")
        out.append("Acceptance criteria:")
        out.extend(f"  - {c}" for c in task.acceptance_criteria)
    if task.context_files:
        out.append("")
        out.append("Context files:")
        out.extend(f"  - {f}" for f in task.context_files)
    if task.attachments:
        out.append("")
        out.append(f"Attachments ({len(task.attachments)}):")
        out.extend(f"  {attachment_text(a)}" for a in task.attachments)
    shown_metadata = {k: v for k, v in task.metadata.items() if k != "command" or not command}
    if shown_metadata:
        out.append("")
        out.append("Metadata:")
        out.extend(
            f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(shown_metadata.items())
        )
    out.append("")
    if task.description.strip():
        out.append("Description:")
        out.extend(f"  {line}".rstrip() for line in task.description.splitlines())
    else:
        out.append("Description: (none)")
    return out


def attachment_text(a: Attachment) -> str:
    """``notes.txt  (1.2 KiB, text/plain)  id 3f2c…``."""
    return f"{a.name}  ({size(a.size)}, {a.content_type})  id {a.id}"


def blocked_advice(task: Task) -> list[str]:
    """Why the task cannot move on, and the command that gets it going; empty when it can."""
    ref = task.ref
    unresolved = [b for b in task.blocked_by if str(b.status) not in RESOLVED]
    reason = task.blocked_reason
    if str(task.status) == "blocked" and reason is not None:
        if reason.kind == "dependencies":
            waiting = unresolved or [b for b in task.blocked_by if b.id in set(reason.blockers)]
            names = ", ".join(link_text(b) for b in waiting) or "its blockers"
            drop = (
                f"taskyard dep rm {ref} {waiting[0].ref}"
                if waiting
                else f"taskyard dep rm {ref} REF"
            )
            return [
                f"Blocked: waiting for {names}.",
                "  It becomes ready by itself once they are done or cancelled.",
                f"  To stop waiting, remove a dependency: `{drop}`.",
            ]
        if reason.kind == "failure":
            lines = [f"Blocked: {reason.headline()}"]
            if reason.output_tail:
                lines.append("  Last output:")
                lines.extend(f"    {line}".rstrip() for line in reason.output_tail.splitlines())
            lines.append(f"  Fix the cause, then retry: `taskyard retry {ref}`.")
            return lines
        return [
            f"Blocked by hand: {reason.message}",
            f"  When that is sorted out: `taskyard task move {ref} ready`.",
        ]
    if str(task.status) == "blocked":
        return [f"Blocked. When it can go on: `taskyard task move {ref} ready`."]
    if unresolved and str(task.status) == "backlog":
        return [
            f"Cannot become ready yet: waits for {', '.join(b.ref for b in unresolved)}.",
            f"  Queue it to become ready by itself: `taskyard task move {ref} ready "
            "--when-unblocked`.",
        ]
    return []


# -- results of changes ----------------------------------------------------------------------
def created_line(task: Task, created: bool, *, actor: str | None = None) -> str:
    """What ``task add`` did, in one line (with the command's approval, given the actor)."""
    if not created:
        return f"{task.ref} already exists for external id {task.external_id} (not created)"
    text = f'Created {task.ref} "{shorten(task.title)}" ({label(task.status)})'
    parked = parked_text(task)
    text += f"; {parked}" if parked else ""
    if actor is not None and task.command is not None:
        text += f"; command set, {command_change_text(task, actor)}"
    return text


def parked_text(task: Task) -> str:
    """For a task waiting in blocked for its blockers: what it waits for; else empty."""
    reason = task.blocked_reason
    if str(task.status) != "blocked" or reason is None or reason.kind != "dependencies":
        return ""
    waiting = [b.ref for b in task.blocked_by if str(b.status) not in RESOLVED]
    they = "it is" if len(waiting) == 1 else "they are"
    return (
        f"it waits for {', '.join(waiting) or 'its blockers'} and becomes ready by itself "
        f"when {they} done or cancelled"
    )


def moved_lines(task: Task, requested: str) -> list[str]:
    """What ``task move`` did, and what it set in motion for the tasks waiting on this one."""
    if requested == "ready" and str(task.status) == "blocked":
        return [f"{task.ref} is queued in blocked: {parked_text(task)}."]
    out = [f'{task.ref} "{shorten(task.title)}" is now {label(task.status)}.']
    if task.blocks and str(task.status) in RESOLVED:
        out.append("Tasks waiting for it: " + ", ".join(link_text(d) for d in task.blocks))
    return out


def bulk_lines(result: BulkResult, assignee: str | None) -> list[str]:
    """Per-task results of ``task assign`` and a summary."""
    out: list[str] = []
    width = max((len(i.ref) for i in result.items), default=0)
    for item in result.items:
        if item.ok:
            what = f"assigned to {assignee}" if assignee else "unassigned"
            out.append(f"  {item.ref.ljust(width)}  {what}")
        else:
            err = item.error or {}
            text = f"  {item.ref.ljust(width)}  failed: {err.get('message', 'unknown error')}"
            if err.get("hint"):
                text += f" ({err['hint']})"
            out.append(text)
    verb = "assigned" if assignee else "unassigned"
    summary = f"{result.succeeded} {verb}"
    if result.failed:
        summary += f", {result.failed} failed"
    out.append(summary + ".")
    return out


def ref_list(refs: Sequence[str], shown: int = 10) -> str:
    """``TY-1, TY-2, … and 4,998 more``: a list of refs that stays one short line."""
    head = ", ".join(refs[:shown])
    return head + (f", … and {len(refs) - shown:,} more" if len(refs) > shown else "")


def import_lines(
    result: ImportResult, *, commands: int = 0, approved_by: str | None = None
) -> list[str]:
    """What an import wrote: created and existing refs (the first few), edges and warnings.

    ``commands``: how many imported tasks carry a command; ``approved_by``: who approved
    them as they were imported (``None``: nobody, they await approval).
    """
    out = [
        f"Imported: {len(result.created)} created, {len(result.existing)} already there, "
        f"{plural(result.edges, 'dependency', 'dependencies')}."
    ]
    if result.created:
        out.append("  created: " + ref_list(result.created))
    if result.existing:
        out.append("  existing (unchanged): " + ref_list(result.existing))
    if commands:
        verb = "carries a command" if commands == 1 else "carry commands"
        if approved_by is not None:
            how = (
                f"approved by {approved_by} (you, on this database): workers will run them"
                if commands > 1
                else f"approved by {approved_by} (you, on this database): workers will run it"
            )
        else:
            how = "awaiting approval (taskyard approve REF)"
        out.append(f"  {plural(commands, 'task')} {verb} (metadata.command), {how}")
    out.extend(f"warning: {w}" for w in result.warnings)
    return out


# -- PRD import ------------------------------------------------------------------------------
DIFF_ORDER = ("new", "changed", "unchanged", "removed")


def _short_key(key: str, source_key: str) -> str:
    """A task key without the document prefix every key of the plan shares."""
    for prefix in (source_key + "/", source_key + ":", source_key + "#", source_key):
        if source_key and key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def preview_counts(preview: ImportPreview) -> dict[str, int]:
    """``{"new": n, "changed": n, "unchanged": n, "removed": n}``."""
    counts = dict.fromkeys(DIFF_ORDER, 0)
    for d in preview.diff:
        counts[str(d.kind)] = counts.get(str(d.kind), 0) + 1
    return counts


def preview_lines(preview: ImportPreview, *, commit_hint: str) -> list[str]:
    """A preview as people read it: counts, the task tree, waves, critical path, warnings."""
    plan = preview.plan
    short = {t.key: _short_key(t.key, plan.source_key) for t in plan.tasks}
    counts = preview_counts(preview)
    out = [
        f"Preview of {plan.source} ({plan.options.granularity.value}): "
        f"{plural(len(plan.tasks), 'task')}, "
        f"{plural(len(plan.edges), 'dependency', 'dependencies')}. Nothing was written.",
        "  " + ", ".join(f"{kind} {counts[kind]}" for kind in DIFF_ORDER),
    ]
    commands = sum(1 for t in plan.tasks if t.command is not None)
    if commands:
        out.append(
            f"  ! {plural(commands, 'task')} will carry a shell command (shown under each "
            "task). None runs until approved: read them, then after the commit: "
            "taskyard approve REF"
        )
    diff = {d.key: d for d in preview.diff}
    blockers: dict[str, list[str]] = {}
    for e in plan.edges:
        blockers.setdefault(e.task_key, []).append(short.get(e.blocker_key, e.blocker_key))
    children: dict[str | None, list[str]] = {}
    for t in plan.tasks:
        parent = t.parent_key if t.parent_key in short else None
        children.setdefault(parent, []).append(t.key)
    tasks = {t.key: t for t in plan.tasks}
    width = max((len(k) for k in short.values()), default=0)
    out.append("")
    out.append("Tasks:")
    stack = [(k, 0) for k in reversed(children.get(None, []))]
    while stack:
        k, depth = stack.pop()
        t, d = tasks[k], diff.get(k)
        kind = str(d.kind) if d else "new"
        line = (
            f"  {kind:<9}  {'  ' * depth}{short[k]:<{width}}  {shorten(t.title, 60)}"
            f"  [{t.task_type}, {t.priority.value}]"
        )
        if blockers.get(k):
            line += "  waits for: " + ", ".join(blockers[k])
        if d is not None and d.ref:
            line += f"  ({d.ref})"
        if d is not None and d.changed_fields:
            line += "  changed: " + ", ".join(d.changed_fields)
        if d is not None and d.started:
            line += "  STARTED: kept as is, flagged"
        out.append(line)
        if t.command is not None:
            out.extend(_command_lines(t.command, indent=" " * (13 + 2 * depth)))
        stack.extend((c, depth + 1) for c in reversed(children.get(k, [])))
    for d in preview.diff:
        if str(d.kind) == "removed":
            state = "started" if d.started else "not started"
            out.append(
                f"  removed    {_short_key(d.key, plan.source_key)}  {shorten(d.title, 60)}"
                f"  ({d.ref}, {state}: kept, flagged)"
            )
    if plan.waves:
        out.append("")
        out.append(f"Waves (at most {plan.options.max_parallelism_hint} in parallel):")
        for n, wave in enumerate(plan.waves, 1):
            out.append(f"  {n}: " + ", ".join(short.get(k, k) for k in wave))
    if plan.critical_path:
        out.append("")
        out.append(
            f"Critical path: {plural(len(plan.critical_path), 'task')} ("
            + " → ".join(short.get(k, k) for k in plan.critical_path)
            + ")"
        )
    if plan.blocked_roots:
        out.append("Blocked roots (start here): " + ", ".join(
            short.get(k, k) for k in plan.blocked_roots
        ))  # fmt: skip
    if plan.milestones:
        out.append("Milestones: " + ", ".join(m.name for m in plan.milestones))
    if plan.not_tasks:
        out.append("")
        out.append("Not tasks (why):")
        for skipped in plan.not_tasks:
            where = " > ".join(skipped.section_path)
            out.append(f"  line {skipped.line_start}: {where} — {skipped.reason}")
    if plan.warnings:
        out.append("")
        out.append("Warnings:")
        for w in plan.warnings:
            where = f"line {w.line}: " if w.line is not None else ""
            out.append(f"  {where}{w.code}: {w.message}")
    out.append("")
    out.append(f"Commit with: {commit_hint}")
    return out


COMMAND_PREVIEW_LINES = 12
"""Lines of a planned command the text preview shows (``--json`` has them all)."""


def _command_lines(command: str, *, indent: str) -> list[str]:
    """A planned command under its task, each line behind ``$ `` so it reads as a command."""
    lines = command.splitlines() or [""]
    shown = [f"{indent}$ {line}" for line in lines[:COMMAND_PREVIEW_LINES]]
    if len(lines) > COMMAND_PREVIEW_LINES:
        rest = len(lines) - COMMAND_PREVIEW_LINES
        shown.append(f"{indent}  … {plural(rest, 'more line')} (the whole command: --json)")
    return [f"{indent}runs, once approved:", *shown]


def import_job_lines(job: ImportJob) -> list[str]:
    """A committed import: what it created, updated and flagged, and its warnings."""
    out = [
        f"Import {job.id} {job.status.value} from {job.source} at {iso(job.created_at)}: "
        f"{plural(job.task_count, 'task')}, "
        f"{plural(job.edge_count, 'dependency', 'dependencies')} in the document.",
        f"  created {len(job.created_task_ids)}, updated {len(job.updated_task_ids)}, "
        f"flagged {len(job.flagged_task_ids)}",
    ]
    if job.created_refs:
        out.append("  created: " + ref_list(job.created_refs))
    for w in job.warnings:
        where = f"line {w.line}: " if w.line is not None else ""
        out.append(f"warning: {where}{w.message}")
    return out


def import_list_lines(jobs: Sequence[ImportJob]) -> list[str]:
    """One line per import job, newest first."""
    if not jobs:
        return ["No imports yet. Preview one with `taskyard import prd FILE`."]
    return [_import_list_line(job) for job in jobs]


def _import_list_line(job: ImportJob) -> str:
    head = f"{job.id}  {iso(job.created_at)}  {job.source}  "
    if job.status.value == "failed":
        why = next((w.message for w in job.warnings if w.code == "import_failed"), "")
        return head + "FAILED, nothing written" + (f": {shorten(why, 100)}" if why else "")
    return (
        head + f"created {len(job.created_task_ids)}, "
        f"updated {len(job.updated_task_ids)}, flagged {len(job.flagged_task_ids)}"
    )


# -- events ----------------------------------------------------------------------------------
def event_line(event: Event) -> str:
    """``#12  2025-01-01T10:00:00+00:00  alice  task.created  TY-3  title="Fix login" …``."""
    payload = dict(event.payload)
    ref = payload.pop("ref", None)
    parts = [f"#{event.seq}", iso(event.at), event.actor, event.type]
    if ref:
        parts.append(str(ref))
    summary = " ".join(f"{k}={_scalar(v)}" for k, v in payload.items() if v not in (None, [], {}))
    if summary:
        parts.append(shorten(summary, 120))
    return "  ".join(parts)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if (" " in value or not value) else value
    return json.dumps(value, ensure_ascii=False, default=str)
