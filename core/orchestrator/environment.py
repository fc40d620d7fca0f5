"""What a step's process sees of its worker's environment.

A worker holds credentials that are taskyard's, not the task's: the database URL (with its
password), the server token. A step runs text that someone else may have written (a task's
command, an agent following a prompt), so it must not inherit them. A step gets:

* the **baseline**: what any program needs to behave (``PATH``, ``HOME``, the locale, the
  terminal, temporary folders, proxies and CA bundles, the SSH agent for ``git push``);
* what its profile **passes through** (``env_passthrough``: names or ``*`` globs; an agent
  needs its API key, ``shell`` passes everything by default since it is the user's own
  approved command);
* the profile's own ``env`` values and the task context (``TASKYARD_TASK_REF`` ...), which
  taskyard sets itself.

Withheld whatever a pass-through says: every inherited ``TASKYARD_*`` variable (taskyard
sets the step's own), ``[orchestrator] env_deny``, and any variable whose value is one of the
worker's own secrets (its database URL or token, under whatever name). Withheld unless a
pass-through names them exactly (a glob is not enough): the usual names of database URLs and
passwords (``DATABASE_URL``, ``PGPASSWORD`` ...), and any value that is a URL with a password
in it. A project's test suite may need its own ``DATABASE_URL``; it has to be asked for.

Only names are ever reported (the step's first log line), never values.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.orchestrator.profiles import Profile

BASELINE: tuple[str, ...] = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TERM",
    "COLORTERM", "NO_COLOR", "TZ", "TMPDIR", "TMP", "TEMP", "XDG_*", "SSH_AUTH_SOCK",
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
    "no_proxy", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
)  # fmt: skip
"""Passed to every step: what programs need to find things and print text."""

DENY: tuple[str, ...] = ("TASKYARD_*",)
"""Withheld from every step, whatever a profile passes through (plus ``env_deny``)."""

SENSITIVE: tuple[str, ...] = (
    "DATABASE_URL", "*_DATABASE_URL", "PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE",
    "*_DB_PASSWORD", "MYSQL_PWD",
)  # fmt: skip
"""Withheld unless a pass-through names them exactly (a glob such as ``*`` is not enough)."""

_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@")
"""``scheme://user:password@``: a credential in a URL."""


@dataclass(frozen=True)
class StepEnvironment:
    """A step's variables, and the names of those it was not given (for its log)."""

    variables: dict[str, str]
    withheld: tuple[str, ...]
    """Inherited names left out because the deny list matched or the value held a password."""

    def describe(self) -> str:
        """One line for the step's log: the names passed and withheld, never a value."""
        passed = ", ".join(sorted(self.variables))
        text = f"environment: {len(self.variables)} variables ({passed})"
        if self.withheld:
            text += "; withheld: " + ", ".join(self.withheld)
        return text


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def step_environment(
    inherited: Mapping[str, str],
    *,
    passthrough: Iterable[str],
    deny: Iterable[str] = (),
    secrets: Iterable[str] = (),
    own: Mapping[str, str] | None = None,
) -> StepEnvironment:
    """Build a step's environment from its worker's.

    Args:
        inherited: The worker's environment (``os.environ``).
        passthrough: The profile's ``env_passthrough`` (names or globs; ``*``: everything).
        deny: ``[orchestrator] env_deny``, added to ``DENY``.
        secrets: Values no step may see under any name (the worker's database URL, token).
        own: Set by taskyard and the profile (task context, profile ``env``): never filtered,
            since the user wrote them for this step.
    """
    passthrough = tuple(passthrough)
    exact = {p for p in passthrough if not any(c in p for c in "*?[")}
    denied = (*DENY, *deny)
    hidden = {s for s in secrets if s}
    variables: dict[str, str] = {}
    withheld: list[str] = []
    for name, value in inherited.items():
        if not _matches(name, BASELINE) and not _matches(name, passthrough):
            continue
        sensitive = _matches(name, SENSITIVE) or _URL_PASSWORD.search(value) is not None
        if _matches(name, denied) or value in hidden or (sensitive and name not in exact):
            withheld.append(name)
            continue
        variables[name] = value
    variables.update(own or {})
    return StepEnvironment(variables, tuple(sorted(withheld)))


def for_profile(profile: Profile, deny: Iterable[str], own: Mapping[str, str]) -> StepEnvironment:
    """This process's environment as ``profile``'s process may see it (steps, quick runs).

    The worker's database URL and token are secrets under any name: a user who exported
    ``DB=$TASKYARD_DB`` and passes everything through still does not hand it to a step.
    """
    return step_environment(
        os.environ,
        passthrough=profile.env_passthrough,
        deny=deny,
        secrets=(os.environ.get("TASKYARD_DB", ""), os.environ.get("TASKYARD_TOKEN", "")),
        own={**profile.env, **own},
    )
