"""Product text embeddings for semantic search (S11): one vector per product and model.

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
    op.create_table(
        "product_embeddings",
        sa.Column("model_id", sa.String(120), primary_key=True),
        sa.Column(
            "sku",
            sa.String(64),
            sa.ForeignKey("products.sku", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_product_embeddings_sku", "product_embeddings", ["sku"])
    op.create_index(
        "ix_product_embeddings_model_updated", "product_embeddings", ["model_id", "updated_at"]
    )


def downgrade() -> None:
    op.drop_table("product_embeddings")
