"""What taskyard's two HTTP clients share: the server's URL, timeouts, retries, query strings.

``core.remote.transport`` (httpx, for engines) and ``core.remote.light`` (the standard
library, for a cold CLI read) must reach a server the same way: the same URL forms, the same
patience and the same parameters on the wire. Only the standard library is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 3.0
"""Seconds to open a connection: a server that does not accept by then is down or far."""
READ_TIMEOUT = 30.0
"""Seconds to wait for an answer (a large import commits in seconds on a loaded machine)."""
ATTEMPTS = 4
"""Sends of one request at most, the first included, when retrying is safe."""
BACKOFF = (0.2, 0.5, 1.0)
"""Seconds before each retry."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_HEADER = "Idempotency-Key"

JsonParams = Mapping[str, Any]


def normalize_server(url: str) -> str:
    """A server's base URL as given by a person: ``http://`` added when no scheme, no ``/`` end.

    Raises:
        ValidationError: not an http(s) URL with a host.
    """
    from core.errors import ValidationError

    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(
            f"{url!r} is not a server URL.",
            field="server",
            hint="Give the URL `taskyard serve` printed, e.g. http://127.0.0.1:8765.",
        )
    if parts.username or parts.password:
        raise ValidationError(
            "A server URL must not carry credentials.",
            field="server",
            hint="Pass the token with --token, TASKYARD_TOKEN or `taskyard login`.",
        )
    return text.rstrip("/")


QueryPairs = list[tuple[str, str | int | float | bool | None]]


def query_pairs(params: JsonParams | None) -> QueryPairs | None:
    """Query parameters on the wire: ``None`` left out, lists repeated, bools as words."""
    if params is None:
        return None
    pairs: QueryPairs = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            else:
                pairs.append((key, str(getattr(item, "value", item))))
    return pairs
