"""The Algolia search protocol (S12): the translation of parameters and results (pure), and a
real server answering requests shaped as the algoliasearch v4 and v5 clients and InstantSearch
send them."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.algolia_protocol import (
    facet_filter_groups,
    filter_expression_groups,
    numeric_filter_groups,
    parse_query,
    search_request,
)
from catalog.errors import InvalidInput, NotFound
from tests.api.conftest import CONSOLE_HEADERS, STAFF, import_headers, seed_staff, serve

DISCOVERY = str(Path(sys.executable).parent / "discovery")

# -- translation (no server) ---------------------------------------------------------------


def _v4(index: str, **params: Any) -> dict[str, Any]:
    """A request as the v4 client sends it: every parameter in one URL-encoded string, arrays
    as JSON (``serializeQueryParameters``)."""
    encoded = "&".join(f"{k}={quote(json.dumps(v) if isinstance(v, list) else str(v), safe='')}"
                       for k, v in params.items())
    return {"indexName": index, "params": encoded}


def _v5(index: str, **params: Any) -> dict[str, Any]:
    """A request as the v5 lite client sends it: the parameters as JSON fields."""
    return {"indexName": index, **params}


def _bad_param(call: Any, field: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field, caught.value.detail
    return str(caught.value.detail)


def test_v4_params_string_and_v5_fields_read_alike() -> None:
    params = dict(query="torx screw", page=1, hitsPerPage=5, facets=["brand", "category.lvl0"],
                  facetFilters=[["brand:Screwmax", "brand:Fixora"], "color:black"],
                  numericFilters=["price_per_piece>=0.05"], maxValuesPerFacet=10,
                  highlightPreTag="__ais-highlight__", highlightPostTag="__/ais-highlight__",
                  analytics="false", clickAnalytics="true")
    old = parse_query(_v4("products_price_asc", **params), max_page_size=100)
    new = parse_query(_v5("products_price_asc", **{**params, "analytics": False,
                                                   "clickAnalytics": True}), max_page_size=100)
    for q in (old, new):
        assert (q.query, q.page, q.hits_per_page, q.sort) == ("torx screw", 1, 5, "price_asc")
        assert q.facets == ["brand", "category.lvl0"]
        assert q.filter_groups == [["brand:Screwmax", "brand:Fixora"], ["color:black"],
                                   ["price_per_piece:0.05.."]]
        assert (q.pre_tag, q.post_tag) == ("__ais-highlight__", "__/ais-highlight__")
        assert (q.max_values_per_facet, q.analytics, q.click_analytics) == (10, False, True)
    assert old.params == _v4("x", **params)["params"]  # echoed as sent
    # facets as one name (what InstantSearch's hierarchical parent queries send), '*'
    assert parse_query(_v5("products", facets="category.lvl1"), max_page_size=100
                       ).facets == ["category.lvl1"]
    assert parse_query(_v4("products", facets=["*"]), max_page_size=100).facets == ["*"]


def test_facet_filters_or_inside_and_outside() -> None:
    assert facet_filter_groups([["brand:A", "brand:B"], "color:red", ["shipping_methods:parcel"],
                                ["shipping_methods:freight"]]) == [
        ["brand:A", "brand:B"], ["color:red"], ["shipping_methods:parcel"],
        ["shipping_methods:freight"]]
    assert facet_filter_groups('["brand:A"]') == [["brand:A"]]  # JSON text (v4 params)
    assert facet_filter_groups("brand:A,(color:red,color:blue)") == [  # legacy text
        ["brand:A"], ["color:red", "color:blue"]]
    # category levels become subtree filters; objectID is the SKU; an escaped leading '-'
    assert facet_filter_groups([["category.lvl1:Hardware > Screws"], "objectID:ALG-1",
                                "model:\\-X"]) == [
        ["category:Hardware > Screws"], ["sku:ALG-1"], ["model:-X"]]
    assert facet_filter_groups(["delivery_days:3"]) == [["delivery_days:3.0"]]


@pytest.mark.parametrize("value, words", [
    (["brand:-Fastek"], "negative"),
    ([["brand:A", "color:red"]], "OR across attributes"),
    (["colour:red"], "cannot filter on 'colour'"),
    (["category.lvl1:Hardware"], "paths of 2 level"),
    (["brand"], "attribute:value"),
    ([[["brand:A"]]], "nesting"),
    ([["delivery_days:1", "delivery_days:2"]], "OR of numeric"),
])
def test_facet_filters_that_cannot_be_translated_are_a_400(value: Any, words: str) -> None:
    assert words in _bad_param(lambda: facet_filter_groups(value), "facetFilters")


def test_numeric_filters() -> None:
    assert numeric_filter_groups(["price_per_piece>=10", "price_per_piece<=20.5",
                                  "delivery_days>2", "delivery_days<5", "stock_level=0",
                                  "weight_kg:1 TO 2"]) == [
        ["price_per_piece:10.0.."], ["price_per_piece:..20.5"], ["delivery_days:3.0.."],
        ["delivery_days:..4.0"], ["stock_level:0.0"], ["weight_kg:1.0..2.0"]]
    strict = numeric_filter_groups(["price_per_piece>1"])[0][0]  # floats: just above 1
    assert strict.startswith("price_per_piece:1.0000000000000") and strict.endswith("..")
    for value, words in ((["brand>=1"], "not a numeric"), (["price_per_piece!=1"], "'!='"),
                         (["price_per_piece>=cheap"], "not a number"),
                         (["price_per_piece"], "must look like")):
        assert words in _bad_param(lambda v=value: numeric_filter_groups(v), "numericFilters")


def test_filters_expression_subset() -> None:
    assert filter_expression_groups(
        'brand:Fastek AND (color:red OR color:blue) AND price_per_piece:1 TO 5 AND '
        'delivery_days<=3 AND category.lvl1:"Fasteners > Bolts" AND material:"stainless steel"'
    ) == [["brand:Fastek"], ["color:red", "color:blue"], ["price_per_piece:1.0..5.0"],
          ["delivery_days:..3.0"], ["category:Fasteners > Bolts"],
          ["material:stainless steel"]]
    assert filter_expression_groups("brand:A OR brand:B") == [["brand:A", "brand:B"]]
    assert filter_expression_groups("") == []
    for expr, words in (("NOT brand:A", "NOT"), ("brand:A AND color:red OR color:blue",
                                                  "parentheses"),
                        ("(brand:A OR color:red)", "OR across"), ("_tags:new", "tags"),
                        ("brand:A AND", "ends too early"), ("brand:A brand:B", "unexpected")):
        assert words in _bad_param(lambda e=expr: filter_expression_groups(e), "filters")


def test_unknown_parameters_index_and_ranges() -> None:
    def parse(**params: Any) -> Any:
        return parse_query(_v5("products", **params), max_page_size=100)

    assert "unsupported parameter" in _bad_param(lambda: parse(aroundLatLng="1,2"),
                                                 "aroundLatLng")
    _bad_param(lambda: parse(hitsPerPage=1000), "hitsPerPage")
    _bad_param(lambda: parse(page=-1), "page")
    _bad_param(lambda: parse(page="two"), "page")
    _bad_param(lambda: parse(facets=["name"]), "facets")
    _bad_param(lambda: parse(tagFilters=["promo"]), "tagFilters")
    _bad_param(lambda: parse(maxValuesPerFacet=0), "maxValuesPerFacet")
    # sent by the clients on their own: accepted, no effect
    parse(analytics=False, clickAnalytics=True, userToken="anonymous-1", getRankingInfo=True,
          distinct=False, tagFilters="", enableABTest=False, ruleContexts=["x"])
    with pytest.raises(NotFound) as caught:
        parse_query({"indexName": "products_cheapest"}, max_page_size=100)
    assert caught.value.field == "indexName" and "products_price_asc" in caught.value.detail


def test_pages_count_from_zero_and_facet_only_queries_fetch_one_hit() -> None:
    def request(**params: Any) -> Any:
        q = parse_query(_v5("products", **params), max_page_size=100)
        return search_request(q, max_result_window=1000)

    first = request(page=0, hitsPerPage=10)
    assert (first.page, first.page_size, first.facet_mode) == (1, 10, "conjunctive")
    assert (request(page=3, hitsPerPage=10).page, request(hitsPerPage=0).page_size) == (4, 1)
    beyond = request(page=100, hitsPerPage=10)  # past the result window: an empty page
    assert (beyond.page, beyond.page_size) == (1, 1)
    assert request(facets=["category.lvl0", "category.lvl1", "brand"]).facets == [
        "category", "brand"]
    assert request().sort == "relevance"


# -- a real server ---------------------------------------------------------------------------

ROWS = [
    {"sku": "ALG-1", "name": "Torx wood screw 4x40 zinc plated", "brand": "Screwmax",
     "category": "Hardware > Screws > Wood screws", "color": "silver", "price_per_piece": "0.08",
     "delivery_days": "2", "shipping_methods": "parcel:2|freight:5",
     "description": "Countersunk torx wood screw for hardwood"},
    {"sku": "ALG-2", "name": "Torx wood screw 5x60 black", "brand": "Screwmax",
     "category": "Hardware > Screws > Wood screws", "color": "black", "price_per_piece": "0.11",
     "delivery_days": "3", "shipping_methods": "parcel:2", "description": ""},
    {"sku": "ALG-3", "name": "Torx machine screw M6x20 black", "brand": "Fixora",
     "category": "Hardware > Screws > Machine screws", "color": "black",
     "price_per_piece": "0.09", "delivery_days": "1", "shipping_methods": "freight:4",
     "description": ""},
    {"sku": "ALG-4", "name": "Steel hinge 80 mm", "brand": "Fixora",
     "category": "Hardware > Hinges", "color": "silver", "price_per_piece": "2.5",
     "delivery_days": "5", "shipping_methods": "parcel:3", "description": ""},
    {"sku": "ALG-5", "name": "Torx screwdriver T20 & bit", "brand": "Toolia",
     "category": "Hardware > Tools", "color": "red", "price_per_piece": "7.9",
     "delivery_days": "2", "shipping_methods": "parcel:1", "description": ""},
]
HARDWARE = ["category.lvl0:Hardware"]  # every product of ROWS, as a filter


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `discovery serve` process of this module's own (the session's shared server keeps
    the catalog other modules count on), with ROWS imported through the API."""
    data_dir = tmp_path_factory.mktemp("algolia-server")
    with serve(data_dir, DISCOVERY_SEARCH_CONFIG="lexical", DISCOVERY_SEMANTIC_SEARCH="false",
               DISCOVERY_INDEX_RELOAD_INTERVAL_S="0") as url:
        resp = httpx.post(url + "/v1/catalog/imports", headers=import_headers(url),
                          files={"file": ("shop.csv", _csv(ROWS), "text/csv")}, timeout=60)
        assert resp.status_code == 200, resp.text
        assert resp.json()["counts"]["accepted"] == len(ROWS)
        yield url


