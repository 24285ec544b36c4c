"""Metrics: a hand-computed table, and a cross-check against trec_eval (through ir-measures)
and the MS MARCO reference implementation of MRR on random runs."""

from __future__ import annotations

import math

import orjson
import pytest

from evaluation.metrics import (
    DEFAULT_METRICS,
    METRICS,
    UnknownMetric,
    check_metric_names,
    evaluate,
    parse_metric,
    required_depth,
)
from tests.evaluation.factories import random_judgements

L2 = math.log2

# (ranking, grades, metric, expected) — the arithmetic written out, nothing computed by code
# under test. Grades as in Home Depot (relevance − 1, floats).
A = {"a": 2.0, "b": 0.0, "c": 1.0, "z": 3.0}
B = {"x": 0.33, "y": 1.67, "w": 0.67}
HAND_TABLE = [
    (["a", "u", "c"], A, "ndcg@10", (2 + 1 / L2(3)) / (3 + 2 / L2(3) + 1 / L2(4))),
    (["a", "u", "c"], A, "ndcg@10_std", (2 + 1 / L2(4)) / (3 + 2 / L2(3) + 1 / L2(4))),
    (["a", "u", "c"], A, "ndcg@1", 2 / 3),
    (["u", "a"], A, "ndcg@1", 2 / 3),  # condensed: the unjudged u is skipped
    (["u", "a"], A, "ndcg@1_std", 0.0),
    (["b", "z", "a", "c"], A, "ndcg@10", (0 + 3 / L2(3) + 2 / L2(4) + 1 / L2(5))
     / (3 + 2 / L2(3) + 1 / L2(4))),
    (["z", "a", "c", "b"], A, "ndcg@10", 1.0),
    (["a", "u", "c"], A, "recall@100", 2 / 3),  # relevant: grade >= 1 -> a, c, z
    (["a", "u", "c"], A, "recall@1", 1 / 3),
    (["a", "u", "c"], A, "mrr@10", 1.0),
    (["u", "b", "c"], A, "mrr@10", 1 / 3),
    (["u", "b", "c"], A, "mrr@2", 0.0),
    (["a", "u", "c"], A, "precision@10", 2 / 10),
    (["a", "u", "c"], A, "precision@2", 1 / 2),
    (["u1", "x", "y"], B, "ndcg@10", (0.33 + 1.67 / L2(3)) / (1.67 + 0.67 / L2(3) + 0.33 / L2(4))),
    (["u1", "x", "y"], B, "ndcg@10_std", (0.33 / L2(3) + 1.67 / L2(4))
     / (1.67 + 0.67 / L2(3) + 0.33 / L2(4))),
    (["u1", "x", "y"], B, "recall@100", 1.0),  # only y (1.67) is relevant; 0.67 is not
    (["u1", "x", "y"], B, "mrr@10", 1 / 3),
    (["u1", "w", "x"], B, "mrr@10", 0.0),
    ([], B, "ndcg@10", 0.0),
    ([], B, "recall@100", 0.0),
    # undefined: no positive grade for nDCG, nothing relevant for the others
    (["a"], {"a": 0.0, "b": 0.0}, "ndcg@10", math.nan),
    (["a"], {"a": 0.0, "b": 0.0}, "ndcg@10_std", math.nan),
    (["a"], {"a": 0.67}, "ndcg@10", 1.0),
    (["a"], {"a": 0.67}, "recall@100", math.nan),
    (["a"], {"a": 0.67}, "mrr@10", math.nan),
    (["a"], {"a": 0.67}, "precision@10", math.nan),
]


@pytest.mark.parametrize(("ranking", "grades", "name", "expected"), HAND_TABLE)
def test_hand_computed(ranking: list[str], grades: dict[str, float], name: str,
                       expected: float) -> None:
    value = METRICS[name](ranking, grades)
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected, abs=1e-12)


def test_names_are_parsed_and_cached() -> None:
    assert set(DEFAULT_METRICS) <= set(METRICS)
    fn = METRICS["ndcg@7"]
    assert METRICS["ndcg@7"] is fn
    assert check_metric_names(["mrr@10", "mrr@10", "recall@5"]) == ["mrr@10", "recall@5"]
    for bad in ("ndcg", "ndcg@0", "ndcg@x", "recall@10_std", "map@10", "NDCG@10", "ndcg@-1"):
        with pytest.raises(UnknownMetric, match="unknown metric"):
            parse_metric(bad)
    with pytest.raises(UnknownMetric):
        METRICS["bogus@3"]  # noqa: B018


def test_required_depth() -> None:
    assert required_depth(DEFAULT_METRICS) == 100
    assert required_depth(["mrr@10", "ndcg@10_std"]) == 10
    assert required_depth(["ndcg@5"]) == 100  # condensed lists read past the cutoff
    assert required_depth(["recall@1000", "ndcg@10"]) == 1000


def test_evaluate_counts_undefined_zero_results_and_missing_queries() -> None:
    qrels = {"q1": {"a": 2.0, "b": 0.0}, "q2": {"c": 0.5}, "q3": {"d": 1.0}, "q4": {},
             "q5": {"e": 2.0}}
    run = {"q1": ["a", "a", "b"], "q2": ["c"], "q3": [], "extra": []}
    result = evaluate(run, qrels, ["ndcg@10", "recall@100", "mrr@10"])
    assert result.per_query["ndcg@10"] == {"q1": 1.0, "q2": 1.0, "q3": 0.0, "q5": 0.0}
    assert result.per_query["recall@100"] == {"q1": 1.0, "q3": 0.0, "q5": 0.0}
    assert result.undefined == {"ndcg@10": 0, "recall@100": 1, "mrr@10": 1}
    assert result.judged_queries == 4  # q4 has no judgements
    assert result.missing_from_run == 1  # q5: scored as a query without results
    assert result.queries == 5  # the run's four and the missing judged q5
    assert sorted(result.zero_result_queries) == ["extra", "q3", "q5"]
    assert result.zero_result_rate == pytest.approx(3 / 5)
    assert result.means["ndcg@10"] == pytest.approx(2 / 4)
    body = orjson.loads(orjson.dumps(result.to_dict(per_query=True)))
    assert body["metrics"]["recall@100"] == {"mean": pytest.approx(1 / 3), "queries": 3,
                                             "undefined": 1}


