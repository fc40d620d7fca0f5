"""${message}
"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
# Alembic reads the revision ids from these two names; branch labels and depends_on are
# left out (taskyard's history is one line), and the message above says why it exists.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