def _queries(base: str, requests: list[dict[str, Any]], *, v4_transport: bool = True,
             expect: int = 200) -> Any:
    """POST /1/indexes/*/queries the way the browser clients do: a JSON body under a content
    type that needs no CORS preflight, credentials in the query string."""
    resp = httpx.post(
        base + "/1/indexes/*/queries",
        params={"x-algolia-agent": "Algolia for JavaScript (5.0.0); Browser",
                "x-algolia-api-key": "any", "x-algolia-application-id": "discovery"},
        content=json.dumps({"requests": requests}).encode(),
        headers={"content-type": "application/x-www-form-urlencoded" if v4_transport
                 else "text/plain"})
    assert resp.status_code == expect, resp.text
    return resp.json()


def _one(base: str, **params: Any) -> dict[str, Any]:
    index = params.pop("index", "products")
    return _queries(base, [_v5(index, **params)], v4_transport=False)["results"][0]


def _skus(result: dict[str, Any]) -> list[str]:
    return [h["objectID"] for h in result["hits"]]


@pytest.mark.integration
def test_v4_and_v5_requests_give_the_same_results(shop: str) -> None:
    params = dict(query="torx", hitsPerPage=10, facets=["brand", "color"],
                  facetFilters=[HARDWARE])
    old = _queries(shop, [_v4("products", **params)])["results"][0]
    new = _queries(shop, [_v5("products", **params)], v4_transport=False)["results"][0]
    assert _skus(old) == _skus(new) and set(_skus(old)) == {"ALG-1", "ALG-2", "ALG-3", "ALG-5"}
    for key in ("nbHits", "facets", "page", "nbPages", "hitsPerPage", "query", "index"):
        assert old[key] == new[key], key
    assert old["facets"]["brand"] == {"Screwmax": 2, "Fixora": 1, "Toolia": 1}
    assert old["params"] == _v4("products", **params)["params"]
    assert old["exhaustiveNbHits"] is True and old["renderingContent"] == {}
    hit = next(h for h in old["hits"] if h["objectID"] == "ALG-1")
    assert hit["brand"] == "Screwmax" and hit["price_per_piece"] == pytest.approx(0.08)
    # the single-index endpoint, and a gzip body (the Node client may compress)
    single = httpx.post(shop + "/1/indexes/products/query",
                        content=gzip.compress(json.dumps({"params": _v4("x", **params)["params"]})
                                              .encode()),
                        headers={"content-encoding": "gzip"}).json()
    assert _skus(single) == _skus(old)


