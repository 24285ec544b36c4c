"""All SQL of users, sign-in sessions and tokens, login failures, password resets, recovery
codes and the account outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from commerce.users.models import (
    AuthSession,
    LoginFailure,
    OutboxMessage,
    PasswordReset,
    RecoveryCode,
    User,
)


class UserRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    # -- users -------------------------------------------------------------------------
    def get(self, user_id: int) -> User | None:
        return self.tx.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        return self.tx.scalars(select(User).where(User.email_key == email.strip().lower())).first()

    def add(self, user: User) -> User:
        self.tx.add(user)
        self.tx.flush()
        return user

    def find(self, *, seller_only: bool = False) -> list[User]:
        query = select(User).order_by(User.email_key)
        if seller_only:
            query = query.where(User.seller_role.is_not(None))
        return list(self.tx.scalars(query))

    def count(self) -> int:
        return int(self.tx.scalar(select(func.count()).select_from(User)) or 0)

    # -- sessions and tokens -------------------------------------------------------------
    def add_session(self, row: AuthSession) -> None:
        self.tx.add(row)
        self.tx.flush()

    def session_with_user(self, digest: str) -> tuple[AuthSession, User] | None:
        row = self.tx.execute(select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                              .where(AuthSession.token_hash == digest)).first()
        return (row[0], row[1]) if row else None

    def delete_session(self, digest: str) -> None:
        self.tx.execute(delete(AuthSession).where(AuthSession.token_hash == digest))

    def delete_user_sessions(self, user_id: int, *, keep: str | None = None) -> int:
        query = delete(AuthSession).where(AuthSession.user_id == user_id)
        if keep is not None:
            query = query.where(AuthSession.token_hash != keep)
        return int(getattr(self.tx.execute(query), "rowcount", 0) or 0)

    def delete_expired_sessions(self, now: datetime) -> None:
        self.tx.execute(delete(AuthSession).where(AuthSession.expires_at <= now))

    def list_tokens(self, user_id: int) -> list[AuthSession]:
        return list(self.tx.scalars(select(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.kind == "token")
            .order_by(AuthSession.created_at)))

    # -- login failures ------------------------------------------------------------------
    def recent_failures(self, *, email_key: str | None = None, ip: str | None = None,
                        since: datetime, limit: int) -> list[datetime]:
        """The newest ``limit`` failure times (newest first) for an e-mail or an address."""
        query = select(LoginFailure.failed_at).where(LoginFailure.failed_at > since)
        if email_key is not None:
            query = query.where(LoginFailure.email_key == email_key)
        if ip is not None:
            query = query.where(LoginFailure.ip == ip)
        return list(self.tx.scalars(query.order_by(LoginFailure.failed_at.desc()).limit(limit)))

    def add_failure(self, email_key: str, ip: str, at: datetime, prune_before: datetime) -> None:
        self.tx.add(LoginFailure(email_key=email_key[:254], ip=ip[:64], failed_at=at))
        self.tx.execute(delete(LoginFailure).where(LoginFailure.failed_at <= prune_before))

    def clear_failures(self, email_key: str) -> None:
        self.tx.execute(delete(LoginFailure).where(LoginFailure.email_key == email_key))

    # -- password resets -----------------------------------------------------------------
    def add_reset(self, row: PasswordReset) -> None:
        self.tx.add(row)

    def reset(self, digest: str) -> PasswordReset | None:
        return self.tx.get(PasswordReset, digest)

    def end_open_resets(self, user_id: int, now: datetime) -> None:
        self.tx.execute(update(PasswordReset).where(PasswordReset.user_id == user_id,
                                                    PasswordReset.used_at.is_(None))
                        .values(used_at=now))

    # -- recovery codes ------------------------------------------------------------------
    def replace_recovery_codes(self, user_id: int, digests: list[str]) -> None:
        self.tx.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        self.tx.add_all(RecoveryCode(user_id=user_id, code_hash=d) for d in digests)

    def use_recovery_code(self, user_id: int, digest: str, now: datetime) -> bool:
        result = self.tx.execute(update(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None)).values(used_at=now))
        return bool(getattr(result, "rowcount", 0))

    def unused_recovery_codes(self, user_id: int) -> int:
        return int(self.tx.scalar(select(func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0)

    # -- outbox --------------------------------------------------------------------------
    def add_message(self, user: User, kind: str, payload: dict[str, Any], now: datetime) -> None:
        self.tx.add(OutboxMessage(user_id=user.id, kind=kind, recipient=user.email,
                                  payload=payload, created_at=now))

    def messages(self, *, user_id: int | None = None, kind: str | None = None
                 ) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if user_id is not None:
            query = query.where(OutboxMessage.user_id == user_id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(self.tx.scalars(query))
