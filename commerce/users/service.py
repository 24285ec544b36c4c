"""Sign-in, sessions and tokens, two-factor login, password resets, blocking (C4, C8).
Business rules only: SQL is in ``repository``, and nothing here commits."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import Conflict, DiscoveryError, InvalidInput, NotFound
from catalog.settings import Settings
from commerce.audit.service import record
from commerce.identity import TOKEN_PREFIX, Principal, is_privileged, now_utc
from commerce.ratelimit import RateLimited
from commerce.roles.permissions import SELLER_ROLES
from commerce.roles.repository import RoleRepository
from commerce.users import totp
from commerce.users.models import AuthSession, PasswordReset, User
from commerce.users.passwords import (
    check_password,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from commerce.users.repository import UserRepository

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}")
SECOND_FACTOR_MINUTES = 10


class InvalidCredentials(DiscoveryError):
    """Wrong e-mail, password or code; never says which."""

    status_code = 401


class AccountBlocked(DiscoveryError):
    status_code = 403


@dataclass(frozen=True)
class Policy:
    session_hours: float = 12.0
    token_days: float = 90.0
    max_failures: int = 5
    max_failures_per_ip: int = 30
    window: timedelta = timedelta(minutes=15)
    reset_minutes: float = 60.0
    issuer: str = "B2B Discovery"

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(session_hours=s.account_session_hours, token_days=s.account_token_days,
                   max_failures=s.login_max_failures,
                   max_failures_per_ip=s.login_max_failures_per_ip,
                   window=timedelta(minutes=s.login_window_minutes),
                   reset_minutes=s.password_reset_minutes, issuer=s.totp_issuer)


@dataclass(frozen=True)
class SignIn:
    token: str
    stage: str  # full | totp | enrol
    user: User
    company_id: int | None
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "stage": self.stage, "user": user_dict(self.user),
                "company_id": self.company_id, "expires_at": self.expires_at.isoformat()}


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name,
            "seller_role": user.seller_role, "status": user.status,
            "two_factor": user.totp_enabled_at is not None,
            "created_at": user.created_at.isoformat()}


def check_email(email: object) -> str:
    if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
        raise InvalidInput("an e-mail address like name@example.com is required", field="email")
    return email.strip()


def check_name(name: object, field: str = "name") -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise InvalidInput(f"{field} needs 1-200 characters", field=field)
    return name.strip()


# -- users -------------------------------------------------------------------------------
def create_user(tx: Session, *, email: str, name: str, password: str,
                seller_role: str | None = None) -> User:
    email = check_email(email)
    name = check_name(name)
    check_password(password)
    if seller_role is not None and seller_role not in SELLER_ROLES:
        raise InvalidInput(f"unknown seller role {seller_role!r}; one of: "
                           f"{', '.join(SELLER_ROLES)}", field="seller_role")
    users = UserRepository(tx)
    if users.by_email(email) is not None:
        raise Conflict(f"a user with e-mail {email} already exists", field="email")
    return users.add(User(email=email, email_key=email.lower(), name=name,
                          password_hash=hash_password(password), seller_role=seller_role,
                          status="active", created_at=now_utc()))


def set_blocked(tx: Session, actor: Principal | str | None, user: User, blocked: bool,
                reason: str | None = None) -> User:
    """Block (C4): every session and API token of the user ends at once, and sign-in is refused;
    unblocking lets the user sign in again (no session comes back)."""
    now = now_utc()
    if blocked and isinstance(actor, Principal) and actor.user_id == user.id:
        raise Conflict("you cannot block yourself", field="user_id")
    if blocked:
        user.status, user.blocked_at = "blocked", now
        ended = UserRepository(tx).delete_user_sessions(user.id)
    else:
        user.status, user.blocked_at, ended = "active", None, 0
    record(tx, actor, "user.block" if blocked else "user.unblock", ("user", user.id),
           {"email": user.email, "reason": reason, "sessions_ended": ended})
    return user


# -- sign-in -----------------------------------------------------------------------------
def _retry_after(failures: list[datetime], window: timedelta, now: datetime) -> float:
    return max(1.0, (failures[-1] + window - now).total_seconds())


def check_rate(tx: Session, policy: Policy, email_key: str, ip: str, now: datetime) -> None:
    """429 with Retry-After once an e-mail (known or not) or an address has failed too often in
    the window; the right password does not help while limited."""
    users = UserRepository(tx)
    since = now - policy.window
    by_email = users.recent_failures(email_key=email_key, since=since, limit=policy.max_failures)
    if len(by_email) >= policy.max_failures:
        wait = _retry_after(by_email, policy.window, now)
        raise RateLimited(f"too many failed sign-ins for this e-mail; try again in "
                          f"{math.ceil(wait / 60)} min", retry_after=wait, field="email")
    by_ip = users.recent_failures(ip=ip, since=since, limit=policy.max_failures_per_ip)
    if len(by_ip) >= policy.max_failures_per_ip:
        wait = _retry_after(by_ip, policy.window, now)
        raise RateLimited(f"too many failed sign-ins from this address; try again in "
                          f"{math.ceil(wait / 60)} min", retry_after=wait)


def login(tx: Session, policy: Policy, email: str, password: str, ip: str) -> SignIn:
    """Check the password and start a sign-in. Raises RateLimited before checking anything when
    limited; InvalidCredentials (the failure is recorded: the caller must commit it, see the
    router) or AccountBlocked. The sign-in's stage: ``totp`` when the user has two-factor login
    (a second step completes it), ``enrol`` when the user's roles require it and it is not set
    up, else ``full``."""
    key = (email or "").strip().lower()[:254]
    now = now_utc()
    check_rate(tx, policy, key, ip, now)
    users = UserRepository(tx)
    user = users.by_email(key) if key else None
    if not verify_password(password or "", user.password_hash if user else None) or user is None:
        users.add_failure(key, ip, now, prune_before=now - policy.window)
        raise InvalidCredentials("wrong e-mail or password")
    if user.status != "active":
        raise AccountBlocked("this account is blocked; ask your company admin or the seller")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    users.clear_failures(key)
    if user.totp_enabled_at is not None:
        stage = "totp"
    elif is_privileged(tx, user):
        stage = "enrol"
    else:
        stage = "full"
    return _start(tx, policy, user, stage, now)


def _default_company(tx: Session, user: User) -> int | None:
    if user.seller_role is not None:
        return None
    ids = RoleRepository(tx).company_ids_of(user.id)
    return ids[0] if ids else None


def _start(tx: Session, policy: Policy, user: User, stage: str, now: datetime) -> SignIn:
    token = new_token(TOKEN_PREFIX)
    lifetime = (timedelta(minutes=SECOND_FACTOR_MINUTES) if stage == "totp"
                else timedelta(hours=policy.session_hours))
    company_id = _default_company(tx, user)
    users = UserRepository(tx)
    users.delete_expired_sessions(now)
    users.add_session(AuthSession(token_hash=token_hash(token), user_id=user.id, kind="session",
                                  stage=stage, company_id=company_id, created_at=now,
                                  expires_at=now + lifetime, last_seen=now))
    return SignIn(token, stage, user, company_id, now + lifetime)


def second_factor(tx: Session, policy: Policy, principal: Principal, ip: str, *,
                  code: str | None, recovery_code: str | None) -> dict[str, Any]:
    """Complete a ``totp`` sign-in with a TOTP code or an unused recovery code (used up)."""
    users = UserRepository(tx)
    user = users.get(principal.user_id)
    assert user is not None
    now = now_utc()
    check_rate(tx, policy, user.email_key, ip, now)
    if not code and not recovery_code:
        raise InvalidInput("give the 6-digit code of your authenticator app, or a recovery code",
                           field="code")
    ok = False
    if code and user.totp_secret:
        step = totp.matching_step(user.totp_secret, code, after_step=user.totp_last_step)
        if step is not None:
            user.totp_last_step, ok = step, True
    elif recovery_code:
        digest = token_hash(totp.normalize_recovery_code(recovery_code))
        ok = users.use_recovery_code(user.id, digest, now)
        if ok:
            record(tx, principal, "user.recovery_code_used", ("user", user.id),
                   {"left": users.unused_recovery_codes(user.id)}, company_id=None)
    if not ok:
        users.add_failure(user.email_key, ip, now, prune_before=now - policy.window)
        raise InvalidCredentials("wrong or already used code", field="code")
    users.clear_failures(user.email_key)
    found = users.session_with_user(principal.token_hash)
    assert found is not None
    row = found[0]
    row.stage, row.last_seen = "full", now
    row.expires_at = now + timedelta(hours=policy.session_hours)
    return {"stage": "full", "expires_at": row.expires_at.isoformat(),
            "recovery_codes_left": users.unused_recovery_codes(user.id)}


def logout(tx: Session, principal: Principal) -> None:
    UserRepository(tx).delete_session(principal.token_hash)


def create_api_token(tx: Session, policy: Policy, principal: Principal, name: str,
                     days: float | None = None) -> dict[str, Any]:
    """A named bearer token with a fixed expiry, shown once; it acts in the company the
    sign-in that created it is in."""
    name = check_name(name)
    if days is not None and not 0 < days <= 3650:
        raise InvalidInput("days must be between 0 and 3650", field="days")
    token = new_token(TOKEN_PREFIX)
    now = now_utc()
    expires = now + timedelta(days=days or policy.token_days)
    UserRepository(tx).add_session(AuthSession(
        token_hash=token_hash(token), user_id=principal.user_id, kind="token", stage="full",
        name=name, company_id=principal.company_id, created_at=now, expires_at=expires,
        last_seen=now))
    record(tx, principal, "user.token_create", ("user", principal.user_id), {"name": name},
           company_id=None)
    return {"token": token, "name": name, "expires_at": expires.isoformat()}


def list_api_tokens(tx: Session, principal: Principal) -> list[dict[str, Any]]:
    """The user's API tokens without their secrets; ``id`` is the start of the token's digest."""
    return [{"id": row.token_hash[:16], "name": row.name, "company_id": row.company_id,
             "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat()}
            for row in UserRepository(tx).list_tokens(principal.user_id)]


def revoke_api_token(tx: Session, principal: Principal, token_id: str) -> None:
    users = UserRepository(tx)
    found = [row for row in users.list_tokens(principal.user_id)
             if len(token_id) == 16 and row.token_hash.startswith(token_id)]
    if not found:
        raise NotFound(f"no API token {token_id!r} of yours", field="token_id")
    users.delete_session(found[0].token_hash)
    record(tx, principal, "user.token_revoke", ("user", principal.user_id),
           {"name": found[0].name}, company_id=None)


# -- two-factor enrolment ----------------------------------------------------------------
def enrol_totp(tx: Session, policy: Policy, principal: Principal) -> dict[str, Any]:
    """A new secret (not active until confirmed), its otpauth URI and QR code, and 10 new
    recovery codes (shown once, stored hashed)."""
    users = UserRepository(tx)
    user = users.get(principal.user_id)
    assert user is not None
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor login is already set up for this account", field="totp")
    secret = totp.new_secret()
    user.totp_secret, user.totp_last_step = secret, None
    codes = totp.new_recovery_codes()
    users.replace_recovery_codes(user.id, [token_hash(totp.normalize_recovery_code(c))
                                           for c in codes])
    uri = totp.provisioning_uri(secret, user.email, policy.issuer)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": totp.qr_svg(uri),
            "qr_png": totp.qr_png_data_uri(uri), "recovery_codes": codes}


def reset_totp(tx: Session, actor: Principal | str | None, user: User) -> None:
    """Turn two-factor login off for a user who lost the device and the recovery codes: the
    user's sign-ins end, and a privileged user must enrol again at the next sign-in."""
    users = UserRepository(tx)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    users.replace_recovery_codes(user.id, [])
    users.delete_user_sessions(user.id)
    record(tx, actor, "user.2fa_reset", ("user", user.id), {"email": user.email},
           company_id=None)


