"""chats: forum topic, silent alerts, keyword filters, a channel managed from a private chat

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("keywords_include", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("keywords_exclude", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("manages_chat_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        for column in ("manages_chat_id", "keywords_exclude", "keywords_include", "silent", "thread_id"):
            batch.drop_column(column)
