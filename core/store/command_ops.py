"""A task's command columns: kept right by every write of ``meta``, and the explicit approval.

Every path that writes ``tasks.meta`` (create, update, JSONL import, PRD import, a promoted
quick run) goes through ``insert_values`` or ``update_values``, so ``command_hash`` always
matches the text a worker would run. Who counts as approving is decided by the caller:

* create, update and JSONL import approve the writer's own commands when the engine's
  ``StoreSettings.approve_own_commands`` says so (on by default: whoever opens the database
  directly holds its credentials and could run anything anyway);
* PRD import approves nothing unless asked (``approve_commands=True``): a document's text is
  not a decision to run it;
* ``approve_commands`` records an explicit approval of the current text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, update

from core.domain.approval import HASH_PREFIX, command_hash, command_text
from core.errors import ConflictError, ValidationError
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import ref_of, task_event
from core.store.lookup import find_tasks, task_not_found

T = t.tasks

MIN_EXPECTED_HASH = 8
"""The shortest hash prefix an approver may name (what they saw of the text's hash)."""


def insert_values(ctx: TxContext, meta: Mapping[str, Any], *, approve: bool) -> dict[str, Any]:
    """The command columns of a new task whose metadata is ``meta``."""
    digest = command_hash(command_text(meta))
    if digest is None:
        return dict.fromkeys(
            (
                "command_hash",
                "command_set_by",
                "command_set_at",
                "command_approved_hash",
                "command_approved_by",
                "command_approved_at",
            )
        )
    return {
        "command_hash": digest,
        "command_set_by": ctx.actor,
        "command_set_at": ctx.now,
        "command_approved_hash": digest if approve else None,
        "command_approved_by": ctx.actor if approve else None,
        "command_approved_at": ctx.now if approve else None,
    }


def update_values(
    ctx: TxContext, row: RowMapping, meta: Mapping[str, Any], *, approve: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The command columns to write when a task's metadata becomes ``meta``, and what to say.

    Returns ``({}, None)`` when the command text stays the same (other metadata changed).
    Otherwise the columns, and the ``command`` part of the ``task.updated`` payload:
    ``{"hash": prefix or None, "approved_by": who or None, "approval_lapsed": bool}``.
    """
    digest = command_hash(command_text(meta))
    if digest == row["command_hash"]:
        return {}, None
    values: dict[str, Any] = {
        "command_hash": digest,
        "command_set_by": ctx.actor,
        "command_set_at": ctx.now,
    }
    approved_by = None
    if digest is not None and approve:
        values.update(
            command_approved_hash=digest, command_approved_by=ctx.actor, command_approved_at=ctx.now
        )
        approved_by = ctx.actor
    was_approved = row["command_hash"] is not None and (
        row["command_hash"] == row["command_approved_hash"]
    )
    said = {
        "hash": None if digest is None else digest[:HASH_PREFIX],
        "approved_by": approved_by,
        "approval_lapsed": digest is not None and was_approved and approved_by is None,
    }
    return values, said


def approve_commands(
    conn: Connection,
    ctx: TxContext,
    refs: Sequence[str],
    expected_hashes: Mapping[str, str] | None,
) -> list[str]:
    """Approve the current command text of each task, all or none; their ids, in order.

    A task whose text is already approved by this actor is left as it is; any other approval
    is recorded again (by this actor, now) with an event ``task.command_approved``.

    Raises:
        NotFoundError: a ref names no task.
        ValidationError: a task has no command, or an expected hash is too short.
        ConflictError: a task's text is not the one ``expected_hashes`` names (it changed
            since the approver read it); nothing was approved.
    """
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        raise ValidationError("Name at least one task to approve.", field="refs")
    rows = find_tasks(conn, wanted, lock=ctx.dialect == "postgresql")
    expected = dict(expected_hashes or {})
    out: list[str] = []
    for ref in wanted:
        if ref not in rows:
            raise task_not_found(conn, ref, field="refs")
        row = rows[ref]
        _check(row, expected.get(ref))
        if row["id"] in out:  # named twice (by ref and by id)
            continue
        out.append(str(row["id"]))
        digest = row["command_hash"]
        if row["command_approved_hash"] == digest and row["command_approved_by"] == ctx.actor:
            continue
        conn.execute(
            update(T)
            .where(T.c.id == row["id"])
            .values(
                command_approved_hash=digest,
                command_approved_by=ctx.actor,
                command_approved_at=ctx.now,
                version=T.c.version + 1,
                updated_at=ctx.now,
            )
        )
        task_event(
            ctx,
            row,
            "task.command_approved",
            {"approved_by": ctx.actor, "hash": digest[:HASH_PREFIX]},
        )
    return out


def _check(row: RowMapping, expected: str | None) -> None:
    ref = ref_of(row)
    digest = row["command_hash"]
    text = command_text(row["meta"] or {})
    if digest is None or text is None:
        raise ValidationError(
            f"{ref} has no command to approve.",
            field="refs",
            hint=f"Set one first: taskyard task edit {ref} --command '...'.",
            details={"ref": ref},
        )
    if command_hash(text) != digest:  # pragma: no cover - every write keeps them in step
        raise ConflictError(
            f"{ref}'s command does not match its recorded hash; nothing was approved.",
            hint=f"Set the command again (taskyard task edit {ref} --command ...), then approve.",
            details={"ref": ref},
        )
    if expected is None:
        return
    wanted = expected.strip().lower()
    if len(wanted) < MIN_EXPECTED_HASH:
        raise ValidationError(
            f"The expected hash for {ref} is too short: give at least {MIN_EXPECTED_HASH} hex "
            "digits.",
            field="expected_hashes",
            details={"ref": ref},
        )
    if not digest.startswith(wanted):
        raise ConflictError(
            f"{ref}'s command changed since you read it (its hash is now "
            f"{digest[:HASH_PREFIX]}, not {wanted[:HASH_PREFIX]}). Nothing was approved.",
            hint=f"Read the new command (taskyard task show {ref}) and approve that one.",
            details={"ref": ref, "hash": digest[:HASH_PREFIX], "expected": wanted},
        )