@pytest.mark.integration
def test_facet_filters_or_and_and_within_a_field(shop: str) -> None:
    either = _one(shop, facetFilters=[HARDWARE, ["shipping_methods:parcel",
                                                 "shipping_methods:freight"]])
    assert either["nbHits"] == 5
    both = _one(shop, facetFilters=[HARDWARE, ["shipping_methods:parcel"],
                                    ["shipping_methods:freight"]])  # conjunctive refinement
    assert _skus(both) == ["ALG-1"]
    across = _one(shop, facetFilters=[HARDWARE, ["color:black"], ["brand:Fixora"]])
    assert _skus(across) == ["ALG-3"]
    expr = _one(shop, filters='category.lvl0:Hardware AND (brand:Screwmax OR brand:Toolia) '
                              'AND color:black')
    assert _skus(expr) == ["ALG-2"]


@pytest.mark.integration
def test_numeric_filters_and_facet_stats(shop: str) -> None:
    cheap = _one(shop, facetFilters=[HARDWARE], hitsPerPage=20, facets=["price_per_piece"],
                 numericFilters=["price_per_piece>=0.09", "price_per_piece<=3"])
    assert set(_skus(cheap)) == {"ALG-2", "ALG-3", "ALG-4"}
    stats = cheap["facets_stats"]["price_per_piece"]
    assert (stats["min"], stats["max"]) == (pytest.approx(0.09), pytest.approx(2.5))
    assert stats["sum"] == pytest.approx(2.7) and stats["avg"] == pytest.approx(0.9)
    assert cheap["facets"]["price_per_piece"] == {"0.09": 1, "0.11": 1, "2.5": 1}
    fast = _one(shop, facetFilters=[HARDWARE], numericFilters=["delivery_days<2"])
    assert _skus(fast) == ["ALG-3"]


