"""Product image embeddings for search by photo (S8): one vector per product and image model.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_image_embeddings",
        sa.Column("model_id", sa.String(120), primary_key=True),
        sa.Column(
            "sku",
            sa.String(64),
            sa.ForeignKey("products.sku", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("image_hash", sa.String(64), nullable=False),
        sa.Column("image_ref", sa.String(1000), nullable=False),
        sa.Column("file_stamp", sa.String(64)),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_product_image_embeddings_sku", "product_image_embeddings", ["sku"])
    op.create_index("ix_product_image_embeddings_model_updated", "product_image_embeddings",
                    ["model_id", "updated_at"])
    op.create_index("ix_product_image_embeddings_model_hash", "product_image_embeddings",
                    ["model_id", "image_hash"])


def downgrade() -> None:
    op.drop_table("product_image_embeddings")
