"""Public (search-only) API keys of storefronts (S12). All SQL of ``public_keys`` is here.

A public key works like Algolia's search-only key: it ships in a shop's JavaScript, so it is an
identifier rather than a secret, and it is stored as is (``discovery keys list`` shows it). What
it grants is narrow: a browser on one of the key's *origins* may call the public endpoints
(search, autocomplete, product cards, events) cross-origin. A key is never deleted, only
revoked, so that a revoked key is answered "revoked" rather than "unknown".

The CORS middleware asks :meth:`PublicKeys.check` on every cross-origin request; the keys are
read from the database at most once per ``cache_s`` seconds (a few), so the search path costs
no query per request and a revocation takes effect within that time in every process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from catalog.errors import DiscoveryError, InvalidInput, NotFound
from catalog.models import PublicKey

TOKEN_PREFIX = "pk_"
MAX_ORIGINS = 50
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidKey(DiscoveryError):
    """The presented key is unknown or revoked."""

    status_code = 401


class OriginNotAllowed(DiscoveryError):
    """A browser on this origin may not use the endpoint (with this key)."""

    status_code = 403


def normalize_origin(raw: str, field: str = "origin") -> str:
    """``https://Shop.example:443/`` -> ``https://shop.example``: an origin as browsers send it
    in the ``Origin`` header (scheme, host, port only when not the default)."""
    value = raw.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{raw!r} is not an origin like https://shop.example", field=field) from None
    if (parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username or parts.password):
        raise InvalidInput(f"{raw!r} is not an origin like https://shop.example (scheme and "
                           "host, no path)", field=field)
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class PublicKeyInfo:
    token: str
    name: str
    origins: tuple[str, ...]
    created_at: datetime | None
    revoked_at: datetime | None
    company_id: int | None = None  # scoped to a customer company: its assortment and prices
    expires_at: datetime | None = None  # naive UTC

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= _utcnow()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    def allows(self, origin: str) -> bool:
        return origin in self.origins

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "name": self.name, "origins": list(self.origins),
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "company_id": self.company_id,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "active": self.active}


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _info(row: Any) -> PublicKeyInfo:
    return PublicKeyInfo(row.token, row.name, tuple(row.origins or ()), row.created_at,
                         row.revoked_at, row.company_id, row.expires_at)


def create_key(executor: Session | Connection, name: str, origins: Iterable[str], *,
               company_id: int | None = None, expires_at: datetime | None = None
               ) -> PublicKeyInfo:
    """Insert a key in the caller's transaction (a request's ``Tx`` or a connection). A
    ``company_id`` must name an existing company; ``expires_at`` (UTC; a zone-less time is UTC)
    must be in the future."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("a key needs a name of 1-120 characters", field="name")
    cleaned = list(dict.fromkeys(normalize_origin(o) for o in origins))
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput(f"at most {MAX_ORIGINS} origins per key", field="origin")
    now = _utcnow()
    if expires_at is not None:
        if expires_at.tzinfo is not None:
            expires_at = expires_at.astimezone(UTC).replace(tzinfo=None)
        if expires_at <= now:
            raise InvalidInput("expires_at must be in the future", field="expires_at")
    if company_id is not None:
        from commerce.companies.models import Company

        found = executor.execute(select(Company.id).where(Company.id == company_id)).first()
        if found is None:
            raise NotFound(f"no company {company_id}", field="company_id")
    token = TOKEN_PREFIX + secrets.token_hex(16)
    executor.execute(insert(PublicKey).values(token=token, name=name, origins=cleaned,
                                              created_at=now, company_id=company_id,
                                              expires_at=expires_at))
    return PublicKeyInfo(token, name, tuple(cleaned), now, None, company_id, expires_at)


def keys_of_company(executor: Session | Connection, company_id: int) -> list[PublicKeyInfo]:
    rows = executor.execute(select(PublicKey.__table__).where(PublicKey.company_id == company_id)
                            .order_by(PublicKey.id)).all()
    return [_info(row) for row in rows]


class PublicKeys:
    """The repository of public keys plus the short-lived in-memory copy requests check."""

    def __init__(self, engine: Engine, *, cache_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.cache_s = cache_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, PublicKeyInfo], frozenset[str]] | None = None

    # -- management (CLI) ----------------------------------------------------------------
    def create(self, name: str, origins: Iterable[str], *, company_id: int | None = None,
               expires_at: datetime | None = None) -> PublicKeyInfo:
        with self.engine.begin() as conn:
            info = create_key(conn, name, origins, company_id=company_id, expires_at=expires_at)
        self._cached = None
        return info

    def list(self) -> list[PublicKeyInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(PublicKey.__table__).order_by(PublicKey.id)).all()
        return [_info(row) for row in rows]

    def revoke(self, token: str) -> PublicKeyInfo:
        """Revoke a key (revoking it again changes nothing). NotFound for an unknown token."""
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.engine.begin() as conn:
            conn.execute(update(PublicKey).where(PublicKey.token == token,
                                                 PublicKey.revoked_at.is_(None))
                         .values(revoked_at=now))
            row = conn.execute(select(PublicKey.__table__).where(PublicKey.token == token)).first()
        if row is None:
            raise NotFound(f"no public key {token!r}", field="token")
        self._cached = None
        return _info(row)

    # -- the request path ----------------------------------------------------------------
    def _snapshot(self) -> tuple[dict[str, PublicKeyInfo], frozenset[str]]:
        """Every key by token, and the origins of the active ones (at most ``cache_s`` old)."""
        cached = self._cached
        now = self._clock()
        if cached is not None and now - cached[0] < self.cache_s:
            return cached[1], cached[2]
        with self._lock:
            cached = self._cached
            if cached is not None and now - cached[0] < self.cache_s:
                return cached[1], cached[2]
            keys = {info.token: info for info in self.list()}
            origins = frozenset(o for info in keys.values() if info.active for o in info.origins)
            self._cached = (now, keys, origins)
            return keys, origins

    def get(self, token: str) -> PublicKeyInfo | None:
        return self._snapshot()[0].get(token)

    def check(self, token: str, origin: str | None) -> PublicKeyInfo:
        """The active key ``token``; InvalidKey (401) when it is unknown, revoked or expired,
        OriginNotAllowed (403) when ``origin`` is given and the key does not list it."""
        info = self.get(token)
        if info is None:
            raise InvalidKey("unknown public key", field="key")
        if info.revoked_at is not None:
            raise InvalidKey(f"public key {info.name!r} was revoked", field="key")
        if info.expired:
            assert info.expires_at is not None
            raise InvalidKey(f"public key {info.name!r} expired on "
                             f"{info.expires_at:%Y-%m-%d %H:%M} UTC", field="key")
        if origin is not None and not info.allows(origin):
            raise OriginNotAllowed(f"origin {origin} is not allowed for public key "
                                   f"{info.name!r}", field="origin")
        return info

    def any_allows(self, origin: str) -> bool:
        """Whether some active key lists ``origin`` (preflights carry no key in a header)."""
        return origin in self._snapshot()[1]