@pytest.mark.integration
def test_disjunctive_faceting_as_instantsearch_does_it(shop: str) -> None:
    """A refined refinementList (operator 'or'): the hits query has every filter, and one
    more query without the facet's own filter (hitsPerPage=0, analytics off) gives the
    counts InstantSearch shows beside the other values."""
    main, brand_counts = _queries(shop, [
        _v4("products", facets=["brand", "color"], facetFilters=[HARDWARE, ["brand:Screwmax"]],
            highlightPreTag="__ais-highlight__", highlightPostTag="__/ais-highlight__",
            maxValuesPerFacet=10, page=0, tagFilters=""),
        _v4("products", facets="brand", facetFilters=[HARDWARE], hitsPerPage=0, page=0,
            analytics="false", clickAnalytics="false", maxValuesPerFacet=10),
    ])["results"]
    assert set(_skus(main)) == {"ALG-1", "ALG-2"}
    assert main["facets"] == {"brand": {"Screwmax": 2}, "color": {"silver": 1, "black": 1}}
    assert brand_counts["hits"] == [] and brand_counts["nbHits"] == 5
    assert brand_counts["nbPages"] == 0 and brand_counts["hitsPerPage"] == 0
    assert brand_counts["facets"] == {"brand": {"Screwmax": 2, "Fixora": 2, "Toolia": 1}}


