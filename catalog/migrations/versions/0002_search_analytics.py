"""Search analytics: the query log and the events (clicks, add-to-carts, orders) after a search.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_queries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("query", sa.String(1000), nullable=False),
        sa.Column("query_norm", sa.String(1000), nullable=False),
        sa.Column("filters", sa.JSON),
        sa.Column("hit_count", sa.Integer, nullable=False),
        sa.Column("took_ms", sa.Float, nullable=False),
        sa.Column("customer", sa.String(64)),
        sa.Column("config", sa.String(64)),
        sa.Column("page", sa.Integer, nullable=False),
    )
    op.create_index("ix_search_queries_created_at", "search_queries", ["created_at"])
    op.create_index("ix_search_queries_query_norm", "search_queries", ["query_norm"])
    op.create_table(
        "search_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("search_id", sa.String(64)),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_search_events_search_id", "search_events", ["search_id"])
    op.create_index("ix_search_events_created_at", "search_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("search_events")
    op.drop_table("search_queries")
