"""Orchestrator settings: taskyard.toml's ``[orchestrator]``, ``[pipelines]``, ``[profiles.*]``.

Every setting has a default, so a machine without a config file runs tasks that carry a shell
command (``metadata.command``, set with ``--command``) as a single ``shell`` step. A bad value
is refused with a ``ValidationError`` that names the key and says how to fix it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import auto_approve_from_env
from core.config_file import ConfigFile
from core.errors import ValidationError
from core.orchestrator.profiles import (
    BUILTIN_PROFILES,
    PLACEHOLDERS,
    PROMPT_MODES,
    Profile,
    placeholders,
)

if TYPE_CHECKING:
    from core.domain.runs import RetryPolicy

FEATURE_STEPS: tuple[str, ...] = ("plan", "plan_impl", "implement", "verify", "review", "commit")
"""The spec's default feature pipeline, used by ``[pipelines] feature = "default"``."""

DEFAULT_TEMPLATE = "default"

SHELL_STEP = "shell"
"""The name of the single step of a task run by its command alone."""

VARIABLE_PATTERN = re.compile(r"[A-Za-z_*?][A-Za-z0-9_*?]*")
"""An environment variable name, or a glob of them."""


@dataclass(frozen=True)
class StepSpec:
    """One step of a pipeline: a name, the profile that runs it, and its own command if any."""

    name: str
    profile: str
    command: str | None = None
    """A shell command for this step instead of the task's (``shell`` profile only)."""


def _default_retry() -> RetryPolicy:
    from core.domain import runs

    return runs.RetryPolicy()


@dataclass(frozen=True)
class OrchestratorConfig:
    """Everything a worker pool needs to know; ``OrchestratorConfig()`` is the no-file default."""

    slots: int = 2
    """Steps run at once by one worker process."""
    max_per_project: int | None = None
    """Tasks in progress per project across all workers (``None``: no limit)."""
    lease_seconds: float = 15.0
    heartbeat_seconds: float = 5.0
    poll_seconds: float = 2.0
    """How often an idle worker looks for work when no event woke it."""
    step_timeout_seconds: float = 3600.0
    """A step running longer is killed and counts as failed (a profile may set its own)."""
    kill_grace_seconds: float = 5.0
    """Between SIGTERM and SIGKILL when a step is stopped."""
    stop_grace_seconds: float = 30.0
    """How long a stopping worker lets running steps finish before killing them."""
    retry: RetryPolicy = field(default_factory=_default_retry)
    auto_approve: bool = False
    """Successful runs go straight to done instead of in review."""
    worktrees: bool = False
    """Run each task in its own git worktree on branch ``taskyard/<ref>``."""
    worktree_root: Path | None = None
    """Where worktrees go (default: ``<repo>/../.taskyard-worktrees/<repo name>``)."""
    agent: str = "claude"
    """The profile of the default feature pipeline's steps."""
    pipelines: Mapping[str, tuple[StepSpec, ...]] = field(default_factory=dict)
    profiles: Mapping[str, Profile] = field(default_factory=lambda: dict(BUILTIN_PROFILES))
    env_deny: tuple[str, ...] = ()
    """Worker variables (names or globs) no step may see, on top of ``environment.DENY``."""
    approved_by: tuple[str, ...] | None = None
    """Run only commands approved by one of these actors (``None``: any approval). Tasks
    without a command are not affected: approval is about commands."""
    source: Path | None = None
    """The file the settings came from."""

    def engine_options(self) -> dict[str, Any]:
        """What the engine must know of these settings: it applies them when a run ends.

        Retries and ``auto_approve`` are decided where a run's end is written, so a server
        applies its own taskyard.toml to every worker's runs; ``lease_seconds`` is the lease
        of a claim that names none, and how long a silent worker counts as alive.
        """
        return {
            "auto_approve": self.auto_approve,
            "retry_policy": self.retry,
            "lease_seconds": self.lease_seconds,
        }

    @classmethod
    def from_config(
        cls, config: ConfigFile, environ: Mapping[str, str] | None = None
    ) -> OrchestratorConfig:
        """Read the orchestrator's tables of a config file.

        Raises:
            ValidationError: a bad value (the message names the key and the fix).
        """
        from core.domain import runs  # here: pipeline_names reads the file without pydantic

        settings = _settings(config, os.environ if environ is None else environ)
        return cls(**settings | {"retry": runs.RetryPolicy(**settings["retry"])})

    def steps_for(
        self, task_type: str, pipeline_template: str | None, command: str | None
    ) -> tuple[StepSpec, ...] | str:
        """The steps a task runs, or why it cannot run (a sentence with the fix).

        A task's ``pipeline_template`` names a pipeline; otherwise its type does; a task with
        a command and no pipeline runs it as one ``shell`` step.
        """
        if pipeline_template:
            if pipeline_template in self.pipelines:
                return self.pipelines[pipeline_template]
            return (
                f"pipeline {pipeline_template!r} is not configured: add a "
                f"[pipelines.{pipeline_template}] table to taskyard.toml or clear the task's "
                "pipeline (taskyard task edit REF --pipeline '')"
            )
        if task_type in self.pipelines:
            return self.pipelines[task_type]
        if command:
            return (StepSpec(name=SHELL_STEP, profile="shell"),)
        return (
            f"no command and no pipeline for task_type {task_type}: give the task a command "
            f"(taskyard task edit REF --command ...), or add a [pipelines.{task_type}] table "
            "to taskyard.toml"
        )


