"""Merchandising: synonyms and query rules managed by API and CLI, as draft and live sets.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merchandising_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime),
        sa.UniqueConstraint("kind", "state", name="uq_merchandising_sets_kind_state"),
    )


def downgrade() -> None:
    op.drop_table("merchandising_sets")
