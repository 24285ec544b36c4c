"""Orders and approvals (C6, C7, C10): orders with prices frozen at submission and an
idempotency key unique per buyer, their lines, their history of transitions, the companies'
approval rules (conditions and up to five tiers) and the approval decisions.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_STATUSES = ("'pending_approval', 'approved', 'placed', 'confirmed', 'shipped', 'delivered', "
             "'completed', 'rejected', 'cancelled'")


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(18, 4), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("buyer_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT"),
                  nullable=False),
        sa.Column("department_id", sa.Integer,
                  sa.ForeignKey("company_departments.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("country", sa.String(2)),
        _money("net_total"),
        _money("gross_total", nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("cart_id", sa.Integer),
        sa.Column("approval_round", sa.Integer, nullable=False),
        sa.Column("approval_plan", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_idempotency"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_orders_status"),
    )
    op.create_index("ix_orders_company_created", "orders", ["company_id", "created_at"])
    op.create_index("ix_orders_buyer_created", "orders", ["buyer_id", "created_at"])
    op.create_index("ix_orders_department_id", "orders", ["department_id"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.Integer, nullable=False),
        _money("unit_net"),
        _money("unit_gross", nullable=True),
        _money("net_total"),
        _money("gross_total", nullable=True),
        sa.Column("category", sa.String(300)),
        sa.Column("brand", sa.String(120)),
    )
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
    op.create_table(
        "order_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("acting_for_company_id", sa.Integer),
        sa.Column("on_behalf_of_id", sa.Integer),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_order_transitions_order_id", "order_transitions", ["order_id"])
    op.create_table(
        "approval_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("currency", sa.String(3)),
        _money("min_net_total", nullable=True),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("brands", sa.JSON, nullable=False),
        sa.Column("min_lines", sa.Integer),
        sa.Column("buyer_roles", sa.JSON, nullable=False),
        sa.Column("budget_scope", sa.String(10)),
        sa.Column("budget_period", sa.String(10)),
        _money("budget_amount", nullable=True),
        sa.Column("tiers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("budget_period IS NULL OR budget_period IN ('month', 'quarter', "
                           "'year')", name="ck_approval_rules_period"),
        sa.CheckConstraint("budget_scope IS NULL OR budget_scope IN ('user', 'department')",
                           name="ck_approval_rules_scope"),
    )
    op.create_index("ix_approval_rules_company_id", "approval_rules", ["company_id"])
    op.create_table(
        "approval_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("approver_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT"),
                  nullable=False),
        sa.Column("on_behalf_of_id", sa.Integer),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("withdrawn_at", sa.DateTime),
        sa.CheckConstraint("decision IN ('approved', 'rejected')",
                           name="ck_approval_records_decision"),
    )
    op.create_index("ix_approval_records_order_id", "approval_records", ["order_id"])


def downgrade() -> None:
    op.drop_table("approval_records")
    op.drop_table("approval_rules")
    op.drop_table("order_transitions")
    op.drop_table("order_lines")
    op.drop_table("orders")
