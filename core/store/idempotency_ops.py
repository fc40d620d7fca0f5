"""``Idempotency-Key``: a retried request returns its first answer and changes nothing twice.

A key goes through three states, per token:

* ``pending``: an attempt holds it and is running the request;
* ``committed``: the attempt's change is in. Every write of a fenced engine view
  (``fence``) sets it in the write's own transaction, so "the change happened" and "the key
  says so" commit together, or not at all;
* ``done``: the answer is stored; every retry gets it again.

A running attempt holds its key: the server renews the hold every ``KEY_RENEW_SECONDS``
(``renew``) and the commit renews it too. A retry that finds the key ``pending`` or
``committed`` and held within ``KEY_HOLD_SECONDS`` waits its turn (``RequestInProgressError``):
the first attempt is still running. A hold that lapsed belongs to a server that stopped: a
``pending`` key is taken over by the retry at once (nothing was changed); the old attempt,
should it still be alive, can no longer write (its fence no longer matches). A ``committed``
key whose hold lapsed without an answer (the server stopped between the commit and the
answer) is refused with ``AnswerLostError``: its change happened, and running it again would
make it twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, insert, select, update

from core.domain.access import (
    KEY_HOLD_SECONDS,
    IdempotencyAttempt,
    IdempotencyReservation,
    StoredResponse,
)
from core.errors import AnswerLostError, ConflictError, RequestInProgressError, ValidationError
from core.store import tables as t
from core.store.context import TxContext

IK = t.idempotency_keys

KEEP_FOR = timedelta(hours=24)
"""How long a key's answer is kept (draft-ietf-httpapi-idempotency-key-header suggests a day)."""

STALE_AFTER = timedelta(seconds=KEY_HOLD_SECONDS)
"""A key not renewed for this long was left by a server that stopped."""

# A keyed POST runs four to five of these statements on the one writer thread. Built once
# with bound parameters, a statement's cache key is computed once and kept on it. Built per
# call (``.where(col == value)``, ``.values(**row)``), the statement and its cache key cost
# more Python than SQLite's own work: a keyed create cost 2x a plain one in-process, ~1.4x
# over HTTP (docs/performance.md). Parameters are named ``b_...``: SQLAlchemy reserves a
# column's own name for its SET and VALUES.
_THIS_KEY = (IK.c.token_id == bindparam("b_token"), IK.c.key == bindparam("b_key"))
_THIS_ATTEMPT = (*_THIS_KEY, IK.c.attempt == bindparam("b_attempt"))
_RUNNING = IK.c.state != "done"
"""``pending`` or ``committed``: an attempt is at work on the key (``done`` is the third)."""

_PRUNE = delete(IK).where(IK.c.created_at < bindparam("b_before"))
_FIND = select(IK).where(*_THIS_KEY)
_FIND_LOCKED = _FIND.with_for_update()
_INSERT = insert(IK)
_TAKE_OVER = (
    update(IK).where(*_THIS_KEY).values(attempt=bindparam("b_new"), updated_at=bindparam("b_now"))
)
_FENCE = (
    update(IK)
    .where(*_THIS_ATTEMPT, _RUNNING)
    .values(state="committed", updated_at=bindparam("b_now"))
)
_RENEW = update(IK).where(*_THIS_ATTEMPT, _RUNNING).values(updated_at=bindparam("b_now"))
_COMPLETE = (
    update(IK)
    .where(*_THIS_ATTEMPT)
    .values(
        state="done",
        status_code=bindparam("b_status"),
        body=bindparam("b_body"),
        headers=bindparam("b_headers"),
        updated_at=bindparam("b_now"),
    )
)
_RELEASE = delete(IK).where(*_THIS_ATTEMPT, IK.c.state == "pending")


