"""``taskyard.toml``: where it is found and its tables as plain data.

One file configures the board (``[tui]``, ``[keymap]``) and, later, the orchestrator
(pipelines, agent profiles, workers). It is looked for in this order: ``TASKYARD_CONFIG``,
``./taskyard.toml`` (the project a person is working in), then the user config folder.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ValidationError

CONFIG_ENV = "TASKYARD_CONFIG"
FILE_NAME = "taskyard.toml"


@dataclass(frozen=True)
class ConfigFile:
    """The parsed file (empty when there is none) and where it came from."""

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str, known: Sequence[str] | None = None) -> dict[str, Any]:
        """A top-level table, or an empty one; with ``known``, only those keys are allowed.

        Raises:
            ValidationError: ``name`` is in the file but is not a table, or has a key not
                ``known`` (the key, the file and the keys it may have).
        """
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ValidationError(
                f"[{name}] in {self.path} must be a table, not {type(value).__name__}.",
                field=name,
                hint=f"Write it as a table: a line '[{name}]' followed by 'key = value' lines.",
            )
        unknown = [key for key in value if key not in known] if known is not None else []
        if unknown:
            where = f" in {self.path}" if self.path else ""
            raise ValidationError(
                f"[{name}] has an unknown key {unknown[0]!r}{where}.",
                field=f"{name}.{unknown[0]}",
                hint="Known keys: " + ", ".join(known or ()) + ".",
            )
        return value


def find_config(cwd: Path | None = None) -> Path | None:
    """The config file in force, or ``None``.

    Raises:
        ValidationError: ``TASKYARD_CONFIG`` names a file that does not exist.
    """
    named = os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ValidationError(
                f"{CONFIG_ENV} names {path}, which is not a file.",
                field=CONFIG_ENV,
                hint=f"Create the file, or unset {CONFIG_ENV} to use ./{FILE_NAME}.",
            )
        return path
    local = (cwd or Path.cwd()) / FILE_NAME
    if local.is_file():
        return local
    user = user_config_folder() / FILE_NAME
    return user if user.is_file() else None


def user_config_folder() -> Path:
    """The user's taskyard folder for settings (``~/.config/taskyard`` on Linux)."""
    import platformdirs  # deferred: only the board and the workers read the config

    return Path(platformdirs.user_config_dir("taskyard", appauthor=False))


def load_config(path: Path | None = None) -> ConfigFile:
    """Read ``path`` (default: :func:`find_config`).

    Raises:
        ValidationError: the file is not valid TOML (with the line and column) or unreadable.
    """
    path = path if path is not None else find_config()
    if path is None:
        return ConfigFile()
    try:
        with path.open("rb") as handle:
            return ConfigFile(path, tomllib.load(handle))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(
            f"{path} is not valid TOML: {exc}.",
            field=str(path),
            hint="Fix the line it names (strings need quotes, tables are written [name]).",
        ) from exc
    except OSError as exc:
        raise ValidationError(
            f"Cannot read {path}: {exc.strerror or exc}.",
            field=str(path),
            hint="Check the file's permissions, or point TASKYARD_CONFIG elsewhere.",
        ) from exc


LIMITS_KEYS = ("attachment_max_bytes",)
"""The keys ``[limits]`` may hold."""

MAX_ATTACHMENT_LIMIT = 1024**3
"""The largest per-file attachment limit accepted (1 GiB): files are held in memory."""


@dataclass(frozen=True)
class Limits:
    """``[limits]``: sizes the store enforces (``None``: the store's default)."""

    attachment_max_bytes: int | None = None
    """The largest file one attachment may be (10 MiB by default)."""

    @classmethod
    def from_config(cls, config: ConfigFile) -> Limits:
        """Read ``[limits]`` of a config file.

        Raises:
            ValidationError: an unknown key or a bad value (the key, the file and the fix).
        """
        table = config.table("limits", LIMITS_KEYS)
        where = f" in {config.path}" if config.path else ""
        value = table.get("attachment_max_bytes")
        if value is None:
            return cls()
        if isinstance(value, bool) or not isinstance(value, int):
            problem = f"is {value!r}, not a whole number of bytes"
        elif not 1 <= value <= MAX_ATTACHMENT_LIMIT:
            problem = f"({value}) must be 1 to {MAX_ATTACHMENT_LIMIT} (1 GiB)"
        else:
            return cls(attachment_max_bytes=value)
        raise ValidationError(
            f"[limits] attachment_max_bytes {problem}{where}.",
            field="limits.attachment_max_bytes",
            hint="Write e.g. attachment_max_bytes = 20971520 (20 MiB, no quotes).",
        )