@pytest.mark.integration
def test_hierarchical_menu_levels(shop: str) -> None:
    """hierarchicalMenu refined to 'Hardware > Screws': the hits query asks for the levels down
    to the one below, the parent queries for the values beside each level."""
    main, root, parent = _queries(shop, [
        _v4("products", facets=["category.lvl0", "category.lvl1", "category.lvl2"],
            facetFilters=[["category.lvl1:Hardware > Screws"]]),
        _v4("products", facets=["category.lvl0"], hitsPerPage=0, analytics="false"),
        _v4("products", facets="category.lvl1", facetFilters=["category.lvl0:Hardware"],
            hitsPerPage=0, analytics="false"),
    ])["results"]
    assert main["nbHits"] == 3
    assert main["facets"]["category.lvl0"] == {"Hardware": 3}
    assert main["facets"]["category.lvl1"] == {"Hardware > Screws": 3}
    assert main["facets"]["category.lvl2"] == {"Hardware > Screws > Wood screws": 2,
                                               "Hardware > Screws > Machine screws": 1}
    assert root["facets"]["category.lvl0"]["Hardware"] == 5
    assert parent["facets"] == {"category.lvl1": {"Hardware > Screws": 3, "Hardware > Hinges": 1,
                                                  "Hardware > Tools": 1}}


@pytest.mark.integration
def test_highlights_use_the_requested_tags(shop: str) -> None:
    result = _one(shop, query="torx", facetFilters=[HARDWARE, "objectID:ALG-5"],
                  highlightPreTag="<mark>", highlightPostTag="</mark>",
                  attributesToSnippet=["description:3"])
    hl = result["hits"][0]["_highlightResult"]
    assert hl["name"] == {"value": "<mark>Torx</mark> screwdriver T20 & bit",  # not escaped
                          "matchLevel": "full", "matchedWords": ["torx"]}
    assert hl["brand"] == {"value": "Toolia", "matchLevel": "none", "matchedWords": []}
    two = _one(shop, query="torx hardwood", facetFilters=[HARDWARE, "objectID:ALG-1"],
               attributesToHighlight=["name", "description", "category"],
               attributesToSnippet=["description:3"], snippetEllipsisText="...")
    hl = two["hits"][0]["_highlightResult"]
    assert hl["name"]["matchLevel"] == "partial" and "<em>Torx</em>" in hl["name"]["value"]
    assert hl["description"]["matchLevel"] == "full"
    assert set(hl) == {"name", "description", "category"}
    assert two["hits"][0]["_snippetResult"]["description"]["value"] == (
        "Countersunk <em>torx</em> wood...")


@pytest.mark.integration
def test_pagination_counts_from_zero(shop: str) -> None:
    pages = [_one(shop, facetFilters=[HARDWARE], hitsPerPage=2, page=p) for p in range(4)]
    assert [p["page"] for p in pages] == [0, 1, 2, 3]
    assert {p["nbPages"] for p in pages} == {3} and {p["nbHits"] for p in pages} == {5}
    assert [len(p["hits"]) for p in pages] == [2, 2, 1, 0]
    assert len({sku for p in pages for sku in _skus(p)}) == 5


