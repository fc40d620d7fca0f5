"""Tasks as JSON Lines (one object per line) for a bulk import: every bad line at once, by number.

The CLI's ``task import FILE`` and the server's ``POST /api/v2/import/tasks`` read the same
format with the same words: nothing is imported unless every line is good, so the user fixes
the file once instead of one error per attempt.
"""

from __future__ import annotations

import json
from typing import Any

from core.domain.commands import TaskImportItem, parse
from core.errors import ValidationError


def parse_lines(text: str, name: str) -> tuple[list[TaskImportItem], list[int]]:
    """Every task of a JSON Lines text and the line each came from, or every bad line at once.

    Blank lines are skipped. ``name`` names the text in messages (a file, ``stdin``).

    Raises:
        ValidationError: listing each bad line (``details["errors"]`` with ``line``), or
            saying the text holds no tasks.
    """
    items: list[TaskImportItem] = []
    numbers: list[int] = []
    problems: list[dict[str, Any]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(
                {"line": n, "field": None, "message": f"line {n}: not valid JSON ({exc.msg})."}
            )
            continue
        item, found = parse_object(obj, f"line {n}: ")
        if item is not None:
            items.append(item)
            numbers.append(n)
        problems.extend({"line": n, "field": f, "message": m} for f, m in found)
    if problems:
        raise _invalid(
            problems,
            "line",
            name,
            hint="Fix those lines and run the import again (the whole file is imported or "
            "none of it).",
        )
    if not items:
        raise ValidationError(
            f"{name} holds no tasks.",
            hint='Write one JSON object per line, such as {"title": "Fix login"}.',
            details={"file": name},
        )
    return items, numbers


def parse_items(objects: list[Any], name: str) -> list[TaskImportItem]:
    """Each JSON object of a list as a task (the fields of a JSON Lines line), or every bad one.

    Raises:
        ValidationError: listing each bad item (``details["errors"]`` with its ``index``).
    """
    items: list[TaskImportItem] = []
    problems: list[dict[str, Any]] = []
    for i, obj in enumerate(objects):
        item, found = parse_object(obj, f"item {i + 1}: ")
        if item is not None:
            items.append(item)
        problems.extend({"index": i, "field": f, "message": m} for f, m in found)
    if problems:
        raise _invalid(
            problems,
            "item",
            name,
            hint="Fix those items and send them all again (all of them are imported or none).",
        )
    return items


def parse_object(obj: Any, where: str) -> tuple[TaskImportItem | None, list[tuple[Any, str]]]:
    """One JSON value as a task, or its problems as ``(field, message)`` pairs.

    Each message starts with ``where`` (``"line 3: "``). A top-level ``command`` is the
    shell command for workers, kept in ``metadata.command``.
    """
    if not isinstance(obj, dict):
        return None, [(None, f"{where}expected a JSON object {{...}}.")]
    if "command" in obj:
        obj = dict(obj)
        problem = _command_field(obj)
        if problem:
            return None, [("command", f"{where}{problem}")]
    try:
        return parse(TaskImportItem, obj, where=where), []
    except ValidationError as exc:
        found = exc.details.get("errors") or [{"field": exc.field, "message": None}]
        problems = []
        for problem in found:
            text = problem.get("message")
            problems.append((problem.get("field"), f"{where}{text}" if text else exc.message))
        return None, problems


def _invalid(problems: list[dict[str, Any]], unit: str, name: str, *, hint: str) -> ValidationError:
    bad = len({p.get("line", p.get("index")) for p in problems})
    noun = f"{unit} is" if bad == 1 else f"{unit}s are"
    return ValidationError(
        f"{bad} {noun} not valid in {name}; nothing was imported:\n"
        + "\n".join(f"  {p['message']}" for p in problems),
        hint=hint,
        details={"errors": problems, "file": name},
    )


def _command_field(obj: dict[str, Any]) -> str | None:
    """Move an import line's ``command`` into ``metadata.command``; the problem, if any."""
    command = obj.pop("command")
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = obj["metadata"] = {}
    if not isinstance(metadata, dict):
        return "metadata must be a JSON object."
    if "command" in metadata:
        return "command is given twice, at the top and in metadata; keep one."
    if not isinstance(command, str) or not command.strip():
        return "command must be a non-empty string (a shell command for workers)."
    metadata["command"] = command
    return None


def with_line_numbers(exc: ValidationError, lines: list[int], name: str) -> ValidationError:
    """The engine's import error with each item index turned into its line in the file."""
    problems = exc.details.get("errors")
    if not isinstance(problems, list) or not any(
        isinstance(p, dict) and isinstance(p.get("index"), int) for p in problems
    ):
        return exc
    translated: list[dict[str, Any]] = []
    for problem in problems:
        entry = dict(problem) if isinstance(problem, dict) else {"message": str(problem)}
        index = entry.get("index")
        if isinstance(index, int) and 0 <= index < len(lines):
            entry["line"] = lines[index]
        translated.append(entry)
    text = [
        f"  line {p['line']}: {p.get('message', '')}" if "line" in p else f"  {p.get('message')}"
        for p in translated
    ]
    noun = "problem" if len(translated) == 1 else "problems"
    details = dict(exc.details)
    details["errors"] = translated
    details["file"] = name
    return ValidationError(
        f"{len(translated)} {noun} in {name}; nothing was imported:\n" + "\n".join(text),
        field=exc.field,
        hint=exc.hint,
        details=details,
    )
