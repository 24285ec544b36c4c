"""Search embedded elsewhere: the official InstantSearch.js page, and the widgets on a page of
another origin (CORS with per-key allowed origins), in a real browser."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import _free_port
from tests.browser.conftest import DISCOVERY


def test_instantsearch_page_with_the_official_packages(web_server: str, page: Any) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(web_server + "/instantsearch")
    hits = page.locator(".ais-Hits-item")
    hits.first.wait_for()
    box = page.locator(".ais-SearchBox-input")
    box.press_sequentially("gloves", delay=40)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ais-Hits-item')].slice(0, 3)"
        ".every(e => /glove/i.test(e.textContent))")
    assert page.locator(".ais-Hits-item mark.ais-Highlight-highlighted").count() > 0
    stats = page.locator(".ais-Stats").inner_text()
    total = int(re.search(r"([\d,]+) results?", stats).group(1).replace(",", ""))  # type: ignore[union-attr]

    # a refinement list item narrows the hits to its count
    item = page.locator("#brand .ais-RefinementList-item").first
    label = item.locator(".ais-RefinementList-labelText").inner_text()
    count = int(item.locator(".ais-RefinementList-count").inner_text().replace(",", ""))
    assert count < total
    item.locator("input").check()
    page.wait_for_function(
        f"() => /\\b{count:,} results?/.test(document.querySelector('.ais-Stats').textContent)")
    for meta in page.locator(".ais-Hits-item .hit-meta").all_inner_texts():
        assert label in meta
    # the other brands stay listed with their counts (disjunctive facet)
    assert page.locator("#brand .ais-RefinementList-item").count() > 1
    # paging
    if page.locator(".ais-Pagination-item--nextPage a").count():
        first_sku = page.locator(".ais-Hits-item article").first.get_attribute("data-sku")
        page.locator(".ais-Pagination-item--nextPage a").click()
        page.wait_for_function(
            "sku => document.querySelector('.ais-Hits-item article').dataset.sku !== sku",
            arg=first_sku)
    # every request went to this server (nothing to algolia.net), over the Algolia protocol
    assert requests and all(u.startswith(web_server) for u in requests), requests
    assert any("/1/indexes/" in u for u in requests)
    assert page.errors == []


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def shop(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Another origin: a static web server on its own port serving a shop's page."""
    port = _free_port()
    handler = partial(_Quiet, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", tmp_path
    finally:
        httpd.shutdown()


def _key(web_server: str, *origins: str) -> str:
    from tests.browser.conftest import web_env

    args = [DISCOVERY, "keys", "create", "--name", "shop"]
    for origin in origins:
        args += ["--origin", origin]
    done = subprocess.run(args, env=web_env(), capture_output=True, text=True, check=True)
    match = re.search(r"\b([A-Za-z0-9_-]{16,})\b", done.stdout)
    assert match, done.stdout
    return match.group(1)


def _shop_page(web_server: str, key: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Some shop</title></head>
<body><h1>Some shop</h1>
<div data-discovery="searchbox"></div><div data-discovery="facets"></div>
<div data-discovery="results"></div>
<script src="{web_server}/widgets.js" data-key="{key}"></script></body></html>"""


def test_widgets_on_another_origin_with_a_key_that_allows_it(web_server: str, page: Any,
                                                             shop: tuple[str, Path]) -> None:
    origin, folder = shop
    (folder / "index.html").write_text(_shop_page(web_server, _key(web_server, origin)))
    page.goto(origin + "/index.html")
    page.wait_for_function("(window.discoveryTimings || []).length > 0")
    page.locator("input[type=search]").press_sequentially("cable tie", delay=40)
    page.wait_for_function("(window.discoveryTimings || []).some(t => t.q === 'cable tie')")
    assert page.locator("ol.dsc-hits > li.dsc-hit").count() > 0
    assert page.locator(".dsc-error").is_hidden()
    assert page.errors == []


def test_widgets_on_an_origin_the_key_does_not_allow(web_server: str, page: Any,
                                                     shop: tuple[str, Path]) -> None:
    origin, folder = shop
    key = _key(web_server, "https://elsewhere.example")
    (folder / "index.html").write_text(_shop_page(web_server, key))
    page.goto(origin + "/index.html")
    error = page.locator(".dsc-results .dsc-error")
    error.wait_for()
    assert error.is_visible()
    assert page.locator("ol.dsc-hits > li.dsc-hit").count() == 0
