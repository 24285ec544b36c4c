"""Staff accounts of the merchandiser console (S7, S14): users with a role, password login
with a lockout, and server-side sessions. All SQL of these tables is here.

Passwords are hashed with scrypt and a per-user salt; the parameters are stored with the hash
(``scrypt$n=16384,r=8,p=1$<salt>$<hash>``), so they can be raised later without breaking old
hashes. Session tokens are random (256 bits) and only their SHA-256 is stored: a copy of the
database does not let anyone sign in.

Roles: ``admin`` (everything), ``merchandiser`` (edit and publish synonyms and rules, run
evaluations), ``analyst`` (read-only: analytics, merchandising, evaluations).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from catalog.errors import Conflict, DiscoveryError, InvalidInput, NotFound
from catalog.models import StaffAccount, StaffLoginFailure, StaffSession

ROLES = ("admin", "merchandiser", "analyst")
EDITORS = ("admin", "merchandiser")  # may change synonyms and rules and publish them
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # scrypt reads it all: a megabyte password would be a cheap DoS
LOCKOUT_ATTEMPTS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
_TOUCH_EVERY = timedelta(seconds=60)  # a session's expiry slides at most once a minute
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

staff_users = cast(Table, StaffAccount.__table__)
staff_sessions = cast(Table, StaffSession.__table__)
staff_login_failures = cast(Table, StaffLoginFailure.__table__)


class InvalidCredentials(DiscoveryError):
    """Wrong username or password; never says which."""

    status_code = 401


class NotAuthenticated(DiscoveryError):
    status_code = 401


class Forbidden(DiscoveryError):
    status_code = 403


class LoginLocked(DiscoveryError):
    """Too many failed sign-ins for one username in the lockout window."""

    status_code = 429


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, like the other tables


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    params = ",".join(f"{k}={v}" for k, v in _SCRYPT.items())
    return f"scrypt${params}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison of scrypt digests; False for any malformed hash."""
    try:
        scheme, params, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        values = {k: int(v) for k, v in (item.split("=") for item in params.split(","))}
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=len(expected),
                                n=values["n"], r=values["r"], p=values["p"],
                                maxmem=128 * values["n"] * values["r"] * 2 + 1024 * 1024)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(digest, expected)


_DUMMY_HASH = hash_password("not a password of anyone", salt=b"\0" * 16)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password: str, min_length: int = MIN_PASSWORD_LENGTH) -> str:
    if not isinstance(password, str) or len(password) < min_length:
        raise InvalidInput(f"the password must have at least {min_length} characters",
                           field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password may have at most {MAX_PASSWORD_LENGTH} characters",
                           field="password")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; one of: {', '.join(ROLES)}", field="role")
    return role


