"""Search analytics (S14): a query log written off the request path, events that follow a
search (click, add to cart, order), and reports over both.

The request path only puts a tuple on a bounded queue; a daemon thread writes batches with
one ``executemany`` each. When the queue is full, entries are dropped and counted: losing a
few log lines under overload is better than slowing every search down.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Float, and_, case, cast, func, literal_column, select

from catalog.errors import InvalidInput
from catalog.models import SearchEvent, SearchQuery

log = logging.getLogger("discovery.analytics")

EVENT_KINDS = ("click", "add_to_cart", "order")
MAX_LIMIT = 1000
_MAX_TEXT = 1000  # the width of the query columns
_MAX_KEY = 64  # sku, search id, customer, config

_QUERY_COLUMNS = ("id", "created_at", "query", "query_norm", "filters", "hit_count", "took_ms",
                  "customer", "config", "page", "rules")
_EVENT_COLUMNS = ("search_id", "sku", "kind", "position", "created_at")


def normalize_query(q: str) -> str:
    """The grouping key of a query: lower case, surrounding and repeated spaces removed."""
    return " ".join(q.lower().split())[:_MAX_TEXT]


@dataclass(frozen=True)
class _Flush:
    done: threading.Event


_STOP = object()


class QueryLog:
    """Bounded, batched, asynchronous writer of the query log and of search events.

    ``log_search`` and ``log_event`` are O(1) and never touch the database; ``flush`` waits
    until everything logged before it is written; ``close`` flushes and stops the writer."""

    def __init__(self, engine: Engine | None, *, enabled: bool = True, flush_interval_s: float = 0.5,
                 batch_size: int = 500, max_queue: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock  # epoch seconds of each entry; tests pass their own
        self.enabled = enabled and engine is not None
        self.flush_interval_s = max(0.0, flush_interval_s)
        self.batch_size = max(1, batch_size)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, max_queue))
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self._closed = False
        self.dropped = 0  # entries lost because the queue was full
        self.failed = 0  # entries lost because the database refused a batch
        self.written = 0

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> QueryLog:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="discovery-query-log",
                                            daemon=True)
            self._thread.start()
        return self

    def flush(self, timeout: float = 10.0) -> bool:
        """Write everything logged so far; True when it was written within ``timeout``."""
        if not self.enabled:
            return True
        if self._thread is None or not self._thread.is_alive():
            self._write(self._drain())
            return True
        done = threading.Event()
        try:
            self._queue.put(_Flush(done), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None and self._thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                log.warning("query log: writer did not drain its queue in %.0f s", timeout)
            self._thread.join(timeout)
        if self.enabled:
            self._write(self._drain())  # whatever raced in after the stop marker

    def stats(self) -> dict[str, int]:
        return {"queued": self._queue.qsize(), "written": self.written, "dropped": self.dropped,
                "failed": self.failed}

    # -- the request path -----------------------------------------------------------------
    def log_search(self, query: str, *, filters: list[str] | None, hit_count: int, took_ms: float,
                   config: str | None, page: int, customer: str | None = None,
                   rules: list[str] | None = None) -> str | None:
        """Queue one search; returns its id (None when analytics is off, closed or full)."""
        if not self.enabled or self._closed:
            return None
        search_id = uuid.uuid4().hex
        if self._put(("q", search_id, self._clock(), query, filters, hit_count, took_ms, customer,
                      config, page, rules or None)):
            return search_id
        return None  # dropped: no id the events could refer to

    def log_event(self, sku: str, kind: str, *, search_id: str | None = None,
                  position: int | None = None) -> bool:
        """Queue one event; False when it was not accepted (analytics off, queue full)."""
        if kind not in EVENT_KINDS:
            raise InvalidInput(f"unknown event kind {kind!r}; one of: {', '.join(EVENT_KINDS)}",
                               field="kind")
        if not sku:
            raise InvalidInput("an event needs the SKU of the product", field="sku")
        if position is not None and position < 1:
            raise InvalidInput("position is the 1-based rank of the product in the results",
                               field="position")
        if not self.enabled or self._closed:
            return False
        return self._put(("e", search_id, sku, kind, position, self._clock()))

    def _put(self, entry: tuple[Any, ...]) -> bool:
        try:
            self._queue.put_nowait(entry)
            return True
        except queue.Full:
            self.dropped += 1  # a lost increment under a race only under-counts drops
            return False

    # -- the writer -----------------------------------------------------------------------
    def _drain(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out
            if isinstance(item, _Flush):
                item.done.set()
            elif item is not _STOP:
                out.append(item)

    def _run(self) -> None:
        """Block until an entry arrives, then collect for ``flush_interval_s`` (or until a batch
        is full, or a flush or stop is asked for) and write the batch in one transaction."""
        while True:
            batch: list[tuple[Any, ...]] = []
            waiters: list[threading.Event] = []
            stop = False
            item = self._queue.get()
            deadline = time.monotonic() + self.flush_interval_s
            while True:
                if isinstance(item, _Flush):
                    waiters.append(item.done)
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
                if len(batch) >= self.batch_size:
                    break
                remaining = deadline - time.monotonic()
                try:
                    item = (self._queue.get(timeout=remaining) if remaining > 0
                            else self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            for w in waiters:
                w.set()
            if stop:
                return

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        if not batch or self.engine is None:
            return
        queries = [e[1:] for e in batch if e[0] == "q"]
        events = [e[1:] for e in batch if e[0] == "e"]
        engine = self.engine
        stamp = _stamp_function(engine)
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        try:
            with self._write_lock, engine.begin() as conn:
                if queries:
                    conn.exec_driver_sql(
                        f"INSERT INTO search_queries ({', '.join(_QUERY_COLUMNS)}) "
                        f"VALUES ({', '.join([mark] * len(_QUERY_COLUMNS))})",
                        [(sid, stamp(ts), q[:_MAX_TEXT], normalize_query(q),
                          orjson.dumps(filters).decode() if filters else None, hits, took,
                          _key(customer), _key(config), page,
                          orjson.dumps(rules).decode() if rules else None)
                         for sid, ts, q, filters, hits, took, customer, config, page, rules
                         in queries])
                if events:
                    conn.exec_driver_sql(
                        f"INSERT INTO search_events ({', '.join(_EVENT_COLUMNS)}) "
                        f"VALUES ({', '.join([mark] * len(_EVENT_COLUMNS))})",
                        [(_key(sid), sku[:_MAX_KEY], kind, pos, stamp(ts))
                         for sid, sku, kind, pos, ts in events])
            self.written += len(batch)
        except Exception:  # the writer must outlive a database hiccup; the batch is lost
            self.failed += len(batch)
            log.exception("query log: could not write %d entries", len(batch))


def _key(value: str | None) -> str | None:
    return None if value is None else value[:_MAX_KEY]


def _stamp_function(engine: Engine) -> Callable[[float], Any]:
    """Epoch seconds -> a UTC timestamp as the driver stores it. On SQLite, the text format of
    SQLAlchemy's DateTime type (the standard library's datetime adapter is deprecated)."""
    if engine.dialect.name == "sqlite":
        return lambda ts: datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return lambda ts: datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


# -- reports ----------------------------------------------------------------------------------
def _check(since: datetime | None, limit: int) -> datetime | None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if since is None:
        return None
    if not isinstance(since, datetime):
        raise InvalidInput("since must be a date-time", field="since")
    if since.tzinfo is not None:  # stored times are naive UTC
        since = since.astimezone(UTC).replace(tzinfo=None)
    return since


def _window(since: datetime | None) -> list[Any]:
    return [] if since is None else [SearchQuery.created_at >= since]


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def top_queries(engine: Engine, since: datetime | None = None, limit: int = 20
                ) -> list[dict[str, Any]]:
    """The most frequent queries, with how many of their searches found nothing."""
    since = _check(since, limit)
    q = SearchQuery
    searches = func.count().label("searches")
    stmt = (select(q.query_norm, searches,
                   func.sum(case((q.hit_count == 0, 1), else_=0)).label("zero_results"),
                   func.avg(q.hit_count).label("mean_hits"))
            .where(*_window(since)).group_by(q.query_norm)
            .order_by(searches.desc(), q.query_norm).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [{"query": r.query_norm, "searches": r.searches, "zero_results": int(r.zero_results),
             "mean_hits": round(float(r.mean_hits), 2)} for r in rows]


def zero_result_queries(engine: Engine, since: datetime | None = None, limit: int = 20
                        ) -> list[dict[str, Any]]:
    """Queries that found nothing, most frequent first: missing products or missing synonyms."""
    since = _check(since, limit)
    q = SearchQuery
    searches = func.count().label("searches")
    stmt = (select(q.query_norm, searches, func.max(q.created_at).label("last_seen"))
            .where(q.hit_count == 0, *_window(since)).group_by(q.query_norm)
            .order_by(searches.desc(), q.query_norm).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [{"query": r.query_norm, "searches": r.searches, "last_seen": _iso(r.last_seen)}
            for r in rows]


def click_through(engine: Engine, since: datetime | None = None, limit: int = 20
                  ) -> list[dict[str, Any]]:
    """Per query: searches, searches with at least one click (and CTR), clicks, the mean
    position clicked and searches with an add-to-cart. The window applies to the searches;
    events of searches that were not logged are left out."""
    since = _check(since, limit)
    q, e = SearchQuery, SearchEvent
    per_search = (
        select(e.search_id,
               func.sum(case((e.kind == "click", 1), else_=0)).label("clicks"),
               func.sum(case((and_(e.kind == "click", e.position.is_not(None)), e.position),
                             else_=0)).label("position_sum"),
               func.sum(case((and_(e.kind == "click", e.position.is_not(None)), 1),
                             else_=0)).label("positions"),
               func.sum(case((e.kind == "add_to_cart", 1), else_=0)).label("adds"))
        .where(e.search_id.is_not(None)).group_by(e.search_id).subquery())
    searches = func.count().label("searches")
    stmt = (
        select(q.query_norm, searches,
               func.sum(case((per_search.c.clicks > 0, 1), else_=0)).label("clicked"),
               func.coalesce(func.sum(per_search.c.clicks), 0).label("clicks"),
               func.sum(per_search.c.position_sum).label("position_sum"),
               func.sum(per_search.c.positions).label("positions"),
               func.sum(case((per_search.c.adds > 0, 1), else_=0)).label("added"))
        .select_from(q).outerjoin(per_search, per_search.c.search_id == q.id)
        .where(*_window(since)).group_by(q.query_norm)
        .order_by(searches.desc(), q.query_norm).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for r in rows:
        clicked = int(r.clicked or 0)
        positions = int(r.positions or 0)
        out.append({
            "query": r.query_norm, "searches": r.searches, "clicked_searches": clicked,
            "ctr": round(clicked / r.searches, 4), "clicks": int(r.clicks),
            "mean_click_position": round(int(r.position_sum) / positions, 2) if positions else None,
            "add_to_cart_searches": int(r.added or 0)})
    return out


def slowest_queries(engine: Engine, since: datetime | None = None, limit: int = 20
                    ) -> list[dict[str, Any]]:
    """Queries by their 95th-percentile time (nearest rank), with count, mean and maximum:
    the percentile rather than the maximum, so one cold-cache search does not lead the list."""
    since = _check(since, limit)
    q = SearchQuery
    ranked = (
        select(q.query_norm, q.took_ms,
               func.row_number().over(partition_by=q.query_norm, order_by=q.took_ms).label("rn"),
               func.count().over(partition_by=q.query_norm).label("n"))
        .where(*_window(since)).subquery())
    # nearest rank: the smallest time whose rank r satisfies r >= 0.95 n, i.e. 100 r >= 95 n
    p95 = func.min(case((ranked.c.rn * 100 >= ranked.c.n * 95, ranked.c.took_ms))).label("p95")
    stmt = (select(ranked.c.query_norm, func.count().label("searches"), p95,
                   func.avg(cast(ranked.c.took_ms, Float)).label("mean"),
                   func.max(ranked.c.took_ms).label("max"))
            .group_by(ranked.c.query_norm)
            .order_by(literal_column("p95").desc(), ranked.c.query_norm).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [{"query": r.query_norm, "searches": r.searches, "p95_ms": round(float(r.p95), 3),
             "mean_ms": round(float(r.mean), 3), "max_ms": round(float(r.max), 3)}
            for r in rows]


REPORTS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "top-queries": top_queries,
    "zero-result-queries": zero_result_queries,
    "click-through": click_through,
    "slowest-queries": slowest_queries,
}
