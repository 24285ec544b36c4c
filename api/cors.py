"""Cross-origin access for storefronts: configured origins and per-key allowed origins (S12).

Only the public endpoints a shop's browser calls take part: search (also by photo, barcode
and voice), autocomplete, product cards, documents and media, events and the Algolia protocol
(``/1/indexes/...``). Merchandising, analytics, imports, evaluations and sign-in never answer
cross-origin requests with CORS headers, so a browser never lets another site read them.

A request whose ``Origin`` is another site is allowed when that origin is in
``DISCOVERY_CORS_ORIGINS`` (``*``: any) or the public key it presents lists it (``?key=``, or
Algolia's ``x-algolia-api-key`` header or query parameter). A presented key must be known and
not revoked (401) wherever the request comes from (an ``x-algolia-api-key`` that is not shaped
like one of ours, ``pk_...``, is a placeholder the Algolia clients require and counts as none); a cross-origin request that is not allowed is
a 403 naming the origin. Requests without ``Origin`` (servers, curl) and same-origin requests
are not restricted by origin. Preflights carry no header values, so they are decided by a key in
the query string, else by the configured origins, else by whether any active key lists the
origin; the real request is checked again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.algolia_protocol import error_body
from catalog.errors import DiscoveryError, InvalidInput
from catalog.settings import Settings
from commerce.access import (
    TOKEN_PREFIX,
    OriginNotAllowed,
    PublicKeyInfo,
    PublicKeys,
    normalize_origin,
)

PUBLIC_PATHS = ("/v1/search", "/v1/autocomplete", "/v1/events")
PUBLIC_PREFIXES = ("/v1/search/", "/v1/products/", "/v1/documents/", "/v1/media/", "/1/indexes/")
ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "content-type, x-algolia-api-key, x-algolia-application-id, x-algolia-agent"
MAX_AGE = "600"


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def parse_origins(value: str) -> tuple[frozenset[str], bool]:
    """``DISCOVERY_CORS_ORIGINS`` as normalised origins, and whether ``*`` (any) is among them."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    origins = frozenset(normalize_origin(v, field="DISCOVERY_CORS_ORIGINS")
                        for v in items if v != "*")
    return origins, "*" in items


def _origin(raw: str) -> str:
    try:
        return normalize_origin(raw)
    except InvalidInput:
        return raw.strip()  # "null" (sandboxed frames, files) and the like: never listed


def _same_origin(origin: str, host: str | None) -> bool:
    """Whether the page that sent the request was served by this server (its own pages)."""
    if not host:
        return False
    parts = urlsplit(origin)
    if not parts.hostname:
        return False
    host = host.strip().lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return False
    candidates = {parts.netloc.lower()}
    if port is None and default is not None:
        candidates.add(f"{parts.hostname}:{default}")
    return host in candidates


def _ours(algolia_key: str | None) -> str | None:
    """An Algolia API key that is one of our public keys; the clients insist on some key, so
    any other text ("public", "search-only") counts as no key rather than an unknown one."""
    return algolia_key if algolia_key and algolia_key.startswith(TOKEN_PREFIX) else None


class CorsMiddleware:
    """Pure ASGI (no per-request task or body copy): the search path stays fast."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.origins, self.any_origin = parse_origins(settings.cors_origins)
        self.cache_s = settings.public_key_cache_s
        self._keys: PublicKeys | None = None

    def keys(self, scope: Scope) -> PublicKeys:
        if self._keys is None:
            engine = scope["app"].state.services.store.engine
            self._keys = PublicKeys(engine, cache_s=self.cache_s)
        return self._keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        query = QueryParams(scope.get("query_string", b""))
        raw_origin = headers.get("origin")
        origin = None
        if raw_origin is not None:
            origin = _origin(raw_origin)
            if _same_origin(origin, headers.get("host")):
                origin = None
        preflight = (scope["method"] == "OPTIONS"
                     and "access-control-request-method" in headers)
        try:
            if preflight and origin is not None:
                await self._preflight(scope, send, origin, query.get("key")
                                      or _ours(query.get("x-algolia-api-key")))
                return
            key = (query.get("key") or _ours(query.get("x-algolia-api-key"))
                   or _ours(headers.get("x-algolia-api-key")))
            await self._check(scope, origin, key)
        except DiscoveryError as exc:
            await self._error(scope, send, exc, origin)
            return
        await self.app(scope, receive, self._with_headers(send, origin))

    async def _check(self, scope: Scope, origin: str | None, key: str | None) -> None:
        info: PublicKeyInfo | None = None
        if key:
            info = await run_in_threadpool(self.keys(scope).check, key, None)
        if origin is None or self.any_origin or origin in self.origins:
            return
        if info is None:
            raise OriginNotAllowed(f"origin {origin} is not allowed; list it in "
                                   "DISCOVERY_CORS_ORIGINS or present a public key that lists "
                                   "it", field="origin")
        if not info.allows(origin):
            raise OriginNotAllowed(f"origin {origin} is not allowed for public key "
                                   f"{info.name!r}", field="origin")

    async def _preflight(self, scope: Scope, send: Send, origin: str, key: str | None) -> None:
        if key:
            await self._check(scope, origin, key)
        elif not (self.any_origin or origin in self.origins
                  or await run_in_threadpool(self.keys(scope).any_allows, origin)):
            raise OriginNotAllowed(f"origin {origin} is not allowed; list it in "
                                   "DISCOVERY_CORS_ORIGINS or in a public key", field="origin")
        await send({"type": "http.response.start", "status": 204, "headers": [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", ALLOW_METHODS.encode()),
            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
            (b"access-control-max-age", MAX_AGE.encode()),
            (b"vary", b"Origin"),
        ]})
        await send({"type": "http.response.body", "body": b""})

    async def _error(self, scope: Scope, send: Send, exc: DiscoveryError,
                     origin: str | None) -> None:
        algolia = scope["path"].startswith("/1/")
        body = orjson.dumps(error_body(exc) if algolia else exc.to_dict())
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()), (b"vary", b"Origin")]
        if origin is not None and (self.any_origin or origin in self.origins):
            # an allowed site whose key was refused: its script may read why
            headers.append((b"access-control-allow-origin", origin.encode("latin-1")))
        await send({"type": "http.response.start", "status": exc.status_code,
                    "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _with_headers(send: Send, origin: str | None) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.add_vary_header("Origin")
                if origin is not None:
                    response_headers["access-control-allow-origin"] = origin
            await send(message)

        return wrapped


def install(app: FastAPI, settings: Settings) -> None:
    """The CORS policy of the public endpoints (an invalid ``DISCOVERY_CORS_ORIGINS`` entry
    fails here, at start-up, naming the setting)."""
    parse_origins(settings.cors_origins)
    app.add_middleware(CorsMiddleware, settings=settings)
