"""Reading a JSON Lines file of tasks for ``task import`` (the format: ``core.domain.jsonl``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.inputs import read_text

if TYPE_CHECKING:
    from core.domain.commands import TaskImportItem
    from core.errors import ValidationError


def read_import(path: str) -> tuple[list[TaskImportItem], list[int]]:
    """Every task of a JSON Lines file and the line each came from, or every bad line at once.

    Raises:
        ValidationError: listing each bad line (``details["errors"]`` with ``line``).
    """
    from core.domain.jsonl import parse_lines  # deferred: pydantic loads only for an import

    return parse_lines(read_text(path), "stdin" if path == "-" else path)


def with_line_numbers(exc: ValidationError, lines: list[int], name: str) -> ValidationError:
    """The engine's import error with each item index turned into its line in the file."""
    from core.domain.jsonl import with_line_numbers as numbered

    return numbered(exc, lines, name)
