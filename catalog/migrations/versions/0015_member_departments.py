"""A member's department (C6: "department" order visibility): ``memberships.department_id``,
the user's department in that company, on every membership row of the user in the company
(``commerce.roles.repository`` keeps the rows equal). Deleting the department clears it.

On SQLite the column and its foreign key are added in batch mode (the table is copied;
nothing references ``memberships``, so the copy is safe with ``foreign_keys=ON``); on
PostgreSQL batch mode is a plain ALTER TABLE.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("department_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_memberships_department_id", "company_departments",
                                 ["department_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_memberships_department_id", ["department_id"])


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_index("ix_memberships_department_id")
        batch.drop_constraint("fk_memberships_department_id", type_="foreignkey")
        batch.drop_column("department_id")
