"""Shell commands in a PRD: documentation unless the import is asked to make them commands.

Many PRDs show a command under a section ("run ``make migrate``"). Such a block is text the
document's author wrote for a reader. An import turns it into a task's command only when told
to (``ImportOptions.commands``, ``import prd --commands``), and even then the command waits
for a person to approve it before any worker runs it: the preview lists every command, so
that person reads exactly what would run.
"""

from __future__ import annotations

import re

SHELL_BLOCK = re.compile(
    r"^(?P<fence>```|~~~)[ \t]*(?:sh|bash|shell|zsh|console)[ \t]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
"""A fenced code block marked as shell (the language names a shell or a console session)."""


def shell_block(markdown: str) -> str | None:
    """The body of the first non-empty shell block of ``markdown``, or ``None``.

    A ``console`` block's ``$ `` prompts are taken off: what follows them is the command.
    """
    for match in SHELL_BLOCK.finditer(markdown):
        body = match.group("body").strip("\n")
        if not body.strip():
            continue
        lines = body.splitlines()
        prompts = [line for line in lines if line.startswith("$ ")]
        if prompts and match.group(0).split("\n", 1)[0].strip(" \t`~") == "console":
            body = "\n".join(line[2:] for line in prompts)
        return body
    return None
