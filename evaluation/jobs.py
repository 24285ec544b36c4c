"""Evaluations started from the console (S14): an uploaded judged set, two configurations of
the live catalog, run in a background thread with progress and the result in the database.

The job knows no backend: it receives ``search_for(config_spec, depth) -> search(text) ->
[sku, ...]`` and ``known_skus(skus) -> the subset in the catalog`` from the composition root
(``api``), which wires them to the serving ``SearchService`` and the catalog store. A
configuration spec is ``live`` (the served configuration with the published synonyms and
rules), ``draft`` (the same with the draft ones) or a shipped configuration name.

One evaluation runs at a time (per database): each search takes a core from buyers' searches
on the same machine, so a second one waits for the first to finish (409) rather than halving
both. A running evaluation writes a heartbeat every ``HEARTBEAT_S``; a run whose heartbeat
stops (the process died or restarted) is marked failed at the next start-up or read.
"""

from __future__ import annotations

import csv
import logging
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Engine

from catalog.errors import Conflict, DiscoveryError, InvalidInput, NotFound
from catalog.models import EvaluationRun
from evaluation.judged import parse_qrels, parse_queries, text_lines
from evaluation.metrics import check_metric_names, evaluate, required_depth
from evaluation.runner import compare, run_queries
from ranking.config import shipped_names

log = logging.getLogger("discovery.evaluation")

MAX_QUERIES = 5_000
DEFAULT_METRICS = ("ndcg@10", "recall@100", "mrr@10")
TOP_SKUS = 5  # products per query shown side by side
HEARTBEAT_S = 2.0
STALE_AFTER = timedelta(seconds=15)  # a running row without a heartbeat this long is dead
SPECIAL_SPECS = ("live", "draft")

SearchFor = Callable[[str, int], Callable[[str], Sequence[str]]]
KnownSkus = Callable[[Iterable[str]], set[str]]

evaluation_runs = cast(Table, EvaluationRun.__table__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


# -- judged sets from uploads -----------------------------------------------------------------

@dataclass
class UploadedJudgements:
    """Queries and graded judgements of an upload; query ids are the file's (TREC) or
    ``q1, q2, ...`` in order of first appearance (CSV)."""

    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]
    source: str
    warnings: list[str] = field(default_factory=list)

    @property
    def skus(self) -> set[str]:
        return {sku for grades in self.qrels.values() for sku in grades}

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "queries": len(self.queries),
                "judged_queries": sum(1 for q in self.queries if self.qrels.get(q)),
                "judgements": sum(len(g) for g in self.qrels.values()),
                "warnings": list(self.warnings)}


def _check_size(queries: Mapping[str, str], name: str, max_query_length: int | None) -> None:
    if len(queries) > MAX_QUERIES:
        raise InvalidInput(f"{name}: {len(queries):,} queries; an evaluation takes at most "
                           f"{MAX_QUERIES:,} (split the set)", field=name)
    if not queries:
        raise InvalidInput(f"{name}: no queries", field=name)
    if max_query_length is not None:
        for qid, text in queries.items():
            if len(text) > max_query_length:
                raise InvalidInput(f"{name}: query {qid!r} is longer than {max_query_length} "
                                   "characters (the search limit)", field=name)


