"""Paired significance for comparing two configurations on the same queries.

The main test is a two-sided paired randomization (sign-flip permutation) test on the mean
per-query difference: it assumes nothing about the distribution of differences, which for
nDCG on a few thousand queries is lumpy (many exact ties at 0 and 1). The seed is fixed so
that a report is reproducible. A paired t-test is added when scipy is installed, as the
number most papers quote; it is ``None`` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

TIE_TOLERANCE = 1e-9
DEFAULT_PERMUTATIONS = 10_000
DEFAULT_SEED = 20_160_101
_CHUNK_CELLS = 4_000_000  # permutations x queries per block: about 32 MB of float64


@dataclass(frozen=True)
class PairedResult:
    """B (the candidate) against A (the baseline) on the queries both are defined for."""

    n: int
    mean_a: float
    mean_b: float
    delta: float
    wins: int  # queries where B is better
    losses: int  # queries where B is worse
    ties: int
    p_permutation: float
    p_ttest: float | None
    permutations: int

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


def wins_losses_ties(a: ArrayLike, b: ArrayLike,
                     tolerance: float = TIE_TOLERANCE) -> tuple[int, int, int]:
    """(queries where b > a, where b < a, ties within ``tolerance``)."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    wins = int(np.count_nonzero(d > tolerance))
    losses = int(np.count_nonzero(d < -tolerance))
    return wins, losses, int(d.size) - wins - losses


def permutation_test(a: ArrayLike, b: ArrayLike, *,
                     permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED) -> float:
    """Two-sided p-value of the paired randomization test on mean(b − a).

    Each permutation flips the sign of every per-query difference with probability 1/2 (the
    labels A and B are exchangeable under the null). The p-value counts the observed
    assignment too, ``(extreme + 1) / (permutations + 1)``, so it is never 0 and identical
    runs give exactly 1. Vectorised: 10,000 permutations of 12,000 queries take about a
    second.
    """
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.shape != xb.shape or xa.ndim != 1:
        raise ValueError("a and b must be flat sequences of the same length")
    d = xb - xa
    n = d.size
    if n == 0:
        return 1.0
    d[np.abs(d) <= TIE_TOLERANCE] = 0.0
    observed = abs(d.sum())
    # A permuted sum is sum(s_i d_i) with s_i = ±1, i.e. 2·(bits · d) − sum(d).
    total = d.sum()
    threshold = observed - 1e-9 * max(1.0, observed)  # float noise must not hide a tie
    rng = np.random.default_rng(seed)
    chunk = max(1, min(permutations, _CHUNK_CELLS // n))
    extreme = 0
    done = 0
    while done < permutations:
        m = min(chunk, permutations - done)
        cells = m * n
        bits = np.unpackbits(np.frombuffer(rng.bytes((cells + 7) // 8), dtype=np.uint8),
                             count=cells).reshape(m, n).astype(np.float64)
        sums = 2.0 * (bits @ d) - total
        extreme += int(np.count_nonzero(np.abs(sums) >= threshold))
        done += m
    return (extreme + 1) / (permutations + 1)


def paired_t_test(a: ArrayLike, b: ArrayLike) -> float | None:
    """Two-sided paired t-test p-value; None when scipy is not installed."""
    try:
        from scipy import stats
    except ImportError:
        return None
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if d.size < 2:
        return None
    if np.all(np.abs(d) <= TIE_TOLERANCE):
        return 1.0  # scipy gives nan for zero variance; identical runs are not different
    p = float(stats.ttest_rel(np.asarray(b, dtype=float), np.asarray(a, dtype=float)).pvalue)
    return None if math.isnan(p) else p


def paired_compare(values_a: Mapping[str, float], values_b: Mapping[str, float], *,
                   permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED
                   ) -> PairedResult:
    """Compare per-query values ({query id: value}) on the queries both have."""
    qids = [q for q in values_a if q in values_b]
    a = np.fromiter((values_a[q] for q in qids), dtype=float, count=len(qids))
    b = np.fromiter((values_b[q] for q in qids), dtype=float, count=len(qids))
    wins, losses, ties = wins_losses_ties(a, b)
    mean_a = float(a.mean()) if a.size else math.nan
    mean_b = float(b.mean()) if b.size else math.nan
    return PairedResult(
        n=len(qids), mean_a=mean_a, mean_b=mean_b, delta=mean_b - mean_a,
        wins=wins, losses=losses, ties=ties,
        p_permutation=permutation_test(a, b, permutations=permutations, seed=seed),
        p_ttest=paired_t_test(a, b), permutations=permutations,
    )
