"""Catalog: products, documents, media.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("parent_sku", sa.String(64), index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("brand", sa.String(120)),
        sa.Column("manufacturer", sa.String(120)),
        sa.Column("mpn", sa.String(64)),
        sa.Column("gtin", sa.String(14)),
        sa.Column("country_of_origin", sa.String(2)),
        sa.Column("category", sa.String(300)),
        sa.Column("color", sa.String(60)),
        sa.Column("model", sa.String(120)),
        sa.Column("material", sa.String(120)),
        sa.Column("composition", sa.String(200)),
        sa.Column("weight_kg", sa.Float),
        sa.Column("length_mm", sa.Float),
        sa.Column("width_mm", sa.Float),
        sa.Column("height_mm", sa.Float),
        sa.Column("pieces_per_package", sa.Integer),
        sa.Column("packages_per_pallet", sa.Integer),
        sa.Column("price_per_piece", sa.Float),
        sa.Column("price_per_package", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("shipping_methods", sa.JSON),
        sa.Column("delivery_days", sa.Integer),
        sa.Column("fulfilment_days", sa.Integer),
        sa.Column("stock_level", sa.Integer),
        sa.Column("availability", sa.String(20)),
        sa.Column("order_type", sa.String(10)),
        sa.Column("popularity", sa.Float),
        sa.Column("variant_attributes", sa.JSON),
        sa.Column("attributes", sa.JSON),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    for table, kind_len in (("product_documents", 40), ("product_media", 20)):
        cols = [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("product_sku", sa.String(64),
                      sa.ForeignKey("products.sku", ondelete="CASCADE"), nullable=False, index=True),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("kind", sa.String(kind_len), nullable=False),
            sa.Column("url", sa.String(1000), nullable=False),
        ]
        if table == "product_documents":
            cols.append(sa.Column("title", sa.String(300)))
        op.create_table(table, *cols)


def downgrade() -> None:
    op.drop_table("product_media")
    op.drop_table("product_documents")
    op.drop_table("products")
