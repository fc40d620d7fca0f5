"""Edit text in the user's own editor (``$VISUAL``, ``$EDITOR``, else ``vi``) via a temp file."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path


class EditorFailed(Exception):
    """The editor could not be started, or it exited with an error; the text is unchanged."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The editor to run, split like a shell would: ``$VISUAL``, then ``$EDITOR``, then vi."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return shlex.split(value)
    return ["vi"]


def edit_text(text: str, *, suffix: str = ".md", environ: Mapping[str, str] | None = None) -> str:
    """Open ``text`` in the editor and return what was saved (blocking; call while suspended).

    Raises:
        EditorFailed: the editor is missing or exited non-zero; says which and why.
    """
    command = editor_command(environ)
    fd, name = tempfile.mkstemp(prefix="taskyard-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise EditorFailed(
                f"Could not start the editor {command[0]!r} ({exc.strerror or exc}). "
                "Set $EDITOR to an editor that is installed."
            ) from exc
        if result.returncode != 0:
            raise EditorFailed(
                f"The editor {command[0]!r} exited with status {result.returncode}; "
                "the description was left as it was."
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
