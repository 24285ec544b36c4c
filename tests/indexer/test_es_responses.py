"""Elasticsearch responses read into the same results the embedded engine gives.

The responses in ``golden/elasticsearch/responses`` were written by hand in Elasticsearch's
documented ``_search`` response format (hits.total, _source, filter/terms/range/stats
aggregation buckets), for the conformance suite's FIXED catalog and the plans below; they are
not recordings of a live cluster (none runs here). Each is parsed and compared with what the
tantivy backend returns for the same catalog and plan: totals, hit order, part-number flags,
facet values, counts, levels, selections, range buckets and statistics, the every-word total.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from indexer.elasticsearch.compile import compile_facets, compile_search
from indexer.elasticsearch.parse import parse_search
from indexer.plan import FacetResult, SearchPlan, SearchResult, SortSpec, TermsFilter
from indexer.tantivy_backend import TantivyBackend
from ranking.config import load_config
from ranking.query import every_word, parse_text
from ranking.service import facet_requests
from tests.indexer.conformance import FIXED

RESPONSES = Path(__file__).parent / "golden" / "elasticsearch" / "responses"
STRICT = load_config("strict")
DEFAULT = load_config("default")


def _broad(q: str) -> SearchPlan:
    t = parse_text(q, DEFAULT)
    return SearchPlan(text=t, facets=facet_requests(["brand"]), facet_text=every_word(t))


CASES: dict[str, tuple[SearchPlan, str, str | None]] = {
    # plan, response file, file of the second request (facets over any word) if one is made
    "filtered_disjunctive_facets": (SearchPlan(
        text=parse_text("hex ", STRICT), filters=[TermsFilter("brand", ("Fastek",))],
        facets=facet_requests(["brand", "material", "category", "price_per_piece"])),
        "filtered.json", None),
    "facets_over_every_word": (_broad("hex bolt "), "broad.json", None),
    "no_product_has_every_word": (_broad("hex gloves "), "broad_none.json",
                                  "broad_none_facets.json"),
    "part_number": (SearchPlan(text=parse_text("933-0840-A2", STRICT), limit=3),
                    "part_number.json", None),
    "sorted_page_and_open_category": (SearchPlan(
        sort=SortSpec("price_per_piece"), offset=1, limit=3, facets=facet_requests(["category"]),
        filters=[TermsFilter("category", ("Fasteners > Bolts",))]), "sorted.json", None),
}


@pytest.fixture(scope="module")
def tantivy(tmp_path_factory: pytest.TempPathFactory) -> Any:
    backend = TantivyBackend(tmp_path_factory.mktemp("ref") / "index", heap_mb=32,
                             reload_interval_s=0.0)
    backend.rebuild([FIXED])
    yield backend
    backend.close()


def _load(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((RESPONSES / name).read_text())
    return found


def _facet(f: FacetResult) -> dict[str, Any]:
    """A facet without the order of values with equal counts (engine-defined)."""
    return {"kind": f.kind,
            "values": sorted((v.value, v.count, v.level, v.selected) for v in f.values),
            "order": [v.count for v in f.values] if f.kind != "hierarchy" else
                     [(v.level, v.count) for v in f.values],
            "buckets": [(b.gte, b.lt, b.count) for b in f.buckets],
            "stats": (f.min, f.max, f.sum, f.avg)}


def _same(es: SearchResult, ref: SearchResult) -> None:
    assert es.total == ref.total
    assert [h.sku for h in es.hits] == [h.sku for h in ref.hits]
    assert [h.part_number_match for h in es.hits] == [h.part_number_match for h in ref.hits]
    assert (es.facets_strict, es.strict_total) == (ref.facets_strict, ref.strict_total)
    assert list(es.facets) == list(ref.facets)
    for name in ref.facets:
        got, want = _facet(es.facets[name]), _facet(ref.facets[name])
        assert got.pop("stats") == pytest.approx(want.pop("stats")), name
        assert got == want, name


@pytest.mark.parametrize("case", sorted(CASES))
def test_recorded_response_parses_to_the_embedded_engines_result(case: str, tantivy: Any) -> None:
    plan, response, facets_response = CASES[case]
    broad = _load(facets_response) if facets_response else None
    es = parse_search(plan, _load(response), broad)
    _same(es, tantivy.search(plan))


def test_responses_answer_requests_of_the_same_shape() -> None:
    """Every aggregation a response holds was asked for by the compiled request (and the
    other way round), so the hand-written responses describe these requests."""
    for plan, response, facets_response in CASES.values():
        asked = set(compile_search(plan).get("aggs", {}))
        assert set(_load(response).get("aggregations", {})) == asked, response
        if facets_response:
            assert set(_load(facets_response)["aggregations"]) == set(compile_facets(plan)["aggs"])
        for group, body in _load(response).get("aggregations", {}).items():
            inner = {k for k in body if k != "doc_count"}
            assert inner == set(compile_search(plan)["aggs"][group].get("aggs", {})), group


def test_scores_are_kept_when_ranked_and_zero_when_sorted() -> None:
    plan, response, _ = CASES["filtered_disjunctive_facets"]
    assert [h.score for h in parse_search(plan, _load(response)).hits] == [4.61, 3.7]
    plan, response, _ = CASES["sorted_page_and_open_category"]
    assert [h.score for h in parse_search(plan, _load(response)).hits] == [0.0]


def test_explanations_are_passed_on_when_asked() -> None:
    response = _load("part_number.json")
    response["hits"]["hits"][0]["_explanation"] = {"value": 1478.2, "description": "sum of:"}
    plan = CASES["part_number"][0]
    assert parse_search(plan, response).hits[0].explanation is None
    plan.explain = True
    assert parse_search(plan, response).hits[0].explanation == {"value": 1478.2,
                                                                "description": "sum of:"}