@pytest.mark.integration
def test_sort_replicas(shop: str) -> None:
    def prices(index: str) -> list[float]:
        result = _one(shop, index=index, facetFilters=[HARDWARE])
        return [h["price_per_piece"] for h in result["hits"]]

    assert prices("products_price_asc") == sorted(prices("products_price_asc"))
    assert prices("products_price_desc") == sorted(prices("products"), reverse=True)
    assert _one(shop, index="products_delivery", facetFilters=[HARDWARE])["hits"][0][
        "objectID"] == "ALG-3"


@pytest.mark.integration
def test_errors_name_the_parameter_in_both_shapes(shop: str) -> None:
    missing = _queries(shop, [_v5("products_cheapest")], expect=404)
    assert missing["status"] == 404 and "products_cheapest" in missing["message"]
    assert missing["error"] == "NotFound" and missing["field"] == "indexName"
    for params, field in (({"hitsPerPage": 1000}, "hitsPerPage"),
                          ({"facetFilters": ["brand:-Fastek"]}, "facetFilters"),
                          ({"insideBoundingBox": [[1, 2, 3, 4]]}, "insideBoundingBox"),
                          ({"query": "x" * 300}, "query")):
        body = _queries(shop, [_v5("products", **params)], expect=400)
        assert (body["status"], body["field"], body["error"]) == (400, field, "InvalidInput")
        assert body["message"] == body["detail"]
    not_json = httpx.post(shop + "/1/indexes/*/queries", content=b"query=x",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert not_json.status_code == 400 and not_json.json()["field"] == "body"
    unknown = httpx.post(shop + "/1/indexes/*/queries?hitsPerPage=3", json={"requests": []})
    assert unknown.status_code == 400 and unknown.json()["field"] == "hitsPerPage"


@pytest.mark.integration
def test_search_for_facet_values(shop: str) -> None:
    v4 = httpx.post(shop + "/1/indexes/products/facets/brand/query",
                    json={"params": urlencode({"facetQuery": "fix",
                                               "facetFilters": json.dumps(HARDWARE)})}).json()
    assert v4["facetHits"] == [{"value": "Fixora", "highlighted": "<em>Fixora</em>", "count": 2}]
    v5 = _queries(shop, [{"indexName": "products", "type": "facet", "facet": "brand",
                          "facetQuery": "scr", "facetFilters": HARDWARE}])["results"][0]
    assert [h["value"] for h in v5["facetHits"]] == ["Screwmax"]


# -- analytics (in-process app: the query log is read back from its database) ---------------


def test_searches_are_logged_like_v1_search(tmp_path: Path) -> None:
    from api.app import create_app
    from catalog.settings import Settings

    settings = Settings(data_dir=tmp_path, semantic_search=False, search_config="lexical",
                        index_reload_interval_s=0)
    seed_staff(tmp_path)  # the catalog import needs a console editor
    with TestClient(create_app(settings)) as client:
        username, password = STAFF["merchandiser"]
        client.post("/v1/auth/login", json={"username": username, "password": password})
        imported = client.post("/v1/catalog/imports", headers=CONSOLE_HEADERS,
                               files={"file": ("shop.csv", _csv(ROWS), "text/csv")})
        assert imported.status_code == 200, imported.text
        results = client.post("/1/indexes/*/queries", json={"requests": [
            _v4("products", query="Torx", facetFilters=[["brand:Fixora"]], page=0,
                clickAnalytics="true"),
            _v4("products", query="Torx", facets="brand", hitsPerPage=0, analytics="false"),
        ]}).json()["results"]
        assert len(results[0]["queryID"]) == 32 and "queryID" not in results[1]
    time.sleep(0.1)
    engine = create_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, query, filters, hit_count, page "
                                 "FROM search_queries")).all()
    engine.dispose()
    assert len(rows) == 1  # the facet-only query said analytics=false
    assert rows[0].id == results[0]["queryID"]
    assert (rows[0].query, rows[0].hit_count, rows[0].page) == ("Torx", 1, 1)
    assert json.loads(rows[0].filters) == ["brand:Fixora"]
