"""Credit limits and payment terms (C12, C13): terms per company, the credit account row that
reservations lock, receivables per order (``order_id`` without a foreign key: orders are
another migration's table) and payments. Amounts are BigInteger price units (1/10,000 of the
currency's main unit, see ``commerce.prices.money``).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_terms",
        sa.Column("company_id", sa.Integer,
                  sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("limit_units", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("term_days", sa.Integer, nullable=False),
        sa.Column("limit_scope", sa.String(12), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.Integer),
        sa.CheckConstraint("mode IN ('prepayment', 'trade_credit')",
                           name="ck_credit_terms_mode"),
        sa.CheckConstraint("limit_scope IN ('per_order', 'outstanding')",
                           name="ck_credit_terms_limit_scope"),
        sa.CheckConstraint("limit_units >= 0", name="ck_credit_terms_limit"),
        sa.CheckConstraint("term_days >= 0", name="ck_credit_terms_term_days"),
    )
    op.create_table(
        "credit_accounts",
        sa.Column("company_id", sa.Integer,
                  sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("outstanding_units", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("outstanding_units >= 0", name="ck_credit_accounts_outstanding"),
    )
    op.create_table(
        "credit_receivables",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, nullable=False, unique=True),
        sa.Column("company_id", sa.Integer,
                  sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("amount_units", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("placed_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("paid_units", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("settled_at", sa.DateTime),
        sa.CheckConstraint("status IN ('open', 'paid', 'cancelled')",
                           name="ck_credit_receivables_status"),
        sa.CheckConstraint("amount_units >= 0 AND paid_units >= 0 AND paid_units <= amount_units",
                           name="ck_credit_receivables_amounts"),
    )
    op.create_index("ix_credit_receivables_company_status", "credit_receivables",
                    ["company_id", "status"])
    op.create_index("ix_credit_receivables_due_at", "credit_receivables", ["due_at"])
    op.create_table(
        "credit_payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("receivable_id", sa.Integer,
                  sa.ForeignKey("credit_receivables.id", ondelete="CASCADE"), nullable=False),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("company_id", sa.Integer, nullable=False),
        sa.Column("amount_units", sa.BigInteger, nullable=False),
        sa.Column("paid_at", sa.DateTime, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.Integer),
        sa.Column("recorded_by_label", sa.String(254), nullable=False),
    )
    op.create_index("ix_credit_payments_receivable_id", "credit_payments", ["receivable_id"])
    op.create_index("ix_credit_payments_order_id", "credit_payments", ["order_id"])


def downgrade() -> None:
    for table in ("credit_payments", "credit_receivables", "credit_accounts", "credit_terms"):
        op.drop_table(table)
