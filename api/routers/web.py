"""The storefront page, widgets, InstantSearch page and console: front-end assets built by
``make web`` (npm + Vite, sources in ``api/web``) into ``api/web/dist`` and served as files.

Hashed assets (``/assets/...``) are cached for a year; pages and ``/widgets.js`` (whose name
storefronts embed) are revalidated, with an ETag, so a new release reaches buyers at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"

router = APIRouter(include_in_schema=False)

_PAGES = {
    "/": "index.html",
    "/widgets/demo": "widgets-demo.html",
    "/instantsearch": "instantsearch.html",
    "/console": "console.html",
}
_NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Not built</title>
<p>The web pages are not built. Run <code>make web</code> (or <code>make demo</code>), which
installs the front-end packages with npm and builds them into <code>api/web/dist</code>.</p>"""


def _etag(path: Path) -> str:
    stat = path.stat()
    return '"' + hashlib.blake2b(f"{stat.st_mtime_ns}:{stat.st_size}".encode(),
                                 digest_size=8).hexdigest() + '"'


def _file(path: Path, request: Request, media_type: str | None = None,
          cache: str = "no-cache") -> Response:
    if not path.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    etag = _etag(path)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": cache})
    return FileResponse(path, media_type=media_type,
                        headers={"ETag": etag, "Cache-Control": cache})


def _page_endpoint(name: str):  # type: ignore[no-untyped-def]
    def page(request: Request) -> Response:
        response = _file(WEB_DIST / name, request, "text/html; charset=utf-8")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if name == "console.html":  # the console is never framed by another site
            response.headers["X-Frame-Options"] = "DENY"
        return response

    return page


for _path, _name in _PAGES.items():
    router.add_api_route(_path, _page_endpoint(_name), methods=["GET", "HEAD"])


@router.get("/widgets.js")
def widgets(request: Request) -> Response:
    """The embeddable widgets: one script, cross-origin by nature (storefronts load it)."""
    response = _file(WEB_DIST / "widgets.js", request, "text/javascript; charset=utf-8",
                     cache="public, max-age=300, must-revalidate")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/widgets.js.map")
def widgets_map(request: Request) -> Response:
    return _file(WEB_DIST / "widgets.js.map", request, "application/json")


@router.get("/assets/{name}")
def asset(name: str, request: Request) -> Response:
    """Hashed bundles of the pages (immutable: a new build has new names)."""
    path = (WEB_DIST / "assets" / name).resolve()
    if path.parent != (WEB_DIST / "assets").resolve() or not path.is_file():
        return Response(status_code=404)
    return _file(path, request, cache="public, max-age=31536000, immutable")
