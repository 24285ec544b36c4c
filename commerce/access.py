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
from sqlalchemy.engine import Engine

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

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, origin: str) -> bool:
        return origin in self.origins

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "name": self.name, "origins": list(self.origins),
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "active": self.active}


def _info(row: Any) -> PublicKeyInfo:
    return PublicKeyInfo(row.token, row.name, tuple(row.origins or ()), row.created_at,
                         row.revoked_at)


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
    def create(self, name: str, origins: Iterable[str]) -> PublicKeyInfo:
        name = name.strip()
        if not name or len(name) > 120:
            raise InvalidInput("a key needs a name of 1-120 characters", field="name")
        cleaned = list(dict.fromkeys(normalize_origin(o) for o in origins))
        if len(cleaned) > MAX_ORIGINS:
            raise InvalidInput(f"at most {MAX_ORIGINS} origins per key", field="origin")
        token = TOKEN_PREFIX + secrets.token_hex(16)
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.engine.begin() as conn:
            conn.execute(insert(PublicKey).values(token=token, name=name, origins=cleaned,
                                                  created_at=now))
        self._cached = None
        return PublicKeyInfo(token, name, tuple(cleaned), now, None)

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
        """The active key ``token``; InvalidKey (401) when it is unknown or revoked,
        OriginNotAllowed (403) when ``origin`` is given and the key does not list it."""
        info = self.get(token)
        if info is None:
            raise InvalidKey("unknown public key", field="key")
        if not info.active:
            raise InvalidKey(f"public key {info.name!r} was revoked", field="key")
        if origin is not None and not info.allows(origin):
            raise OriginNotAllowed(f"origin {origin} is not allowed for public key "
                                   f"{info.name!r}", field="origin")
        return info

    def any_allows(self, origin: str) -> bool:
        """Whether some active key lists ``origin`` (preflights carry no key in a header)."""
        return origin in self._snapshot()[1]
