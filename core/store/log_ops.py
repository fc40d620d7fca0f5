"""Run and quick-run output: appended in chunks, read back by sequence number.

A chunk's ``seq`` counts from 1 per owner (a run or a quick run). Appends to one owner are
serialized: a run's append is fenced and locks the run row (PostgreSQL) and a quick run's
locks the quick run row, and SQLite has one writer. So ``max + 1`` never collides, and a
reader asking for "everything after seq N" can never miss a chunk that committed late.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from core.domain.runs import LOG_STREAMS, LogChunk, QuickRunStatus, lost_output_note
from core.errors import InvalidTransitionError, NotFoundError, ValidationError
from core.store import tables as t
from core.store.claims.fence import fenced_run
from core.store.context import TxContext
from core.store.rows import model_from_row

L, R, Q = t.log_chunks, t.runs, t.quick_runs

MAX_CHUNK = 1_000_000
"""Longest text one append takes (the executor sends at most 256 KB at a time)."""

MAX_READ = 10_000


def _check(text: str, stream: str) -> None:
    if stream not in LOG_STREAMS:
        raise ValidationError(
            f"A log stream is one of {', '.join(LOG_STREAMS)}, not {stream!r}.", field="stream"
        )
    if not text:
        raise ValidationError("A log chunk needs some text.", field="text")
    if len(text) > MAX_CHUNK:
        raise ValidationError(
            f"A log chunk holds at most {MAX_CHUNK:,} characters, not {len(text):,}.",
            field="text",
            hint="Append long output in several chunks.",
        )


def _insert(
    conn: Connection, ctx: TxContext, owner_id: str, text: str, stream: str, step: str | None
) -> int:
    last = conn.execute(select(func.max(L.c.seq)).where(L.c.owner_id == owner_id)).scalar()
    seq = int(last or 0) + 1
    conn.execute(
        insert(L).values(
            owner_id=owner_id, seq=seq, step=step, stream=stream, text=text, at=ctx.now
        )
    )
    return seq


def append_log(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    text: str,
    *,
    stream: str,
    step: str | None,
) -> int:
    """Append output to a run's log (fenced); returns the chunk's seq.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token no longer holds the task; nothing was written.
        ValidationError: an unknown stream, or empty or too long text.
    """
    _check(text, stream)
    fenced_run(conn, ctx, run_id, token)
    return _insert(conn, ctx, run_id, text, stream, step)


def record_lost_output(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    *,
    lost_bytes: int,
    reason: str,
    step: str | None,
) -> int:
    """Mark output that could not be stored (fenced); returns the marker chunk's seq.

    A ``system`` chunk says how much and why, and the run's ``lost_output_bytes`` grows.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token no longer holds the task; nothing was written.
        ValidationError: ``lost_bytes`` below 1, or an empty reason.
    """
    if lost_bytes < 1:
        raise ValidationError("Lost output is at least 1 byte.", field="lost_bytes")
    if not reason.strip():
        raise ValidationError("Say why the output was lost.", field="reason")
    fenced_run(conn, ctx, run_id, token)
    conn.execute(
        update(R)
        .where(R.c.id == run_id)
        .values(lost_output_bytes=R.c.lost_output_bytes + lost_bytes)
    )
    text = lost_output_note(lost_bytes, reason.strip().splitlines()[0][:500])
    return _insert(conn, ctx, run_id, text, "system", step)


def append_quick_log(
    conn: Connection, ctx: TxContext, quick_run_id: str, text: str, *, stream: str
) -> int:
    """Append output to a running quick run's log; returns the chunk's seq.

    Raises:
        NotFoundError: no such quick run.
        InvalidTransitionError: the quick run has finished.
        ValidationError: an unknown stream, or empty or too long text.
    """
    _check(text, stream)
    query = select(Q.c.status).where(Q.c.id == quick_run_id)
    if ctx.dialect == "postgresql":
        query = query.with_for_update()
    status = conn.execute(query).scalar()
    if status is None:
        raise quick_run_not_found(quick_run_id)
    if status != QuickRunStatus.RUNNING.value:
        raise InvalidTransitionError(
            f"Quick run {quick_run_id} has finished ({status}); its log is closed.",
            details={"quick_run_id": quick_run_id, "status": status},
        )
    return _insert(conn, ctx, quick_run_id, text, stream, None)


def quick_run_not_found(quick_run_id: str) -> NotFoundError:
    """The error for an unknown quick run id."""
    return NotFoundError(
        f"No quick run {quick_run_id!r}.",
        hint="See recent quick runs with `taskyard quick list`.",
        details={"field": "quick_run_id", "input": quick_run_id, "suggestions": []},
    )


def read_log(conn: Connection, owner_id: str, *, since: int, limit: int) -> list[LogChunk]:
    """Chunks after ``since``, oldest first (empty for an owner with no output yet).

    Raises:
        ValidationError: a limit outside 1..10,000 or a negative ``since``.
    """
    if not 1 <= limit <= MAX_READ:
        raise ValidationError(f"A log read takes 1 to {MAX_READ:,} chunks.", field="limit")
    if since < 0:
        raise ValidationError("since cannot be negative.", field="since")
    rows = conn.execute(
        select(L).where(L.c.owner_id == owner_id, L.c.seq > since).order_by(L.c.seq).limit(limit)
    )
    return [model_from_row(LogChunk, r) for r in rows.mappings()]


def owner_finished(conn: Connection, owner_id: str) -> bool:
    """Whether the run or quick run that owns a log has finished (no more output will come).

    Raises:
        NotFoundError: ``owner_id`` is neither a run nor a quick run.
    """
    status = conn.execute(select(R.c.status).where(R.c.id == owner_id)).scalar()
    if status is not None:
        return status not in ("queued", "running")
    status = conn.execute(select(Q.c.status).where(Q.c.id == owner_id)).scalar()
    if status is not None:
        return bool(status != QuickRunStatus.RUNNING.value)
    raise NotFoundError(
        f"No run or quick run {owner_id!r}.",
        hint="Use a run id from `taskyard runs REF` or a quick run id from `taskyard quick list`.",
        details={"field": "owner_id", "input": owner_id, "suggestions": []},
    )
