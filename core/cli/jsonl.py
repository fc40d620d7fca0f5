"""Reading a JSON Lines file of tasks for ``task import``: every bad line at once, by number."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from core.cli.inputs import read_text
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.domain.commands import TaskImportItem


def read_import(path: str) -> tuple[list[TaskImportItem], list[int]]:
    """Every task of a JSON Lines file and the line each came from, or every bad line at once.

    Blank lines are skipped. Nothing is written unless every line is good, so the user fixes
    the file once instead of one error per run.

    Raises:
        ValidationError: listing each bad line (``details["errors"]`` with ``line``).
    """
    items: list[TaskImportItem] = []
    numbers: list[int] = []
    problems: list[dict[str, Any]] = []
    for n, raw in enumerate(read_text(path).splitlines(), 1):
        if not raw.strip():
            continue
        item, found = _read_line(n, raw)
        if item is not None:
            items.append(item)
            numbers.append(n)
        problems.extend(found)
    name = "stdin" if path == "-" else path
    if problems:
        bad = len({p["line"] for p in problems})
        noun = "line is" if bad == 1 else "lines are"
        raise ValidationError(
            f"{bad} {noun} not valid in {name}; nothing was imported:\n"
            + "\n".join(f"  {p['message']}" for p in problems),
            hint="Fix those lines and run the import again (the whole file is imported or "
            "none of it).",
            details={"errors": problems, "file": name},
        )
    if not items:
        raise ValidationError(
            f"{name} holds no tasks.",
            hint='Write one JSON object per line, such as {"title": "Fix login"}.',
            details={"file": name},
        )
    return items, numbers


def _read_line(n: int, raw: str) -> tuple[TaskImportItem | None, list[dict[str, Any]]]:
    """Line ``n`` as a task, or its problems (``line``, ``field`` and ``message`` each)."""
    from core.domain.commands import TaskImportItem, parse

    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, [
            {"line": n, "field": None, "message": f"line {n}: not valid JSON ({exc.msg})."}
        ]
    if not isinstance(obj, dict):
        return None, [
            {"line": n, "field": None, "message": f"line {n}: expected a JSON object {{...}}."}
        ]
    if "command" in obj:  # a shell command for workers: kept in metadata.command
        problem = _command_field(obj)
        if problem:
            return None, [{"line": n, "field": "command", "message": f"line {n}: {problem}"}]
    try:
        return parse(TaskImportItem, obj, where=f"line {n}: "), []
    except ValidationError as exc:
        found = exc.details.get("errors") or [{"field": exc.field, "message": None}]
        problems = []
        for problem in found:
            text = problem.get("message")
            message = f"line {n}: {text}" if text else exc.message
            problems.append({"line": n, "field": problem.get("field"), "message": message})
        return None, problems


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