def test_a_repeated_product_earns_its_gain_once() -> None:
    qrels = {"q": {"a": 1.0, "b": 1.0}}
    result = evaluate({"q": ["a", "a", "a", "b"]}, qrels, ["ndcg@2", "precision@2"])
    assert result.per_query["ndcg@2"]["q"] == pytest.approx(1.0)
    assert result.per_query["precision@2"]["q"] == pytest.approx(1.0)


def test_metric_without_any_defined_query_has_nan_mean_and_null_in_json() -> None:
    result = evaluate({"q": ["a"]}, {"q": {"a": 0.0}}, ["ndcg@10"])
    assert math.isnan(result.means["ndcg@10"])
    assert result.to_dict()["metrics"]["ndcg@10"]["mean"] is None


# --- cross-check against independent implementations -------------------------------------

ir_measures = pytest.importorskip("ir_measures", reason="ir-measures is in the test extra")


def _reference(measure, qrels: dict[str, dict[str, int]], run: dict[str, list[str]],
               provider: str = "pytrec_eval") -> dict[str, float]:
    # trec_eval orders by score, ties by docno: give strictly decreasing scores
    scored = {q: {sku: float(len(r) - i) for i, sku in enumerate(r)} for q, r in run.items() if r}
    impl = ir_measures.providers.registry[provider]
    return {m.query_id: m.value for m in impl.iter_calc([measure], qrels, scored)}


def _check(ours: dict[str, float], ref: dict[str, float], run: dict[str, list[str]]) -> None:
    assert ours, "nothing to compare"
    for qid, value in ours.items():
        if qid in ref:
            assert value == pytest.approx(ref[qid], abs=1e-9), qid
        else:  # trec_eval skips queries without results; ours scores them 0
            assert not run[qid] and value == 0.0, qid


@pytest.mark.parametrize("float_grades", [False, True], ids=["int-grades", "float-grades"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_trec_eval(seed: int, float_grades: bool) -> None:
    from ir_measures import RR, P, R, nDCG

    grades = (0, 0.25, 0.33, 0.67, 1, 1.33, 1.5, 1.67, 2) if float_grades else (0, 1, 2, 3)
    run, qrels = random_judgements(300, 400, seed, grades=grades)
    # trec_eval takes integer grades: scale floats by 100 (nDCG is scale-invariant, the
    # relevance threshold moves to 100)
    scale = 100 if float_grades else 1
    int_qrels = {q: {s: round(g * scale) for s, g in d.items()} for q, d in qrels.items()}
    names = ["ndcg@10", "ndcg@10_std", "ndcg@3", "recall@100", "recall@10", "mrr@10",
             "precision@10", "precision@5"]
    ours = evaluate(run, qrels, names).per_query
    assert 0 < len(ours["recall@100"]) < len(qrels)  # some queries have nothing relevant
    if float_grades:  # 0.33 and 0.67 give nDCG a gain but are not relevant
        assert len(ours["ndcg@10"]) > len(ours["recall@100"])
    # Condensed nDCG, emulated in the reference by dropping unjudged products from the run
    # before it is scored (what trec_eval -J does) ...
    condensed_run = {q: [s for s in r if s in qrels[q]] for q, r in run.items()}
    _check(ours["ndcg@10"], _reference(nDCG @ 10, int_qrels, condensed_run), run)
    _check(ours["ndcg@3"], _reference(nDCG @ 3, int_qrels, condensed_run), run)
    # ... and by trec_eval's own judged-only flag
    _check(ours["ndcg@10"], _reference(nDCG(judged_only=True) @ 10, int_qrels, run), run)
    _check(ours["ndcg@10_std"], _reference(nDCG @ 10, int_qrels, run), run)
    rel = scale  # grade >= 1
    _check(ours["recall@100"], _reference(R(rel=rel) @ 100, int_qrels, run), run)
    _check(ours["recall@10"], _reference(R(rel=rel) @ 10, int_qrels, run), run)
    # pytrec_eval's recip_rank has no cutoff (ir-measures drops the @10 once rel is given):
    # cut the run at 10 for it
    top10 = {q: r[:10] for q, r in run.items()}
    _check(ours["mrr@10"], _reference(RR(rel=rel), int_qrels, top10), run)
    _check(ours["precision@10"], _reference(P(rel=rel) @ 10, int_qrels, run), run)
    _check(ours["precision@5"], _reference(P(rel=rel) @ 5, int_qrels, run), run)


@pytest.mark.parametrize("seed", [4, 5])
def test_mrr_against_msmarco_reference(seed: int) -> None:
    from ir_measures import RR

    run, qrels = random_judgements(300, 400, seed, grades=(0, 1, 2))
    int_qrels = {q: {s: int(g) for s, g in d.items()} for q, d in qrels.items()}
    ours = evaluate(run, qrels, ["mrr@10"]).per_query["mrr@10"]
    _check(ours, _reference(RR @ 10, int_qrels, run, provider="msmarco"), run)
