"""Who may use the server and how often a request may be repeated: API tokens and idempotency.

Pure data, like the rest of the domain: the store keeps tokens (as hashes) and idempotency
records, the server checks them on every request.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

TOKEN_PREFIX = "ty_"
"""Every secret starts with this, so a leaked one is recognisable (secret scanners, logs)."""

TOKEN_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
"""A token's name is the actor its changes are recorded under: a word, no spaces."""


class TokenScope(enum.StrEnum):
    """What a token may do; each scope includes the ones before it."""

    READ = "read"
    """Read everything its projects hold."""
    WRITE = "write"
    """Also create and change projects, milestones and tasks. Commands it sets wait for an
    approval (``TaskEngine.approve_commands``) before any worker runs them."""
    ADMIN = "admin"
    """Also everything reserved to the database's owner: commands it sets count as approved."""

    def allows(self, needed: TokenScope) -> bool:
        """Whether this scope covers ``needed``."""
        return _SCOPE_RANK[self] >= _SCOPE_RANK[needed]


_SCOPE_RANK = {TokenScope.READ: 0, TokenScope.WRITE: 1, TokenScope.ADMIN: 2}


class TokenCreate(BaseModel):
    """A token to issue: its name (the actor), scope, projects and expiry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    name: str = Field(pattern=TOKEN_NAME_PATTERN)
    scope: TokenScope = TokenScope.READ
    projects: list[str] = Field(default_factory=list)
    """Projects (id, slug or key) the token is limited to; empty: every project."""
    expires_at: AwareDatetime | None = None
    """When it stops working; ``None``: never."""

    @field_validator("projects")
    @classmethod
    def _distinct(cls, projects: list[str]) -> list[str]:
        return list(dict.fromkeys(p.strip() for p in projects if p.strip()))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class ApiToken(_Frozen):
    """An issued token as stored: everything but its secret, which only its holder has."""

    id: str
    name: str
    prefix: str
    """The secret's first characters (``ty_Ab3xK9Q``), to tell tokens apart in lists."""
    scope: TokenScope
    project_ids: list[str] = Field(default_factory=list)
    """Ids of the projects it is limited to; empty: every project."""
    projects: list[str] = Field(default_factory=list)
    """The same projects by slug, for people."""
    created_at: AwareDatetime
    created_by: str
    expires_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None
    last_used_at: AwareDatetime | None = None
    """Updated at most once a minute (a write per request would cost more than the request)."""

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class IssuedToken(_Frozen):
    """A new token and its secret: the only time the secret is ever shown."""

    token: ApiToken
    secret: str


class StoredResponse(_Frozen):
    """The first answer to an idempotent request, replayed to every retry."""

    status: int
    body: str
    headers: dict[str, str] = Field(default_factory=dict)


KEY_HOLD_SECONDS = 6.0
"""How long an attempt's hold on its ``Idempotency-Key`` lasts unless renewed. A retry that
finds the key held longer ago belongs to an attempt whose server stopped: it takes a pending
key over at once rather than waiting on a request that will never finish."""

KEY_RENEW_SECONDS = 2.0
"""How often a running attempt renews its hold (a third of ``KEY_HOLD_SECONDS``, so a server
slowed down for a moment keeps its keys)."""


class IdempotencyAttempt(_Frozen):
    """One execution of a request under an ``Idempotency-Key``.

    An engine view carrying it (``TaskEngine.acting_as``) marks the key as committed in the
    transaction of each write it makes, and refuses to write once another attempt has taken
    the key over: a request's change is recorded exactly when it commits.
    """

    token_id: str
    key: str
    attempt: str


class IdempotencyReservation(_Frozen):
    """What to do with a request carrying an ``Idempotency-Key``: run it, or replay."""

    attempt: IdempotencyAttempt | None = None
    """Run the request under this attempt (the key was new, or its earlier attempt died
    before changing anything)."""
    response: StoredResponse | None = None
    """The key's first answer: send it again and run nothing."""
