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

    def __init_subclass__(
        cls,
        *,
        code: str | None = None,
        http_status: int | None = None,
        exit_code: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Each error declares its codes in its class line; one it leaves out is inherited."""
        super().__init_subclass__(**kwargs)
        cls.code = cls.code if code is None else code
        cls.http_status = cls.http_status if http_status is None else http_status
        cls.exit_code = cls.exit_code if exit_code is None else exit_code

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


class ValidationError(TaskyardError, code="validation_error", http_status=422, exit_code=2):
    """Input that can never succeed as given: a bad value, a missing field, a too-long title."""

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


class NotFoundError(TaskyardError, code="not_found", http_status=404, exit_code=3):
    """A task, project, milestone or attachment that does not exist; suggests near matches."""


class ConflictError(TaskyardError, code="conflict", http_status=409, exit_code=4):
    """Someone else changed the thing first (stale version, lost race); nothing was written."""


class DuplicateError(TaskyardError, code="duplicate", http_status=409, exit_code=4):
    """A unique name (project slug, key, milestone slug) is already taken."""


class InvalidTransitionError(
    TaskyardError, code="invalid_transition", http_status=409, exit_code=5
):
    """The state machine does not allow this move from the task's current state."""


class DependencyBlockedError(InvalidTransitionError, code="dependency_violation"):
    """The move needs every blocker resolved (done or cancelled), and some are not."""


class ClaimRequiredError(InvalidTransitionError, code="claim_required"):
    """``in_progress`` is entered only by a worker's claim or the explicit force path."""


class CommandNotApprovedError(InvalidTransitionError, code="command_not_approved"):
    """The task's command is not approved (or changed since), so nothing may run it yet."""


class CycleError(TaskyardError, code="circular_dependency", http_status=409, exit_code=5):
    """A dependency edge that would close a cycle (or point a task at itself)."""


class StorageError(TaskyardError, code="storage_error", http_status=503, exit_code=6):
    """The database cannot be opened, migrated or written (not the user's input)."""


class DatabaseBusyError(StorageError):
    """Another process held the database's write lock for longer than a write would wait.

    An expected condition, not a bug: SQLite has one writer at a time, and a long import or
    a busy worker can hold its lock for many seconds. Nothing was written; trying again later
    is safe.
    """


class LeaseLostError(ConflictError, code="lease_lost"):
    """A worker wrote with a claim it no longer holds (lease expired, run cancelled or ended).

    Nothing was written: another worker may already be running the task, so this worker must
    stop its work on it.
    """


class RequestInProgressError(ConflictError, code="request_in_progress"):
    """A request with this ``Idempotency-Key`` is still running; nothing was done twice.

    Retrying with the same key a moment later gets its answer (or runs it, if the attempt
    holding the key died before changing anything: its hold lapses within seconds).
    """


class AnswerLostError(ConflictError, code="answer_lost"):
    """The request with this ``Idempotency-Key`` took effect, but its answer was lost.

    The server stopped between making the change and sending the answer. The change is in:
    read the resource to see it; sending the request again with a new key would make it twice.
    """


class AuthenticationError(TaskyardError, code="unauthorized", http_status=401, exit_code=7):
    """No credentials, or ones that name no valid token (unknown, expired or revoked)."""


class PermissionDeniedError(TaskyardError, code="forbidden", http_status=403, exit_code=7):
    """Valid credentials whose scope or project list does not cover the request."""


class PreconditionFailedError(ConflictError, code="precondition_failed", http_status=412):
    """A conditional request (``If-Match``) named a version the thing no longer has."""


class PayloadTooLargeError(ValidationError, code="payload_too_large", http_status=413):
    """A request body or a file larger than the server accepts; nothing was stored.

    A ``ValidationError`` (the input can never succeed as sent) with its own code and status,
    so a client catching validation errors catches this one too.
    """


class RateLimitedError(TaskyardError, code="rate_limited", http_status=429, exit_code=6):
    """A token sent more requests than its rate limit allows; nothing was done.

    ``details.retry_after`` says how many seconds until the next request is accepted.
    """


class BadRequestError(TaskyardError, code="bad_request", http_status=400, exit_code=2):
    """A request that cannot be read at all: malformed JSON, a malformed header."""