class StaffAccounts:
    """Staff users and their console sessions in the catalog database (shared by every API
    process, so a session started on one works on all). Stateless: cheap to construct."""

    def __init__(self, engine: Engine, *, session_hours: float = 12.0,
                 clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.session_lifetime = timedelta(hours=session_hours)
        self.clock = clock

    # -- users ---------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: str) -> StaffUser:
        if not isinstance(username, str) or not _USERNAME.fullmatch(username):
            raise InvalidInput("a username has 1-64 letters, digits, '.', '_', '@' or '-' and "
                               "starts with a letter or digit", field="username")
        check_role(role)
        check_password(password)
        try:
            with self.engine.begin() as conn:
                key = conn.execute(insert(staff_users).values(
                    username=username, username_key=username.lower(),
                    password_hash=hash_password(password), role=role, created_at=self.clock(),
                    disabled=False)).inserted_primary_key
                assert key is not None
                user_id = int(key[0])
        except IntegrityError:
            raise Conflict(f"staff user {username!r} already exists (usernames ignore case)",
                           field="username") from None
        return StaffUser(user_id, username, role)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(staff_users)).scalar_one())

    def list_users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(staff_users.c.username, staff_users.c.role,
                                       staff_users.c.created_at, staff_users.c.disabled)
                                .order_by(staff_users.c.username_key)).all()
        return [{"username": r.username, "role": r.role, "created_at": r.created_at.isoformat(),
                 "disabled": bool(r.disabled)} for r in rows]

    def get_user(self, username: str) -> StaffUser | None:
        """An enabled user by name (any case), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_users.c.id, staff_users.c.username,
                                      staff_users.c.role, staff_users.c.disabled).where(
                staff_users.c.username_key == username.lower())).first()
        if row is None or row.disabled:
            return None
        return StaffUser(int(row.id), row.username, row.role)

    def _user_id(self, conn: Any, username: str) -> int:
        found = conn.execute(select(staff_users.c.id).where(
            staff_users.c.username_key == username.lower())).scalar()
        if found is None:
            raise NotFound(f"no staff user {username!r}", field="username")
        return int(found)

    def set_password(self, username: str, password: str) -> None:
        """A new password ends every session of the user (a stolen session dies with it) and
        lifts a lockout."""
        check_password(password)
        new_hash = hash_password(password)
        with self.engine.begin() as conn:
            user_id = self._user_id(conn, username)
            conn.execute(update(staff_users).where(staff_users.c.id == user_id)
                         .values(password_hash=new_hash))
            conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user_id))
            conn.execute(delete(staff_login_failures).where(
                staff_login_failures.c.username_key == username.lower()))

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        with self.engine.begin() as conn:
            user_id = self._user_id(conn, username)
            conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(role=role))

    def disable(self, username: str, disabled: bool = True) -> None:
        """A disabled user cannot sign in and loses every session at once."""
        with self.engine.begin() as conn:
            user_id = self._user_id(conn, username)
            conn.execute(update(staff_users).where(staff_users.c.id == user_id)
                         .values(disabled=disabled))
            if disabled:
                conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user_id))

    # -- sign-in -------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> StaffUser:
        """The user, or InvalidCredentials without saying whether the name or the password was
        wrong (unknown names cost the same scrypt time), or LoginLocked after
        ``LOCKOUT_ATTEMPTS`` failures for the name within ``LOCKOUT_WINDOW`` (unknown names
        too, so the lockout does not reveal which names exist). While locked, even the right
        password is refused; a successful sign-in clears the count."""
        key = (username or "").strip().lower()[:64]
        now = self.clock()
        since = now - LOCKOUT_WINDOW
        with self.engine.connect() as conn:
            failures = conn.execute(
                select(staff_login_failures.c.failed_at)
                .where(staff_login_failures.c.username_key == key,
                       staff_login_failures.c.failed_at > since)
                .order_by(staff_login_failures.c.failed_at.desc())
                .limit(LOCKOUT_ATTEMPTS)).scalars().all()
            row = conn.execute(select(staff_users).where(staff_users.c.username_key == key)).first()
        if len(failures) >= LOCKOUT_ATTEMPTS:
            # the window ends LOCKOUT_WINDOW after the oldest of the last LOCKOUT_ATTEMPTS
            retry = failures[-1] + LOCKOUT_WINDOW - now
            minutes = max(1, -(-int(retry.total_seconds()) // 60))
            raise LoginLocked(f"too many failed sign-ins for this username; try again in "
                              f"{minutes} minute{'s' if minutes != 1 else ''}")
        valid = verify_password(password or "", row.password_hash if row else _DUMMY_HASH)
        if row is None or not valid or row.disabled:
            with self.engine.begin() as conn:
                conn.execute(insert(staff_login_failures).values(username_key=key, failed_at=now))
                conn.execute(delete(staff_login_failures).where(  # keep the table small
                    staff_login_failures.c.failed_at <= since))
            raise InvalidCredentials("wrong username or password")
        if failures:
            with self.engine.begin() as conn:
                conn.execute(delete(staff_login_failures).where(
                    staff_login_failures.c.username_key == key))
        return StaffUser(int(row.id), row.username, row.role)

    # -- sessions ------------------------------------------------------------------------
    def create_session(self, user: StaffUser) -> str:
        """A new session token for ``user`` (shown once; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(staff_sessions).values(
                token_hash=_token_hash(token), user_id=user.id, created_at=now,
                expires_at=now + self.session_lifetime, last_seen=now))
            conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now))
        return token

    def session_user(self, token: str | None) -> StaffUser | None:
        """The user of a live session, or None (unknown, expired, user disabled). Sliding
        expiry: each use moves the end to ``session_hours`` from now (written at most once a
        minute per session)."""
        if not token or len(token) > 200:
            return None
        now = self.clock()
        digest = _token_hash(token)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(staff_users.c.id, staff_users.c.username, staff_users.c.role,
                       staff_users.c.disabled, staff_sessions.c.expires_at,
                       staff_sessions.c.last_seen)
                .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
                .where(staff_sessions.c.token_hash == digest)).first()
        if row is None or row.disabled or row.expires_at <= now:
            return None
        if now - row.last_seen >= _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(staff_sessions).where(staff_sessions.c.token_hash == digest)
                             .values(last_seen=now, expires_at=now + self.session_lifetime))
        return StaffUser(int(row.id), row.username, row.role)

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with self.engine.begin() as conn:
            conn.execute(delete(staff_sessions).where(
                staff_sessions.c.token_hash == _token_hash(token)))