def parse_judgements(data: bytes, name: str = "judgements", *,
                     max_query_length: int | None = None) -> UploadedJudgements:
    """A CSV or TSV with the header ``query,sku,grade`` (other columns are ignored; the
    delimiter is a tab when the header has one, else a comma or semicolon). The same query
    text (ignoring case and spaces) on several rows is one query. Errors name the line and
    the column."""
    lines = list(text_lines(data, name))
    if not lines:
        raise InvalidInput(f"{name}: the file is empty; expected a header 'query,sku,grade'",
                           field=name)
    header_line = lines[0][1]
    delimiter = "\t" if "\t" in header_line else (
        ";" if ";" in header_line and "," not in header_line else ",")
    numbers = [n for n, _ in lines]
    reader = csv.reader((line for _, line in lines), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
        columns = {h: i for i, h in reversed(list(enumerate(header)))}
        missing = [c for c in ("query", "sku", "grade") if c not in columns]
        if missing:
            raise InvalidInput(f"{name}:{numbers[0]}: the header has no column "
                               f"{', '.join(repr(c) for c in missing)}; expected "
                               "'query,sku,grade'", field=name)
        queries: dict[str, str] = {}
        ids: dict[str, str] = {}
        qrels: dict[str, dict[str, float]] = {}
        first_seen: dict[tuple[str, str], int] = {}
        for row in reader:
            number = numbers[reader.line_num - 1]
            if not any(cell.strip() for cell in row):
                continue
            cells = {c: (row[i].strip() if i < len(row) else None) for c, i in columns.items()}
            for column in ("query", "sku", "grade"):
                if not cells[column]:
                    raise InvalidInput(f"{name}:{number}: column {column!r} is empty"
                                       + (f" (the row has {len(row)} of {len(header)} columns)"
                                          if len(row) < len(header) else ""), field=name)
            text, sku, raw = " ".join(str(cells["query"]).split()), str(cells["sku"]), str(
                cells["grade"])
            try:
                grade = float(raw.replace(",", ".") if delimiter == ";" else raw)
            except ValueError:
                raise InvalidInput(f"{name}:{number}: column 'grade': {raw!r} is not a number",
                                   field=name) from None
            if not math.isfinite(grade) or grade < 0:
                raise InvalidInput(f"{name}:{number}: column 'grade': {raw!r} must be a number "
                                   ">= 0", field=name)
            key = text.lower()
            qid = ids.get(key)
            if qid is None:
                qid = ids[key] = f"q{len(ids) + 1}"
                queries[qid] = text
            if (qid, sku) in first_seen:
                raise InvalidInput(f"{name}:{number}: column 'sku': query {text!r} judges "
                                   f"{sku!r} twice (first on line {first_seen[qid, sku]})",
                                   field=name)
            first_seen[qid, sku] = number
            qrels.setdefault(qid, {})[sku] = grade
    except csv.Error as exc:
        raise InvalidInput(f"{name}:{numbers[reader.line_num - 1]}: {exc}", field=name) from None
    _check_size(queries, name, max_query_length)
    return UploadedJudgements(queries, qrels, "csv")


def parse_trec(queries_data: bytes, qrels_data: bytes, *,
               max_query_length: int | None = None) -> UploadedJudgements:
    """``queries`` (``id<TAB>text``) and ``qrels`` (``qid 0 sku grade``) as ``discovery eval``
    reads them; judgements of query ids not in ``queries`` are dropped with a warning."""
    queries = parse_queries(text_lines(queries_data, "queries"), "queries")
    all_qrels = parse_qrels(text_lines(qrels_data, "qrels"), "qrels")
    for qid, grades in all_qrels.items():
        for sku, grade in grades.items():
            if grade < 0:
                raise InvalidInput(f"qrels: query {qid!r}, product {sku!r}: grade {grade:g} "
                                   "must be >= 0", field="qrels")
    _check_size(queries, "queries", max_query_length)
    qrels = {q: g for q, g in all_qrels.items() if q in queries}
    warnings = []
    unknown = [q for q in all_qrels if q not in queries]
    if unknown:
        warnings.append(f"qrels: judgements of {len(unknown)} query ids not in queries were "
                        f"ignored (e.g. {unknown[0]!r})")
    return UploadedJudgements(queries, qrels, "trec", warnings)


def check_config_spec(spec: str, field_name: str) -> str:
    spec = (spec or "").strip()
    names = shipped_names()
    if spec not in SPECIAL_SPECS and spec not in names:
        raise InvalidInput(f"{field_name}: unknown configuration {spec!r}; one of: "
                           f"{', '.join((*SPECIAL_SPECS, *names))}", field=field_name)
    return spec


def check_metrics(text: str | Sequence[str], max_depth: int) -> list[str]:
    names = [m.strip() for m in text.split(",")] if isinstance(text, str) else list(text)
    try:
        checked = check_metric_names([m for m in names if m])
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="metrics") from None
    if not checked:
        raise InvalidInput("metrics: name at least one metric (e.g. ndcg@10)", field="metrics")
    if required_depth(checked) > max_depth:
        raise InvalidInput(f"metrics: {', '.join(checked)} need the top "
                           f"{required_depth(checked)} results, more than the page size limit "
                           f"of {max_depth}", field="metrics")
    return checked


