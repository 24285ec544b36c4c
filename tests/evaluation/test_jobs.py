"""Console evaluations: uploaded judged sets, the comparison of two configurations, and the
background runner with its rows in ``evaluation_runs`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.store import CatalogStore
from evaluation.jobs import (
    MAX_QUERIES,
    EvaluationJobs,
    EvaluationRuns,
    UploadedJudgements,
    check_config_spec,
    check_metrics,
    compare_configurations,
    evaluation_runs,
    parse_judgements,
    parse_trec,
)

CSV = b"query,sku,grade\nhex bolt,P1,2\nHex  Bolt,P2,1\ngloves,P3,2\ngloves,P4,0\n"


def test_csv_judgements_group_queries_by_text() -> None:
    judged = parse_judgements(CSV)
    assert judged.queries == {"q1": "hex bolt", "q2": "gloves"}  # case and spaces ignored
    assert judged.qrels == {"q1": {"P1": 2.0, "P2": 1.0}, "q2": {"P3": 2.0, "P4": 0.0}}
    assert judged.skus == {"P1", "P2", "P3", "P4"}
    assert judged.describe()["judgements"] == 4


@pytest.mark.parametrize("data", [
    b"query\tsku\tgrade\nhex bolt\tP1\t2\n",  # TSV
    b"\xef\xbb\xbfQuery;SKU;Grade\nhex bolt;P1;2,0\n",  # a spreadsheet's CSV: BOM, ';', 2,0
    b"title,grade,query,sku\nsome title,2,hex bolt,P1\n",  # other columns, any order
    b'query,sku,grade\n"hex bolt",P1,2\n\n',
])
def test_csv_dialects(data: bytes) -> None:
    judged = parse_judgements(data)
    assert judged.queries == {"q1": "hex bolt"} and judged.qrels == {"q1": {"P1": 2.0}}


@pytest.mark.parametrize("data, message", [
    (b"", "judgements: the file is empty"),
    (b"query,product,grade\nhex bolt,P1,2\n", "judgements:1: the header has no column 'sku'"),
    (b"query,sku,grade\nhex bolt,P1,2\nnut,P2,good\n", "judgements:3: column 'grade': 'good' is "
     "not a number"),
    (b"query,sku,grade\n\nhex bolt,P1,-1\n", "judgements:3: column 'grade': '-1' must be a "
     "number >= 0"),
    (b"query,sku,grade\nhex bolt,,2\n", "judgements:2: column 'sku' is empty"),
    (b"query,sku,grade\nhex bolt,P1\n", "judgements:2: column 'grade' is empty (the row has 2 "
     "of 3 columns)"),
    (b"query,sku,grade\nhex bolt,P1,2\nHEX BOLT,P1,1\n", "judgements:3: column 'sku': query "
     "'HEX BOLT' judges 'P1' twice (first on line 2)"),
    (b"query,sku,grade\nhex\xff bolt,P1,2\n", "judgements: not UTF-8 text"),
    (b"query,sku,grade\n" + b"x" * 300 + b",P1,2\n", "longer than 256 characters"),
])
def test_bad_csv_names_line_and_column(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_judgements(data, max_query_length=256)
    assert message in info.value.detail
    assert info.value.field == "judgements"


def test_at_most_5000_queries() -> None:
    rows = "".join(f"query {i},P1,1\n" for i in range(MAX_QUERIES + 1))
    with pytest.raises(InvalidInput, match="5,001 queries; an evaluation takes at most 5,000"):
        parse_judgements(("query,sku,grade\n" + rows).encode())
    assert len(parse_judgements(("query,sku,grade\n" + rows.split("\n", 1)[1]).encode()
                                ).queries) == MAX_QUERIES


def test_trec_pair() -> None:
    judged = parse_trec(b"1\thex bolt\n2\tgloves\n", b"1 0 P1 2\n2 0 P3 1.5\n9 0 P9 1\n")
    assert judged.queries == {"1": "hex bolt", "2": "gloves"}
    assert judged.qrels == {"1": {"P1": 2.0}, "2": {"P3": 1.5}}
    assert judged.warnings and "1 query ids not in queries" in judged.warnings[0]
    with pytest.raises(InvalidInput) as info:
        parse_trec(b"1\thex bolt\n2 gloves\n", b"1 0 P1 2\n")
    assert info.value.detail.startswith("queries:2: expected 'query_id<TAB>query text'")
    assert info.value.field == "queries"
    with pytest.raises(InvalidInput) as info:
        parse_trec(b"1\thex bolt\n", b"1 0 P1 two\n")
    assert info.value.detail == "qrels:1: grade 'two' is not a number"
    with pytest.raises(InvalidInput, match="must be >= 0"):
        parse_trec(b"1\thex bolt\n", b"1 0 P1 -2\n")


def test_config_specs_and_metrics() -> None:
    assert check_config_spec("live", "config_a") == "live"
    assert check_config_spec("draft", "config_b") == "draft"
    assert check_config_spec("lexical", "config_b") == "lexical"
    with pytest.raises(InvalidInput) as info:
        check_config_spec("fancy", "config_b")
    assert info.value.field == "config_b" and "config_b: unknown configuration 'fancy'" in (
        info.value.detail)
    assert check_metrics("ndcg@10, recall@100", 100) == ["ndcg@10", "recall@100"]
    for bad in ("ndcg@ten", "", "recall@500"):
        with pytest.raises(InvalidInput) as info:
            check_metrics(bad, 100)
        assert info.value.field == "metrics"


def _stub(results: dict[str, list[str]]) -> Callable[[str], Sequence[str]]:
    return lambda text: results.get(text, [])


JUDGED = UploadedJudgements(
    queries={"q1": "hex bolt", "q2": "gauntlets", "q3": "nut", "q4": "unjudged"},
    qrels={"q1": {"P1": 2, "P2": 1}, "q2": {"G1": 2}, "q3": {"N1": 1}}, source="csv")


def test_compare_configurations_per_query_differences() -> None:
    search_a = _stub({"hex bolt": ["P1", "P2", "X"], "nut": ["N1"], "unjudged": ["X"]})
    search_b = _stub({"hex bolt": ["P2", "P1"], "gauntlets": ["G1", "A", "B", "C", "D", "E"],
                      "nut": ["N1"], "unjudged": ["X"]})
    seen: list[tuple[int, int]] = []
    result, per_query = compare_configurations(JUDGED, search_a, search_b,
                                               ["ndcg@10", "mrr@10"],
                                               lambda done, total: seen.append((done, total)))
    assert seen[-1] == (8, 8) and seen[0] == (0, 8)
    assert [row["query"] for row in per_query] == ["gauntlets", "hex bolt", "nut", "unjudged"]
    gauntlets = per_query[0]
    assert gauntlets["a"] == {"ndcg@10": 0.0, "mrr@10": 0.0}
    assert gauntlets["b"] == {"ndcg@10": 1.0, "mrr@10": 1.0} and gauntlets["delta"] == 1.0
    assert gauntlets["top_a"] == [] and gauntlets["top_b"] == ["G1", "A", "B", "C", "D"]
    assert per_query[1]["delta"] < 0 and per_query[2]["delta"] == 0.0
    assert per_query[3]["delta"] is None and per_query[3]["a"] == {"ndcg@10": None,
                                                                    "mrr@10": None}
    assert result["zero_results"] == {"a": 1, "b": 0}
    assert result["summary"]["a"]["mrr@10"] == pytest.approx(2 / 3)
    assert result["summary"]["b"]["mrr@10"] == 1.0
    ndcg = result["comparison"][0]
    assert ndcg["metric"] == "ndcg@10" and ndcg["wins"] == 1 and ndcg["losses"] == 1
    assert ndcg["delta"] == pytest.approx(ndcg["b"] - ndcg["a"])
    assert 0 < ndcg["p_value"] <= 1 and ndcg["queries"] == 3


class Blocking:
    """A search that waits until the test lets it go."""

    def __init__(self) -> None:
        self.go = threading.Event()

    def __call__(self, text: str) -> list[str]:
        assert self.go.wait(10)
        return ["P1"]


@pytest.fixture
def runs(store: CatalogStore) -> EvaluationRuns:
    store.migrate()
    return EvaluationRuns(store.engine)


def _jobs(runs: EvaluationRuns, searches: dict[str, Callable[[str], Sequence[str]]],
          known: Iterable[str] = ("P1", "P2", "G1", "N1")) -> EvaluationJobs:
    return EvaluationJobs(runs, lambda spec, depth: searches[spec],
                          lambda skus: set(skus) & set(known))


def test_a_job_runs_in_the_background_and_stores_its_result(runs: EvaluationRuns) -> None:
    jobs = _jobs(runs, {"live": _stub({"gauntlets": []}), "draft": _stub({"gauntlets": ["G1"]})})
    started = jobs.start(JUDGED, config_a="live", config_b="draft",
                         metrics=["ndcg@10", "recall@100"], created_by="maria")
    assert started["status"] == "running" and started["progress"]["total"] == 8
    assert started["name"] == "live vs draft" and started["created_by"] == "maria"
    assert started["unknown_skus"] == 0 and started["unknown_sku_examples"] == []
    assert started["judged"]["queries"] == 4 and started["summary"] is None
    assert jobs.wait(10)
    done = jobs.get(started["id"])
    assert done["status"] == "done" and done["progress"] == {"done": 8, "total": 8}
    assert done["finished_at"] and done["error"] is None
    assert done["summary"]["b"]["ndcg@10"] > done["summary"]["a"]["ndcg@10"]
    assert done["per_query"][0]["query"] == "gauntlets" and done["per_query"][0]["delta"] == 1.0
    assert done["comparison"][0]["metric"] == "ndcg@10"
    listed = jobs.latest()
    assert [r["id"] for r in listed] == [started["id"]] and "per_query" not in listed[0]
    assert listed[0]["summary"] == done["summary"]
    with pytest.raises(NotFound):
        jobs.get(started["id"] + 1)


def test_start_answers_the_run_as_it_started_even_when_it_ends_at_once(
        runs: EvaluationRuns, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs(runs, {"live": _stub({}), "draft": _stub({})})
    read = runs.get

    def read_once_the_run_is_over(run_id: int) -> dict[str, object]:
        if any(t.name == f"evaluation-{run_id}" for t in threading.enumerate()):
            assert jobs.wait(10)  # a short run can end before start() reads it
        return read(run_id)

    monkeypatch.setattr(runs, "get", read_once_the_run_is_over)
    started = jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    assert started["status"] == "running" and started["progress"] == {"done": 0, "total": 8}
    assert jobs.get(started["id"])["status"] == "done"


def test_unknown_skus_are_counted_not_fatal(runs: EvaluationRuns) -> None:
    jobs = _jobs(runs, {"live": _stub({}), "lexical": _stub({})}, known=("P1",))
    started = jobs.start(JUDGED, config_a="live", config_b="lexical", metrics=["ndcg@10"])
    assert started["unknown_skus"] == 3
    assert started["unknown_sku_examples"] == ["G1", "N1", "P2"]
    assert jobs.wait(10)
    assert jobs.get(started["id"])["unknown_skus"] == 3


def test_one_evaluation_at_a_time(runs: EvaluationRuns) -> None:
    blocking = Blocking()
    jobs = _jobs(runs, {"live": blocking, "draft": blocking})
    first = jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    with pytest.raises(Conflict, match=f"evaluation {first['id']} is still running"):
        jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    other_process = _jobs(runs, {"live": blocking, "draft": blocking})
    with pytest.raises(Conflict):  # the database knows, not only this process
        other_process.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    blocking.go.set()
    assert jobs.wait(10)
    second = jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    assert jobs.wait(10) and jobs.get(second["id"])["status"] == "done"


def test_a_failing_search_fails_the_run_with_the_reason(runs: EvaluationRuns) -> None:
    def broken(text: str) -> list[str]:
        raise RuntimeError("index is gone")

    jobs = _jobs(runs, {"live": _stub({}), "draft": broken})
    started = jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    assert jobs.wait(10)
    failed = jobs.get(started["id"])
    assert failed["status"] == "failed" and "RuntimeError: index is gone" in failed["error"]
    assert "hex bolt" in failed["error"]  # the query it failed on


def test_bad_configs_are_rejected_before_a_run_starts(runs: EvaluationRuns) -> None:
    jobs = _jobs(runs, {})
    with pytest.raises(InvalidInput) as info:
        jobs.start(JUDGED, config_a="live", config_b="nonsense", metrics=["ndcg@10"])
    assert info.value.field == "config_b"
    assert jobs.latest() == []


def test_close_stops_a_running_evaluation(runs: EvaluationRuns) -> None:
    blocking = Blocking()
    jobs = _jobs(runs, {"live": blocking, "draft": blocking})
    started = jobs.start(JUDGED, config_a="live", config_b="draft", metrics=["ndcg@10"])
    threading.Timer(0.2, blocking.go.set).start()
    jobs.close(timeout=10)
    stopped = jobs.get(started["id"])
    assert stopped["status"] == "failed" and stopped["error"].startswith("interrupted")


def test_runs_of_a_stopped_process_are_marked_failed(runs: EvaluationRuns) -> None:
    dead = runs.create(name="old", created_by=None, config_a="live", config_b="draft",
                       metrics=["ndcg@10"], total=10, runner="gone")
    with runs.engine.begin() as conn:  # its heartbeat stopped a minute ago
        conn.execute(update(evaluation_runs).where(evaluation_runs.c.id == dead).values(
            heartbeat_at=datetime.now() - timedelta(minutes=1)))
    fresh = runs.create(name="elsewhere", created_by=None, config_a="live", config_b="draft",
                        metrics=["ndcg@10"], total=10, runner="alive")
    jobs = _jobs(runs, {})
    assert jobs.recover() == 1  # at start-up
    assert runs.get(dead)["status"] == "failed"
    assert runs.get(dead)["error"].startswith("interrupted: the server stopped")
    assert runs.get(fresh)["status"] == "running"  # another process is still beating
    later = EvaluationRuns(runs.engine, clock=lambda: datetime.now() + timedelta(minutes=1))
    assert _jobs(later, {}).get(fresh)["status"] == "failed"  # noticed when read
