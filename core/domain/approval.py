"""Task commands and their approval: which text a worker runs, its hash, who approved it.

A task runs a shell command only when one was set as a command (``metadata.command``); text
in its description, fenced or not, is documentation and never runs. The command's approval
is recorded on the task as the hash of the text that was approved: a task's command is
approved iff the hash of its current text equals the approved hash, so changing the text
withdraws the approval by itself, with nothing to keep in step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

HASH_PREFIX = 12
"""How many hex digits of a hash events and messages show (enough to tell texts apart)."""


def command_text(metadata: Mapping[str, Any]) -> str | None:
    """The shell command a task's ``metadata`` sets, or ``None``.

    ``metadata.command`` is a string, or a list of strings run as one script (one line each).
    """
    command = metadata.get("command")
    if isinstance(command, str) and command.strip():
        return command
    if isinstance(command, list) and command and all(isinstance(c, str) for c in command):
        return "\n".join(command)
    return None


def command_hash(text: str | None) -> str | None:
    """The sha256 (hex) of a command's text as a worker would run it; ``None`` for none."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CommandInfo(BaseModel):
    """A task's command as stored: its text and hash, who set it and who approved which text."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    text: str
    """What a worker runs (``/bin/sh -c``)."""
    hash: str
    """sha256 (hex) of the current command text."""
    set_by: str | None = None
    """Who last set or changed the text."""
    set_at: AwareDatetime | None = None
    approved: bool = False
    """Whether the current text is the approved one: only then may a worker run it."""
    approved_hash: str | None = None
    """The hash of the text that was approved (may be an older text's)."""
    approved_by: str | None = None
    approved_at: AwareDatetime | None = None

    @classmethod
    def of(
        cls,
        text: str,
        hash_: str,
        *,
        set_by: str | None,
        set_at: AwareDatetime | None,
        approved_hash: str | None,
        approved_by: str | None,
        approved_at: AwareDatetime | None,
    ) -> CommandInfo:
        """The info of a stored command.

        ``approved`` also checks the text against its stored hash: text written behind the
        store's back (straight into the database) reads as not approved.
        """
        return cls(
            text=text,
            hash=hash_,
            set_by=set_by,
            set_at=set_at,
            approved=approved_hash == hash_ == command_hash(text),
            approved_hash=approved_hash,
            approved_by=approved_by,
            approved_at=approved_at,
        )

    @property
    def lapsed(self) -> bool:
        """An earlier text was approved, and the text changed since."""
        return self.approved_hash is not None and not self.approved

    def describe(self) -> str:
        """Its approval in words: "approved by alice at 2026-12-06 08:00 UTC" or why not."""
        if self.approved and self.approved_by:
            when = f" at {self.approved_at:%Y-%m-%d %H:%M} UTC" if self.approved_at else ""
            return f"approved by {self.approved_by}{when}"
        if self.lapsed:
            return "not approved: it changed since it was approved"
        return "not approved"
