"""Carts and quick order (W2): named carts per buyer with lines and shares, saved lists, and
customers' own part numbers for quick orders and imported shopping lists.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("company_id", "owner_id", "name", name="uq_carts_name"),
    )
    op.create_index("ix_carts_company_id", "carts", ["company_id"])
    op.create_index("ix_carts_owner_id", "carts", ["owner_id"])
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cart_id", sa.Integer, sa.ForeignKey("carts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.Integer, nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("added_from", sa.String(12), nullable=False),
        sa.Column("search_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("cart_id", "sku", name="uq_cart_lines_sku"),
        sa.CheckConstraint("qty >= 1", name="ck_cart_lines_qty"),
        sa.CheckConstraint("added_from IN ('sku', 'search', 'list', 'quick_order', 'import')",
                           name="ck_cart_lines_added_from"),
    )
    op.create_index("ix_cart_lines_cart_id", "cart_lines", ["cart_id"])
    op.create_table(
        "cart_shares",
        sa.Column("cart_id", sa.Integer, sa.ForeignKey("carts.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("access", sa.String(4), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("access IN ('read', 'edit')", name="ck_cart_shares_access"),
    )
    op.create_index("ix_cart_shares_user_id", "cart_shares", ["user_id"])
    op.create_table(
        "saved_lists",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("company_id", "owner_id", "name", name="uq_saved_lists_name"),
    )
    op.create_index("ix_saved_lists_company_id", "saved_lists", ["company_id"])
    op.create_index("ix_saved_lists_owner_id", "saved_lists", ["owner_id"])
    op.create_table(
        "saved_list_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("saved_lists.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.Integer, nullable=False),
        sa.Column("note", sa.String(500)),
        sa.UniqueConstraint("list_id", "sku", name="uq_saved_list_lines_sku"),
        sa.CheckConstraint("qty >= 1", name="ck_saved_list_lines_qty"),
    )
    op.create_index("ix_saved_list_lines_list_id", "saved_list_lines", ["list_id"])
    op.create_table(
        "customer_part_numbers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("part_number", sa.String(100), nullable=False),
        sa.Column("part_key", sa.String(100), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("company_id", "part_key", name="uq_customer_part_numbers_key"),
    )
    op.create_index("ix_customer_part_numbers_company_id", "customer_part_numbers",
                    ["company_id"])


def downgrade() -> None:
    for table in ("customer_part_numbers", "saved_list_lines", "saved_lists", "cart_shares",
                  "cart_lines", "carts"):
        op.drop_table(table)
