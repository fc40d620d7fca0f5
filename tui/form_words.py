"""The task form's errors in the form's own words.

The engine and the request models name fields as the API does (``effort_estimate``) and
point to CLI commands; pydantic explains a bad number in its own terms. Under a form field
the user wants the label they can see ("Effort estimate must be a number") and a way out
inside the TUI. What the engine says is kept otherwise: it explains the rule well.
"""

from __future__ import annotations

import calendar
import re

from tui.form_data import LABELS, Raw, error_field

_IN_THE_TUI = (
    (
        re.compile(r"List projects with `taskyard project list`\.?"),
        "The field suggests existing projects as you type; p on the board lists them.",
    ),
    (
        re.compile(r"List milestones with `taskyard milestone list`\.?"),
        "The field suggests the project's milestones as you type.",
    ),
)
"""CLI hints and what to do instead without leaving the form."""

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def label(name: str) -> str:
    """``Effort estimate``: a field's label without its explanation in brackets."""
    return LABELS[name].split(" (")[0].split(":")[0]


def date_problem(text: str) -> str | None:
    """What is wrong with a due date the engine refused, said for a person."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return f"Due date “{text}” is not a date: write it as YYYY-MM-DD, for example 2026-12-31."
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"Due date: month {month} does not exist (write YYYY-MM-DD)."
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"Due date: {calendar.month_name[month]} {year} has {days} days, not {day}."
    return None


def number_problem(text: str) -> str:
    """What is wrong with an effort estimate the engine refused."""
    try:
        value = float(text)
    except ValueError:
        return f"Effort estimate must be a number, for example 2.5; “{text}” is not."
    if value < 0:
        return "Effort estimate cannot be negative."
    return f"Effort estimate {text} is out of range."


def worded_errors(errors: list[tuple[str | None, str]], raw: Raw) -> list[tuple[str | None, str]]:
    """Each ``(field, message)`` with the field's label in place of its API name, a date or
    number problem said precisely, and TUI ways out in place of CLI commands."""
    worded: list[tuple[str | None, str]] = []
    for field, message in errors:
        name = error_field(field)
        text = message
        if name == "due_date" and raw.get("due_date", "").strip():
            text = date_problem(raw["due_date"]) or message
        elif name == "effort_estimate" and raw.get("effort_estimate", "").strip():
            text = number_problem(raw["effort_estimate"].strip())
        elif name is not None:
            text = _with_label(text, name, field or name)
        for cli, instead in _IN_THE_TUI:
            text = cli.sub(instead, text)
        worded.append((field, text))
    return worded


def _with_label(message: str, name: str, field: str) -> str:
    """``effort_estimate: …`` or ``title cannot be empty.`` with the label in front."""
    for internal in dict.fromkeys((field, name)):
        if message.startswith(internal + ": "):
            return f"{label(name)}: {message[len(internal) + 2 :]}"
        if message.startswith(internal + " "):
            return label(name) + message[len(internal) :]
    return message
