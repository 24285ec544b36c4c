"""Tables of users and sign-in (created by migration 0010)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base


class User(Base):
    """A person who signs in: a customer company's employee (roles through memberships) or a
    seller-side user (``seller_role``: administrator or sales_representative). ``email_key`` is
    the lower-cased e-mail, unique. ``password_hash`` is argon2id."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email_key", name="uq_users_email_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    seller_role: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # active | blocked
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuthSession(Base):
    """A sign-in (``kind`` session: cookie or bearer, sliding expiry) or a named API token
    (``kind`` token, fixed expiry). Only the SHA-256 of the token is stored. ``stage``: full,
    totp (password checked, second factor missing) or enrol (privileged user without 2FA: may
    only enrol). ``company_id``: the company the user works in (a seller: acts as)."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(120))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)


class LoginFailure(Base):
    """A failed sign-in, for the per-e-mail and per-IP limits (unknown e-mails too)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_time", "email_key", "failed_at"),
        Index("ix_login_failures_ip_time", "ip", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime)


class PasswordReset(Base):
    """A password reset token (SHA-256 stored), single use, expiring."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class RecoveryCode(Base):
    """A single-use 2FA recovery code (SHA-256 stored)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """A message to a user that the notification outbox (a later issue) delivers; until then
    it is read by tests and by ``discovery users outbox``. A password reset message carries the
    raw reset link token: the only place it exists besides the user's mailbox."""

    __tablename__ = "account_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
