"""Printing: the JSON envelope or the text lines of an answer, and every kind of failure."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import TaskyardError

SCHEMA_VERSION = 1
"""Version of the ``--json`` envelope; bumped only when a field changes meaning or goes away."""

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

    def note(self, text: str) -> None:
        """A line about the answer, not part of it: stderr, so ``> out.txt`` keeps the answer."""
        if not self.json:
            _stderr([text])

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
