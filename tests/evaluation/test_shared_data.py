"""The real judged sources in ../shared/data (read in place, never copied into the project).
Skipped, with the reason shown, where the folder is absent (a fresh clone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.converters import (
    HOMEDEPOT_ZIP,
    SCIFACT_DIR,
    convert_homedepot,
    convert_scifact,
    shared_data_dir,
)
from evaluation.judged import load_judged_dir
from evaluation.metrics import evaluate

DATA = shared_data_dir()

pytestmark = pytest.mark.slow


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared judged data not found at {path} (it lives beside the checkout in "
                    "../shared/data and is never copied into the project)")
    return path


def test_homedepot_counts(tmp_path: Path) -> None:
    counts = convert_homedepot(_require(DATA / HOMEDEPOT_ZIP), tmp_path)
    assert counts["rows"] == 74_067
    assert counts["judgements"] == 74_067  # no (query, product) pair is judged twice
    assert counts["duplicate_pairs_averaged"] == 0
    assert counts["queries"] == 11_795
    assert counts["products"] == 54_667
    assert counts["products_with_several_titles"] == 15
    # 11,757 queries have a product with relevance > 1 (nDCG defined); 11,535 have one with
    # relevance >= 2 (recall and MRR defined)
    assert counts["queries_with_gain"] == 11_757
    assert counts["queries_with_relevant"] == 11_535
    assert counts["grades"]["2"] == 19_125 and counts["grades"]["0"] == 2_105
    assert counts["halves"] == {"0": 5_948, "1": 5_847}

    judged = load_judged_dir(tmp_path)
    assert judged.warnings == []
    assert len(judged.queries) == 11_795 and judged.counts["products"] == 54_667
    # a run that returns every judged product in the worst order defines the evaluated counts
    worst = {q: sorted(g, key=lambda s: g[s]) for q, g in judged.qrels.items()}
    result = evaluate(worst, judged.qrels)
    assert result.evaluated("ndcg@10") == 11_757 and result.undefined["ndcg@10"] == 38
    assert result.evaluated("recall@100") == 11_535
    assert result.means["recall@100"] == 1.0


def test_scifact_counts(tmp_path: Path) -> None:
    counts = convert_scifact(_require(DATA / SCIFACT_DIR), tmp_path)
    assert counts["products"] == 5_183
    assert counts["queries"] == 300
    assert counts["judgements"] == 339
    assert counts["judged_products_not_in_catalog"] == 0
    judged = load_judged_dir(tmp_path)
    assert judged.warnings == []
