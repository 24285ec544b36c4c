"""`discovery eval` end to end on a judged set the test builds: index, search, metrics, compare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DISCOVERY = str(Path(sys.executable).parent / "discovery")

PRODUCTS = [
    ("P1", "Hex bolt DIN 933 M8x40 stainless"),
    ("P2", "Hex nut DIN 934 M8 stainless"),
    ("P3", "Nitrile disposable gloves size L"),
    ("P4", "Cut resistant gloves level C"),
    ("P5", "Cable tie 4.8x300 mm black"),
]
QUERIES = {"q1": "hex bolt", "q2": "nitrile gloves", "q3": "cable ties black", "q4": "gloves cut"}
QRELS = [("q1", "P1", 2), ("q1", "P2", 0), ("q2", "P3", 2), ("q2", "P4", 1), ("q3", "P5", 1),
         ("q4", "P4", 2), ("q4", "P3", 0)]


@pytest.fixture
def judged(tmp_path: Path) -> list[str]:
    (tmp_path / "catalog.jsonl").write_text(
        "".join(json.dumps({"sku": s, "name": n, "description": ""}) + "\n" for s, n in PRODUCTS))
    (tmp_path / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in QUERIES.items()))
    (tmp_path / "qrels.txt").write_text("".join(f"{q} 0 {s} {g}\n" for q, s, g in QRELS))
    return ["--catalog", str(tmp_path / "catalog.jsonl"), "--queries", str(tmp_path / "queries.tsv"),
            "--qrels", str(tmp_path / "qrels.txt")]


def _eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DISCOVERY, "eval", *args], capture_output=True, text=True, timeout=120)


def test_eval_prints_figures_as_the_last_json_line(judged: list[str], tmp_path: Path) -> None:
    done = _eval(*judged, "--json", "--out", str(tmp_path / "exp.json"))
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures) >= {"ndcg@10", "ndcg@10_std", "recall@100", "mrr@10", "queries",
                            "zero_result_rate"}
    assert figures["queries"] == 4
    assert figures["zero_result_rate"] == 0.0
    assert figures["mrr@10"] == 1.0  # the best product comes first for every query
    experiment = json.loads((tmp_path / "exp.json").read_text())
    recall = experiment["results"]["a"]["per_query"]["recall@100"]
    # any word matches by default: "nitrile gloves" finds the cut-resistant gloves too
    assert recall == {"q1": 1.0, "q2": 1.0, "q3": 1.0, "q4": 1.0}
    assert experiment["configs"]["a"]["name"] == "default"
    assert set(experiment["results"]["a"]["per_query"]["ndcg@10"]) == set(QUERIES)
    # the shipped `strict` configuration requires every word: it misses them
    strict = _eval(*judged, "--config", "strict", "--json")
    assert strict.returncode == 0, strict.stderr
    assert json.loads(strict.stdout.strip().splitlines()[-1])["recall@100"] == pytest.approx(3.5 / 4)


def test_compare_reports_both_and_a_paired_test(judged: list[str], tmp_path: Path) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text('name = "no-typos"\n[typo]\none_typo_from = 50\ntwo_typos_from = 60\n')
    done = _eval(*judged, "--compare", str(strict), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["a"]["config"] == "default" and figures["b"]["config"] == "no-typos"
    assert {"delta", "wins", "losses", "p_permutation"} <= set(figures["comparison"]["ndcg@10"])


def test_bad_inputs_are_clear_errors(judged: list[str], tmp_path: Path) -> None:
    bad = _eval(*judged, "--config", "nope")
    assert bad.returncode == 2 and "no configuration named 'nope'" in bad.stderr
    (tmp_path / "queries.tsv").write_text("q1 hex bolt\n")
    broken = _eval(*judged)
    assert broken.returncode == 2 and "queries.tsv:1" in broken.stderr
    metric = _eval(*judged, "--metrics", "ndcg@ten")
    assert metric.returncode == 2 and "ndcg@ten" in metric.stderr
