"""Company accounts: companies (CRM), departments and addresses, users, roles and memberships,
sign-in sessions and bearer tokens, login failures, password resets, TOTP recovery codes,
approval delegations, the audit log and the account outbox; public keys scoped to a company
with an expiry (C1-C5, C8).

Revision ID: 0010
Revises: 0009
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("seller_role", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_enabled_at", sa.DateTime),
        sa.Column("totp_last_step", sa.BigInteger),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("blocked_at", sa.DateTime),
        sa.UniqueConstraint("email_key", name="uq_users_email_key"),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("customer_group", sa.String(64)),
        sa.Column("sales_rep_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("tax_id", sa.String(64)),
        sa.Column("representative_name", sa.String(200)),
        sa.Column("representative_email", sa.String(254)),
        sa.Column("representative_phone", sa.String(64)),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("status IN ('active', 'pending', 'blocked')",
                           name="ck_companies_status"),
    )
    op.create_index("ix_companies_customer_group", "companies", ["customer_group"])
    op.create_index("ix_companies_sales_rep_id", "companies", ["sales_rep_id"])
    op.create_table(
        "company_departments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_company_departments_company_id", "company_departments", ["company_id"])
    op.create_table(
        "department_addresses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("department_id", sa.Integer,
                  sa.ForeignKey("company_departments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("street", sa.String(300), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_department_addresses_department_id", "department_addresses",
                    ["department_id"])
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("key", name="uq_roles_key"),
    )
    # the built-in customer roles (commerce.roles.permissions.CUSTOMER_ROLES), so that no two
    # first requests race to create them; their permissions come from the code
    roles = sa.table("roles", sa.column("key", sa.String), sa.column("name", sa.String),
                     sa.column("permissions", sa.JSON), sa.column("builtin", sa.Boolean),
                     sa.column("created_at", sa.DateTime))
    op.bulk_insert(roles, [
        {"key": key, "name": name, "permissions": [], "builtin": True,
         "created_at": datetime(2026, 1, 1)}
        for key, name in (("company_admin", "Company admin"), ("approver", "Approver"),
                          ("purchasing_manager", "Purchasing manager"),
                          ("order_recipient", "Order recipient"), ("buyer", "Buyer"))])
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "company_id", "role_id", name="uq_memberships"),
    )
    op.create_index("ix_memberships_company_id", "memberships", ["company_id"])
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("name", sa.String(120)),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_login_failures_email_time", "login_failures", ["email_key", "failed_at"])
    op.create_index("ix_login_failures_ip_time", "login_failures", ["ip", "failed_at"])
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("grantor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("substitute_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.create_index("ix_delegations_substitute", "delegations", ["substitute_id", "company_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("acting_for_company_id", sa.Integer),
        sa.Column("on_behalf_of_id", sa.Integer),
        sa.Column("company_id", sa.Integer),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("target_type", sa.String(40), nullable=False),
        sa.Column("target_id", sa.String(120)),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_company_at", "audit_log", ["company_id", "at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_table(
        "account_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
    )
    op.create_index("ix_account_outbox_sent_at", "account_outbox", ["sent_at"])
    with op.batch_alter_table("public_keys") as batch:
        # no foreign key: catalog.models.PublicKey cannot name a commerce table (dependency
        # direction); commerce.access checks that the company exists
        batch.add_column(sa.Column("company_id", sa.Integer))
        batch.add_column(sa.Column("expires_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("public_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("company_id")
    for table in ("account_outbox", "audit_log", "delegations", "recovery_codes",
                  "password_resets", "login_failures", "auth_sessions", "memberships", "roles",
                  "department_addresses", "company_departments", "companies", "users"):
        op.drop_table(table)
