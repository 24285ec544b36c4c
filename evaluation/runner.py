"""Running a judged set through a search function, comparing two runs, recording experiments.

The runner knows nothing about backends: ``search`` is any ``(query text) -> [sku, ...]``
(the composition root wires it to the ranking service), so the same code evaluates the
embedded engine, Elasticsearch or a stub in a test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from evaluation.metrics import DEFAULT_METRICS, EvalResult, check_metric_names, evaluate
from evaluation.stats import DEFAULT_PERMUTATIONS, DEFAULT_SEED, paired_compare

Run = dict[str, list[str]]
Progress = Callable[[int, int], None]


def run_queries(queries: Mapping[str, str], search: Callable[[str], Sequence[str]],
                progress: Progress | None = None) -> Run:
    """{query id: SKUs best first} for every query, in the order of ``queries``.

    ``progress(done, total)`` is called after each query (and once with ``(0, total)``
    before the first), so a progress bar can show the total at once. An exception from
    ``search`` propagates with the query id and text added as a note.
    """
    total = len(queries)
    run: Run = {}
    if progress is not None:
        progress(0, total)
    for done, (qid, text) in enumerate(queries.items(), start=1):
        try:
            run[qid] = list(search(text))
        except Exception as exc:
            exc.add_note(f"while searching query {qid!r}: {text!r}")
            raise
        if progress is not None:
            progress(done, total)
    return run


def compare(run_a: Mapping[str, Sequence[str]], run_b: Mapping[str, Sequence[str]],
            qrels: Mapping[str, dict[str, float]],
            metric_names: Iterable[str] = DEFAULT_METRICS, *,
            queries: Mapping[str, str] | None = None, top: int = 10,
            permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED,
            results: tuple[EvalResult, EvalResult] | None = None) -> dict[str, Any]:
    """Compare run B (the candidate) with run A (the baseline) on the same judged queries.

    Returns a JSON-ready dict: ``a`` and ``b`` (:meth:`EvalResult.to_dict`), and per metric
    the means, ``delta`` (b − a), ``wins``/``losses``/``ties`` (from B's side), the paired
    randomization p-value ``p_permutation``, ``p_ttest`` (None without scipy) and
    ``top_differences``: the ``top`` queries with the largest |b − a|, worst losses first
    among equal sizes, with their text when ``queries`` is given. Pass ``results`` when
    both runs were already evaluated with these metrics, to skip evaluating them again.
    """
    names = check_metric_names(metric_names)
    res_a, res_b = results or (evaluate(run_a, qrels, names), evaluate(run_b, qrels, names))
    per_metric: dict[str, Any] = {}
    for name in names:
        va, vb = res_a.per_query[name], res_b.per_query[name]
        paired = paired_compare(va, vb, permutations=permutations, seed=seed)
        diffs = sorted(((vb[q] - va[q], q) for q in va if q in vb and vb[q] != va[q]),
                       key=lambda dq: (-abs(dq[0]), dq[0], dq[1]))[:top]
        per_metric[name] = {
            **paired.to_dict(),
            "top_differences": [
                {"query_id": q, **({"query": queries.get(q)} if queries is not None else {}),
                 "a": va[q], "b": vb[q], "delta": d}
                for d, q in diffs
            ],
        }
    return {"a": res_a.to_dict(), "b": res_b.to_dict(), "metrics": per_metric,
            "zero_result_rate": {"a": res_a.zero_result_rate, "b": res_b.zero_result_rate}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # a Path or an enum in a configuration


@dataclass
class Experiment:
    """One or more configurations evaluated on the same judged set, stored with the
    configuration that produced each result, so that a number in a report can always be
    traced back to the settings behind it.

    ``configs`` and ``results`` share labels (e.g. "baseline", "candidate");
    ``comparison`` is :func:`compare`'s output when two of them were compared.
    """

    judged_set: dict[str, Any]
    metrics: list[str]
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, EvalResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    comparison: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def add(self, label: str, config: Mapping[str, Any], result: EvalResult,
            seconds: float | None = None) -> None:
        if label in self.results:
            raise ValueError(f"experiment already has a result labelled {label!r}")
        self.configs[label] = dict(config)
        self.results[label] = result
        if seconds is not None:
            self.seconds[label] = seconds

    def run(self, label: str, config: Mapping[str, Any], queries: Mapping[str, str],
            search: Callable[[str], Sequence[str]], qrels: Mapping[str, dict[str, float]],
            progress: Progress | None = None) -> Run:
        """Search every query, evaluate and record the result; returns the run."""
        started = time.perf_counter()
        run = run_queries(queries, search, progress)
        elapsed = time.perf_counter() - started
        self.add(label, config, evaluate(run, qrels, self.metrics), elapsed)
        return run

    def to_dict(self, *, per_query: bool = False) -> dict[str, Any]:
        """JSON-serialisable (nan becomes null)."""
        return _jsonable({
            "created": self.created,
            "judged_set": self.judged_set,
            "metrics": self.metrics,
            "configs": self.configs,
            "results": {label: r.to_dict(per_query=per_query)
                        for label, r in self.results.items()},
            "seconds": self.seconds,
            "comparison": self.comparison,
        })

    def to_json(self, *, per_query: bool = False) -> bytes:
        return orjson.dumps(self.to_dict(per_query=per_query),
                            option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
