"""What every ``/api/tasks`` route shares: the error body and codes, versions, rate limits.

Errors answer ``{error, code, details}`` with the old API's codes and statuses (400 for
input, state and dependency problems; 404 per kind of thing; 207 is not an error). The
mapping is by error class and by the field a not-found names, never by the engine's code
strings: the engine's ``dependency_violation`` means "blockers unresolved", which this API
calls INVALID_STATE_TRANSITION.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.responses import Response

from core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CycleError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StorageError,
    TaskyardError,
    ValidationError,
)
from core.server.auth import Caller, current_caller
from core.server.compat.framing import Failure, answering_with, failure_headers, json_answer
from core.server.compat.tasks_shapes import API_VERSION
from core.server.rate_limit import Decision, TokenBuckets

NOT_FOUND_CODES = {
    "project": "WORKSPACE_NOT_FOUND",
    "workspace": "WORKSPACE_NOT_FOUND",
    "orchestrator": "VP_NOT_FOUND",
    "assignee": "ASSIGNEE_NOT_FOUND",
}
"""A not-found error's code by the field it names; anything else is NOT_FOUND."""

FIELD_NAMES = {
    "labels": "tags",
    "effort_estimate": "estimatedHours",
    "due_date": "dueDate",
    "blocked_by": "dependsOn",
    "assignee": "assignedToId",
    "project": "workspaceId",
}
"""The engine's field names in the old API's words, for error details."""


class LegacyError(BaseModel):
    """Every ``/api/tasks`` failure."""

    error: str
    code: str
    details: dict[str, Any] = {}


def _code_and_status(error: TaskyardError) -> tuple[str, int]:
    if isinstance(error, NotFoundError):
        return NOT_FOUND_CODES.get(str(error.details.get("field")), "NOT_FOUND"), 404
    if isinstance(error, CycleError):
        return "CIRCULAR_DEPENDENCY", 400
    if isinstance(error, ValidationError) and "unresolved" in error.details:
        return "DEPENDENCY_VIOLATION", 400
    if isinstance(error, ValidationError | BadRequestError):
        return "VALIDATION_ERROR", 400
    if isinstance(error, InvalidTransitionError):
        return "INVALID_STATE_TRANSITION", 400
    if isinstance(error, AuthenticationError):
        return "UNAUTHORIZED", 401
    if isinstance(error, PermissionDeniedError):
        return "FORBIDDEN", 403
    if isinstance(error, ConflictError):
        return "CONFLICT", error.http_status
    if isinstance(error, RateLimitedError):
        return "RATE_LIMITED", 429
    if isinstance(error, StorageError):
        return "INTERNAL_ERROR", 503
    return "INTERNAL_ERROR", 500


def _details(error: TaskyardError) -> dict[str, Any]:
    details = dict(error.details)
    if "unresolved" in details or "circular" in details:
        return {
            "circularDependencies": details.get("circular", []),
            "unresolvedDependencies": details.get("unresolved", []),
        }
    if isinstance(error, CycleError):
        return {"circularDependencies": details.get("cycle", [])}
    field = details.get("field")
    if isinstance(field, str):
        details["field"] = FIELD_NAMES.get(field, field)
    return details


def render(failure: Failure) -> Response:
    """A failure as the old API's error body, with its status and ``X-API-Version``."""
    headers = {**failure_headers(failure), "X-API-Version": API_VERSION}
    if isinstance(failure, RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e.get("msg", "")}
            for e in failure.errors()
        ]
        body = {
            "error": "Validation failed",
            "code": "VALIDATION_ERROR",
            "details": {"errors": errors},
        }
        return json_answer(body, status=400, headers=headers)
    code, status = _code_and_status(failure)
    if isinstance(failure, RateLimitedError):
        headers["Retry-After"] = str(failure.details.get("retry_after", 1))
    body = {"error": failure.message, "code": code, "details": _details(failure)}
    return json_answer(body, status=status, headers=headers)


async def check_version(
    x_api_version: Annotated[
        str | None, Header(description="1, 1.0 or 1.0.0 (the default, and the only one)")
    ] = None,
) -> None:
    """Refuse a version this server does not speak.

    Async though it awaits nothing: FastAPI runs a plain ``def`` dependency on a worker thread.

    Raises:
        ValidationError: ``X-API-Version`` names another version.
    """
    if x_api_version is not None and x_api_version.strip() not in {"1", "1.0", API_VERSION}:
        raise ValidationError(
            f"API version {x_api_version!r} is not served here; this is {API_VERSION}.",
            field="X-API-Version",
            hint="Leave the header out, or send 1.0.0.",
        )


USER_RATE = 100
"""Requests a minute per token (task-management-api.md: per user)."""
POLL_RATE = 1000
"""Polls a minute per orchestrator."""


class Limits:
    """The old API's own rate limits, on top of the server's per-token limit.

    Off when the server runs without rate limits (``serve --rate-limit 0``). In the
    process, like the server's buckets.
    """

    def __init__(self, enabled: bool) -> None:
        self.users = TokenBuckets(USER_RATE, USER_RATE) if enabled else None
        self.polls = TokenBuckets(POLL_RATE, POLL_RATE) if enabled else None

    def spend(self, buckets: TokenBuckets | None, key: str, what: str) -> None:
        """Take one request from ``key``'s bucket.

        Raises:
            RateLimitedError: it is empty.
        """
        if buckets is None:
            return
        decision: Decision = buckets.take(key)
        if not decision.allowed:
            raise RateLimitedError(
                f"Too many requests for {what} ({buckets.per_minute} a minute); try again in "
                f"{decision.retry_after} s.",
                hint="Wait for Retry-After seconds.",
                details={"retry_after": decision.retry_after, "limit": decision.limit,
                         "reset": int(time.time()) + decision.reset},
            )  # fmt: skip


def per_user_limit(limits: Limits) -> Callable[[Request], Coroutine[Any, Any, Caller]]:
    """The dependency that counts a request against its token's bucket.

    It also leaves ``limits`` on the request, for the poll's per-orchestrator bucket.
    """

    async def per_user(request: Request) -> Caller:
        caller = await current_caller(request)
        request.state.compat_limits = limits
        limits.spend(limits.users, caller.token_id, f"the token {caller.name!r}")
        return caller

    return per_user


def spend_poll(request: Request, orchestrator_id: str) -> None:
    """Count a poll against the orchestrator's bucket.

    Raises:
        RateLimitedError: it is empty.
    """
    limits = getattr(request.state, "compat_limits", None)
    if isinstance(limits, Limits):
        limits.spend(limits.polls, orchestrator_id, f"polls of orchestrator {orchestrator_id}")


def legacy_router(**options: Any) -> APIRouter:
    """A router of the old API: its error body, ``X-API-Version`` on every answer.

    ``compat_router`` adds the token check and the per-user limit when it includes it.
    """
    return APIRouter(
        dependencies=[Depends(check_version)],
        route_class=answering_with(render, {"X-API-Version": API_VERSION}),
        responses={s: {"model": LegacyError} for s in (400, 401, 403, 404, 409, 429, 503)},
        **options,
    )
