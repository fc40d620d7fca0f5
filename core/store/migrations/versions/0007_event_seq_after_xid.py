"""PostgreSQL: an event's ``seq`` is drawn only once its transaction has an id

The event log's followers no longer rely on a lock that made ``seq`` order commit order
(store/event_feed.py): they wait out the writers that were in flight when they saw a gap in
``seq``, and find those writers by transaction id. That holds only if a transaction that
draws a ``seq`` already has its id at that moment; otherwise a reader's snapshot could fall
between the two, showing neither the writer (no id yet) nor its event, and the gap would be
judged final too early.

Every event insert takes its transaction's id anyway, when the row is written; this default
takes it a moment earlier, before ``nextval``: ``CASE`` evaluates its condition first, and
``pg_current_xact_id()`` assigns the id if there is none. The sequence keeps ``CACHE 1``, so
numbers are drawn in time order across sessions.

SQLite: nothing to do (one writer at a time, numbers in commit order).
"""

from alembic import op

revision = "0007_event_seq_after_xid"
down_revision = "0006_sparse_indexes"

AFTER_XID = (
    "CASE WHEN pg_current_xact_id() IS NOT NULL THEN nextval('events_seq_seq'::regclass) END"
)
PLAIN = "nextval('events_seq_seq'::regclass)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE events ALTER COLUMN seq SET DEFAULT {AFTER_XID}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE events ALTER COLUMN seq SET DEFAULT {PLAIN}")