def confirm_totp(tx: Session, policy: Policy, principal: Principal, code: str) -> dict[str, Any]:
    """Turn two-factor login on with a code from the app; an ``enrol``-limited sign-in becomes
    a full one."""
    users = UserRepository(tx)
    user = users.get(principal.user_id)
    assert user is not None
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor login is already set up for this account", field="totp")
    if not user.totp_secret:
        raise Conflict("start with POST /v1/account/2fa/enrol", field="totp")
    step = totp.matching_step(user.totp_secret, code or "")
    if step is None:
        raise InvalidInput("the code does not match; check the time of the device", field="code")
    now = now_utc()
    user.totp_enabled_at, user.totp_last_step = now, step
    found = users.session_with_user(principal.token_hash)
    if found is not None and found[0].stage == "enrol":
        found[0].stage = "full"
    record(tx, principal, "user.2fa_enable", ("user", user.id), {}, company_id=None)
    return {"two_factor": True, "stage": "full"}


# -- password reset ----------------------------------------------------------------------
def issue_reset(tx: Session, policy: Policy, user: User) -> tuple[str, datetime]:
    """A new single-use reset token (earlier open ones end); only its hash is stored."""
    now = now_utc()
    users = UserRepository(tx)
    users.end_open_resets(user.id, now)
    token = new_token("pr_")
    expires = now + timedelta(minutes=policy.reset_minutes)
    users.add_reset(PasswordReset(token_hash=token_hash(token), user_id=user.id,
                                  created_at=now, expires_at=expires))
    return token, expires


