"""Request dependencies: the services built at start-up, and JSON rendering."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from api.container import Services
from catalog.errors import InvalidInput
from commerce.buyer import buyer_context
from commerce.identity import COOKIE_NAME as ACCOUNT_COOKIE
from ranking.personal import BuyerView


def services(request: Request) -> Services:
    return request.app.state.services


def buyer_view(request: Request) -> BuyerView | None:
    """The buyer's assortment and prices for the search endpoints (S13): None for anonymous
    requests, which pay no database round trip (nothing to resolve without a sign-in or a
    key). Unknown, revoked or expired keys and blocked companies are errors (401/403)."""
    if not (request.headers.get("authorization") or request.cookies.get(ACCOUNT_COOKIE)
            or request.query_params.get("key") or request.query_params.get("x-algolia-api-key")
            or request.headers.get("x-algolia-api-key")):
        return None
    buyer = buyer_context(request)
    if buyer is None:
        return None
    svc: Services = request.app.state.services
    return svc.personal_search().for_company(buyer.company_id, buyer.customer_group)


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), status_code=status_code,
                    media_type="application/json")


ALWAYS_ALLOWED = frozenset({"key"})
"""Accepted by every endpoint: ``key`` is a storefront's public key, checked by ``api.cors``."""


def reject_unknown_params(request: Request, allowed: set[str]) -> None:
    """A misspelt parameter (``filters=`` for ``filter=``) is an error, not silently ignored."""
    for name in request.query_params:
        if name not in allowed and name not in ALWAYS_ALLOWED:
            raise InvalidInput(
                f"unknown query parameter {name!r}; accepted: {', '.join(sorted(allowed))}",
                field=name,
            )
