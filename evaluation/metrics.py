"""Relevance metrics by name, one implementation each.

A metric is a function ``(ranking, grades) -> float``: ``ranking`` is the SKUs a search
returned, best first, without repeats; ``grades`` is ``{sku: grade}`` of every judged
product of the query (grades may be floats). It returns ``nan`` where the metric is not
defined for the query; :func:`evaluate` leaves those queries out of the mean and counts them.

Names (``k`` a positive integer):

``ndcg@k``
    nDCG with linear gain (gain = grade), discount ``1/log2(rank + 1)``, over a *condensed*
    list: unjudged products are dropped from the ranking before the cutoff, because the
    judged pools are shallow (Home Depot: a median of 7 products per query) and an unjudged
    product is unknown, not irrelevant. The ideal ranking is built from all judged products
    of the query. Undefined when no judged product has a grade > 0 (ideal DCG is 0).
``ndcg@k_std``
    The same without condensing: unjudged products count as gain 0 and keep their rank.
``recall@k``
    Share of the relevant products (grade >= 1) found in the top k.
``mrr@k``
    1/rank of the first relevant product (grade >= 1) in the top k, 0 when none is.
``precision@k``
    Relevant products in the top k divided by k (trec_eval's P@k: a short list is not
    rewarded for being short).

recall, mrr and precision are undefined for a query without any relevant product (they
would be 0 whatever the system does and only dilute the mean). Negative grades count as
gain 0. The definitions match trec_eval (``ndcg_cut``, ``recall``, ``recip_rank``, ``P``,
and ``-J`` judged-only for the condensed nDCG); tests cross-check them with ir-measures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.errors import InvalidInput

MetricFn = Callable[[list[str], dict[str, float]], float]

RELEVANT_GRADE = 1.0
"""A product is relevant at grade >= 1 (Home Depot: relevance >= 2, "partially relevant")."""

DEFAULT_METRICS: tuple[str, ...] = ("ndcg@10", "ndcg@10_std", "recall@100", "mrr@10")

NAN = math.nan
_DISCOUNTS: list[float] = [1.0 / math.log2(i + 2) for i in range(1000)]


def _discounts(k: int) -> list[float]:
    if k <= len(_DISCOUNTS):
        return _DISCOUNTS[:k]
    return [1.0 / math.log2(i + 2) for i in range(k)]


class UnknownMetric(InvalidInput):
    pass


def ndcg(k: int, *, condensed: bool = True) -> MetricFn:
    discount = _discounts(k)

    def metric(ranking: list[str], grades: dict[str, float]) -> float:
        ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
        if not ideal:
            return NAN
        idcg = 0.0
        for i, g in enumerate(ideal):
            idcg += g * discount[i]
        dcg = 0.0
        rank = 0
        if condensed:
            for sku in ranking:
                grade = grades.get(sku)
                if grade is None:
                    continue
                if grade > 0:
                    dcg += grade * discount[rank]
                rank += 1
                if rank == k:
                    break
        else:
            for sku in ranking[:k]:
                grade = grades.get(sku)
                if grade is not None and grade > 0:
                    dcg += grade * discount[rank]
                rank += 1
        return dcg / idcg

    return metric


def _relevant(grades: dict[str, float]) -> int:
    n = 0
    for g in grades.values():
        if g >= RELEVANT_GRADE:
            n += 1
    return n


def _found(ranking: list[str], grades: dict[str, float], k: int) -> int:
    """Relevant products among the first ``k``."""
    found = 0
    for sku in ranking[:k]:
        g = grades.get(sku)
        if g is not None and g >= RELEVANT_GRADE:
            found += 1
    return found


def recall(k: int) -> MetricFn:
    def metric(ranking: list[str], grades: dict[str, float]) -> float:
        total = _relevant(grades)
        if not total:
            return NAN
        return _found(ranking, grades, k) / total

    return metric


def mrr(k: int) -> MetricFn:
    def metric(ranking: list[str], grades: dict[str, float]) -> float:
        if not _relevant(grades):
            return NAN
        for rank, sku in enumerate(ranking[:k], start=1):
            g = grades.get(sku)
            if g is not None and g >= RELEVANT_GRADE:
                return 1.0 / rank
        return 0.0

    return metric


def precision(k: int) -> MetricFn:
    def metric(ranking: list[str], grades: dict[str, float]) -> float:
        if not _relevant(grades):
            return NAN
        return _found(ranking, grades, k) / k

    return metric


_FACTORIES: dict[str, Callable[[int], MetricFn]] = {
    "ndcg": ndcg,
    "ndcg_std": lambda k: ndcg(k, condensed=False),
    "recall": recall,
    "mrr": mrr,
    "precision": precision,
}
_NAME = re.compile(r"^(ndcg|recall|mrr|precision)@([1-9][0-9]{0,5})(_std)?$")


def parse_metric(name: str) -> MetricFn:
    match = _NAME.match(name)
    if not match or (match[3] and match[1] != "ndcg"):
        raise UnknownMetric(f"unknown metric {name!r}: use ndcg@k, ndcg@k_std, recall@k, "
                            "mrr@k or precision@k (k a positive integer)", field="metric")
    base = match[1] + ("_std" if match[3] else "")
    return _FACTORIES[base](int(match[2]))


class _Registry(dict[str, MetricFn]):
    """``METRICS["ndcg@5"]`` works for any well-formed name; the function is built once."""

    def __missing__(self, name: str) -> MetricFn:
        fn = parse_metric(name)
        self[name] = fn
        return fn


METRICS: dict[str, MetricFn] = _Registry()
for _name in DEFAULT_METRICS + ("precision@10",):
    METRICS[_name]  # noqa: B018  (builds and registers the defaults)


def check_metric_names(names: Iterable[str]) -> list[str]:
    """The names, validated (an unknown name is an error naming it), without repeats."""
    out = list(dict.fromkeys(names))
    for name in out:
        METRICS[name]  # noqa: B018
    return out


CONDENSED_DEPTH = 100


def required_depth(metric_names: Iterable[str]) -> int:
    """How many results to ask the search for so that every metric sees what it needs.

    The largest cutoff, and at least ``CONDENSED_DEPTH`` when a condensed nDCG is asked
    for: condensing drops unjudged products, so judged ones from far below rank k move up
    (a run cut at 10 would score lower than the same ranking cut at 100).
    """
    depth = 1
    for name in check_metric_names(metric_names):
        match = _NAME.match(name)
        assert match is not None  # checked above
        depth = max(depth, int(match[2]))
        if match[1] == "ndcg" and not match[3]:
            depth = max(depth, CONDENSED_DEPTH)
    return depth


@dataclass
class EvalResult:
    """Per-query values and means of one run on one judged set.

    The evaluated queries are those with judgements; a judged query missing from the run
    counts as a query with no results (a system cannot raise its score by not answering).
    ``per_query[metric]`` holds only queries where the metric is defined; ``undefined``
    counts the others (see the module docstring). ``zero_result_rate`` is over every query
    of the run and every judged query.
    """

    metrics: list[str]
    per_query: dict[str, dict[str, float]]
    means: dict[str, float]
    undefined: dict[str, int]
    queries: int
    judged_queries: int
    zero_result_queries: list[str] = field(default_factory=list)
    missing_from_run: int = 0

    @property
    def zero_result_rate(self) -> float:
        return len(self.zero_result_queries) / self.queries if self.queries else 0.0

    def evaluated(self, metric: str) -> int:
        return len(self.per_query[metric])

    def to_dict(self, *, per_query: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metrics": {
                name: {"mean": _json_float(self.means[name]), "queries": self.evaluated(name),
                       "undefined": self.undefined[name]}
                for name in self.metrics
            },
            "queries": self.queries,
            "judged_queries": self.judged_queries,
            "missing_from_run": self.missing_from_run,
            "zero_result_queries": len(self.zero_result_queries),
            "zero_result_rate": self.zero_result_rate,
        }
        if per_query:
            body["per_query"] = self.per_query
        return body


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else value


def _unique(ranking: Sequence[str]) -> list[str]:
    """First occurrence of each SKU: a repeated product would otherwise earn its gain twice."""
    return list(dict.fromkeys(ranking))


def evaluate(run: Mapping[str, Sequence[str]], qrels: Mapping[str, dict[str, float]],
             metric_names: Iterable[str] = DEFAULT_METRICS) -> EvalResult:
    """Score ``run`` ({query id: SKUs best first}) against ``qrels``.

    About 0.1 s per metric for 12,000 queries of 100 results each.
    """
    names = check_metric_names(metric_names)
    fns = [(name, METRICS[name]) for name in names]
    per_query: dict[str, dict[str, float]] = {name: {} for name in names}
    undefined = dict.fromkeys(names, 0)
    judged = 0
    missing = 0
    zero: list[str] = []
    for qid, grades in qrels.items():
        if not grades:
            continue
        judged += 1
        if qid in run:
            ranking = _unique(run[qid])
        else:
            missing += 1
            ranking = []
        for name, fn in fns:
            value = fn(ranking, grades)
            if value != value:  # nan: undefined for this query
                undefined[name] += 1
            else:
                per_query[name][qid] = value
    zero.extend(qid for qid, results in run.items() if not results)
    for qid, grades in qrels.items():
        if grades and qid not in run:
            zero.append(qid)
    all_queries = len(run) + missing
    means = {name: (math.fsum(v.values()) / len(v) if v else NAN)
             for name, v in per_query.items()}
    return EvalResult(names, per_query, means, undefined, all_queries, judged, zero, missing)
