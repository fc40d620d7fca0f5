"""tasks record their command's hash, who set it, and who approved which text

Until now a worker ran ``metadata.command``, or else the first fenced ``sh``/``bash``/
``shell``/``zsh`` block of the description, whoever had written it: a PRD imported with a
code block under a section ran that block. From here on a task runs only a command that was
set as one (``metadata.command``), and only while the text is the approved one:

* ``command_hash``: sha256 (hex) of the current command text, NULL without one;
* ``command_set_by`` / ``command_set_at``: who last set or changed the text, and when;
* ``command_approved_hash`` / ``_by`` / ``_at``: the text that was approved, by whom, when.

The columns are added empty (plain ADD COLUMN on both dialects). Then existing users' tasks
keep working: every task with ``metadata.command``, and every task not done or cancelled
whose description held the block the old code would have run (copied into
``metadata.command`` with the same extraction), gets its hash and is approved by its creator
(the actor of its ``task.created`` event, else ``migration``) at its creation time. Only
tasks that may hold a command are read (a LIKE on the text), and all of them are written by
one executemany: 100,000 tasks migrate in a few seconds on SQLite.
"""

import hashlib
import re
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_command_approval"
down_revision = "0009_interruptions_lost_output"

COLUMNS = (
    ("command_hash", sa.String(64)),
    ("command_set_by", sa.String(100)),
    ("command_set_at", sa.DateTime(timezone=True)),
    ("command_approved_hash", sa.String(64)),
    ("command_approved_by", sa.String(100)),
    ("command_approved_at", sa.DateTime(timezone=True)),
)

# The extraction the old ``orchestrator.prompt.task_command`` applied to descriptions, kept
# here byte for byte: the block it copies is exactly the one that used to run.
_FENCE = re.compile(
    r"^(?P<fence>```|~~~)[ \t]*(?:sh|bash|shell|zsh)[ \t]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)

FINISHED = ("done", "cancelled")


def _command_text(meta: Any) -> str | None:
    """``metadata.command`` as the old code read it (a string, or lines as a list)."""
    command = meta.get("command") if isinstance(meta, dict) else None
    if isinstance(command, str) and command.strip():
        return command
    if isinstance(command, list) and command and all(isinstance(c, str) for c in command):
        return "\n".join(command)
    return None


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("tasks", sa.Column(name, type_))
    conn = op.get_bind()
    meta_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("description", sa.Text),
        sa.column("meta", meta_type),
        sa.column("created_at", sa.DateTime),
        *(sa.column(name, type_) for name, type_ in COLUMNS),
    )
    events = sa.table(
        "events",
        sa.column("seq", sa.BigInteger),
        sa.column("type", sa.String),
        sa.column("task_id", sa.String),
        sa.column("actor", sa.String),
    )
    maybe_fenced = sa.and_(
        sa.or_(tasks.c.description.like("%```%"), tasks.c.description.like("%~~~%")),
        tasks.c.status.not_in(FINISHED),
    )
    rows = conn.execute(
        sa.select(tasks.c.id, tasks.c.status, tasks.c.description, tasks.c.meta).where(
            sa.or_(sa.cast(tasks.c.meta, sa.Text).like('%"command"%'), maybe_fenced)
        )
    ).all()
    commands: list[dict[str, Any]] = []
    copied: list[dict[str, Any]] = []
    for row in rows:
        meta = row.meta if isinstance(row.meta, dict) else {}
        text = _command_text(meta)
        if text is None and row.status not in FINISHED:
            match = _FENCE.search(row.description or "")
            if match and match.group("body").strip():
                text = match.group("body").strip("\n")
                copied.append({"b_id": row.id, "b_meta": {**meta, "command": text}})
        if text is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            commands.append({"b_id": row.id, "b_hash": digest})
    if copied:
        conn.execute(
            tasks.update()
            .where(tasks.c.id == sa.bindparam("b_id"))
            .values(meta=sa.bindparam("b_meta", type_=meta_type)),
            copied,
        )
    if commands:
        creator = sa.func.coalesce(
            sa.select(events.c.actor)
            .where(events.c.task_id == tasks.c.id, events.c.type == "task.created")
            .order_by(events.c.seq)
            .limit(1)
            .scalar_subquery(),
            "migration",
        )
        conn.execute(
            tasks.update()
            .where(tasks.c.id == sa.bindparam("b_id"))
            .values(
                command_hash=sa.bindparam("b_hash"),
                command_set_by=creator,
                command_set_at=tasks.c.created_at,
                command_approved_hash=sa.bindparam("b_hash"),
                command_approved_by=creator,
                command_approved_at=tasks.c.created_at,
            ),
            commands,
        )


def downgrade() -> None:
    # The commands copied out of descriptions stay in ``metadata.command``: the old code runs
    # them from there just the same.
    with op.batch_alter_table("tasks") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
