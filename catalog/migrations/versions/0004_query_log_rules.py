"""Query log: the ids of the query rules that fired for each search.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_queries") as batch:
        batch.add_column(sa.Column("rules", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("search_queries") as batch:
        batch.drop_column("rules")