ORCHESTRATOR_KEYS = frozenset(
    {
        "workers", "slots", "max_per_project", "lease_seconds", "heartbeat_seconds",
        "poll_seconds", "step_timeout_seconds", "kill_grace_seconds", "stop_grace_seconds",
        "retry", "auto_approve", "worktrees", "worktree_root", "agent", "env_deny",
        "approved_by",
    }
)  # fmt: skip
"""The keys ``[orchestrator]`` may have."""

RETRY_KEYS = frozenset(
    {
        "max_attempts",
        "backoff_seconds",
        "backoff_factor",
        "max_backoff_seconds",
        "max_interruptions",
    }
)
"""The keys ``[orchestrator.retry]`` may have."""

PROFILE_KEYS = frozenset({"command", "prompt", "env", "env_passthrough", "timeout_seconds"})
"""The keys a ``[profiles.NAME]`` table may have."""


def _slots(orch: Mapping[str, Any], where: str) -> int:
    """``slots``, or its other name ``workers`` (not both)."""
    if "workers" in orch and "slots" in orch:
        raise ValidationError(
            f"[orchestrator] sets both workers and slots{where}.",
            field="orchestrator.slots",
            hint="They mean the same (steps run at once per worker process); keep one.",
        )
    slots = _number(orch, "orchestrator", "slots", where, 2, minimum=1, whole=True)
    if "workers" in orch:
        slots = _number(orch, "orchestrator", "workers", where, 2, minimum=1, whole=True)
    return int(slots)


WEEK = 7 * 24 * 3600
"""The longest lease the store grants (``core.store.claims.MAX_LEASE_SECONDS``)."""


def _lease(orch: Mapping[str, Any], where: str) -> tuple[float, float]:
    """``lease_seconds`` and ``heartbeat_seconds``: a lease must be renewed before it ends."""
    lease = _number(orch, "orchestrator", "lease_seconds", where, 15.0, minimum=1)
    if lease > WEEK:
        raise ValidationError(
            f"[orchestrator] lease_seconds = {lease:g}{where} is longer than a week: a crashed "
            "worker's task would be stuck that long.",
            field="orchestrator.lease_seconds",
            hint="Leases are renewed by heartbeats; keep them short, e.g. lease_seconds = 15.",
        )
    beat = _number(orch, "orchestrator", "heartbeat_seconds", where, lease / 3, minimum=0.05)
    if beat >= lease:
        raise ValidationError(
            f"[orchestrator] heartbeat_seconds ({beat:g}) must be shorter than lease_seconds "
            f"({lease:g}){where}: a lease would expire before it is renewed.",
            field="orchestrator.heartbeat_seconds",
            hint="Heartbeat about three times per lease, e.g. lease_seconds = 15 and "
            "heartbeat_seconds = 5.",
        )
    return lease, beat


