"""The errors every layer raises and renders: each carries a code, a message and a fix-it hint.

One hierarchy serves the TUI (inline message), the CLI (stderr / JSON envelope, exit code) and the
API (status + body), so the three can never explain the same failure differently.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TaskyardError(Exception):
    """Base of every error a user can cause or see.

    Attributes:
        code: A stable machine-readable code (``not_found``, ``invalid_transition`` ...).
        message: What went wrong, in words, naming the thing that was wrong.
        hint: How to fix it, or ``None`` when there is nothing the user can do.
        details: Structured data for programs (blockers, cycle path, suggestions, field).
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(
        self, message: str, *, hint: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: the body of the CLI's and the API's error envelopes."""
        return {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "details": self.details,
        }

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nHint: {self.hint}"


class ValidationError(TaskyardError):
    """Input that can never succeed as given: a bad value, a missing field, a too-long title."""

    code = "validation_error"
    http_status = 422
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        merged = dict(details or {})
        if field is not None:
            merged.setdefault("field", field)
        super().__init__(message, hint=hint, details=merged)
        self.field = field


class NotFoundError(TaskyardError):
    """A task, project, milestone or attachment that does not exist; suggests near matches."""

    code = "not_found"
    http_status = 404
    exit_code = 3


class ConflictError(TaskyardError):
    """Someone else changed the thing first (stale version, lost race); nothing was written."""

    code = "conflict"
    http_status = 409
    exit_code = 4


class DuplicateError(TaskyardError):
    """A unique name (project slug, key, milestone slug) is already taken."""

    code = "duplicate"
    http_status = 409
    exit_code = 4


class InvalidTransitionError(TaskyardError):
    """The state machine does not allow this move from the task's current state."""

    code = "invalid_transition"
    http_status = 409
    exit_code = 5


class DependencyBlockedError(InvalidTransitionError):
    """The move needs every blocker resolved (done or cancelled), and some are not."""

    code = "dependency_violation"


class ClaimRequiredError(InvalidTransitionError):
    """``in_progress`` is entered only by a worker's claim or the explicit force path."""

    code = "claim_required"


class CommandNotApprovedError(InvalidTransitionError):
    """The task's command is not approved (or changed since), so nothing may run it yet."""

    code = "command_not_approved"


class CycleError(TaskyardError):
    """A dependency edge that would close a cycle (or point a task at itself)."""

    code = "circular_dependency"
    http_status = 409
    exit_code = 5


class StorageError(TaskyardError):
    """The database cannot be opened, migrated or written (not the user's input)."""

    code = "storage_error"
    http_status = 503
    exit_code = 6


class DatabaseBusyError(StorageError):
    """Another process held the database's write lock for longer than a write would wait.

    An expected condition, not a bug: SQLite has one writer at a time, and a long import or
    a busy worker can hold its lock for many seconds. Nothing was written; trying again later
    is safe.
    """


class LeaseLostError(ConflictError):
    """A worker wrote with a claim it no longer holds (lease expired, run cancelled or ended).

    Nothing was written: another worker may already be running the task, so this worker must
    stop its work on it.
    """

    code = "lease_lost"


class AuthenticationError(TaskyardError):
    """No credentials, or ones that name no valid token (unknown, expired or revoked)."""

    code = "unauthorized"
    http_status = 401
    exit_code = 7


class PermissionDeniedError(TaskyardError):
    """Valid credentials whose scope or project list does not cover the request."""

    code = "forbidden"
    http_status = 403
    exit_code = 7


class PreconditionFailedError(ConflictError):
    """A conditional request (``If-Match``) named a version the thing no longer has."""

    code = "precondition_failed"
    http_status = 412


class PayloadTooLargeError(ValidationError):
    """A request body or a file larger than the server accepts; nothing was stored.

    A ``ValidationError`` (the input can never succeed as sent) with its own code and status,
    so a client catching validation errors catches this one too.
    """

    code = "payload_too_large"
    http_status = 413


class RateLimitedError(TaskyardError):
    """A token sent more requests than its rate limit allows; nothing was done.

    ``details.retry_after`` says how many seconds until the next request is accepted.
    """

    code = "rate_limited"
    http_status = 429
    exit_code = 6


class BadRequestError(TaskyardError):
    """A request that cannot be read at all: malformed JSON, a malformed header."""

    code = "bad_request"
    http_status = 400
    exit_code = 2
