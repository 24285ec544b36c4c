"""Request dependencies: the services built at start-up, and JSON rendering."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from api.container import Services
from catalog.errors import InvalidInput


def services(request: Request) -> Services:
    return request.app.state.services


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