def _settings(config: ConfigFile, env: Mapping[str, str]) -> dict[str, Any]:
    """``OrchestratorConfig``'s fields read from ``config``, the retry policy as its numbers.

    Everything is checked here; nothing here needs pydantic, so ``pipeline_names`` is cheap.

    Raises:
        ValidationError: a bad value (the message names the key and the fix).
    """
    where = f" in {config.path}" if config.path else ""
    orch = config.table("orchestrator")
    _unknown(orch, "orchestrator", ORCHESTRATOR_KEYS, where)
    slots = _slots(orch, where)
    lease, beat = _lease(orch, where)
    max_per_project = _max_per_project(orch, where)
    retry = _retry(orch, where)
    root = _worktree_root(orch, where)
    profiles = _profiles(config.table("profiles"), where)
    agent = _agent(orch, profiles, where)
    return dict(
        slots=slots,
        max_per_project=max_per_project,
        lease_seconds=lease,
        heartbeat_seconds=beat,
        poll_seconds=_number(orch, "orchestrator", "poll_seconds", where, 2.0, minimum=0.05),
        step_timeout_seconds=_number(
            orch, "orchestrator", "step_timeout_seconds", where, 3600.0, minimum=0.1
        ),
        kill_grace_seconds=_number(
            orch, "orchestrator", "kill_grace_seconds", where, 5.0, minimum=0
        ),
        stop_grace_seconds=_number(
            orch, "orchestrator", "stop_grace_seconds", where, 30.0, minimum=0
        ),
        retry=retry,
        auto_approve=_flag(orch, "auto_approve", where) or auto_approve_from_env(env),
        worktrees=_flag(orch, "worktrees", where),
        worktree_root=Path(root).expanduser() if root else None,
        agent=agent,
        pipelines=_pipelines(config.table("pipelines"), profiles, agent, where),
        profiles=profiles,
        env_deny=_names(orch, "orchestrator", "env_deny", where),
        approved_by=_approvers(orch, where),
        source=config.path,
    )


def pipeline_names(config: ConfigFile) -> Collection[str]:
    """The pipelines ``config`` names, checked as ``from_config`` checks the whole file.

    What ``taskyard ready`` needs to say which tasks no worker would run, without the
    models ``from_config`` builds (a cold remote read imports no pydantic).

    Raises:
        ValidationError: as ``OrchestratorConfig.from_config``.
    """
    pipelines: Mapping[str, Any] = _settings(config, os.environ)["pipelines"]
    return pipelines.keys()


def _max_per_project(orch: Mapping[str, Any], where: str) -> int | None:
    if orch.get("max_per_project") is None:
        return None
    return int(_number(orch, "orchestrator", "max_per_project", where, 1, minimum=1, whole=True))


def _retry(orch: Mapping[str, Any], where: str) -> dict[str, float]:
    """``[orchestrator.retry]``: attempts, backoff and interruptions of failed runs.

    ``RetryPolicy``'s fields, checked here as its model would (``from_config`` builds it).
    """
    table = orch.get("retry", {})
    if not isinstance(table, dict):
        raise ValidationError(
            f"[orchestrator] retry{where} must be a table.",
            field="orchestrator.retry",
            hint="Write [orchestrator.retry] followed by max_attempts = 3, "
            "backoff_seconds = 5, backoff_factor = 2.",
        )
    r = "orchestrator.retry"
    _unknown(table, r, RETRY_KEYS, where)
    return dict(
        max_attempts=int(_number(table, r, "max_attempts", where, 3, minimum=1, whole=True)),
        backoff_seconds=_number(table, r, "backoff_seconds", where, 5.0, minimum=0),
        backoff_factor=_number(table, r, "backoff_factor", where, 2.0, minimum=1),
        max_backoff_seconds=_number(table, r, "max_backoff_seconds", where, 300.0, minimum=0),
        max_interruptions=int(
            _number(table, r, "max_interruptions", where, 10, minimum=1, whole=True)
        ),
    )


