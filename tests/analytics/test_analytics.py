"""Search analytics: the batched query log and the reports, on SQLite and PostgreSQL. Expected
report figures are computed here in plain Python from the same known sequence of searches."""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.errors import InvalidInput
from catalog.models import SearchEvent, SearchQuery
from catalog.store import CatalogStore
from ranking import analytics
from ranking.analytics import QueryLog

DISCOVERY = str(Path(sys.executable).parent / "discovery")
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp()
SINCE = datetime(2025, 3, 2, tzinfo=UTC)  # the second half of the sequence is on and after it


def _count(store: CatalogStore, model: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


class RecordingLog(QueryLog):
    """Remembers the size of every batch the writer stored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        super()._write(batch)
        if batch:
            self.batches.append(len(batch))


def _wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_writer_stores_full_batches_and_flush_writes_the_rest(store: CatalogStore) -> None:
    store.migrate()
    qlog = RecordingLog(store.engine, flush_interval_s=60, batch_size=3).start()
    try:
        ids = [qlog.log_search(f"bolt {i}", filters=["brand:Fastek"], hit_count=i, took_ms=1.5,
                               config="default", page=1, rules=["pin-bolts"] if i == 4 else [])
               for i in range(7)]
        assert all(ids) and len(set(ids)) == 7
        _wait_for(lambda: qlog.written == 6)
        assert qlog.batches == [3, 3] and _count(store, SearchQuery) == 6
        assert qlog.flush() is True
        assert qlog.batches == [3, 3, 1] and _count(store, SearchQuery) == 7
        with store.engine.connect() as conn:
            row = conn.execute(select(SearchQuery).where(SearchQuery.id == ids[4])).one()
        assert (row.query, row.query_norm, row.filters, row.hit_count, row.page) == (
            "bolt 4", "bolt 4", ["brand:Fastek"], 4, 1)
        assert row.customer is None and row.config == "default"
        assert row.rules == ["pin-bolts"]  # the ids of the rules that fired
        with store.engine.connect() as conn:
            first = conn.execute(select(SearchQuery).where(SearchQuery.id == ids[0])).one()
        assert first.rules is None
        qlog.log_event("SKU-1", "click", search_id=ids[0], position=2)
    finally:
        qlog.close()
    assert _count(store, SearchEvent) == 1  # close() writes what is still queued


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    qlog = QueryLog(store.engine, max_queue=5)  # not started: nothing drains the queue
    started = time.perf_counter()
    ids = [qlog.log_search("x", filters=None, hit_count=0, took_ms=1.0, config=None, page=1)
           for _ in range(1_005)]
    assert time.perf_counter() - started < 1.0
    assert sum(i is not None for i in ids) == 5 and ids[5:] == [None] * 1_000
    assert qlog.log_event("SKU-1", "click") is False
    assert qlog.dropped == 1_001
    assert qlog.stats()["queued"] == 5
    qlog.flush()
    assert _count(store, SearchQuery) == 5


def test_the_writer_survives_a_database_error(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")  # no tables yet
    qlog = QueryLog(store.engine, flush_interval_s=0).start()
    try:
        qlog.log_search("x", filters=None, hit_count=0, took_ms=1.0, config=None, page=1)
        assert qlog.flush()
        assert qlog.failed == 1
        store.migrate()
        qlog.log_search("y", filters=None, hit_count=0, took_ms=1.0, config=None, page=1)
        assert qlog.flush()
        assert qlog.written == 1 and _count(store, SearchQuery) == 1
    finally:
        qlog.close()


def test_a_disabled_log_takes_nothing() -> None:
    qlog = QueryLog(None).start()
    assert qlog.log_search("x", filters=None, hit_count=0, took_ms=1.0, config=None, page=1) is None
    assert qlog.log_event("SKU-1", "click") is False
    assert qlog.flush() is True
    qlog.close()


def test_logging_from_many_threads_loses_nothing(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    qlog = QueryLog(store.engine, flush_interval_s=0.01, batch_size=50).start()

    def work() -> None:
        for _ in range(250):
            qlog.log_search("q", filters=None, hit_count=1, took_ms=1.0, config=None, page=1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qlog.close()
    assert _count(store, SearchQuery) == 1_000 and qlog.dropped == 0


# -- reports on a known sequence ----------------------------------------------------------------
QUERIES = ["hex bolt", "Hex Bolt ", "  hex   bolt", "nitrile gloves", "cable tie", "din933 m8x40",
           "glovs nitril", "xyzzy", ""]


def _sequence(seed: int = 3) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    searches = []
    for i in range(120):
        q = rng.choice(QUERIES)
        hits = 0 if q in ("xyzzy", "glovs nitril") and rng.random() < 0.8 else rng.randint(0, 40)
        searches.append({"q": q, "hits": hits, "took": round(rng.uniform(0.5, 30.0), 3),
                         "ts": T0 + i * 1800})  # every 30 minutes: 2.5 days
    events = []
    for s in range(len(searches)):
        for _ in range(rng.choice([0, 0, 1, 2])):
            events.append({"search": s, "kind": rng.choice(["click", "click", "add_to_cart",
                                                            "order"]),
                           "position": rng.choice([None, 1, 2, 3, 7])})
    return searches, events


def _expected(searches: list[dict[str, Any]], events: list[dict[str, Any]], since: float | None
              ) -> dict[str, list[dict[str, Any]]]:
    def norm(q: str) -> str:
        return " ".join(q.lower().split())

    kept = [i for i, s in enumerate(searches) if since is None or s["ts"] >= since]
    by_query: dict[str, list[int]] = defaultdict(list)
    for i in kept:
        by_query[norm(searches[i]["q"])].append(i)
    order = sorted(by_query, key=lambda q: (-len(by_query[q]), q))
    top = [{"query": q, "searches": len(ix),
            "zero_results": sum(searches[i]["hits"] == 0 for i in ix),
            "mean_hits": round(sum(searches[i]["hits"] for i in ix) / len(ix), 2)}
           for q, ix in ((q, by_query[q]) for q in order)]
    zero = []
    for q, ix in by_query.items():
        empty = [searches[i]["ts"] for i in ix if searches[i]["hits"] == 0]
        if empty:
            last = datetime.fromtimestamp(max(empty), UTC).replace(tzinfo=None).isoformat()
            zero.append({"query": q, "searches": len(empty), "last_seen": last})
    zero.sort(key=lambda r: (-r["searches"], r["query"]))
    ctr = []
    for q in order:
        ix = by_query[q]
        evs = [e for e in events if e["search"] in ix]
        clicks = [e for e in evs if e["kind"] == "click"]
        positions = [e["position"] for e in clicks if e["position"] is not None]
        clicked = len({e["search"] for e in clicks})
        ctr.append({"query": q, "searches": len(ix), "clicked_searches": clicked,
                    "ctr": round(clicked / len(ix), 4), "clicks": len(clicks),
                    "mean_click_position": round(sum(positions) / len(positions), 2)
                    if positions else None,
                    "add_to_cart_searches": len({e["search"] for e in evs
                                                 if e["kind"] == "add_to_cart"})})
    slow = []
    for q, ix in by_query.items():
        times = sorted(searches[i]["took"] for i in ix)
        slow.append({"query": q, "searches": len(ix),
                     "p95_ms": times[math.ceil(0.95 * len(times)) - 1],
                     "mean_ms": round(sum(times) / len(times), 3), "max_ms": times[-1]})
    slow.sort(key=lambda r: (-r["p95_ms"], r["query"]))
    return {"top-queries": top, "zero-result-queries": zero, "click-through": ctr,
            "slowest-queries": slow}


@pytest.fixture
def logged(store: CatalogStore) -> CatalogStore:
    store.migrate()
    searches, events = _sequence()
    clock = iter([s["ts"] for s in searches] + [searches[e["search"]]["ts"] + 60 for e in events]
                 + [T0] * 2)
    qlog = QueryLog(store.engine, batch_size=7, clock=lambda: next(clock))
    ids = [qlog.log_search(s["q"], filters=[], hit_count=s["hits"], took_ms=s["took"],
                           config="default", page=1) for s in searches]
    for e in events:
        qlog.log_event(f"SKU-{e['search']}", e["kind"], search_id=ids[e["search"]],
                       position=e["position"])
    # events that no logged search explains are left out of the click-through
    qlog.log_event("SKU-X", "click", search_id="0" * 32, position=1)
    qlog.log_event("SKU-X", "click", position=1)
    qlog.close()
    return store


@pytest.mark.parametrize("since", [None, SINCE, SINCE.replace(tzinfo=None),
                                   SINCE.astimezone(timezone(timedelta(hours=2)))])
def test_reports_compute_the_expected_figures(logged: CatalogStore, since: datetime | None
                                              ) -> None:
    searches, events = _sequence()
    expected = _expected(searches, events, None if since is None else SINCE.timestamp())
    assert expected["zero-result-queries"] and expected["click-through"][0]["clicks"]
    for name, report in analytics.REPORTS.items():
        rows = report(logged.engine, since, 1000)
        assert len(rows) == len(expected[name]), name
        for row, want in zip(rows, expected[name], strict=True):
            assert row == pytest.approx(want, abs=0.011), name
        assert report(logged.engine, since, 2) == rows[:2]


def test_the_window_excludes_older_searches(logged: CatalogStore) -> None:
    later = analytics.top_queries(logged.engine, SINCE + timedelta(days=10), 10)
    assert later == []
    everything = sum(r["searches"] for r in analytics.top_queries(logged.engine, None, 1000))
    assert everything == 120


@pytest.mark.parametrize("kwargs, field", [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": True}, "limit"),
    ({"since": "yesterday"}, "since"),
])
def test_reports_validate_their_input(tmp_path: Path, kwargs: dict[str, Any], field: str) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    for report in analytics.REPORTS.values():
        with pytest.raises(InvalidInput) as info:
            report(store.engine, **{"since": None, "limit": 20, **kwargs})
        assert info.value.field == field


@pytest.mark.parametrize("args, field", [
    (("SKU-1", "view"), "kind"), (("", "click"), "sku"),
])
def test_events_validate_their_input(args: tuple[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        QueryLog(None).log_event(*args)
    assert info.value.field == field
    with pytest.raises(InvalidInput) as info:
        QueryLog(None).log_event("SKU-1", "click", position=0)
    assert info.value.field == "position"


def test_cli_reports(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    qlog = QueryLog(store.engine)
    for q, hits in (("Hex bolt", 3), ("hex bolt", 0), ("[bold]x", 0)):
        qlog.log_search(q, filters=None, hit_count=hits, took_ms=2.0, config="default", page=1)
    qlog.close()
    store.engine.dispose()
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(tmp_path))
    env.pop("DISCOVERY_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DISCOVERY, "analytics", *args], capture_output=True, text=True,
                              env=env, timeout=60)

    import json

    done = run("zero-results", "--json", "--since", "2000-01-01")
    assert done.returncode == 0, done.stderr
    assert [(r["query"], r["searches"]) for r in json.loads(done.stdout)] == [
        ("[bold]x", 1), ("hex bolt", 1)]
    table = run("top-queries", "--limit", "1")
    assert table.returncode == 0 and "hex bolt" in table.stdout and "[bold]x" not in table.stdout
    assert "[bold]x" in run("slowest").stdout  # no markup in the table
    bad = run("top-queries", "--limit", "0")
    assert bad.returncode == 2 and "limit" in bad.stderr
    assert run("bogus").returncode == 2
    assert "since" in run("top-queries", "--since", "last week").stderr
