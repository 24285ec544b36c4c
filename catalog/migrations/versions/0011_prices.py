"""Prices and assortments (P3, S13): price lists with quantity-tier lines, discounts, VAT rates
per tax class and country, product tax classes, assortment rules, and the version counters
that tell cached copies (the price book, assortments) to reload.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_lists",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("customer_group", sa.String(64)),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE")),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.DateTime),
        sa.Column("valid_to", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('base', 'group', 'customer')", name="ck_price_lists_kind"),
        sa.CheckConstraint(
            "(kind = 'base' AND customer_group IS NULL AND company_id IS NULL)"
            " OR (kind = 'group' AND customer_group IS NOT NULL AND company_id IS NULL)"
            " OR (kind = 'customer' AND company_id IS NOT NULL AND customer_group IS NULL)",
            name="ck_price_lists_audience"),
    )
    op.create_index("ix_price_lists_customer_group", "price_lists", ["customer_group"])
    op.create_index("ix_price_lists_company_id", "price_lists", ["company_id"])
    op.create_table(
        "price_list_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("price_list_id", sa.Integer,
                  sa.ForeignKey("price_lists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("min_qty", sa.Integer, nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.UniqueConstraint("price_list_id", "sku", "min_qty", name="uq_price_list_lines_tier"),
        sa.CheckConstraint("min_qty >= 1", name="ck_price_list_lines_min_qty"),
        sa.CheckConstraint("unit_price >= 0", name="ck_price_list_lines_price"),
    )
    op.create_index("ix_price_list_lines_sku", "price_list_lines", ["sku"])
    op.create_table(
        "discounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("target_kind", sa.String(10), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("customer_group", sa.String(64)),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE")),
        sa.Column("valid_from", sa.DateTime),
        sa.Column("valid_to", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('percent', 'fixed')", name="ck_discounts_kind"),
        sa.CheckConstraint("target_kind IN ('product', 'brand', 'category')",
                           name="ck_discounts_target_kind"),
        sa.CheckConstraint("(customer_group IS NULL) <> (company_id IS NULL)",
                           name="ck_discounts_audience"),
        sa.CheckConstraint("kind = 'percent' OR currency IS NOT NULL",
                           name="ck_discounts_currency"),
        sa.CheckConstraint("value >= 0", name="ck_discounts_value"),
    )
    op.create_index("ix_discounts_customer_group", "discounts", ["customer_group"])
    op.create_index("ix_discounts_company_id", "discounts", ["company_id"])
    op.create_table(
        "tax_rates",
        sa.Column("tax_class", sa.String(40), primary_key=True),
        sa.Column("country", sa.String(2), primary_key=True),
        sa.Column("rate", sa.Numeric(6, 3), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("rate >= 0 AND rate < 100", name="ck_tax_rates_rate"),
    )
    op.create_table(
        "product_tax_classes",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("tax_class", sa.String(40), nullable=False),
    )
    op.create_table(
        "assortment_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE")),
        sa.Column("customer_group", sa.String(64)),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("effect IN ('include', 'exclude')", name="ck_assortment_rules_effect"),
        sa.CheckConstraint("kind IN ('category', 'brand', 'sku')", name="ck_assortment_rules_kind"),
        sa.CheckConstraint("(customer_group IS NULL) <> (company_id IS NULL)",
                           name="ck_assortment_rules_audience"),
    )
    op.create_index("ix_assortment_rules_company_id", "assortment_rules", ["company_id"])
    op.create_index("ix_assortment_rules_customer_group", "assortment_rules", ["customer_group"])
    op.create_table(
        "commerce_versions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.bulk_insert(sa.table("commerce_versions", sa.column("name", sa.String),
                            sa.column("version", sa.Integer)),
                   [{"name": "prices", "version": 1}, {"name": "assortments", "version": 1}])


def downgrade() -> None:
    for table in ("commerce_versions", "assortment_rules", "product_tax_classes", "tax_rates",
                  "discounts", "price_list_lines", "price_lists"):
        op.drop_table(table)