def _worktree_root(orch: Mapping[str, Any], where: str) -> str | None:
    root = orch.get("worktree_root")
    if root is not None and not isinstance(root, str):
        raise ValidationError(
            f"[orchestrator] worktree_root{where} must be a path in quotes.",
            field="orchestrator.worktree_root",
            hint='e.g. worktree_root = "~/taskyard-worktrees"',
        )
    return root


def _agent(orch: Mapping[str, Any], profiles: Mapping[str, Profile], where: str) -> str:
    """``agent``: the profile of the default feature pipeline's steps; it must exist."""
    agent = orch.get("agent", "claude")
    if not isinstance(agent, str) or agent not in profiles:
        raise ValidationError(
            f"[orchestrator] agent = {agent!r}{where} names no profile.",
            field="orchestrator.agent",
            hint=f"Use one of {', '.join(sorted(profiles))}, or add [profiles.{agent}].",
        )
    return agent


def _unknown(table: Mapping[str, Any], name: str, known: Collection[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise ValidationError(
                f"[{name}] has an unknown key {key!r}{where}.",
                field=f"{name}.{key}",
                hint=f"Known keys: {', '.join(sorted(known))} (see docs/orchestrator.md).",
            )


def _number(
    table: Mapping[str, Any],
    name: str,
    key: str,
    where: str,
    default: float,
    *,
    minimum: float,
    whole: bool = False,
) -> float:
    value = table.get(key, default)
    kind = "a whole number" if whole else "a number"
    ok = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < minimum:
        raise ValidationError(
            f"[{name}] {key} = {value!r}{where} is not valid: it must be {kind} of at least "
            f"{minimum:g}.",
            field=f"{name}.{key}",
            hint=f"Write e.g. {key} = {default if not whole else int(default)!r} (no quotes).",
        )
    return float(value)


def _flag(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ValidationError(
            f"[orchestrator] {key} = {value!r}{where} must be true or false.",
            field=f"orchestrator.{key}",
            hint=f"Write {key} = true or {key} = false (no quotes).",
        )
    return value


def _profiles(table: Mapping[str, Any], where: str) -> dict[str, Profile]:
    """The built-in profiles, with ``[profiles.NAME]`` tables adding to or replacing them."""
    profiles = dict(BUILTIN_PROFILES)
    for name, spec in table.items():
        profiles[name] = _profile(name, spec, where)
    return profiles


def _profile(name: str, spec: Any, where: str) -> Profile:
    """One ``[profiles.NAME]`` table; keys it leaves out come from the built-in of that name."""
    key = f"profiles.{name}"
    if not isinstance(spec, dict):
        raise ValidationError(
            f"[{key}]{where} must be a table.",
            field=key,
            hint=f'Write [{key}] followed by command = ["my-agent", "--flag"].',
        )
    _unknown(spec, key, PROFILE_KEYS, where)
    base = BUILTIN_PROFILES.get(name)
    command, used = _profile_command(
        key, spec.get("command", list(base.command) if base else None), where
    )
    prompt = spec.get("prompt", base.prompt if base else "stdin")
    _check_prompt_mode(key, prompt, used, where)
    env = spec.get("env", {})
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValidationError(
            f"[{key}] env{where} must be a table of strings.",
            field=f"{key}.env",
            hint='e.g. env = { ANTHROPIC_MODEL = "claude-sonnet-4-5" }',
        )
    timeout = spec.get("timeout_seconds")
    if timeout is not None:
        timeout = _number(spec, key, "timeout_seconds", where, 600, minimum=0.1)
    if base is None or "command" in spec:
        _refuse_task_text_in_shell(key, command, where)
    passthrough = (
        _names(spec, key, "env_passthrough", where)
        if "env_passthrough" in spec
        else (base.env_passthrough if base else ())
    )
    return Profile(
        name=name,
        command=tuple(command),
        prompt=prompt,
        env=dict(env),
        timeout_seconds=timeout,
        needs_command="command" in used,
        env_passthrough=passthrough,
    )


def _profile_command(key: str, command: Any, where: str) -> tuple[list[str], set[str]]:
    """A profile's ``command`` (a non-empty list of strings) and the placeholders it names."""
    if not isinstance(command, list) or not command or not all(isinstance(p, str) for p in command):
        raise ValidationError(
            f"[{key}] command{where} must be a non-empty list of strings.",
            field=f"{key}.command",
            hint='Write it as arguments, e.g. command = ["claude", "-p"]; placeholders such '
            "as {prompt} and {prompt_file} are filled in per step.",
        )
    used: set[str] = set()
    for part in command:
        try:
            used |= placeholders(part)
        except ValueError:
            raise ValidationError(
                f"[{key}] command{where} has unbalanced braces in {part!r}.",
                field=f"{key}.command",
                hint="Write a literal brace as {{ or }}.",
            ) from None
    unknown = sorted(used - PLACEHOLDERS)
    if unknown:
        raise ValidationError(
            f"[{key}] command{where} uses unknown placeholder(s) "
            + ", ".join("{" + u + "}" for u in unknown)
            + ".",
            field=f"{key}.command",
            hint="Placeholders: " + ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS)),
        )
    return command, used


def _check_prompt_mode(key: str, prompt: Any, used: set[str], where: str) -> None:
    """A profile's ``prompt`` mode; ``file`` and ``arg`` need their placeholder in the command."""
    if prompt not in PROMPT_MODES:
        raise ValidationError(
            f"[{key}] prompt = {prompt!r}{where} is not valid.",
            field=f"{key}.prompt",
            hint='Use "stdin", "file" (the command names {prompt_file}), "arg" (the command '
            'names {prompt}) or "none".',
        )
    if prompt == "file" and "prompt_file" not in used:
        raise ValidationError(
            f'[{key}] has prompt = "file" but its command never names {{prompt_file}}{where}.',
            field=f"{key}.command",
            hint='Add "{prompt_file}" where the program expects the prompt file.',
        )
    if prompt == "arg" and "prompt" not in used:
        raise ValidationError(
            f'[{key}] has prompt = "arg" but its command never names {{prompt}}{where}.',
            field=f"{key}.command",
            hint='Add "{prompt}" where the program expects the prompt.',
        )


def _names(table: Mapping[str, Any], name: str, key: str, where: str) -> tuple[str, ...]:
    """A list of variable names or ``*`` globs (``env_passthrough``, ``env_deny``)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v and VARIABLE_PATTERN.fullmatch(v) for v in value
    ):
        raise ValidationError(
            f"[{name}] {key}{where} must be a list of variable names or globs.",
            field=f"{name}.{key}",
            hint=f'e.g. {key} = ["MY_AGENT_API_KEY", "MY_AGENT_*"]',
        )
    return tuple(value)


def _approvers(orch: Mapping[str, Any], where: str) -> tuple[str, ...] | None:
    """``[orchestrator] approved_by``: the actors whose approvals a worker accepts."""
    if "approved_by" not in orch:
        return None
    value = orch["approved_by"]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ValidationError(
            f"[orchestrator] approved_by{where} must be a non-empty list of actor names.",
            field="orchestrator.approved_by",
            hint='e.g. approved_by = ["alice", "bob"]; leave it out to accept any approval.',
        )
    return tuple(v.strip() for v in value)


SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "busybox"})
"""Programs that parse their ``-c`` argument as shell code."""

TASK_TEXT = ("title", "prompt", "command")
"""Placeholders filled with text a task's author wrote: never shell code but as a whole."""


def _refuse_task_text_in_shell(key: str, command: list[str], where: str) -> None:
    """Refuse ``sh -c "... {title} ..."``: a title like ``$(rm -rf ~)`` would run.

    A placeholder as its own argument after the script (``sh -c 'agent "$1"' sh {title}``)
    reaches the program as data and is safe; so is ``{command}`` as the whole script, which
    is the built-in shell profile's form (the command is meant to run, and was approved).
    """
    for i, part in enumerate(command[:-1]):
        flag = command[i + 1]
        if Path(part).name not in SHELLS or i + 2 >= len(command):
            continue
        if not (flag.startswith("-") and not flag.startswith("--") and "c" in flag):
            continue
        script = command[i + 2]
        if script == "{command}":
            continue
        named = [p for p in TASK_TEXT if p in placeholders(script)]
        if named:
            shown = ", ".join("{" + p + "}" for p in named)
            raise ValidationError(
                f"[{key}] command{where} puts {shown} inside the shell script of "
                f"{part} {flag}: text from a task would run as shell code (a title such as "
                "$(rm -rf ~) would run).",
                field=f"{key}.command",
                hint=f'Pass it as an argument of its own after the script: ["{part}", "{flag}", '
                f'\'my-agent "$1"\', "{part}", "{{{named[0]}}}"], or use prompt = "stdin".',
            )


def _pipelines(
    table: Mapping[str, Any], profiles: Mapping[str, Profile], agent: str, where: str
) -> dict[str, tuple[StepSpec, ...]]:
    pipelines: dict[str, tuple[StepSpec, ...]] = {}
    for name, spec in table.items():
        key = f"pipelines.{name}"
        if spec == DEFAULT_TEMPLATE:
            pipelines[name] = tuple(StepSpec(name=s, profile=agent) for s in FEATURE_STEPS)
            continue
        if not isinstance(spec, list) or not spec:
            raise ValidationError(
                f'[pipelines] {name}{where} must be a list of steps or "{DEFAULT_TEMPLATE}".',
                field=key,
                hint=f'e.g. {name} = [{{ name = "implement", profile = "claude" }}, '
                f'{{ name = "test", profile = "shell", command = "make test" }}], or '
                f'{name} = "{DEFAULT_TEMPLATE}" for plan → plan_impl → implement → verify → '
                "review → commit.",
            )
        steps = []
        seen: set[str] = set()
        for i, step in enumerate(spec, 1):
            at = f"{key} step {i}"
            if not isinstance(step, dict) or not isinstance(step.get("name"), str):
                raise ValidationError(
                    f"[{at}]{where} needs a name.",
                    field=key,
                    hint='Write each step as { name = "implement", profile = "claude" }.',
                )
            _unknown(step, at, {"name", "profile", "command"}, where)
            step_name = step["name"].strip()
            if not step_name or len(step_name) > 100 or step_name in seen:
                raise ValidationError(
                    f"[{at}] name {step['name']!r}{where} must be 1 to 100 characters and "
                    "unique in the pipeline.",
                    field=key,
                    hint="Give each step its own short name.",
                )
            seen.add(step_name)
            profile = step.get("profile", "shell")
            if profile not in profiles:
                raise ValidationError(
                    f"[{at}] profile {profile!r}{where} does not exist.",
                    field=key,
                    hint=f"Use one of {', '.join(sorted(profiles))}, or add [profiles.{profile}].",
                )
            command = step.get("command")
            if command is not None and (not isinstance(command, str) or not command.strip()):
                raise ValidationError(
                    f"[{at}] command{where} must be a shell command in quotes.",
                    field=key,
                    hint='e.g. command = "make test"',
                )
            steps.append(StepSpec(name=step_name, profile=profile, command=command))
        pipelines[name] = tuple(steps)
    return pipelines
