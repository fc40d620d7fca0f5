"""What commands read besides their options: files, stdin, and the options that were given.

Errors name the file and say what to do, in the ``core.errors`` types every command reports.
"""

from __future__ import annotations

import argparse
import base64
import mimetypes
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from core.domain.commands import AttachmentIn


def given(**fields: Any) -> dict[str, Any]:
    """The fields that were given on the command line (``None`` means "not given")."""
    return {k: v for k, v in fields.items() if v is not None}


def picked(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options ``names`` of the command line, by name (their ``dest`` is the field name)."""
    return {name: getattr(args, name) for name in names}


def absolute(path: str) -> str:
    """A path as an absolute one, so it means the same from any working folder."""
    return str(Path(path).expanduser().resolve())


def read_text(path: str) -> str:
    """A text file's content, or stdin's for ``-``.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it cannot be read as UTF-8 text.
    """
    if path == "-":
        return sys.stdin.read()
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise _unusable(
            f"{path} is not UTF-8 text.",
            "Save it as UTF-8 (attach binary files with --attach instead).",
        ) from None


def read_bytes(path: str) -> bytes:
    """A file's bytes, with errors that say which file and what to do.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it cannot be read.
    """
    try:
        return Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise NotFoundError(
            f"No file {path!r}.",
            hint="Check the path (relative paths start from the current folder).",
            details={"field": "file", "input": path},
        ) from None
    except OSError as exc:
        raise _unusable(
            f"Cannot read {path}: {exc.strerror or exc}.", "Check that it is a readable file."
        ) from None


def _unusable(message: str, hint: str) -> ValidationError:
    """A file that is there but cannot be read as asked: the error names the file input."""
    return ValidationError(message, field="file", hint=hint)


def attachment(path: str) -> AttachmentIn:
    """A file on disk as the base64 attachment the engine stores."""
    from core.domain.commands import AttachmentIn, parse

    data = read_bytes(path)
    content_type = mimetypes.guess_type(path)[0]
    return parse(
        AttachmentIn,
        given(
            name=Path(path).name,
            content_base64=base64.b64encode(data).decode("ascii"),
            content_type=content_type,
        ),
    )


def description(args: argparse.Namespace) -> str | None:
    """``--description`` or the text of ``--description-file`` (``None``: neither given)."""
    if args.description_file is not None:
        return read_text(str(args.description_file))
    text: str | None = args.description
    return text
