"""Agent profiles: how a step's command line is built, and the built-in ones.

A profile is a command template (a list of arguments with ``{placeholders}``), how the prompt
reaches the program (``stdin``, a ``file`` named by ``{prompt_file}``, an ``arg`` via
``{prompt}``, or ``none``), extra environment variables and a timeout. docs/agents.md shows
each built-in and how to adapt it; ``[profiles.NAME]`` in taskyard.toml overrides or adds one.
"""

from __future__ import annotations

import os
import shutil
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

PromptMode = Literal["stdin", "file", "arg", "none"]
PROMPT_MODES: tuple[str, ...] = ("stdin", "file", "arg", "none")

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "prompt",  # the step's prompt text
        "prompt_file",  # a file holding it (prompt = "file")
        "command",  # the task's shell command (the shell profile runs this)
        "ref",
        "task_id",
        "run_id",
        "step",
        "attempt",
        "title",
        "workdir",
    }
)
"""What a command template may name in braces."""

NOOP = "noop"
"""A profile that starts no process: the step succeeds at once (benchmarks, stress tests)."""


@dataclass(frozen=True)
class Profile:
    """How to run one kind of agent (or the shell) for a step."""

    name: str
    command: tuple[str, ...]
    """The program and its arguments, with ``{placeholders}``."""
    prompt: PromptMode = "stdin"
    env: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float | None = None
    """Kill the step after this long (``None``: the orchestrator's default)."""
    needs_command: bool = False
    """The template runs the task's command, so a task without one cannot use it."""
    env_passthrough: tuple[str, ...] = ()
    """Worker variables (names or ``*`` globs) the step inherits beyond the baseline
    (``environment.BASELINE``): an agent's API key, say. taskyard's own are never passed."""

    def render(self, values: dict[str, str]) -> list[str]:
        """The argument list with every placeholder filled in.

        Raises:
            KeyError: a placeholder without a value (config validation prevents it).
        """
        return [part.format_map(values) for part in self.command]


def missing_program(
    profile: Profile, *, cwd: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """Why ``profile``'s program cannot be started, or ``None`` when it can (or starts none).

    A bare name is looked up on ``PATH`` (the profile's own ``env`` first, as the step sees
    it); a path (relative to ``cwd``, where the step runs) must be an executable file. A
    template in the program's place is not checked.
    """
    if not profile.command or "{" in profile.command[0]:
        return None
    program = profile.command[0]
    env = {**(os.environ if environ is None else environ), **profile.env}
    if os.sep in program:
        path = os.path.join(cwd or os.getcwd(), program)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return None
        where = "not an executable file"
    elif shutil.which(program, path=env.get("PATH")) is not None:
        return None
    else:
        where = "not found on PATH"
    return (
        f"cannot start {program!r}: {where}; install it or fix [profiles.{profile.name}] "
        "command in taskyard.toml"
    )


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template string uses.

    Raises:
        ValueError: unbalanced braces.
    """
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


BUILTIN_PROFILES: dict[str, Profile] = {
    "shell": Profile(
        name="shell",
        command=("/bin/sh", "-c", "{command}"),
        prompt="none",
        needs_command=True,
        # The user's own, approved command: it sees what their terminal would, less
        # taskyard's secrets and URLs with passwords (environment.py).
        env_passthrough=("*",),
    ),
    NOOP: Profile(name=NOOP, command=(), prompt="none"),
    # Claude Code's print mode: non-interactive, reads the prompt from stdin, prints the
    # result and exits; acceptEdits lets it change files without asking.
    "claude": Profile(
        name="claude",
        command=("claude", "-p", "--permission-mode", "acceptEdits", "--output-format", "text"),
        prompt="stdin",
        # Its key, its settings, and the Bedrock / Vertex routes it can be pointed at.
        env_passthrough=(
            "ANTHROPIC_*",
            "CLAUDE_*",
            "DISABLE_*",
            "AWS_*",
            "CLOUD_ML_REGION",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "GOOGLE_CLOUD_PROJECT",
        ),
    ),
    # `codex exec -` reads the prompt from stdin; workspace-write lets it edit the working tree.
    "codex": Profile(
        name="codex",
        command=("codex", "exec", "--sandbox", "workspace-write", "-"),
        prompt="stdin",
        env_passthrough=("OPENAI_*", "CODEX_*"),
    ),
    # Gemini CLI's -p runs headless and appends its text to what stdin carries.
    "gemini": Profile(
        name="gemini",
        command=(
            "gemini",
            "--approval-mode",
            "auto_edit",
            "-p",
            "Carry out the task described above.",
        ),
        prompt="stdin",
        env_passthrough=("GEMINI_*", "GOOGLE_*"),
    ),
    # aider --message-file: one instruction from a file, apply the edits, exit.
    "aider": Profile(
        name="aider",
        command=("aider", "--yes-always", "--no-stream", "--message-file", "{prompt_file}"),
        prompt="file",
        # aider talks to many providers; each reads its own *_API_KEY (and some a base URL).
        env_passthrough=("AIDER_*", "*_API_KEY", "*_API_BASE", "OLLAMA_*"),
    ),
    # `opencode run MESSAGE`: one non-interactive prompt. It reads piped stdin first and adds
    # the message, so the prompt goes on stdin: any length (one argument stops at 128 KiB on
    # Linux), and not on the command line that `ps` shows everyone on the machine.
    "opencode": Profile(
        name="opencode",
        command=("opencode", "run", "Carry out the task described above."),
        prompt="stdin",
        env_passthrough=("OPENCODE_*", "*_API_KEY", "*_API_BASE"),
    ),
}
"""The profiles that exist without any configuration."""
