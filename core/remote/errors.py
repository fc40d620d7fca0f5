"""The server's error body turned back into the ``TaskyardError`` the engine raised there.

The server answers every failure with ``{"error": {"code", "message", "hint", "details"}}``
(``core.server.errors``), the code being the class's ``code``. A remote caller catches the same
classes as a local one (``except ConflictError``), so the code picks the class again here;
where two classes share a code (``StorageError`` and ``DatabaseBusyError``) the status and the
more general class decide, and an unknown code falls back on the status.
"""

from __future__ import annotations

from typing import Any

from core.errors import (
    AnswerLostError,
    AuthenticationError,
    BadRequestError,
    ClaimRequiredError,
    CommandNotApprovedError,
    ConflictError,
    CycleError,
    DependencyBlockedError,
    DuplicateError,
    InvalidTransitionError,
    LeaseLostError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    RequestInProgressError,
    StorageError,
    TaskyardError,
    ValidationError,
)

_BY_CODE: dict[str, type[TaskyardError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        NotFoundError,
        ConflictError,
        DuplicateError,
        InvalidTransitionError,
        DependencyBlockedError,
        ClaimRequiredError,
        CommandNotApprovedError,
        CycleError,
        StorageError,
        LeaseLostError,
        RequestInProgressError,
        AnswerLostError,
        AuthenticationError,
        PermissionDeniedError,
        PreconditionFailedError,
        PayloadTooLargeError,
        RateLimitedError,
        BadRequestError,
    )
}

_BY_STATUS: dict[int, type[TaskyardError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitedError,
    503: StorageError,
}


class ServerError(TaskyardError):
    """The server failed in a way no error class describes (a 500: a bug on the server)."""

    code = "server_error"
    http_status = 502
    exit_code = 1


class ServerUnreachableError(StorageError):
    """The server did not answer (refused, timed out, dropped the connection).

    A ``StorageError``: the data cannot be reached, not the caller's input; what handles a
    database that is down handles a server that is down.
    """

    code = "server_unreachable"


class IncompatibleServerError(TaskyardError):
    """The server speaks another version of the API than this client."""

    code = "incompatible_server"
    http_status = 502
    exit_code = 6


def unreachable(server: str, reason: str) -> ServerUnreachableError:
    """The error for a server that gave no answer; ``reason``: the network error in words."""
    return ServerUnreachableError(
        f"Cannot reach the taskyard server at {server}: {reason}.",
        hint="Check that `taskyard serve` runs there and the URL (--server, "
        "TASKYARD_SERVER) is right; try again once the network is back.",
        details={"server": server, "reason": reason},
    )


def not_taskyard(server: str, what: str) -> IncompatibleServerError:
    """The error for a URL that answers, but not as a taskyard server of this version."""
    from core import __version__

    return IncompatibleServerError(
        f"the taskyard server at {server} is not a taskyard server of this version ({what}).",
        hint=f"This client is taskyard {__version__}: check the URL, or use a client of the "
        "server's version.",
        details={"server": server, "client_version": __version__},
    )


def error_from_body(status: int, body: Any, *, where: str) -> TaskyardError:
    """The error a response with ``status`` and (parsed JSON) ``body`` stands for.

    Args:
        status: The response's status (400 or more).
        body: The response's JSON, or ``None`` when it was not JSON.
        where: The server, for a message when the body says nothing.
    """
    info = body.get("error") if isinstance(body, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("message"), str):
        return _bare(status, where)
    code = str(info.get("code") or "")
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status) or ServerError
    details = info.get("details")
    hint = info.get("hint")
    error = cls(
        info["message"],
        hint=hint if isinstance(hint, str) else None,
        details=details if isinstance(details, dict) else {},
    )
    if isinstance(error, ValidationError):
        error.field = error.details.get("field")
    if cls is AuthenticationError:
        error.hint = f"{error.hint} {LOGIN_HINT}" if error.hint else LOGIN_HINT
    return error


LOGIN_HINT = "To use another token: `taskyard login URL`, --token or TASKYARD_TOKEN."


def _bare(status: int, where: str) -> TaskyardError:
    """The error for a response without the error body (a proxy's page, a crash)."""
    cls = _BY_STATUS.get(status, ServerError)
    if cls is AuthenticationError:
        return AuthenticationError(f"{where} refused the token (HTTP {status}).", hint=LOGIN_HINT)
    return cls(
        f"{where} answered HTTP {status} without an error body.",
        hint="Check that the URL points at a taskyard server and not at a proxy in front of it.",
        details={"status": status},
    )
