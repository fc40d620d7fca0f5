"""The server's API tokens: issue, list, revoke, and recognise a secret.

A secret is ``ty_`` and 256 random bits (``secrets.token_urlsafe(32)``); only its SHA-256 is
stored. A slow password hash protects guessable secrets, and these cannot be guessed, so it
would only add its cost to every request. A secret is looked up by its hash, and the stored
hash is compared again with ``hmac.compare_digest`` so that no comparison of the secret
depends on how much of it matched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from core.domain.access import (
    TOKEN_PREFIX,
    ApiToken,
    IssuedToken,
    TokenCreate,
    TokenScope,
)
from core.errors import AuthenticationError, DuplicateError, NotFoundError
from core.store import tables as t
from core.store.context import TxContext
from core.store.lookup import find_project, near_matches

K, P = t.api_tokens, t.projects

SECRET_BYTES = 32
PREFIX_SHOWN = 10
"""``ty_`` and 7 characters of the secret: enough to tell tokens apart, useless to guess it."""

LAST_USED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token."""


def secret_hash(secret: str) -> str:
    """The stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(conn: Connection, ctx: TxContext, request: TokenCreate) -> IssuedToken:
    """Issue a token; the secret is returned here and never again (event ``token.created``).

    Raises:
        DuplicateError: a token with this name exists (revoked ones too: names are actors).
        NotFoundError: a project it is limited to does not exist.
    """
    if conn.execute(select(K.c.id).where(K.c.name == request.name)).first() is not None:
        raise DuplicateError(
            f"A token named {request.name!r} already exists.",
            hint="Pick another name (a revoked token keeps its name: it names past changes).",
            details={"field": "name", "input": request.name},
        )
    projects = [find_project(conn, ref) for ref in request.projects]
    project_ids = list(dict.fromkeys(p["id"] for p in projects))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    row: dict[str, Any] = {
        "id": ctx.new_id(),
        "name": request.name,
        "secret_hash": secret_hash(secret),
        "prefix": secret[:PREFIX_SHOWN],
        "scope": request.scope.value,
        "project_ids": project_ids,
        "created_at": ctx.now,
        "created_by": ctx.actor,
        "expires_at": request.expires_at,
        "revoked_at": None,
        "last_used_at": None,
    }
    conn.execute(insert(K).values(**row))
    slugs = [p["slug"] for p in projects]
    ctx.emit(
        "token.created",
        payload={
            "name": request.name,
            "scope": request.scope.value,
            "projects": list(dict.fromkeys(slugs)),
            "expires_at": None if request.expires_at is None else request.expires_at.isoformat(),
        },
    )
    return IssuedToken(token=_token(row, _slugs(conn)), secret=secret)


def list_tokens(conn: Connection) -> list[ApiToken]:
    """Every token, revoked and expired ones too, by name."""
    slugs = _slugs(conn)
    return [_token(r, slugs) for r in conn.execute(select(K).order_by(K.c.name)).mappings()]


def revoke_token(conn: Connection, ctx: TxContext, name: str) -> ApiToken:
    """Revoke a token at once (event ``token.revoked``); revoking it again changes nothing.

    Raises:
        NotFoundError: no token has this name.
    """
    row = conn.execute(select(K).where(K.c.name == name)).mappings().first()
    if row is None:
        names = [r.name for r in conn.execute(select(K.c.name))]
        suggestions = near_matches(name, names)
        raise NotFoundError(
            f"No token named {name!r}.",
            hint="Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
            if suggestions
            else "List tokens with `taskyard token list`.",
            details={"field": "name", "input": name, "suggestions": suggestions},
        )
    if row["revoked_at"] is not None:
        return _token(row, _slugs(conn))
    conn.execute(update(K).where(K.c.id == row["id"]).values(revoked_at=ctx.now))
    ctx.emit("token.revoked", payload={"name": name})
    return _token({**row, "revoked_at": ctx.now}, _slugs(conn))


def authenticate(conn: Connection, secret: str, now: datetime) -> ApiToken:
    """The active token whose secret this is.

    Raises:
        AuthenticationError: no token has this secret, or it expired or was revoked.
    """
    digest = secret_hash(secret)
    row = conn.execute(select(K).where(K.c.secret_hash == digest)).mappings().first()
    if row is None or not hmac.compare_digest(row["secret_hash"], digest):
        raise AuthenticationError(
            "The token is not valid.",
            hint="Check that the whole token was copied; list tokens with `taskyard token "
            "list` on the server, or create one with `taskyard token create NAME`.",
        )
    token = _token(row, _slugs(conn, row["project_ids"]))
    state = token.state(now)
    if state != "active":
        when = token.revoked_at if state == "revoked" else token.expires_at
        assert when is not None
        raise AuthenticationError(
            f"The token {token.name!r} was {state} on {when:%Y-%m-%d %H:%M} UTC.",
            hint="Create a new token with `taskyard token create NAME` on the server.",
        )
    return token


def touch(conn: Connection, ctx: TxContext, token_id: str) -> None:
    """Record that the token was used now (no event: this is bookkeeping, not a change)."""
    conn.execute(update(K).where(K.c.id == token_id).values(last_used_at=ctx.now))


def _slugs(conn: Connection, ids: list[str] | None = None) -> dict[str, str]:
    query = select(P.c.id, P.c.slug)
    if ids is not None:
        if not ids:
            return {}
        query = query.where(P.c.id.in_(ids))
    return {r.id: r.slug for r in conn.execute(query)}


def _token(row: RowMapping | dict[str, Any], slugs: dict[str, str]) -> ApiToken:
    ids = list(row["project_ids"] or [])
    return ApiToken(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scope=TokenScope(row["scope"]),
        project_ids=ids,
        projects=[slugs.get(i, i) for i in ids],
        created_at=row["created_at"],
        created_by=row["created_by"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )
