"""What the board needs to know before it starts: database, accessibility, theme, keys.

Settings are read once (command line, then environment, then ``[tui]`` and ``[keymap]`` of
taskyard.toml) and passed into the app; nothing in the TUI reads the environment later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.config_file import ConfigFile
from core.domain.models import TaskStatus
from core.errors import ValidationError

SCREEN_READER_ENV = "TASKYARD_SCREEN_READER"
THEMES = ("taskyard-dark", "taskyard-light", "high-contrast", "ansi-dark", "ansi-light")
DEFAULT_THEME = "taskyard-dark"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class TuiSettings:
    """Everything the app is configured with; tests build it directly."""

    db: str | None = None
    """Database URL or SQLite path; ``None`` for the default database."""
    actor: str | None = None
    """Who changes are attributed to; ``None`` for the login name."""
    screen_reader: bool = False
    """Linear mode: one column at a time, sentences instead of cards, announcements."""
    screen_reader_source: str | None = None
    """Which setting turned screen-reader mode on, said on its first line."""
    show_cursor: bool = False
    """Keep the terminal cursor visible (implied by screen-reader mode)."""
    theme: str = DEFAULT_THEME
    animations: bool = True
    columns: tuple[TaskStatus, ...] = tuple(TaskStatus)
    """Which state columns the board shows, in order."""
    hide_empty_columns: bool = False
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (``"board.new-task" = "a"``), from ``[keymap]``."""
    project: str | None = None
    """The project to open on; ``None`` for every project."""

    @property
    def cursor_visible(self) -> bool:
        """Whether the real terminal cursor is shown."""
        return self.show_cursor or self.screen_reader


def build_settings(
    *,
    config: ConfigFile,
    environ: Mapping[str, str] | None = None,
    db: str | None = None,
    actor: str | None = None,
    screen_reader: bool | None = None,
    show_cursor: bool | None = None,
    theme: str | None = None,
    animations: bool | None = None,
) -> TuiSettings:
    """Merge the command line (arguments), the environment and the config file, in that order.

    Raises:
        ValidationError: a bad value in ``[tui]`` or ``[keymap]``, naming the key and the fix.
    """
    env = os.environ if environ is None else environ
    tui = config.table("tui")
    where = f"[tui] in {config.path}"

    sr_source: str | None = None
    if screen_reader:
        sr_source = "--screen-reader"
    elif env.get(SCREEN_READER_ENV, "").strip().lower() in _TRUE:
        sr_source = f"{SCREEN_READER_ENV}={env[SCREEN_READER_ENV]}"
    elif _bool(tui, "screen_reader", where):
        sr_source = f"screen_reader = true in {config.path}"

    chosen_theme = theme or str(tui.get("theme", DEFAULT_THEME))
    if chosen_theme not in THEMES:
        raise ValidationError(
            f"Unknown theme {chosen_theme!r}.",
            field="theme",
            hint="Choose one of: " + ", ".join(THEMES) + ".",
        )
    if animations is None:
        animations = _bool(tui, "animations", where, default=True)
        if env.get("TEXTUAL_ANIMATIONS", "").strip().lower() == "none":
            animations = False

    return TuiSettings(
        db=db,
        actor=actor,
        screen_reader=sr_source is not None,
        screen_reader_source=sr_source,
        show_cursor=bool(show_cursor) or _bool(tui, "show_cursor", where),
        theme=chosen_theme,
        animations=animations,
        columns=_columns(tui, where),
        hide_empty_columns=_bool(tui, "hide_empty_columns", where),
        keymap=_keymap(config.table("keymap"), f"[keymap] in {config.path}"),
        project=_optional_str(tui, "project", where),
    )


def _bool(table: Mapping[str, Any], key: str, where: str, *, default: bool = False) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ValidationError(
            f"{key} in {where} must be true or false, not {value!r}.",
            field=key,
            hint=f"Write `{key} = true` or `{key} = false` (no quotes).",
        )
    return value


def _optional_str(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ValidationError(
            f"{key} in {where} must be a string.", field=key, hint=f'Write `{key} = "..."`.'
        )
    return value


def _columns(table: Mapping[str, Any], where: str) -> tuple[TaskStatus, ...]:
    value = table.get("columns")
    if value is None:
        return tuple(TaskStatus)
    names = ", ".join(s.value for s in TaskStatus)
    if not isinstance(value, list) or not value:
        raise ValidationError(
            f"columns in {where} must be a non-empty list of states.",
            field="columns",
            hint=f'For example `columns = ["ready", "in_progress", "done"]`; states: {names}.',
        )
    columns: list[TaskStatus] = []
    for item in value:
        try:
            status = TaskStatus(str(item).strip().lower().replace(" ", "_"))
        except ValueError:
            raise ValidationError(
                f"columns in {where} names {item!r}, which is not a state.",
                field="columns",
                hint=f"States: {names}.",
            ) from None
        if status not in columns:
            columns.append(status)
    return tuple(columns)


def _keymap(table: Mapping[str, Any], where: str) -> dict[str, str]:
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ValidationError(
                f"{binding_id} in {where} must be a string of keys.",
                field=binding_id,
                hint=f'For example `"{binding_id}" = "ctrl+n"`; several keys: "a,ctrl+n".',
            )
        keymap[binding_id] = keys.strip()
    return keymap
