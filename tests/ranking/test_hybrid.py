"""Hybrid search: fusion arithmetic, configuration checks, and the whole path with the real
encoder over a real tantivy index: meaning finds what words miss, while filters, rules,
facets and part numbers behave as in lexical search."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from catalog.errors import InvalidInput
from catalog.settings import Settings
from indexer.plan import Hit
from indexer.tantivy_backend import TantivyBackend
from ranking.config import SearchConfig, load_config
from ranking.hybrid import (
    FEEDBACK_POOL,
    EmbeddingSearch,
    HybridConfig,
    feedback_vector,
    fuse,
)
from ranking.service import SearchRequest, SearchService
from tests.factories import make_record


def _hit(sku: str, score: float = 1.0) -> Hit:
    return Hit(sku=sku, score=score, source={"sku": sku})


def test_rrf_adds_reciprocal_ranks_of_both_lists() -> None:
    cfg = HybridConfig(enabled=True, rrf_k=10.0, semantic_weight=1.0)
    fused = fuse([_hit("A"), _hit("B"), _hit("C")], [(_hit("C"), 0.9), (_hit("D"), 0.8)], cfg)
    scores = {h.sku: h.score for h in fused}
    assert scores["C"] == pytest.approx(1 / 13 + 1 / 11)   # third lexically, first semantically
    assert scores["A"] == pytest.approx(1 / 11)
    assert scores["D"] == pytest.approx(1 / 12)
    assert [h.sku for h in fused] == ["C", "A", "B", "D"]  # a tie keeps the lexical first
    lexical_only = fuse([_hit("A"), _hit("B")], [(_hit("B"), 0.9)],
                        replace(cfg, semantic_weight=0.0))
    assert [h.sku for h in lexical_only] == ["A", "B"]


def test_blend_mixes_normalised_lexical_scores_with_cosines() -> None:
    cfg = HybridConfig(enabled=True, fusion="blend", semantic_weight=0.5)
    fused = fuse([_hit("A", 10.0), _hit("B", 5.0)], [(_hit("C"), 0.9)], cfg,
                 lexical_similarity={"A": 0.1, "B": 0.8})
    scores = {h.sku: h.score for h in fused}
    assert scores == pytest.approx({"A": 0.55, "B": 0.65, "C": 0.45})
    assert [h.sku for h in fused] == ["B", "A", "C"]


@pytest.mark.parametrize("values, field", [
    ({"fusion": "max"}, "hybrid.fusion"),
    ({"rrf_k": 0}, "hybrid.rrf_k"),
    ({"fusion": "blend", "semantic_weight": 1.5}, "hybrid.semantic_weight"),
    ({"candidates": 0}, "hybrid.candidates"),
    ({"min_similarity": 2}, "hybrid.min_similarity"),
    ({"enabled": "yes"}, "hybrid.enabled"),
    ({"k": 3}, "hybrid.k"),
    ({"feedback": -1}, "hybrid.feedback"),
    ({"feedback": 21}, "hybrid.feedback"),
    ({"feedback": 2.5}, "hybrid.feedback"),
    ({"feedback_weight": -0.5}, "hybrid.feedback_weight"),
    ({"feedback_weight": 11}, "hybrid.feedback_weight"),
])
def test_bad_hybrid_settings_name_the_key(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        SearchConfig.from_dict({"hybrid": values}, source="my.toml")
    assert info.value.field == field and "my.toml" in str(info.value.detail)


def test_the_shipped_hybrid_configuration_is_lexical_plus_semantic_and_the_default() -> None:
    hybrid, lexical = load_config("hybrid"), load_config("lexical")
    assert hybrid.hybrid.enabled and not lexical.hybrid.enabled
    assert hybrid.to_dict()["fields"] == lexical.to_dict()["fields"]
    assert hybrid.to_dict()["ranking"] == lexical.to_dict()["ranking"]
    assert load_config("default").to_dict() | {"name": "hybrid"} == hybrid.to_dict() | {
        "version": 4, "description": load_config("default").description}


CATALOG = [
    make_record("G1", "Nitrile disposable gloves, blue", brand="SafeHands",
                category="Safety > Hand protection", popularity=10.0),
    make_record("G2", "Leather rigger gloves", brand="Workwear Co",
                category="Safety > Hand protection", popularity=10.0),
    make_record("D1", "Cordless drill driver 18V", brand="Voltix",
                category="Power tools > Drills", popularity=10.0),
    make_record("D2", "Hammer drill SDS plus 800W", brand="Voltix",
                category="Power tools > Drills", popularity=10.0),
    make_record("P1", "Acrylic wall paint white 10 l", brand="Colorit",
                category="Paint > Wall paint", popularity=10.0),
    make_record("F1", "Hex bolt DIN 933 M8x40 zinc plated", brand="Fastek",
                category="Fasteners > Bolts", popularity=10.0, mpn="DIN933-M8X40"),
]


@pytest.fixture(scope="module")
def semantic() -> EmbeddingSearch:
    from embeddings import QueryEmbeddingCache, VectorIndex, get_encoder, product_text

    encoder = get_encoder(Settings())
    index = VectorIndex(encoder.model_id, encoder.dim)
    index.upsert([r["sku"] for r in CATALOG], encoder.encode([product_text(r) for r in CATALOG]))
    return EmbeddingSearch(encoder, index, QueryEmbeddingCache(100))


@pytest.fixture
def service(tmp_path: Path, semantic: EmbeddingSearch) -> SearchService:
    backend = TantivyBackend(tmp_path / "index", reload_interval_s=0)
    backend.rebuild([CATALOG])
    shipped = load_config("hybrid")
    assert shipped.hybrid.feedback  # the behaviour below holds with the feedback round
    config = replace(shipped, hybrid=replace(shipped.hybrid, candidates=3))
    return SearchService(backend, Settings(), config, semantic=semantic)


def _skus(body: dict[str, Any]) -> list[str]:
    return [h["sku"] for h in body["hits"]]


def test_meaning_finds_what_the_words_miss(service: SearchService) -> None:
    lexical = service.search(SearchRequest(q="mittens ", facets=[], config="lexical"))
    assert lexical["total"] == 0 and lexical["retrieval"] == "lexical"
    body = service.search(SearchRequest(q="mittens ", facets=["brand"]))
    assert body["retrieval"] == "hybrid"
    assert set(_skus(body)[:2]) == {"G1", "G2"}
    assert body["total"] == len(body["hits"]) == 3  # the semantic candidates
    # facets come from the semantic results when the words matched nothing
    brands = {v["value"] for f in body["facets"] for v in f["values"]}
    assert {"SafeHands", "Workwear Co"} <= brands


def test_filters_and_rules_hold_for_semantic_neighbours(service: SearchService) -> None:
    body = service.search(SearchRequest(q="mittens ", facets=[], filters=["brand:Workwear Co"]))
    assert _skus(body) == ["G2"]
    hidden = replace(service.config, rules=load_config("hybrid").rules.parse(
        [{"id": "no-g1", "hide": ["G1"]}], "test"))
    ruled = SearchService(service.backend, service.settings, hidden, semantic=service.semantic)
    body = ruled.search(SearchRequest(q="mittens ", facets=[]))
    assert "G1" not in _skus(body) and body["rules"] == ["no-g1"]


def test_part_numbers_stay_exact(service: SearchService) -> None:
    body = service.search(SearchRequest(q="DIN933-M8X40", facets=[]))
    assert body["retrieval"] == "lexical"
    assert _skus(body) == ["F1"]


def test_lexical_matches_keep_their_place(service: SearchService) -> None:
    body = service.search(SearchRequest(q="cordless drill ", facets=[]))
    assert body["retrieval"] == "hybrid"
    assert _skus(body)[0] == "D1"  # first in both lists
    assert "D2" in _skus(body)[:3]


def test_feedback_vector_moves_the_query_towards_its_first_results() -> None:
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    found = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    moved = feedback_vector(query, found, 1.0)
    assert moved is not None
    assert moved == pytest.approx(np.array([1.0, 0.5, 0.5]) / np.sqrt(1.5))
    assert float(np.linalg.norm(moved)) == pytest.approx(1.0)
    assert feedback_vector(query, found[:0], 1.0) is None  # no result has a vector
    assert feedback_vector(query, found, 0.0) is None


class _FixedEncoder:
    """Hand-placed vectors, so the geometry is known: the query points along x."""

    model_id, dim = "fixed", 3

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.tile(np.array([1.0, 0.0, 0.0], dtype=np.float32), (len(texts), 1))


# A matches the words and lies between the query and B; C is nearer the query than B.
VECTORS = {"A": [0.6, 0.8, 0.0], "B": [0.0, 1.0, 0.0], "C": [0.7, 0.0, 0.714]}


def _placed_service(tmp_path: Path, **hybrid: Any) -> SearchService:
    from embeddings import QueryEmbeddingCache, VectorIndex

    records = [make_record("A", "Angle bracket zinc plated", brand="Fastek"),
               make_record("B", "Corner brace zinc", brand="Braceworks"),
               make_record("C", "Shelf support pin", brand="Fastek")]
    backend = TantivyBackend(tmp_path / "index", reload_interval_s=0)
    backend.rebuild([records])
    index = VectorIndex("fixed", 3)
    index.upsert(list(VECTORS), np.array(list(VECTORS.values()), dtype=np.float32))
    semantic = EmbeddingSearch(_FixedEncoder(), index, QueryEmbeddingCache(10))
    config = replace(load_config("hybrid"), hybrid=HybridConfig(
        enabled=True, fusion="blend", semantic_weight=0.5, candidates=2, **hybrid))
    return SearchService(backend, Settings(), config, semantic=semantic)


def test_feedback_reaches_the_neighbours_of_the_first_results(tmp_path: Path) -> None:
    plain = _placed_service(tmp_path / "plain", feedback=0)
    # the query's own neighbours are C (0.70) and A (0.60): B (0.0) is not a candidate
    assert _skus(plain.search(SearchRequest(q="angle bracket", facets=[]))) == ["A", "C"]
    moved = _placed_service(tmp_path / "moved", feedback=1, feedback_weight=2.0)
    body = moved.search(SearchRequest(q="angle bracket", facets=[]))
    # query + 2 x A points between A and B: A 0.96, B 0.59, C 0.57; B replaces C
    assert _skus(body) == ["A", "B"] and body["total"] == 2
    assert body["retrieval"] == "hybrid"


def test_feedback_ranks_the_query_s_nearest_instead_of_scanning_again(tmp_path: Path) -> None:
    service = _placed_service(tmp_path, feedback=1, feedback_weight=2.0)
    asked: list[int] = []
    semantic = service.semantic
    assert isinstance(semantic, EmbeddingSearch)
    scan = semantic.nearest
    semantic.nearest = lambda vector, k: asked.append(k) or scan(vector, k)  # type: ignore
    assert _skus(service.search(SearchRequest(q="angle bracket", facets=[]))) == ["A", "B"]
    assert asked == [FEEDBACK_POOL * 2]  # one scan: the pool of the query's nearest


def test_feedback_neighbours_pass_the_same_filters_and_rules(tmp_path: Path) -> None:
    service = _placed_service(tmp_path, feedback=1, feedback_weight=2.0)
    hidden = replace(service.config, rules=load_config("hybrid").rules.parse(
        [{"id": "no-b", "hide": ["B"]}], "test"))
    ruled = SearchService(service.backend, service.settings, hidden, semantic=service.semantic)
    assert "B" not in _skus(ruled.search(SearchRequest(q="angle bracket", facets=[])))
    assert _skus(service.search(SearchRequest(q="angle bracket", facets=[],
                                              filters=["brand:Fastek"]))) == ["A", "C"]


def test_no_feedback_from_results_found_by_meaning_alone(tmp_path: Path) -> None:
    service = _placed_service(tmp_path, feedback=1, feedback_weight=2.0)
    semantic = service.semantic
    assert isinstance(semantic, EmbeddingSearch)
    fed: list[list[str]] = []
    vectors = semantic.vectors
    semantic.vectors = lambda skus: fed.append(list(skus)) or vectors(skus)  # type: ignore
    body = service.search(SearchRequest(q="qwertzuiop", facets=[]))  # no word matches
    assert body["retrieval"] == "hybrid" and _skus(body) == ["C", "A"] and fed == []
    service.search(SearchRequest(q="angle bracket", facets=[]))
    assert fed == [["A"]]  # the first result that matches the words
