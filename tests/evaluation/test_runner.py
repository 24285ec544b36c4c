"""Runner: searching a judged set, comparing two runs, experiments as JSON."""

from __future__ import annotations

import math

import orjson
import pytest

from evaluation.judged import load_judged_dir
from evaluation.metrics import evaluate
from evaluation.runner import Experiment, compare, run_queries
from tests.evaluation.factories import random_judgements, write_judged_set


def test_run_queries_in_order_with_progress() -> None:
    calls: list[tuple[int, int]] = []
    run = run_queries({"q2": "nut", "q1": "bolt"}, lambda text: (f"{text}-1", f"{text}-2"),
                      lambda done, total: calls.append((done, total)))
    assert list(run) == ["q2", "q1"] and run["q1"] == ["bolt-1", "bolt-2"]
    assert calls == [(0, 2), (1, 2), (2, 2)]


def test_search_error_names_the_query() -> None:
    def search(text: str) -> list[str]:
        raise RuntimeError("backend down")

    with pytest.raises(RuntimeError, match="backend down") as info:
        run_queries({"q7": "hex bolt"}, search)
    assert "while searching query 'q7': 'hex bolt'" in info.value.__notes__


def test_compare_reports_both_sides_and_differences() -> None:
    run_a, qrels = random_judgements(200, 300, seed=9)
    # B: the judged products first, best grade first -> better on nearly every query
    run_b = {q: sorted(g, key=lambda s: -g[s]) + [s for s in run_a[q] if s not in g]
             for q, g in qrels.items()}
    queries = {q: f"text {q}" for q in qrels}
    report = compare(run_a, run_b, qrels, ["ndcg@10", "recall@100"], queries=queries, top=3,
                     permutations=2000)
    ndcg = report["metrics"]["ndcg@10"]
    assert ndcg["mean_b"] == pytest.approx(1.0) and ndcg["delta"] > 0.1
    assert ndcg["wins"] > 50 and ndcg["losses"] == 0
    assert ndcg["p_permutation"] < 0.001
    assert len(ndcg["top_differences"]) == 3
    top = ndcg["top_differences"][0]
    assert top["query"] == f"text {top['query_id']}" and top["delta"] == top["b"] - top["a"]
    deltas = [abs(d["delta"]) for d in ndcg["top_differences"]]
    assert deltas == sorted(deltas, reverse=True)
    assert report["a"]["metrics"]["ndcg@10"]["mean"] == pytest.approx(ndcg["mean_a"])
    assert report["zero_result_rate"]["b"] < report["zero_result_rate"]["a"]
    orjson.dumps(report)
    same = compare(run_a, run_a, qrels, ["ndcg@10"], permutations=100)["metrics"]["ndcg@10"]
    assert same["p_permutation"] == 1.0 and same["top_differences"] == []


def test_experiment_stores_config_with_results(tmp_path) -> None:
    write_judged_set(tmp_path)
    judged = load_judged_dir(tmp_path)
    exp = Experiment(judged.describe(), ["ndcg@10", "mrr@10"])
    index = {"hex bolt": ["P1", "P2"], "cable tie": []}
    exp.run("baseline", {"synonyms": False, "path": tmp_path}, judged.queries, index.__getitem__,
            judged.qrels)
    run_b = exp.run("candidate", {"synonyms": True}, judged.queries,
                    lambda text: ["P3"] if text == "cable tie" else ["P2", "P1"], judged.qrels)
    exp.comparison = compare({}, run_b, judged.qrels, exp.metrics, permutations=100,
                             results=(exp.results["baseline"], exp.results["candidate"]))
    body = orjson.loads(exp.to_json(per_query=True))
    assert body["configs"]["baseline"] == {"synonyms": False, "path": str(tmp_path)}
    assert body["results"]["baseline"]["metrics"]["ndcg@10"]["mean"] == pytest.approx(0.5)
    # q1 judges P1 (2) and P2 (0): P1 second -> 2 / log2(3) of the ideal 2
    assert body["results"]["candidate"]["per_query"]["ndcg@10"]["q1"] == pytest.approx(
        1 / math.log2(3))
    assert body["results"]["baseline"]["zero_result_rate"] == 0.5
    assert body["results"]["baseline"]["metrics"]["mrr@10"]["mean"] == pytest.approx(0.5)
    assert body["judged_set"]["queries"] == 2 and set(body["seconds"]) == {"baseline",
                                                                           "candidate"}
    assert body["comparison"]["metrics"]["ndcg@10"]["n"] == 2
    with pytest.raises(ValueError, match="already"):
        exp.add("baseline", {}, evaluate({}, judged.qrels, exp.metrics))
