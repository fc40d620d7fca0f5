"""One error body for every failure: ``{"error": {"code", "message", "hint", "details"}}``.

The codes are the CLI's ``--json`` codes (``TaskyardError.code``); the status comes from the
error class (``http_status``). FastAPI's own failures (a body that is not JSON, a field of the
wrong type, a route that does not exist) are said in the same shape and words, and every
status a route can answer is declared in OpenAPI through ``error_responses``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from core.domain.commands import from_error_list
from core.errors import (
    AuthenticationError,
    BadRequestError,
    DatabaseBusyError,
    NotFoundError,
    StorageError,
    TaskyardError,
)


class ErrorInfo(BaseModel):
    """What went wrong, for programs (``code``, ``details``) and for people (the rest)."""

    code: str
    """Stable and machine-readable: the CLI's ``--json`` codes (``not_found``, ``conflict`` ...)."""
    message: str
    hint: str | None = None
    """How to fix it, when the caller can."""
    details: dict[str, Any] = {}
    """Structured data: the field, suggestions, blockers, versions; ``request_id`` on a 500."""


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorInfo


_DESCRIPTIONS = {
    400: "The request cannot be read: a body that is not JSON, or a malformed header.",
    401: "No bearer token, or one that is unknown, expired or revoked.",
    403: "The token's scope or projects do not allow this.",
    404: "Not found (things in projects the token cannot see are not found either).",
    409: "Conflict: a taken name, a move the state machine forbids, a dependency cycle, or a "
    "request with the same Idempotency-Key still running.",
    412: "If-Match named a version the task no longer has; details give the current one.",
    413: "The request body is larger than the server accepts.",
    422: "Invalid input; details.errors names every bad field.",
    429: "Too many requests; Retry-After says when to try again.",
    503: "The database is unavailable or busy; try again (Retry-After).",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring the error body for each status."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in statuses}


def documented(
    model: Any, *errors: int, summary: str, status: int = 200, existing: str | None = None
) -> dict[str, Any]:
    """A written-out route's OpenAPI keywords: ``@router.get(path, **documented(...))``.

    The route answers ``model`` with ``status``, or one of ``errors`` (besides those every
    route declares). ``existing`` describes the 200 with the same model that an idempotent
    create (201) answers when the thing was there already.
    """
    responses = error_responses(*errors)
    if existing is not None:
        responses = {200: {"model": model, "description": existing}, **responses}
    declared: dict[str, Any] = {"response_model": model, "responses": responses}
    if status != 200:
        declared["status_code"] = status
    return {**declared, "summary": summary}


def error_body(error: TaskyardError) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"error": error.to_dict()}


def error_response(error: TaskyardError, request_state: dict[str, Any] | None = None) -> Response:
    """The response for ``error``: its status, the body, and the headers its status needs.

    ``request_state`` (the ASGI scope's state) says who asked: a token limited to some
    projects gets not-found errors without the near matches, which could name things in the
    projects it cannot see.
    """
    caller = (request_state or {}).get("caller")
    if isinstance(error, NotFoundError) and caller is not None and caller.restricted:
        error = conceal(error)
    headers: dict[str, str] = {}
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="taskyard"'
    elif isinstance(error, DatabaseBusyError):
        headers["Retry-After"] = "1"
    elif isinstance(error, StorageError):
        headers["Retry-After"] = "5"
    body = json.dumps(error_body(error), ensure_ascii=False, default=str).encode()
    return Response(body, status_code=error.http_status, headers=headers, media_type=JSON_TYPE)


JSON_TYPE = "application/json"


def conceal(error: NotFoundError) -> NotFoundError:
    """``error`` without near matches or hints that could reveal other projects' things."""
    field = str(error.details.get("field") or "item")
    given = error.details.get("input")
    what = f" {given!r}" if given is not None else ""
    return NotFoundError(
        f"No {field}{what}.",
        hint="Check the reference; this token sees only its own projects.",
        details={"field": field, "input": given, "suggestions": []},
    )


class InternalServerError(TaskyardError):
    """A bug: the server failed in a way no error class describes (the log has the trace)."""

    code = "internal_error"
    http_status = 500


class MethodNotAllowedError(TaskyardError):
    """The route exists but does not take this method."""

    code = "method_not_allowed"
    http_status = 405


def internal_error(request_id: str) -> Response:
    """A 500 that says nothing about the code, only how to find it in the server's log."""
    error = InternalServerError(
        "The server failed while handling this request.",
        hint="This is a bug in taskyard; report it with this request id (the server's log "
        "has the details).",
        details={"request_id": request_id},
    )
    return JSONResponse(error_body(error), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure the routes raise answer with the error body."""

    async def taskyard_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaskyardError)
        return error_response(exc, request.scope.get("state"))

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request_error(list(exc.errors())), request.scope.get("state"))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return http_exception_response(request, exc)

    app.add_exception_handler(TaskyardError, taskyard_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)


def request_error(errors: list[Any]) -> TaskyardError:
    """The error for a request FastAPI could not read or validate."""
    for err in errors:
        if err.get("type") == "json_invalid":
            return BadRequestError(
                "The request body is not valid JSON.",
                hint="Send a JSON object with Content-Type: application/json.",
                details={"position": (err.get("ctx") or {}).get("error")},
            )
    located = []
    for err in errors:
        loc = tuple(err.get("loc") or ())
        # ("body", "title") names the field "title"; a missing body stays "body".
        if len(loc) > 1 and loc[0] in {"body", "query", "path", "header", "cookie"}:
            loc = loc[1:]
        located.append({**err, "loc": loc})
    return from_error_list(located)


def http_exception_response(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own refusals (no such route, wrong method) in the error body."""
    error: TaskyardError
    if exc.status_code == 404:
        error = NotFoundError(
            f"No route {request.method} {request.url.path}.",
            hint="See the API's routes at /docs (or /openapi.json).",
        )
    elif exc.status_code == 405:
        error = MethodNotAllowedError(
            f"{request.url.path} does not take {request.method}.",
            hint="See the methods each route takes at /docs.",
        )
    else:
        error = BadRequestError(str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(error_body(error), status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at the request's path (a 405's ``Allow`` header).

    Starlette names only the methods of the first route whose path matches, and a path
    often has several routes (``GET`` and ``POST /api/v2/projects``): its ``Allow`` would
    leave out methods that work.
    """
    path = request.url.path
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            methods.update(route.methods or ())
    return sorted(methods)
