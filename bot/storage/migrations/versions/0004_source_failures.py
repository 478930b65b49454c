"""sources.last_error_kind and sources.failing_since: what failed, and since when

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UtcDateTime

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("last_error_kind", sa.String(32), nullable=True))
        batch.add_column(sa.Column("failing_since", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("failing_since")
        batch.drop_column("last_error_kind")
