"""Tables of roles, memberships and delegations (C3, C5), created by migration 0010."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - memberships reference companies and users
from catalog.models import Base


class Role(Base):
    """A role: a key, a name and a list of permissions (``commerce.roles.permissions``).
    Built-in roles are created on first use and cannot be changed; custom roles can."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("key", name="uq_roles_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    permissions: Mapped[list] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Membership(Base):
    """A user holds a role in a company (one row per role: a user may hold several), and
    belongs to at most one of its departments (``department_id``, the same on each row)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "company_id", "role_id", name="uq_memberships"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the user's department in this company (C6), equal on all the user's rows here
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("company_departments.id", ondelete="SET NULL",
                   name="fk_memberships_department_id"), index=True)


class Delegation(Base):
    """``grantor`` lends ``permissions`` (approval rights) to ``substitute`` in one company
    from ``starts_at`` to ``ends_at`` (naive UTC)."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_substitute", "substitute_id", "company_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    grantor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    permissions: Mapped[list] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
