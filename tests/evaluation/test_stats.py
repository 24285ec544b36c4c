"""Paired significance: identical runs are not different, a clearly better run is."""

from __future__ import annotations

import random

import pytest

from evaluation.stats import (
    paired_compare,
    paired_t_test,
    permutation_test,
    wins_losses_ties,
)


def test_identical_runs_give_p_one() -> None:
    a = [random.Random(1).random() for _ in range(500)]
    assert permutation_test(a, list(a)) == 1.0
    assert paired_t_test(a, list(a)) in (1.0, None)
    values = {str(i): v for i, v in enumerate(a)}
    result = paired_compare(values, dict(values))
    assert (result.wins, result.losses, result.ties) == (0, 0, 500)
    assert result.p_permutation == 1.0 and result.delta == 0.0


def test_clearly_better_run_gives_small_p() -> None:
    rng = random.Random(2)
    a = [rng.random() * 0.8 for _ in range(300)]
    b = [min(1.0, x + 0.05 + rng.gauss(0, 0.05)) for x in a]
    p = permutation_test(a, b, permutations=5000)
    assert p == pytest.approx(1 / 5001)  # no permutation is as extreme: the smallest p
    t = paired_t_test(a, b)
    assert t is None or t < 1e-10
    assert permutation_test(b, a, permutations=5000) == p  # two-sided


def test_noise_is_not_significant_and_p_is_reproducible() -> None:
    rng = random.Random(3)
    a = [rng.random() for _ in range(400)]
    b = [x + rng.gauss(0, 0.1) for x in a]
    p = permutation_test(a, b)
    assert p > 0.05
    assert permutation_test(a, b) == p  # fixed seed
    # the p-value does not depend on how permutations are split into blocks
    import evaluation.stats as stats

    old = stats._CHUNK_CELLS
    try:
        stats._CHUNK_CELLS = 400 * 7
        assert permutation_test(a, b) == pytest.approx(p, abs=0.02)
    finally:
        stats._CHUNK_CELLS = old


def test_small_exact_case_matches_enumeration() -> None:
    # 5 differences -> 32 sign patterns; with many permutations the p-value approaches the
    # exact share of patterns whose |sum| >= the observed |sum|
    import itertools

    d = [0.3, 0.1, 0.2, -0.05, 0.4]
    observed = abs(sum(d))
    exact = sum(abs(sum(s * x for s, x in zip(signs, d, strict=True))) >= observed - 1e-12
                for signs in itertools.product((1, -1), repeat=5)) / 32
    p = permutation_test([0.0] * 5, d, permutations=20000)
    assert p == pytest.approx(exact, abs=0.01)


def test_wins_losses_ties_and_paired_compare() -> None:
    assert wins_losses_ties([0.5, 0.5, 0.2, 0.1], [0.6, 0.5 + 1e-12, 0.1, 0.1]) == (1, 1, 2)
    result = paired_compare({"q1": 0.2, "q2": 0.4, "q3": 0.9}, {"q2": 0.6, "q3": 0.9, "q4": 1.0})
    assert result.n == 2  # only queries both define
    assert (result.wins, result.losses, result.ties) == (1, 0, 1)
    assert result.delta == pytest.approx(0.1)
    body = result.to_dict()
    assert body["mean_a"] == pytest.approx(0.65) and body["permutations"] == 10_000


def test_empty_and_mismatched_inputs() -> None:
    assert permutation_test([], []) == 1.0
    with pytest.raises(ValueError):
        permutation_test([1.0, 2.0], [1.0])
    empty = paired_compare({}, {}).to_dict()
    assert empty["n"] == 0 and empty["mean_a"] is None and empty["p_permutation"] == 1.0