# -- the comparison ---------------------------------------------------------------------------

def compare_configurations(judged: UploadedJudgements, search_a: Callable[[str], Sequence[str]],
                           search_b: Callable[[str], Sequence[str]], metrics: Sequence[str],
                           progress: Callable[[int, int], None] | None = None
                           ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(result, per_query): both runs over every query, their metrics, a paired comparison
    per metric, and per query both sides' values and top products, largest |delta| of the
    first metric first (losses before wins of the same size; undefined deltas last)."""
    names = check_metric_names(metrics)
    total = 2 * len(judged.queries)

    def half(offset: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, _total: progress(offset + done, total)

    run_a = run_queries(judged.queries, search_a, half(0))
    run_b = run_queries(judged.queries, search_b, half(len(judged.queries)))
    res_a, res_b = evaluate(run_a, judged.qrels, names), evaluate(run_b, judged.qrels, names)
    compared = compare(run_a, run_b, judged.qrels, names, queries=judged.queries,
                       results=(res_a, res_b), top=0)

    def clean(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    result: dict[str, Any] = {
        "metrics": names,
        "summary": {side: {n: clean(r.means[n]) for n in names}
                    for side, r in (("a", res_a), ("b", res_b))},
        "comparison": [
            {"metric": n, "a": clean(c["mean_a"]), "b": clean(c["mean_b"]),
             "delta": clean(c["delta"]), "p_value": c["p_permutation"], "wins": c["wins"],
             "losses": c["losses"], "ties": c["ties"], "queries": c["n"]}
            for n, c in compared["metrics"].items()],
        "zero_results": {"a": sum(1 for r in run_a.values() if not r),
                         "b": sum(1 for r in run_b.values() if not r)},
        "judged": judged.describe(),
    }
    first = names[0]
    rows: list[dict[str, Any]] = []
    for position, (qid, text) in enumerate(judged.queries.items()):
        a = {n: res_a.per_query[n].get(qid) for n in names}
        b = {n: res_b.per_query[n].get(qid) for n in names}
        va, vb = a[first], b[first]
        delta = None if va is None or vb is None else vb - va
        rows.append({"query_id": qid, "query": text, "a": a, "b": b, "delta": delta,
                     "top_a": list(run_a[qid][:TOP_SKUS]), "top_b": list(run_b[qid][:TOP_SKUS]),
                     "judged": len(judged.qrels.get(qid, {})), "_order": position})
    rows.sort(key=lambda r: (r["delta"] is None, -abs(r["delta"] or 0.0), r["delta"] or 0.0,
                             r["_order"]))
    for row in rows:
        del row["_order"]
    return result, rows


# -- the runs table ---------------------------------------------------------------------------

_SUMMARY_COLUMNS = [c for c in evaluation_runs.c if c.name != "per_query"]


class EvaluationRuns:
    """All SQL of ``evaluation_runs``."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, *, name: str, created_by: str | None, config_a: str, config_b: str,
               metrics: list[str], total: int, runner: str,
               result: dict[str, Any] | None = None) -> int:
        """A new running run; ``result`` may hold what is known before it starts (unknown
        SKUs, the judged set)."""
        now = self.clock()
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(evaluation_runs).values(
                name=name, created_by=created_by, created_at=now, status="running",
                config_a=config_a, config_b=config_b, metrics=metrics, progress_done=0,
                progress_total=total, runner=runner, heartbeat_at=now, result=result)
                ).inserted_primary_key
        assert new_id is not None
        return int(new_id[0])

    def heartbeat(self, run_id: int, done: int | None = None) -> None:
        values: dict[str, Any] = {"heartbeat_at": self.clock()}
        if done is not None:
            values["progress_done"] = done
        with self.engine.begin() as conn:
            conn.execute(update(evaluation_runs).where(evaluation_runs.c.id == run_id,
                                                       evaluation_runs.c.status == "running")
                         .values(**values))

    def finish(self, run_id: int, result: dict[str, Any], per_query: list[dict[str, Any]],
               done: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(evaluation_runs).where(evaluation_runs.c.id == run_id).values(
                status="done", finished_at=self.clock(), result=result, per_query=per_query,
                progress_done=done, heartbeat_at=self.clock()))

    def fail(self, run_id: int, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(evaluation_runs).where(evaluation_runs.c.id == run_id,
                                                       evaluation_runs.c.status == "running")
                         .values(status="failed", error=error[:4000], finished_at=self.clock()))

    def fail_stale(self, *, keep: int | None = None) -> int:
        """Mark failed every running run whose heartbeat stopped (except ``keep``, the run of
        this process); returns how many."""
        cutoff = self.clock() - STALE_AFTER
        stmt = (update(evaluation_runs)
                .where(evaluation_runs.c.status == "running",
                       (evaluation_runs.c.heartbeat_at.is_(None))
                       | (evaluation_runs.c.heartbeat_at < cutoff))
                .values(status="failed", finished_at=self.clock(),
                        error="interrupted: the server stopped before the evaluation finished"))
        if keep is not None:
            stmt = stmt.where(evaluation_runs.c.id != keep)
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount or 0)

    def running(self) -> int | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(evaluation_runs.c.id).where(
                evaluation_runs.c.status == "running").limit(1)).scalar()
        return None if found is None else int(found)

    def get(self, run_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(evaluation_runs).where(evaluation_runs.c.id == run_id)
                               ).first()
        if row is None:
            raise NotFound(f"no evaluation {run_id}", field="id")
        body = _describe(row)
        body["per_query"] = row.per_query
        return body

    def latest(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_SUMMARY_COLUMNS).order_by(evaluation_runs.c.id.desc())
                                .limit(limit)).all()
        return [_describe(r) for r in rows]


