"""What the board needs to know before it starts: database, accessibility, theme, keys.

Settings are read once (command line, then environment, then ``[tui]`` and ``[keymap]`` of
taskyard.toml) and passed into the app; nothing in the TUI reads the environment later.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import FALSE_WORDS, TRUE_WORDS
from core.config_file import ConfigFile
from core.domain.models import TaskStatus
from core.errors import ValidationError

SCREEN_READER_ENV = "TASKYARD_SCREEN_READER"
EMBEDDED_WORKERS_ENV = "TASKYARD_EMBEDDED_WORKERS"
DEFAULT_WORKER_SLOTS = 2
MAX_WORKER_SLOTS = 64
THEMES = ("taskyard-dark", "taskyard-light", "high-contrast", "ansi-dark", "ansi-light")
DEFAULT_THEME = "taskyard-dark"


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
    theme_source: str | None = None
    """What chose ``theme`` when it was not the default (``--theme``, ``theme = … in PATH``,
    your last choice): said when a palette choice will not be the next start's theme."""
    remember_in: Path | None = None
    """Where a theme picked in the palette is kept for the next start; ``None``: nowhere
    (settings built directly, as tests do, never write the user's files)."""
    animations: bool = True
    columns: tuple[TaskStatus, ...] = tuple(TaskStatus)
    """Which state columns the board shows, in order."""
    hide_empty_columns: bool = False
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (``"board.new-task" = "a"``), from ``[keymap]``."""
    project: str | None = None
    """The project to open on; ``None`` for every project."""
    embedded_workers: bool = False
    """Run tasks in this process (a worker pool the app starts and stops). ``build_settings``
    turns it on for a local SQLite database unless told otherwise; built directly (tests),
    it is off unless asked for, so no test runs tasks by surprise."""
    worker_slots: int = DEFAULT_WORKER_SLOTS
    """How many tasks the embedded pool runs at once."""
    config: ConfigFile = field(default_factory=ConfigFile)
    """The taskyard.toml the settings came from (the worker pool reads its pipelines)."""

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
    remember_in: Path | None = None,
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
    elif env.get(SCREEN_READER_ENV, "").strip().lower() in TRUE_WORDS:
        sr_source = f"{SCREEN_READER_ENV}={env[SCREEN_READER_ENV]}"
    elif _bool(tui, "screen_reader", where):
        sr_source = f"screen_reader = true in {config.path}"

    chosen_theme, theme_source = _theme(theme, tui, config.path, remember_in)
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
        theme_source=theme_source,
        remember_in=remember_in,
        animations=animations,
        columns=_columns(tui, where),
        hide_empty_columns=_bool(tui, "hide_empty_columns", where),
        keymap=_keymap(config.table("keymap"), f"[keymap] in {config.path}"),
        project=_optional_str(tui, "project", where),
        embedded_workers=_embedded(tui, where, env, db),
        worker_slots=_slots(tui, where),
        config=config,
    )


def is_local_database(db: str | None) -> bool:
    """Whether ``db`` (or the default database) is a SQLite file on this machine."""
    from core.config import database_url, default_database_url

    url = database_url(db) if db else default_database_url()
    return url.startswith("sqlite")


def _embedded(table: Mapping[str, Any], where: str, env: Mapping[str, str], db: str | None) -> bool:
    """``TASKYARD_EMBEDDED_WORKERS``, else ``[tui] embedded_workers``, else on for local SQLite.

    A shared PostgreSQL or remote database has its own workers; a board opened on it should
    not start claiming tasks unless asked to.
    """
    raw = env.get(EMBEDDED_WORKERS_ENV, "").strip().lower()
    if raw:
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        raise ValidationError(
            f"{EMBEDDED_WORKERS_ENV}={env[EMBEDDED_WORKERS_ENV]!r} is neither on nor off.",
            field=EMBEDDED_WORKERS_ENV,
            hint=f"Set {EMBEDDED_WORKERS_ENV}=1 or {EMBEDDED_WORKERS_ENV}=0.",
        )
    if "embedded_workers" in table:
        return _bool(table, "embedded_workers", where)
    return is_local_database(db)


def _slots(table: Mapping[str, Any], where: str) -> int:
    value = table.get("worker_slots", DEFAULT_WORKER_SLOTS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKER_SLOTS:
        raise ValidationError(
            f"worker_slots in {where} must be a whole number from 1 to {MAX_WORKER_SLOTS}, "
            f"not {value!r}.",
            field="worker_slots",
            hint=f"For example `worker_slots = {DEFAULT_WORKER_SLOTS}`.",
        )
    return value


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


REMEMBERED_FILE = "remembered.toml"
"""What the board remembers between starts (the theme picked in the palette), in the user's
taskyard folder beside taskyard.toml, which stays the user's own file."""


def remembered_path() -> Path:
    from core.config_file import user_config_folder

    return user_config_folder() / REMEMBERED_FILE


def _theme(
    given: str | None, tui: Mapping[str, Any], path: Path | None, remember_in: Path | None
) -> tuple[str, str | None]:
    """The theme and what chose it: ``--theme``, then ``[tui]``, then the last palette choice.

    Raises:
        ValidationError: ``--theme`` or ``theme`` in ``[tui]`` names no taskyard theme.
    """
    hint = "Choose one of: " + ", ".join(THEMES) + " (the palette offers the same)."
    if given:
        if given not in THEMES:
            raise ValidationError(f"--theme {given!r} is not a taskyard theme.", hint=hint)
        return given, "--theme"
    if "theme" in tui:
        named = str(tui["theme"])
        if named not in THEMES:
            raise ValidationError(
                f"theme = {named!r} in [tui] in {path} is not a taskyard theme.",
                field="theme",
                hint=hint,
            )
        return named, f"theme = {named!r} in {path}"
    last = read_remembered(remember_in).get("theme") if remember_in else None
    if isinstance(last, str) and last in THEMES:
        return last, None
    return DEFAULT_THEME, None


def read_remembered(path: Path) -> dict[str, Any]:
    """What was remembered; nothing when the file is missing or unreadable (it is a help)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def remember(path: Path, key: str, value: str) -> None:
    """Keep ``key = "value"`` in ``path`` beside what is there.

    Raises:
        OSError: the folder or file cannot be written.
    """
    data = {k: v for k, v in read_remembered(path).items() if isinstance(v, str)}
    data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k} = {_toml_string(v)}" for k, v in sorted(data.items())]
    path.write_text(
        "# Written by the taskyard board: your last choices.\n" + "\n".join(lines) + "\n"
    )


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
