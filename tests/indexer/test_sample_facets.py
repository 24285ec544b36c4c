"""Every S5 attribute works as a facet and a filter on the generated sample catalog, and a
facet's count is exactly the number of hits its filter gives."""

from __future__ import annotations

import pytest

from catalog.fields import BY_NAME, FACETABLE
from catalog.sample import generate_records
from catalog.settings import Settings
from indexer.tantivy_backend import TantivyBackend
from ranking.service import SearchRequest, SearchService


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    backend = TantivyBackend(tmp_path_factory.mktemp("index"), heap_mb=32)
    records = list(generate_records(800, seed=3))
    backend.rebuild([records[:400], records[400:]])
    return SearchService(backend, Settings())


def test_every_facet_has_values(service: SearchService) -> None:
    body = service.search(SearchRequest(q="", facets=list(FACETABLE)))
    assert [f["field"] for f in body["facets"]] == list(FACETABLE)
    for facet in body["facets"]:
        if facet["kind"] == "range":
            assert facet["min"] is not None and sum(b["count"] for b in facet["buckets"]) > 0, facet
        else:
            assert facet["values"], facet["field"]


@pytest.mark.parametrize("field", FACETABLE)
def test_facet_count_equals_filtered_total(service: SearchService, field: str) -> None:
    body = service.search(SearchRequest(q="", facets=[field]))
    facet = body["facets"][0]
    if facet["kind"] == "range":
        bucket = max(facet["buckets"], key=lambda b: b["count"])
        lo = "" if bucket["from"] is None else bucket["from"]
        # buckets are [from, to); the filter is inclusive, so stay just below "to"
        hi = "" if bucket["to"] is None else bucket["to"] - (1 if BY_NAME[field].kind == "int" else 1e-9)
        flt = f"{field}:{lo}..{hi}"
        expected = bucket["count"]
    else:
        value = facet["values"][0]
        flt, expected = f"{field}:{value['value']}", value["count"]
    filtered = service.search(SearchRequest(q="", filters=[flt], facets=[]))
    assert filtered["total"] == expected, flt