def _describe(row: Any) -> dict[str, Any]:
    result = row.result or {}
    return {
        "id": row.id, "name": row.name, "status": row.status,
        "progress": {"done": row.progress_done, "total": row.progress_total},
        "config_a": row.config_a, "config_b": row.config_b, "metrics": row.metrics,
        "created_by": row.created_by, "created_at": _iso(row.created_at),
        "finished_at": _iso(row.finished_at), "error": row.error,
        "summary": result.get("summary"), "comparison": result.get("comparison"),
        "zero_results": result.get("zero_results"), "unknown_skus": result.get("unknown_skus"),
        "unknown_sku_examples": result.get("unknown_sku_examples"),
        "judged": result.get("judged"),
    }


# -- the background runner --------------------------------------------------------------------

class _Stopped(Exception):
    pass


class EvaluationJobs:
    """Starts evaluations in a background thread, one at a time, and keeps their rows
    current. Construct once per process; ``recover`` at start-up, ``close`` at shutdown."""

    def __init__(self, runs: EvaluationRuns, search_for: SearchFor, known_skus: KnownSkus,
                 *, max_depth: int = 100) -> None:
        self.runs, self.search_for, self.known_skus = runs, search_for, known_skus
        self.max_depth = max_depth
        self.runner_id = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._active: int | None = None
        self._stop = threading.Event()

    def recover(self) -> int:
        """Runs left 'running' by a process that stopped are marked failed."""
        failed = self.runs.fail_stale(keep=self._active)
        if failed:
            log.warning("%d interrupted evaluation run(s) marked failed", failed)
        return failed

    def start(self, judged: UploadedJudgements, *, config_a: str, config_b: str,
              metrics: Sequence[str], name: str | None = None, created_by: str | None = None
              ) -> dict[str, Any]:
        config_a = check_config_spec(config_a, "config_a")
        config_b = check_config_spec(config_b, "config_b")
        names = check_metrics(list(metrics), self.max_depth)
        skus = judged.skus
        known = self.known_skus(skus)
        unknown = sorted(skus - known)
        with self._lock:
            self.recover()
            if self._thread is not None and self._thread.is_alive() or self.runs.running():
                running = self._active if self._active is not None else self.runs.running()
                raise Conflict(f"evaluation {running} is still running; one runs at a time: "
                               "wait for it to finish", field="evaluation")
            total = 2 * len(judged.queries)
            label = (name or "").strip()[:200] or f"{config_a} vs {config_b}"
            extra = {"unknown_skus": len(unknown), "unknown_sku_examples": unknown[:20],
                     "judged": judged.describe()}
            run_id = self.runs.create(name=label, created_by=created_by, config_a=config_a,
                                      config_b=config_b, metrics=names, total=total,
                                      runner=self.runner_id, result=extra)
            self._active = run_id
            self._stop.clear()
            # the run as created (running, nothing done yet), read before its thread starts:
            # a short run may be over by the time this thread reads it again
            body = self.runs.get(run_id)
            body.pop("per_query", None)
            self._thread = threading.Thread(
                target=self._run, args=(run_id, judged, config_a, config_b, names, extra),
                name=f"evaluation-{run_id}", daemon=True)
            self._thread.start()
        return body

    def _run(self, run_id: int, judged: UploadedJudgements, config_a: str, config_b: str,
             names: list[str], extra: dict[str, Any]) -> None:
        state = {"done": 0}
        beating = threading.Event()

        def beat() -> None:
            while not beating.wait(HEARTBEAT_S):
                try:
                    self.runs.heartbeat(run_id, state["done"])
                except Exception:  # a lost heartbeat must not end the run
                    log.exception("evaluation %d: heartbeat failed", run_id)

        def progress(done: int, _total: int) -> None:
            if self._stop.is_set():
                raise _Stopped
            state["done"] = done

        ticker = threading.Thread(target=beat, name=f"evaluation-{run_id}-heartbeat",
                                  daemon=True)
        ticker.start()
        try:
            depth = required_depth(names)
            search_a = self.search_for(config_a, depth)
            search_b = self.search_for(config_b, depth)
            result, per_query = compare_configurations(judged, search_a, search_b, names,
                                                       progress)
            result.update(extra)
            self.runs.finish(run_id, result, per_query, 2 * len(judged.queries))
        except _Stopped:
            self.runs.fail(run_id, "interrupted: the server stopped before the evaluation "
                                   "finished")
        except DiscoveryError as exc:
            self.runs.fail(run_id, str(exc.detail))
        except Exception as exc:  # the thread must record why it ended, not die silently
            log.exception("evaluation %d failed", run_id)
            notes = "; ".join(getattr(exc, "__notes__", []))
            self.runs.fail(run_id, f"{type(exc).__name__}: {exc}" + (f" ({notes})" if notes
                                                                     else ""))
        finally:
            beating.set()
            with self._lock:
                if self._active == run_id:
                    self._active = None

    def get(self, run_id: int) -> dict[str, Any]:
        self.runs.fail_stale(keep=self._active)
        return self.runs.get(run_id)

    def latest(self, limit: int = 20) -> list[dict[str, Any]]:
        self.runs.fail_stale(keep=self._active)
        return self.runs.latest(limit)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running evaluation of this process (tests, shutdown); True if none."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop a running evaluation (it is marked failed: it cannot resume)."""
        self._stop.set()
        self.wait(timeout)
