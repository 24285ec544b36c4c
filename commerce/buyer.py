"""Who a search is for: the buyer context that selects a customer's assortment and prices
(S13, P3). The search route calls :func:`resolve_buyer` (or takes the :func:`buyer_context`
dependency); nothing here imports the API.

A buyer is identified, in this order, by an account sign-in (``Authorization: Bearer da_...``
or the ``discovery_account`` cookie; a seller acting as a customer company counts as that
company) or by a storefront public key scoped to a company (``?key=pk_...`` or the Algolia
key header). Anything else is anonymous (None): base prices, the full catalog. Errors are
raised, never swallowed into anonymity: an unknown, revoked or expired key is 401 and a
blocked company is 403, so a storefront notices instead of silently showing list prices.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from commerce.access import TOKEN_PREFIX as KEY_PREFIX
from commerce.access import PublicKeys
from commerce.companies.models import Company
from commerce.identity import (
    COOKIE_NAME,
    TOKEN_PREFIX,
    CompanyBlocked,
    NotAuthenticated,
    authenticate,
    now_utc,
    settings_of,
)


@dataclass(frozen=True)
class BuyerContext:
    company_id: int
    customer_group: str | None
    user_id: int | None  # None for a public key
    via: Literal["session", "bearer", "public_key"]


def _company_context(company: Company | None, user_id: int | None, via: str
                     ) -> BuyerContext | None:
    if company is None:
        return None
    if company.status != "active":
        raise CompanyBlocked(f"company {company.id} is {company.status}: no prices or "
                             "assortment are shown for it")
    return BuyerContext(company.id, company.customer_group, user_id, via)  # type: ignore[arg-type]


def resolve_buyer(tx: Session, *, authorization: str | None = None, cookie: str | None = None,
                  key: str | None = None, keys: PublicKeys | None = None,
                  session_hours: float = 12.0) -> BuyerContext | None:
    """The buyer of a request from its ``Authorization`` header value, its
    ``discovery_account`` cookie and its public key (``?key=``). ``keys``: a long-lived
    :class:`PublicKeys` (its few-second cache keeps the search path free of a key query); None
    builds one. A sign-in that is not complete (second factor or enrolment pending), a seller
    not acting as a company and a user without a company are anonymous."""
    token, via = None, None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip().startswith(TOKEN_PREFIX):
            token, via = value.strip(), "bearer"
    if token is None and cookie:
        token, via = cookie, "session"
    if token is not None:
        found = authenticate(tx, token, now_utc(), session_hours=session_hours)
        if found is None:
            if via == "bearer":
                raise NotAuthenticated("the sign-in has expired or was ended; sign in again")
        else:
            row, user = found
            if row.stage == "full" and row.company_id is not None:
                return _company_context(tx.get(Company, row.company_id), user.id, via or "")
            return None
    if key and key.startswith(KEY_PREFIX):
        info = (keys or PublicKeys(tx.get_bind())).check(key, None)  # type: ignore[arg-type]
        if info.company_id is not None:
            return _company_context(tx.get(Company, info.company_id), None, "public_key")
    return None


_keys_lock = threading.Lock()


def _app_keys(request: Request, engine: Engine) -> PublicKeys:
    keys = getattr(request.app.state, "buyer_keys", None)
    if keys is None:
        with _keys_lock:
            keys = getattr(request.app.state, "buyer_keys", None)
            if keys is None:
                cache_s = settings_of(request).public_key_cache_s
                keys = PublicKeys(engine, cache_s=cache_s)
                request.app.state.buyer_keys = keys
    return keys


def buyer_context(request: Request) -> BuyerContext | None:
    """FastAPI dependency: the request's buyer (see :func:`resolve_buyer`), read in a short
    read-only session of its own (search endpoints take no ``Tx``)."""
    engine: Engine = request.app.state.services.store.engine
    key = (request.query_params.get("key") or request.query_params.get("x-algolia-api-key")
           or request.headers.get("x-algolia-api-key"))
    with Session(engine) as tx:
        context = resolve_buyer(tx, authorization=request.headers.get("authorization"),
                                cookie=request.cookies.get(COOKIE_NAME), key=key,
                                keys=_app_keys(request, engine),
                                session_hours=settings_of(request).account_session_hours)
        tx.commit()  # a sliding session's new expiry
    return context
