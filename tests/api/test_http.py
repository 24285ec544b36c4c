"""API tests against a running uvicorn process: import, search, autocomplete, product card,
input limits and the error shape."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.api.conftest import import_headers

pytestmark = pytest.mark.integration

ROWS = [
    {"sku": "FAS-1", "name": "Hex bolt DIN 933 M8x40 stainless A2, 100 pcs", "brand": "Fastek",
     "category": "Fasteners > Bolts > Hex bolts", "mpn": "933-0840-A2", "gtin": "4006381333931",
     "price_per_piece": "0.12", "availability": "in_stock", "parent_sku": "FAS-1",
     "variant_attributes": "size=M8x40", "documents": "datasheet:https://cdn.example.com/fas-1.pdf",
     "images": "https://cdn.example.com/fas-1.jpg", "thread_pitch_mm": "1.25"},
    {"sku": "FAS-2", "name": "Hex bolt DIN 933 M10x50 stainless A2, 50 pcs", "brand": "Fastek",
     "category": "Fasteners > Bolts > Hex bolts", "mpn": "933-1050-A2", "gtin": "",
     "price_per_piece": "0.25", "availability": "low_stock", "parent_sku": "FAS-1",
     "variant_attributes": "size=M10x50", "documents": "", "images": "", "thread_pitch_mm": "1.5"},
    {"sku": "PPE-3", "name": "Nitrile disposable gloves size L, blue, box of 100",
     "brand": "SafeHands", "category": "Safety & PPE > Hand protection > Disposable gloves",
     "mpn": "NG-100-L", "gtin": "", "price_per_piece": "0.05", "availability": "in_stock",
     "parent_sku": "", "variant_attributes": "", "documents": "", "images": "",
     "thread_pitch_mm": ""},
    {"sku": "BAD-4", "name": "Broken GTIN row", "brand": "Fastek", "category": "Fasteners",
     "mpn": "", "gtin": "4006381333932", "price_per_piece": "1", "availability": "in_stock",
     "parent_sku": "", "variant_attributes": "", "documents": "", "images": "",
     "thread_pitch_mm": ""},
]


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


@pytest.fixture(scope="module")
def loaded(server: str) -> str:
    resp = httpx.post(server + "/v1/catalog/imports", headers=import_headers(server),
                      files={"file": ("catalog.csv", _csv(ROWS), "text/csv")}, timeout=60)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "partial"
    assert body["counts"]["accepted"] == 3 and body["counts"]["rejected"] == 1
    assert [(r["row"], r["column"]) for r in body["rejected"]] == [(5, "gtin")]
    return server


def test_search_finds_and_highlights(loaded: str) -> None:
    body = httpx.get(loaded + "/v1/search", params={"q": "nitril glov"}).json()
    assert [h["sku"] for h in body["hits"]] == ["PPE-3"]
    assert "<em>Nitrile</em>" in body["hits"][0]["highlights"]["name"]
    assert body["took_ms"] >= body["engine_ms"] > 0


def test_part_number_search(loaded: str) -> None:
    for q in ("933-0840-A2", "9330840a2", "4006381333931", "DIN 933-M8X40"):
        body = httpx.get(loaded + "/v1/search", params={"q": q}).json()
        assert body["hits"][0]["sku"] == "FAS-1", q


def test_filters_and_disjunctive_facets(loaded: str) -> None:
    params = [("q", ""), ("filter", "brand:Fastek"), ("facets", "brand,availability,price_per_piece")]
    body = httpx.get(loaded + "/v1/search", params=params).json()
    assert body["total"] == 2
    facets = {f["field"]: f for f in body["facets"]}
    brand_counts = {v["value"]: v["count"] for v in facets["brand"]["values"]}
    assert brand_counts == {"Fastek": 2, "SafeHands": 1}
    assert facets["price_per_piece"]["min"] == pytest.approx(0.12)


def test_search_takes_a_customer_group_and_reports_rules(loaded: str) -> None:
    resp = httpx.get(loaded + "/v1/search", params={"q": "hex bolt", "customer_group": "wholesale"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["rules"] == [] and body["redirect"] is None  # the default config has no rules
    assert {h["sku"] for h in body["hits"]} == {"FAS-1", "FAS-2"}
    assert all(h["pinned"] is False for h in body["hits"])


def test_autocomplete(loaded: str) -> None:
    body = httpx.get(loaded + "/v1/autocomplete", params={"q": "hex bo"}).json()
    assert body["completions"][0]["text"].startswith("hex bolt")
    assert {p["sku"] for p in body["products"]} == {"FAS-1", "FAS-2"}
    assert body["categories"][0]["value"] == "Fasteners > Bolts > Hex bolts"
    typo = httpx.get(loaded + "/v1/autocomplete", params={"q": "safehnds"}).json()
    assert typo["brands"] == [{"value": "SafeHands", "count": 1}]


def test_product_card(loaded: str) -> None:
    card = httpx.get(loaded + "/v1/products/FAS-1").json()
    assert card["gtin"] == "4006381333931"
    assert card["documents"] == [{
        "id": None, "kind": "datasheet", "title": None, "url": "https://cdn.example.com/fas-1.pdf",
        "download_url": "https://cdn.example.com/fas-1.pdf", "filename": None, "media_type": None,
        "pages": None, "size_bytes": None, "searchable": None}]  # a remote link: not stored
    assert card["images"] == ["https://cdn.example.com/fas-1.jpg"]
    assert card["media"]["image"] == [{"id": None, "kind": "image", "title": None,
                                       "url": "https://cdn.example.com/fas-1.jpg"}]
    assert {v["sku"] for v in card["variants"]} == {"FAS-1", "FAS-2"}
    assert card["attributes"] == {"thread_pitch_mm": "1.25"}


def test_unknown_product_is_404_with_error_shape(loaded: str) -> None:
    resp = httpx.get(loaded + "/v1/products/NOPE-1")
    assert resp.status_code == 404
    assert resp.json() == {"error": "NotFound", "detail": "no product with SKU 'NOPE-1'", "field": "sku"}


@pytest.mark.parametrize("params, field", [
    ({"q": "x", "filter": "colour:red"}, "colour"),
    ({"q": "x", "page_size": "101"}, "page_size"),
    ({"q": "x" * 300}, "q"),
    ({"q": "x", "sort": "cheapest"}, "sort"),
    ({"q": "x", "page": "0"}, "page"),
    ({"q": "x", "page": "abc"}, "page"),
    ({"q": "x", "facets": "weight"}, "facets"),
    ({"q": "x", "filters": "brand:Fastek"}, "filters"),
    ({"q": "x", "filter": "price_per_piece:cheap"}, "price_per_piece"),
    ({"q": "x", "config": "../../etc/passwd"}, "config"),
])
def test_bad_search_input_is_400_naming_the_field(loaded: str, params: dict, field: str) -> None:
    resp = httpx.get(loaded + "/v1/search", params=params)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"] == "InvalidInput" and body["field"] == field


def test_upload_limits_and_fatal_errors(loaded: str) -> None:
    auth = import_headers(loaded)
    too_big = httpx.post(loaded + "/v1/catalog/imports", headers=auth,
                         files={"file": ("big.csv", b"sku,name\n" + b"x" * 2_100_000, "text/csv")})
    assert too_big.status_code == 413 and too_big.json()["error"] == "PayloadTooLarge"
    empty = httpx.post(loaded + "/v1/catalog/imports", headers=auth, files={"file": ("empty.csv", b"", "text/csv")})
    assert empty.status_code == 400 and empty.json()["field"] in ("file", None)
    no_sku = httpx.post(loaded + "/v1/catalog/imports", headers=auth,
                        files={"file": ("x.csv", b"name\nA thing\n", "text/csv")})
    assert no_sku.status_code == 400 and "sku" in no_sku.json()["detail"]
    # nothing of the failed uploads reached the catalog
    assert httpx.get(loaded + "/v1/search", params={"q": "thing "}).json()["total"] == 0


def test_health(loaded: str) -> None:
    body = httpx.get(loaded + "/v1/health").json()
    assert body["status"] == "ok" and body["search"]["documents"] == 3


def test_openapi_docs(loaded: str) -> None:
    assert httpx.get(loaded + "/docs").status_code == 200
    paths = httpx.get(loaded + "/openapi.json").json()["paths"]
    assert {"/v1/search", "/v1/autocomplete", "/v1/products/{sku}", "/v1/catalog/imports",
            "/v1/health", "/v1/events", "/v1/analytics/top-queries", "/v1/merchandising",
            "/v1/merchandising/synonyms", "/v1/merchandising/rules",
            "/v1/merchandising/publish"} <= set(paths)


def _click_through_row(staff: httpx.Client, query: str, timeout: float = 5.0) -> dict:
    """The query log is written in the background: poll the report until the row is complete."""
    deadline = time.monotonic() + timeout
    while True:
        rows = staff.get("/v1/analytics/click-through", params={"limit": 1000}).json()["rows"]
        row = next((r for r in rows if r["query"] == query), None)
        if row is not None and row["clicks"] or time.monotonic() > deadline:
            assert row is not None, rows
            return row
        time.sleep(0.05)


def test_search_analytics_round_trip(loaded: str, admin: httpx.Client) -> None:
    since = datetime.now(UTC).isoformat()
    body = httpx.get(loaded + "/v1/search", params={"q": "  Nitrile GLOVES "}).json()
    search_id = body["search_id"]
    assert isinstance(search_id, str) and len(search_id) == 32
    event = {"search_id": search_id, "sku": body["hits"][0]["sku"], "kind": "click", "position": 1}
    resp = httpx.post(loaded + "/v1/events", json=event)
    assert resp.status_code == 202 and resp.json() == {"accepted": True}
    row = _click_through_row(admin, "nitrile gloves")
    assert row == {"query": "nitrile gloves", "searches": 1, "clicked_searches": 1, "ctr": 1.0,
                   "clicks": 1, "mean_click_position": 1.0, "add_to_cart_searches": 0}
    top = admin.get("/v1/analytics/top-queries", params={"since": since}).json()
    assert {"query": "nitrile gloves", "searches": 1, "zero_results": 0,
            "mean_hits": 1.0} in top["rows"]
    slow = admin.get("/v1/analytics/slowest-queries", params={"limit": 1000}).json()
    assert any(r["query"] == "nitrile gloves" and r["p95_ms"] > 0 for r in slow["rows"])
    zero = admin.get("/v1/analytics/zero-result-queries").json()
    assert all(r["query"] != "nitrile gloves" for r in zero["rows"])


def test_console_previews_stay_out_of_the_search_analytics(loaded: str,
                                                           admin: httpx.Client) -> None:
    console = {"X-Requested-With": "discovery-console"}
    draft = admin.get(loaded + "/v1/search", params={"q": "preview only", "config": "draft"},
                      headers=console).json()
    live = admin.get(loaded + "/v1/search", params={"q": "preview only"}, headers=console).json()
    assert draft["search_id"] is None and live["search_id"] is None
    buyer = httpx.get(loaded + "/v1/search", params={"q": "bought for real"}).json()
    assert isinstance(buyer["search_id"], str)
    deadline = time.monotonic() + 5
    while True:  # the buyer's search shows up; the previews, logged before it, never do
        rows = admin.get("/v1/analytics/top-queries", params={"limit": 1000}).json()["rows"]
        queries = {r["query"] for r in rows}
        if "bought for real" in queries or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "bought for real" in queries
    assert "preview only" not in queries


@pytest.mark.parametrize("method, path, kwargs, status, field", [
    ("POST", "/v1/events", {"json": {"sku": "FAS-1", "kind": "view"}}, 400, "kind"),
    ("POST", "/v1/events", {"json": {"kind": "click"}}, 422, "sku"),
    ("POST", "/v1/events", {"json": {"sku": "FAS-1", "kind": "click", "position": 0}}, 422,
     "position"),
    ("POST", "/v1/events", {"json": {"sku": "FAS-1", "kind": "click", "pos": 1}}, 422, "pos"),
    ("GET", "/v1/analytics/top-queries", {"params": {"limit": "0"}}, 400, "limit"),
    ("GET", "/v1/analytics/click-through", {"params": {"since": "last week"}}, 400, "since"),
    ("GET", "/v1/analytics/slowest-queries", {"params": {"top": "5"}}, 400, "top"),
])
def test_bad_analytics_input_names_the_field(loaded: str, admin: httpx.Client, method: str,
                                              path: str, kwargs: dict, status: int,
                                              field: str) -> None:
    resp = admin.request(method, path, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == "InvalidInput" and resp.json()["field"] == field


def _search_skus(base: str, q: str, **params: str) -> list[str]:
    resp = httpx.get(base + "/v1/search", params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return [h["sku"] for h in resp.json()["hits"]]


def test_synonyms_and_rules_draft_preview_publish(loaded: str, admin: httpx.Client) -> None:
    api = "/v1/merchandising"
    try:
        resp = admin.put(api + "/synonyms", json={"rules": ["gauntlets => gloves"]})
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"kind": "synonyms", "state": "draft", "version": 1}
        rule = {"id": "promo-bolts", "query_equals": "hex bolt",
                "pin": [{"sku": "FAS-2", "position": 1}]}
        assert admin.put(api + "/rules", json={"rules": [rule]}).status_code == 200
        preview = admin.get("/v1/search", params={"q": "gauntlets", "config": "draft"})
        assert [h["sku"] for h in preview.json()["hits"]] == ["PPE-3"]
        assert preview.json()["config"] == "draft"
        assert _search_skus(loaded, "gauntlets") == []  # live: not yet
        assert admin.get("/v1/search", params={"q": "hex bolt", "config": "draft"}
                         ).json()["rules"] == ["promo-bolts"]
        shown = admin.get(api).json()
        assert shown["synonyms"]["draft"]["rules"] == ["gauntlets => gloves"]
        assert shown["synonyms"]["live"] is None and shown["synonyms"]["unpublished"] is True

        published = admin.post(api + "/publish")
        assert published.status_code == 200, published.text
        assert published.json()["synonyms"] == {"version": 1, "published": True}
        deadline = time.monotonic() + 2
        while _search_skus(loaded, "gauntlets") != ["PPE-3"]:
            assert time.monotonic() < deadline, "the published synonyms did not reach search"
            time.sleep(0.05)
        body = httpx.get(loaded + "/v1/search", params={"q": "hex bolt"}).json()
        assert body["rules"] == ["promo-bolts"] and body["hits"][0]["sku"] == "FAS-2"
        assert body["hits"][0]["pinned"] is True

        bad = admin.put(api + "/synonyms", json={"rules": ["inox, a2", "a => b => c"]})
        assert bad.status_code == 400
        assert bad.json()["error"] == "InvalidInput" and "synonyms:2" in bad.json()["detail"]
        bad_rule = admin.put(api + "/rules", json={"rules": [{"id": "x", "pin": "FAS-1"}]})
        assert bad_rule.status_code == 400 and bad_rule.json()["field"] == "rules[0].pin"
        assert admin.get(api).json()["synonyms"]["draft"]["version"] == 1  # nothing saved
    finally:  # the server is shared: leave no synonyms or rules behind
        admin.put(api + "/synonyms", json={"rules": []})
        admin.put(api + "/rules", json={"rules": []})
        admin.post(api + "/publish")
    assert _search_skus(loaded, "gauntlets") == []


def test_an_import_embeds_in_the_background_and_hybrid_search_uses_it(loaded: str) -> None:
    import time

    deadline = time.monotonic() + 180
    while True:  # the import started the embedding; health shows when it is done
        semantic = httpx.get(loaded + "/v1/health").json()["semantic"]
        if semantic.get("last_embed") and not semantic.get("embedding"):
            break
        assert semantic["status"] != "unavailable", semantic
        assert time.monotonic() < deadline, semantic
        time.sleep(0.5)
    assert semantic["last_embed"]["encoded"] == 3  # the three accepted products
    lexical = httpx.get(loaded + "/v1/search", params={"q": "mittens "}).json()
    assert lexical["total"] == 0 and lexical["retrieval"] == "lexical"
    hybrid = httpx.get(loaded + "/v1/search", params={"q": "mittens ", "config": "hybrid"}).json()
    assert hybrid["retrieval"] == "hybrid" and hybrid["hits"][0]["sku"] == "PPE-3"
    exact = httpx.get(loaded + "/v1/search", params={"q": "933-0840-A2", "config": "hybrid"}).json()
    assert exact["retrieval"] == "lexical" and exact["hits"][0]["sku"] == "FAS-1"
    ready = httpx.get(loaded + "/v1/health").json()["semantic"]
    assert ready["status"] == "ready" and ready["count"] == 3
