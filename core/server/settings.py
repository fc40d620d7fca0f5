"""The server's settings: rate limits and body sizes (taskyard.toml, environment, options).

Each setting is looked up in rising order of precedence: its default, the ``[server]`` table
of taskyard.toml, its ``TASKYARD_*`` environment variable, then the option given to
``serve``. The attachment limit is the store's own (``[limits] attachment_max_bytes``), so
the server refuses exactly what the engine would refuse, only earlier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.config_file import ConfigFile, Limits
from core.domain.commands import DEFAULT_ATTACHMENT_LIMIT
from core.errors import ValidationError

DEFAULT_RATE_LIMIT = 600
"""Requests per minute per token: a board, a few workers and scripts stay far below it, and a
client stuck in a loop is slowed down before it slows everyone else."""
DEFAULT_REQUEST_MAX_BYTES = 64 * 1024 * 1024
"""The largest request body (JSON or JSON Lines): a 100,000-task import fits."""
MAX_RATE = 1_000_000
MAX_REQUEST_BYTES = 1024**3


@dataclass(frozen=True)
class _Knob:
    """One setting: its ``[server]`` key, environment variable and accepted range."""

    key: str
    env: str
    low: int
    high: int
    example: str


_KNOBS = (
    _Knob("rate_limit", "TASKYARD_RATE_LIMIT", 0, MAX_RATE, "rate_limit = 600"),
    _Knob("rate_burst", "TASKYARD_RATE_BURST", 1, MAX_RATE, "rate_burst = 100"),
    _Knob(
        "request_max_bytes",
        "TASKYARD_REQUEST_MAX_BYTES",
        1024,
        MAX_REQUEST_BYTES,
        "request_max_bytes = 134217728",
    ),
)
SERVER_KEYS = tuple(k.key for k in _KNOBS)
"""The keys ``[server]`` may hold."""


@dataclass(frozen=True)
class ServerSettings:
    """What one server process enforces on every request."""

    rate_limit: int = DEFAULT_RATE_LIMIT
    """Requests per minute one token may make, sustained; 0 turns rate limiting off."""
    rate_burst: int | None = None
    """Requests a token may make at once before the rate applies (``None``: ``rate_limit``)."""
    request_max_bytes: int = DEFAULT_REQUEST_MAX_BYTES
    """The largest request body; larger ones get a 413 before they are read."""
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_LIMIT
    """The largest file one attachment upload may carry (``[limits]``)."""

    @property
    def burst(self) -> int:
        """How many requests a token may make at once."""
        return self.rate_burst if self.rate_burst is not None else self.rate_limit

    @classmethod
    def load(
        cls, config: ConfigFile, environ: Mapping[str, str], **given: int | None
    ) -> ServerSettings:
        """The settings in force: ``given`` (serve's options), else the environment, else the file.

        Raises:
            ValidationError: an unknown ``[server]`` key, or a value that is not a whole
                number in its range (the key or variable, where, and the fix).
        """
        table = config.table("server", SERVER_KEYS)
        where = f" in {config.path}" if config.path else ""
        values: dict[str, int] = {}
        for knob in _KNOBS:
            option = given.get(knob.key)
            text = environ.get(knob.env, "").strip()
            if option is not None:
                values[knob.key] = _checked(knob, option, f"--{knob.key.replace('_', '-')}")
            elif text:
                values[knob.key] = _checked(knob, _number(knob, text), knob.env)
            elif knob.key in table:
                values[knob.key] = _checked(knob, table[knob.key], f"[server] {knob.key}{where}")
        attachment = Limits.from_config(config).attachment_max_bytes
        return cls(
            rate_limit=values.get("rate_limit", DEFAULT_RATE_LIMIT),
            rate_burst=values.get("rate_burst"),
            request_max_bytes=values.get("request_max_bytes", DEFAULT_REQUEST_MAX_BYTES),
            attachment_max_bytes=attachment or DEFAULT_ATTACHMENT_LIMIT,
        )

    def environment(self) -> dict[str, str]:
        """These settings as environment variables, for the processes of ``--workers N``."""
        values = {
            "rate_limit": self.rate_limit,
            "rate_burst": self.rate_burst,
            "request_max_bytes": self.request_max_bytes,
        }
        return {k.env: str(values[k.key]) for k in _KNOBS if values[k.key] is not None}


def _number(knob: _Knob, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(
            f"{knob.env} is {text!r}, not a whole number.",
            field=knob.env,
            hint=f"Set it to a number from {knob.low} to {knob.high}, or unset it.",
        ) from None


def _checked(knob: _Knob, value: object, source: str) -> int:
    """``value`` once it is a whole number in the knob's range."""
    if isinstance(value, int) and not isinstance(value, bool) and knob.low <= value <= knob.high:
        return value
    raise ValidationError(
        f"{source} is {value!r}; it must be a whole number from {knob.low} to {knob.high}.",
        field=knob.key,
        hint=f"Write it without quotes, e.g. {knob.example}.",
    )
