"""Request bodies have a size limit, enforced before and while they are read.

No part of the server reads an unbounded body into memory: a ``Content-Length`` over the
limit is refused (413) before a byte of the body is read, and a body without one (chunked)
is counted as it arrives and refused at the first chunk past the limit. Attachment uploads
have the store's per-file limit (``[limits] attachment_max_bytes``), every other request
``[server] request_max_bytes``.

Whoever was reading when the limit was crossed (the idempotency middleware, FastAPI's JSON
parsing, a route's own stream) fails; whatever that reader answers is replaced by the one
413, so the client always learns the real reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import PayloadTooLargeError
from core.server.errors import error_response


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a kind of request may send, and the setting that raises it."""

    max_bytes: int
    what: str
    """The kind of body, in words: ``an attachment``, ``a request body``."""
    setting: str
    """Where the limit is configured (``[limits] attachment_max_bytes``)."""

    def error(self, size: int | None) -> PayloadTooLargeError:
        """The refusal of a body of ``size`` bytes (``None``: more than the limit, size unknown)."""
        given = f" ({size} bytes)" if size is not None else ""
        return PayloadTooLargeError(
            f"{self.what.capitalize()}{given} is larger than the server's limit of "
            f"{self.max_bytes} bytes; nothing was stored.",
            field="body",
            hint=f"Send a smaller one, or raise {self.setting} in the server's taskyard.toml.",
            details={"limit_bytes": self.max_bytes, **({"size": size} if size else {})},
        )


class BodyLimitMiddleware:
    """Refuses bodies over the limit that ``limit_for`` gives each request."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], BodyLimit]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what arrives."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await error_response(limit.error(declared), state)(scope, receive, send)
            return
        received = 0
        refused: PayloadTooLargeError | None = None
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    refused = limit.error(None)
                    raise refused
            return message

        async def unless_refused(message: Message) -> None:
            nonlocal started
            if refused is not None:
                return  # the reader's answer to a cut-off body; the 413 is sent instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, unless_refused)
        except PayloadTooLargeError as exc:
            if exc is not refused:
                raise
        if refused is not None and not started:
            await error_response(refused, state)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
