"""The single exception handler: every error leaves as ``{"error", "detail", "field"?}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.errors import DiscoveryError

log = logging.getLogger("discovery.api")


def install(app: FastAPI) -> None:
    @app.exception_handler(DiscoveryError)
    async def _discovery(_: Request, exc: DiscoveryError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))  # Retry-After of a 429

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ())]
        in_body = bool(loc) and loc[0] == "body"
        field = loc[-1] if loc else None
        body = {"error": "InvalidInput", "detail": f"{field}: {first.get('msg', 'invalid value')}",
                "field": field}
        return JSONResponse(body, status_code=422 if in_body else 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = "NotFound" if exc.status_code == 404 else "HTTPError"
        return JSONResponse({"error": name, "detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"error": "InternalError", "detail": "internal error; see the server log"},
                            status_code=500)
