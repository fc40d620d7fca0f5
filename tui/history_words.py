"""A task's history as sentences: "Step shell finished: exit 0 — hi".

Events carry what the API needs (run ids, attempt numbers, booleans, field names); the
detail screen says what happened, to whom, with the old and new value of each edited field.
Old values are not in an update's payload: they are the values the earlier events of the
same task gave (its creation, its earlier edits), so the lines are made oldest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.domain.models import Event
from tui.task_words import when

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_RUN_ID = re.compile(r"\brun " + _UUID.pattern)

MOVED = {
    "task.completed": "Completed",
    "task.cancelled": "Cancelled",
    "task.blocked": "Blocked",
    "task.unblocked": "Unblocked",
    "task.retried": "Retried",
    "task.retry_scheduled": "Retry scheduled",
    "task.lease_expired": "Its worker stopped answering",
    "task.claimed": "Picked up",
}
"""Moves with a name of their own; any other move is said as "Moved from … to …"."""

_KNOWN_AT_CREATION = ("title", "priority", "task_type")


def history_lines(events: Iterable[Event]) -> list[str]:
    """One line per event, oldest first: ``2026-11-02 09:07 UTC ana: Created in backlog.``"""
    known: dict[str, Any] = {}
    lines = []
    for event in events:
        lines.append(f"{when(event.at)} {event.actor}: {event_sentence(event, known)}")
        if event.type == "task.created":
            known.update({k: event.payload.get(k) for k in _KNOWN_AT_CREATION})
        elif event.type == "task.updated":
            known.update(event.payload.get("changes") or {})
    return lines


def event_sentence(event: Event, known: Mapping[str, Any]) -> str:
    """What ``event`` did, as a sentence; ``known``: field values before it, where known."""
    p = event.payload
    kind = event.type
    if kind == "task.created":
        how = "Imported" if p.get("imported") else "Created"
        return f"{how} in {_state(p.get('status'))}." if p.get("status") else f"{how}."
    if kind == "task.updated":
        return _edited(p, known)
    if kind == "task.step_started":
        return f"Step {p.get('step', '?')} started{_of(p)}."
    if kind == "task.step_completed":
        verb = "finished" if p.get("success") else "failed"
        return f"Step {p.get('step', '?')} {verb}: exit {p.get('exit_code', '?')}{_said(p)}."
    if "to" in p and "from" in p:
        moved = f"moved from {_state(p['from'])} to {_state(p['to'])}"
        name = MOVED.get(kind)
        text = f"{name}: {moved}" if name else moved[0].upper() + moved[1:]
        if kind == "task.claimed" and p.get("worker_id"):
            text += f" by worker {p['worker_id']}"
        reason = p.get("reason")
        return f"{text} ({_plain(str(reason))})." if reason else f"{text}."
    return _other(kind, p)


def _other(kind: str, p: Mapping[str, Any]) -> str:
    if kind == "task.assigned":
        return f"Assigned to {p['assignee']}." if p.get("assignee") else "Unassigned."
    if kind == "task.command_approved":
        return "Approved its command."
    if kind == "task.dependency_added":
        return f"Now waits for {p.get('blocker_ref', 'another task')}."
    if kind == "task.dependency_removed":
        return f"No longer waits for {p.get('blocker_ref', 'another task')}."
    if kind == "task.attachment_added":
        return f"Attached {p.get('name', 'a file')}."
    if kind == "task.deleted":
        return "Deleted."
    if kind.startswith("run."):
        outcome = kind.split(".", 1)[1].replace("_", " ")
        exit_code = f", exit {p['exit_code']}" if p.get("exit_code") is not None else ""
        error = f": {_plain(str(p['error']))}" if p.get("error") else ""
        return f"Attempt {p.get('attempt', '?')} {outcome}{exit_code}{error}{_said(p)}."
    words = kind.rsplit(".", 1)[-1].replace("_", " ")
    return words[0].upper() + words[1:] + "."


def _edited(p: Mapping[str, Any], known: Mapping[str, Any]) -> str:
    """``Edited title from “Cart API” to “Cart API v2”, and the description.``"""
    changes: Mapping[str, Any] = p.get("changes") or {}
    parts = []
    for field in p.get("fields") or []:
        name = _field_name(field)
        if field not in changes:  # the description and the command are too long to quote
            parts.append(f"the {name}")
        elif field in known and known[field] != changes[field]:
            old, new = _value(field, known[field]), _value(field, changes[field])
            parts.append(f"{name} from {old} to {new}")
        else:
            parts.append(f"{name} to {_value(field, changes[field])}")
    text = "Edited " + _and(parts) if parts else "Edited"
    command = p.get("command")
    if isinstance(command, dict):
        if command.get("approved_by"):
            text += f"; the command changed, approved by {command['approved_by']}"
        elif command.get("approval_lapsed"):
            text += "; the command changed, and its approval lapsed"
        elif command.get("hash"):
            text += "; the command changed and awaits approval"
        else:
            text += "; the command was removed"
    return text + "."


def _state(value: object) -> str:
    return str(value).replace("_", " ")


def _field_name(field: str) -> str:
    return {"meta": "command", "task_type": "type"}.get(field, field.replace("_", " "))


def _value(field: str, value: Any) -> str:
    """A field's value as read: words, not Python literals; titles and text in quotes."""
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str):
        return f"“{_plain(value)}”" if field == "title" or " " in value else _plain(value)
    return str(value)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _of(p: Mapping[str, Any]) -> str:
    """`` (2 of 3, attempt 2)``: where a step is, when there is more than one of either."""
    index, total, attempt = p.get("index"), p.get("total"), p.get("attempt")
    bits = []
    if isinstance(total, int) and total > 1:
        bits.append(f"{index} of {total}")
    if isinstance(attempt, int) and attempt > 1:
        bits.append(f"attempt {attempt}")
    return f" ({', '.join(bits)})" if bits else ""


def _said(p: Mapping[str, Any]) -> str:
    """`` — hi``: a step's summary, on the same line."""
    summary = p.get("summary")
    return f" — {_plain(str(summary))}" if summary else ""


def _plain(text: str) -> str:
    """One line, without ids nobody reads: newlines become " / ", run ids "the run"."""
    text = _RUN_ID.sub("the run", text)
    text = _UUID.sub("…", text)
    return " / ".join(line.strip() for line in text.strip().splitlines() if line.strip())