def request_reset(tx: Session, policy: Policy, email: str) -> None:
    """Self-service: when the e-mail belongs to an active user, a reset message goes to the
    account outbox (delivered by the notification outbox of a later issue). Says nothing about
    whether the e-mail exists."""
    check_email(email)
    users = UserRepository(tx)
    user = users.by_email(email)
    if user is None or user.status != "active":
        return
    token, expires = issue_reset(tx, policy, user)
    users.add_message(user, "password_reset", {"token": token, "expires_at": expires.isoformat()},
                      now_utc())


def confirm_reset(tx: Session, token: str, password: str) -> User:
    """Set a new password with a reset token: single use, expiring; every session and API token
    of the user ends and sign-in failures are forgotten."""
    check_password(password)
    users = UserRepository(tx)
    row = users.reset(token_hash(token or ""))
    now = now_utc()
    if row is None:
        raise InvalidInput("unknown password reset token", field="token")
    if row.used_at is not None:
        raise InvalidInput("this password reset token was already used", field="token")
    if row.expires_at <= now:
        raise InvalidInput("this password reset token has expired; ask for a new one",
                           field="token")
    user = users.get(row.user_id)
    if user is None or user.status != "active":
        raise InvalidInput("this account is blocked", field="token")
    row.used_at = now
    user.password_hash = hash_password(password)
    users.delete_user_sessions(user.id)
    users.clear_failures(user.email_key)
    record(tx, None, "user.password_reset", ("user", user.id), {"email": user.email})
    return user


def change_password(tx: Session, principal: Principal, current: str, new: str) -> None:
    users = UserRepository(tx)
    user = users.get(principal.user_id)
    assert user is not None
    if not verify_password(current or "", user.password_hash):
        raise InvalidInput("the current password is wrong", field="current_password")
    check_password(new, field="new_password")
    user.password_hash = hash_password(new)
    users.delete_user_sessions(user.id, keep=principal.token_hash)
    record(tx, principal, "user.password_change", ("user", user.id), {}, company_id=None)


def get_user(tx: Session, user_id: int) -> User:
    user = UserRepository(tx).get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    return user
