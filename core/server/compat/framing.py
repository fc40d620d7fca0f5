"""What both older APIs share: routes that answer every failure in their own error body.

FastAPI sends a route's failures to the app's exception handlers, which answer in the v2
body. A compatibility router instead gives its routes a route class (``answering_with``)
that catches the failure inside the route and hands it to the API's own renderer, so
``/v1`` and ``/api/tasks`` keep their byte-level error shapes while the v2 handlers stay
as they are. Only what happens before a route runs (rate limits, body size) still answers
in the v2 body; docs/api-compat.md says so.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    StorageError,
    TaskyardError,
)
from core.server.errors import conceal

Failure = TaskyardError | RequestValidationError
"""What a compatibility route can fail with: the engine's errors and FastAPI's validation."""

Renderer = Callable[[Failure], Response]

JSON_TYPE = "application/json"


def json_answer(
    content: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``content`` (plain JSON types, dates as ISO text) as a JSON response."""
    body = json.dumps(content, ensure_ascii=False, default=str).encode()
    return Response(body, status_code=status, headers=headers, media_type=JSON_TYPE)


def answering_with(render: Renderer, headers: dict[str, str] | None = None) -> type[APIRoute]:
    """A route class whose routes answer their failures through ``render``.

    ``headers`` go on every answer (``render`` sets them on failures itself).

    A token limited to some projects gets not-found errors without near matches, as in v2
    (they could name things in projects it cannot see).
    """

    class CompatRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def answer(request: Request) -> Response:
                try:
                    response = await handler(request)
                    response.headers.update(headers or {})
                    return response
                except RequestValidationError as exc:
                    return render(exc)
                except StarletteHTTPException as exc:
                    if exc.status_code != 400:  # FastAPI's "error parsing the body"
                        raise
                    return render(BadRequestError(str(exc.detail)))
                except TaskyardError as exc:
                    caller = request.scope.get("state", {}).get("caller")
                    if isinstance(exc, NotFoundError) and caller is not None and caller.restricted:
                        exc = _concealed(exc)
                    return render(exc)

            return answer

    return CompatRoute


def _concealed(error: NotFoundError) -> NotFoundError:
    """``errors.conceal``, keeping where in the request the reference was."""
    hidden = conceal(error)
    if "loc" in error.details:
        hidden.details["loc"] = error.details["loc"]
    return hidden


def failure_headers(failure: Failure) -> dict[str, str]:
    """The headers a failure's status needs: how to authenticate, when to retry."""
    if isinstance(failure, AuthenticationError):
        return {"WWW-Authenticate": 'Bearer realm="taskyard"'}
    if isinstance(failure, StorageError):
        return {"Retry-After": "1"}
    return {}


T = TypeVar("T")


def near(asked: str, items: Iterable[T], names: Callable[[T], tuple[str, ...]]) -> list[T]:
    """Up to three ``items`` one of whose names is close to ``asked`` (case-insensitive)."""
    wanted = asked.strip().lower()
    scored = []
    for item in items:
        best = max(
            (difflib.SequenceMatcher(None, wanted, n.lower()).ratio() for n in names(item)),
            default=0.0,
        )
        prefix = any(
            n.lower().startswith(wanted) or wanted.startswith(n.lower()) for n in names(item)
        )
        if best >= 0.5 or prefix:
            scored.append((max(best, 0.5 if prefix else 0.0), item))
    scored.sort(key=lambda pair: -pair[0])
    return [item for _, item in scored[:3]]


def plain_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's validation errors as JSON-safe dicts (``type``, ``loc``, ``msg``, ``input``)."""
    return [
        {
            "type": err.get("type", "value_error"),
            "loc": [str(part) if not isinstance(part, int) else part for part in err["loc"]],
            "msg": err.get("msg", ""),
            "input": _json_safe(err.get("input")),
        }
        for err in exc.errors()
    ]


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
