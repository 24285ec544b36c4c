"""argon2id password hashes (argon2-cffi's defaults, RFC 9106's second recommendation), and the
token hashing shared by sessions, API tokens, reset tokens and recovery codes."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from catalog.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 reads it all
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not anybody's password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """Constant work for unknown users (``stored`` None checks a dummy hash)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def check_password(password: object, field: str = "password") -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
                           field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password may have at most {MAX_PASSWORD_LENGTH} characters",
                           field=field)
    return password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)