def reserve(
    conn: Connection,
    ctx: TxContext,
    token_id: str,
    key: str,
    fingerprint: str,
    *,
    stale_after: timedelta = STALE_AFTER,
) -> IdempotencyReservation:
    """Start an attempt at the request under ``key``, or hand back its stored answer.

    Raises:
        ValidationError: the key was used for a different request (another body or route).
        RequestInProgressError: an attempt at it is still running.
        AnswerLostError: an earlier attempt committed its change and stopped before answering.
    """
    conn.execute(_PRUNE, {"b_before": ctx.now - KEEP_FOR})
    this_key = {"b_token": token_id, "b_key": key}
    query = _FIND_LOCKED if ctx.dialect == "postgresql" else _FIND
    row = conn.execute(query, this_key).mappings().first()
    attempt = ctx.new_id()
    if row is None:
        _insert(conn, ctx, token_id, key, fingerprint, attempt)
        return IdempotencyReservation(
            attempt=IdempotencyAttempt(token_id=token_id, key=key, attempt=attempt)
        )
    if row["fingerprint"] != fingerprint:
        raise ValidationError(
            f"The Idempotency-Key {key!r} was already used for a different request.",
            field="Idempotency-Key",
            hint="Use a new key for each distinct request; resend a request only with its "
            "own key, method, path and body.",
        )
    if row["state"] == "done":
        return IdempotencyReservation(response=_response(row))
    if row["updated_at"] > ctx.now - stale_after:
        raise RequestInProgressError(
            f"A request with Idempotency-Key {key!r} is still being processed.",
            hint="Wait for it to finish, then retry with the same key to get its answer.",
            details={"idempotency_key": key, "state": row["state"]},
        )
    if row["state"] == "committed":
        raise AnswerLostError(
            f"The request with Idempotency-Key {key!r} took effect, but its answer was lost "
            "(the server stopped before sending it).",
            hint="Read the resource to see the result; do not send the request again with a "
            "new key unless you want the change made twice.",
            details={"idempotency_key": key, "state": "committed"},
        )
    conn.execute(_TAKE_OVER, {**this_key, "b_new": attempt, "b_now": ctx.now})
    return IdempotencyReservation(
        attempt=IdempotencyAttempt(token_id=token_id, key=key, attempt=attempt)
    )


def fence(conn: Connection, ctx: TxContext, attempt: IdempotencyAttempt) -> None:
    """Mark the key committed in the current write transaction, if the attempt still holds it.

    The commit renews the hold too, so a retry that comes while the answer is being
    stored waits for it instead of taking the change for one whose answer was lost.

    Raises:
        ConflictError: another attempt took the key over; the whole write is rolled back.
    """
    done = conn.execute(_FENCE, {**_attempts(attempt), "b_now": ctx.now}).rowcount
    if done != 1:
        raise ConflictError(
            f"The request with Idempotency-Key {attempt.key!r} was taken over by a retry; "
            "this attempt changed nothing.",
            hint="Retry with the same key to get the answer.",
            details={"idempotency_key": attempt.key},
        )


def renew(conn: Connection, ctx: TxContext, attempt: IdempotencyAttempt) -> None:
    """Renew a running attempt's hold on its key (nothing once it is answered or taken over)."""
    conn.execute(_RENEW, {**_attempts(attempt), "b_now": ctx.now})


def complete(
    conn: Connection, ctx: TxContext, attempt: IdempotencyAttempt, response: StoredResponse
) -> None:
    """Store the attempt's answer for retries (nothing if another attempt took the key)."""
    conn.execute(
        _COMPLETE,
        {
            **_attempts(attempt),
            "b_status": response.status,
            "b_body": response.body,
            "b_headers": dict(response.headers),
            "b_now": ctx.now,
        },
    )


def release(conn: Connection, attempt: IdempotencyAttempt) -> None:
    """Forget a key whose attempt failed without changing anything, so a retry runs it anew.

    A key its attempt already committed is kept: the change happened.
    """
    conn.execute(_RELEASE, _attempts(attempt))


def _attempts(attempt: IdempotencyAttempt) -> dict[str, str]:
    """The parameters of ``_THIS_ATTEMPT``: the key's row while ``attempt`` holds it."""
    return {"b_token": attempt.token_id, "b_key": attempt.key, "b_attempt": attempt.attempt}


def _insert(
    conn: Connection, ctx: TxContext, token_id: str, key: str, fingerprint: str, attempt: str
) -> None:
    values: dict[str, Any] = {
        "token_id": token_id,
        "key": key,
        "fingerprint": fingerprint,
        "attempt": attempt,
        "state": "pending",
        "created_at": ctx.now,
        "updated_at": ctx.now,
    }
    if ctx.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        # Two first requests with one key race here: the loser inserts nothing, and its
        # reservation fails below as "still being processed".
        inserted = conn.execute(pg_insert(IK).values(**values).on_conflict_do_nothing()).rowcount
        if inserted != 1:
            raise RequestInProgressError(
                f"A request with Idempotency-Key {key!r} is still being processed.",
                hint="Wait for it to finish, then retry with the same key to get its answer.",
                details={"idempotency_key": key, "state": "pending"},
            )
        return
    conn.execute(_INSERT, values)


def _response(row: RowMapping) -> StoredResponse:
    return StoredResponse(
        status=int(row["status_code"]),
        body=str(row["body"] or ""),
        headers={str(k): str(v) for k, v in (row["headers"] or {}).items()},
    )
