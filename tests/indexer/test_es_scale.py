"""The scale-out parts of the Elasticsearch backend against the stand-in cluster
(``tests/indexer/fake_es``), with a real SQLite catalog store: product vectors written with
the products and by the vector sync, neighbours from a kNN search, the published synonyms
sent as a synonym set, and writes made while a rebuild loads surviving its swap (with the
marker check cached, and with a rebuild whose process died taken for abandoned once its
heartbeat is stale)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from catalog.errors import BackendUnavailable, Conflict
from catalog.store import CatalogStore, EmbeddingRow
from indexer.elasticsearch import ElasticsearchBackend, ElasticsearchConfig
from indexer.elasticsearch.backend import MARKER_CACHE_S
from indexer.elasticsearch.compile import compile_knn
from indexer.elasticsearch.mapping import synonym_rules
from indexer.elasticsearch.parse import parse_knn
from indexer.plan import SearchPlan, TermsFilter
from ranking.config import SearchConfig
from ranking.query import parse_text
from tests.factories import make_record
from tests.indexer.fake_es import FakeCluster

RESPONSES = Path(__file__).parent / "golden" / "elasticsearch" / "responses"
ALIAS = "test-products"
MODEL = "mini-test"
DIMS = 4


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CatalogStore]:
    s = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    s.migrate()
    yield s
    s.engine.dispose()


class Clock:
    """Wall-clock time a test moves (one per simulated deployment, shared by its "processes"):
    ``sleep`` advances it, running the events scheduled meanwhile at their time."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.events: list[tuple[float, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.now

    def at(self, when: float, event: Callable[[], None]) -> None:
        self.events.append((when, event))

    def sleep(self, seconds: float) -> None:
        self.advance_to(self.now + seconds)

    def advance_to(self, when: float) -> None:
        while due := sorted((e for e in self.events if e[0] <= when), key=lambda e: e[0]):
            self.events.remove(due[0])
            self.now = max(self.now, due[0][0])
            due[0][1]()
        self.now = max(self.now, when)


def make(url: str, clock: Clock | None = None, **kw: Any) -> ElasticsearchBackend:
    config = ElasticsearchConfig(url=url, index_prefix="test", request_timeout_s=5,
                                 text_vector_dims=DIMS, **kw)
    if clock is None:
        return ElasticsearchBackend(config, sleep=lambda s: None)
    return ElasticsearchBackend(config, sleep=clock.sleep, clock=clock)


def vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIMS).astype("<f4")
    return v / np.linalg.norm(v)


def embed(store: CatalogStore, skus: list[str], seed: int = 0) -> dict[str, list[float]]:
    rows = [EmbeddingRow(s, "h", DIMS, vector(seed + i).tobytes()) for i, s in enumerate(skus)]
    store.upsert_embeddings(MODEL, rows)
    return {s: vector(seed + i).astype(float).tolist() for i, s in enumerate(skus)}


RECORDS = [make_record(f"V-{i}", f"Hex bolt M{i}", brand="Fastek") for i in range(4)]


# -- vectors ---------------------------------------------------------------------------------
def test_products_are_indexed_with_their_stored_vectors(cluster: FakeCluster, url: str,
                                                         store: CatalogStore) -> None:
    store.upsert(RECORDS)
    expected = embed(store, ["V-0", "V-1", "V-2"])  # V-3 has no vector yet
    backend = make(url)
    backend.attach_vectors(store, lambda: MODEL)
    backend.rebuild([RECORDS])
    docs = cluster.docs(ALIAS)
    assert {s: d.get("text_vector") for s, d in docs.items()} == {**expected, "V-3": None}
    (index,) = cluster.aliases[ALIAS]
    meta = cluster.indices[index]["mappings"]["_meta"]  # what the next sync starts from
    assert meta["schema_version"] == "2" and meta["text_vectors"]["model_id"] == MODEL
    # a product written again (a price change) keeps its vector: the document is replaced
    backend.index_changed([RECORDS[1] | {"price_per_piece": 9.5}])
    assert cluster.docs(ALIAS)["V-1"]["text_vector"] == expected["V-1"]


def test_a_vector_sync_writes_the_products_again_from_the_store(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    store.upsert(RECORDS)
    backend = make(url)
    backend.attach_vectors(store, lambda: MODEL)
    backend.rebuild([RECORDS])  # no vectors stored yet
    assert all("text_vector" not in d for d in cluster.docs(ALIAS).values())

    expected = embed(store, ["V-2", "V-3"], seed=10)  # what embed_products stores
    cluster.requests.clear()
    assert backend.sync_vectors(store, MODEL)["upserted"] == 2
    (bulk,) = cluster.calls("*", "_bulk")
    # the whole document, not a partial update: Elasticsearch rebuilds an updated document
    # from _source, which keeps only what hits show (the derived text would be lost)
    assert bulk[2][0] == {"index": {"_id": "V-2"}}
    assert bulk[2][1]["text_vector"] == expected["V-2"] and bulk[2][1]["all_plain"]
    docs = cluster.docs(ALIAS)
    assert docs["V-3"]["text_vector"] == expected["V-3"] and docs["V-3"]["name"] == "Hex bolt M3"
    assert "text_vector" not in docs["V-0"]

    # the watermark is in the cluster: another process's sync sends only what is newer
    # (with an overlap of 30 s, so here everything again), and nothing for another index
    other = make(url)
    cluster.requests.clear()
    assert other.sync_vectors(store, MODEL)["upserted"] == 2
    assert other.vector_count() == 2


def test_a_partial_update_would_lose_the_derived_fields(cluster: FakeCluster, url: str) -> None:
    """Why the sync writes whole documents: the stand-in rebuilds an updated document from
    the pruned _source, as Elasticsearch does."""
    backend = make(url)
    backend.rebuild([RECORDS])
    backend.bulk(ALIAS, [("V-1", {"update": {"_id": "V-1"}}, {"doc": {"text_vector": [0.5] * 4}})])
    assert set(cluster.docs(ALIAS)["V-1"]) == {"sku", "source", "text_vector"}


def test_a_vector_sync_skips_products_the_store_no_longer_holds(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    store.upsert(RECORDS)
    embed(store, ["V-0", "V-1"])
    backend = make(url)
    backend.rebuild([RECORDS[:1]])  # V-1 is in the store but not (yet) in the index
    store.delete(["V-0"])  # its vector goes with it
    assert backend.sync_vectors(store, MODEL)["upserted"] == 1
    assert set(cluster.docs(ALIAS)) == {"V-0", "V-1"}  # V-1 written from the store
    assert "text_vector" in cluster.docs(ALIAS)["V-1"]


def test_neighbours_come_from_a_filtered_knn_search(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([RECORDS])
    response = json.loads((RESPONSES / "knn.json").read_text())
    cluster.search_responses = [response]
    cluster.requests.clear()
    plan = SearchPlan(filters=[TermsFilter("brand", ("Fastek",))], exclude_skus=("V-9",))
    found = backend.nearest(plan, [0.5, 0.5, 0.5, 0.5], 3, 12)
    (sent,) = cluster.calls("POST", f"/{ALIAS}/_search")
    assert sent[2] == json.loads(json.dumps(compile_knn(plan, [0.5] * 4, 3, 12)))
    assert found == parse_knn(response)
    # scores of a cosine field are (1 + cos) / 2: back to cosines, best first
    assert found == [("V-2", pytest.approx(0.9)), ("V-0", pytest.approx(0.5)),
                     ("V-3", pytest.approx(-0.2))]


def test_similarities_read_script_scores_as_cosines(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([RECORDS])
    cluster.search_responses = [json.loads((RESPONSES / "similarities.json").read_text())]
    assert backend.similarities([0.5] * 4, ["V-0", "V-1"]) == {
        "V-0": pytest.approx(0.75), "V-1": pytest.approx(-0.25)}
    assert backend.similarities([0.5] * 4, []) == {}


# -- synonyms --------------------------------------------------------------------------------
LINES = ["stainless steel, inox", "gauntlets => gloves"]


def test_indices_are_created_after_their_synonym_set(cluster: FakeCluster, url: str) -> None:
    make(url).rebuild([RECORDS])
    order = [(m, p) for m, p, _ in cluster.requests]
    created = order.index(("PUT", "/_synonyms/test-synonyms"))
    first_index = next(i for i, (m, p) in enumerate(order)
                       if m == "PUT" and p.startswith(f"/{ALIAS}-"))
    assert created < first_index  # an index naming a missing set would have no shards
    assert cluster.synonym_sets["test-synonyms"] == []
    (index,) = cluster.aliases[ALIAS]
    analysis = cluster.indices[index]["settings"]["analysis"]
    assert analysis["filter"]["b2b_synonyms"]["synonyms_set"] == "test-synonyms"


def test_publishing_synonyms_sends_the_set_once(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([RECORDS])
    cluster.requests.clear()
    assert backend.publish_synonyms(LINES) is True
    (put,) = cluster.calls("PUT", "/_synonyms/test-synonyms")
    assert put[2] == {"synonyms_set": synonym_rules(LINES)}
    assert [r["synonyms"] for r in cluster.synonym_sets["test-synonyms"]] == [
        "stainless steel, inox", "gauntlets => gauntlets, gloves"]
    cluster.requests.clear()
    assert backend.publish_synonyms(LINES) is False  # the same rules: no reload
    assert not cluster.calls("PUT", "_synonyms")


def test_searches_use_the_cluster_set_only_for_the_rules_it_holds(
        cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([RECORDS])
    backend.publish_synonyms(LINES)
    assert backend.for_synonyms(LINES) is backend
    draft = backend.for_synonyms([*LINES, "mitts => gloves"])  # a draft preview
    assert draft is not backend
    config = SearchConfig.from_dict({"synonyms": {"rules": LINES}})
    plan = SearchPlan(text=parse_text("inox ", config), limit=5)
    empty = {"took": 1, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
    cluster.search_responses = [empty, empty]
    cluster.requests.clear()
    backend.search(plan)
    draft.search(plan)
    live_body, draft_body = (json.dumps(b) for _, p, b in cluster.requests
                             if p.endswith("/_search") and "doc_freq" not in json.dumps(b))
    assert "stainless" not in live_body and '"analyzer"' not in live_body  # the set applies
    assert "stainless" in draft_body and '"analyzer": "b2b_stem"' in draft_body  # alone


def test_another_process_sees_published_synonyms(cluster: FakeCluster, url: str) -> None:
    first, second = make(url), make(url)
    first.rebuild([RECORDS])
    assert second.for_synonyms(LINES) is not second  # the set is empty
    first.publish_synonyms(LINES)
    second._synonyms_read_at = float("-inf")  # SYNONYM_CHECK_S later
    assert second.for_synonyms(LINES) is second


def test_a_refused_synonym_set_is_a_503_with_the_reason(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([RECORDS])
    cluster.api_key = "other"  # the cluster now refuses this client
    with pytest.raises(BackendUnavailable, match="synonym set.*401"):
        backend.publish_synonyms(LINES)


# -- writes during a rebuild ---------------------------------------------------------------
def test_writes_during_a_rebuild_survive_the_swap(cluster: FakeCluster, url: str) -> None:
    clock = Clock()
    backend = make(url, clock)
    backend.rebuild([[make_record("OLD-1", "Ladder"), make_record("GONE-1", "Old drill")]])
    other = make(url, clock)  # another process (an import) writing while this one rebuilds
    # the store as the rebuild reads it: GONE-1 still there (it is deleted meanwhile),
    # CHG-1 in its old version (changed meanwhile)
    snapshot = [make_record("OLD-1", "Ladder"), make_record("GONE-1", "Old drill"),
                make_record("CHG-1", "Hammer, old name")]

    def batches() -> Iterator[list[dict[str, Any]]]:
        # the rebuild has marked its index: writes now reach both indices
        other.index_changed([make_record("NEW-1", "Angle grinder"),
                             make_record("CHG-1", "Hammer, new name")])
        other.delete(["GONE-1"])
        yield snapshot  # read before those writes, loaded after them

    assert backend.rebuild(batches()) == 3
    docs = cluster.docs(ALIAS)
    assert set(docs) == {"OLD-1", "NEW-1", "CHG-1"}  # added kept, deleted gone
    assert docs["CHG-1"]["source"]["name"] == "Hammer, new name"  # the load did not replace it
    assert "test-products-building" not in cluster.aliases
    assert not [i for i in cluster.indices if i.startswith("test-rebuild-journal")]
    # after the swap (once the writer's marker answer expired), writes go to the new index alone
    clock.sleep(MARKER_CACHE_S)
    cluster.requests.clear()
    other.index_changed([make_record("AFTER-1", "Saw")])
    assert [p for _, p, _ in cluster.calls("*", "_bulk")] == [f"/{ALIAS}/_bulk"]
    assert "AFTER-1" in cluster.docs(ALIAS)


def test_writes_check_the_marker_another_process_set(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([[make_record("OLD-1", "Ladder")]])
    targets: list[str] = []

    def during(records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        cluster.requests.clear()
        make(url).index_changed([make_record("NEW-1", "Angle grinder")])
        targets.extend(p for _, p, _ in cluster.calls("*", "_bulk"))
        yield records

    backend.rebuild(during([make_record("OLD-1", "Ladder")]))
    # journal first, then the new index (through its marker alias), then the live alias
    assert targets == ["/test-rebuild-journal/_bulk", "/test-products-building/_bulk",
                       f"/{ALIAS}/_bulk"]


def test_a_failed_rebuild_leaves_the_live_index_untouched(cluster: FakeCluster,
                                                        url: str) -> None:
    clock = Clock()
    backend = make(url, clock)
    backend.rebuild([[make_record("OLD-1", "Ladder")]])
    (live,) = cluster.aliases[ALIAS]
    writer = make(url, clock)

    def failing() -> Iterator[list[dict[str, Any]]]:
        writer.index_changed([make_record("NEW-1", "Angle grinder")])  # during the rebuild
        yield [make_record("OLD-1", "Ladder")]
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(failing())
    assert cluster.aliases[ALIAS] == {live} and set(cluster.indices) == {live}
    assert "test-products-building" not in cluster.aliases  # writers stop writing twice
    assert set(cluster.docs(ALIAS)) == {"OLD-1", "NEW-1"}  # the write reached the live index
    clock.sleep(MARKER_CACHE_S)  # the writer's "a rebuild loads" has expired
    cluster.requests.clear()
    writer.index_changed([make_record("LATE-1", "Saw")])
    assert [p for _, p, _ in cluster.calls("*", "_bulk")] == [f"/{ALIAS}/_bulk"]


def test_a_second_rebuild_while_one_loads_is_refused(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([[make_record("OLD-1", "Ladder")]])

    def nested() -> Iterator[list[dict[str, Any]]]:
        with pytest.raises(Conflict, match="another rebuild is loading"):
            make(url).rebuild([[make_record("X-1", "Saw")]])
        yield [make_record("OLD-1", "Ladder")]

    assert backend.rebuild(nested()) == 1


BUILDING = "test-products-building"


def _bulk_targets(cluster: FakeCluster) -> list[str]:
    return [p for _, p, _ in cluster.calls("*", "_bulk")]


def _marker_checks(cluster: FakeCluster) -> int:
    return len(cluster.calls("GET", f"/{BUILDING}/_mapping"))


def test_consecutive_writes_check_the_marker_once(cluster: FakeCluster, url: str) -> None:
    clock = Clock()
    make(url, clock).rebuild([[make_record("OLD-1", "Ladder")]])
    writer = make(url, clock)
    cluster.requests.clear()
    writer.index_changed([make_record("A-1", "Saw")])
    writer.delete(["OLD-1"])
    clock.sleep(MARKER_CACHE_S / 2)
    writer.index_changed([make_record("B-1", "Drill")])
    assert _marker_checks(cluster) == 1
    assert _bulk_targets(cluster) == [f"/{ALIAS}/_bulk"] * 3
    clock.sleep(MARKER_CACHE_S)  # the answer has expired: the next write asks again
    writer.index_changed([make_record("C-1", "File")])
    assert _marker_checks(cluster) == 2


def test_a_write_racing_the_start_of_a_rebuild_survives_the_swap(cluster: FakeCluster,
                                                                 url: str) -> None:
    """A writer that cached "no rebuild" just before the marker was set keeps writing to the
    live index alone for up to MARKER_CACHE_S; the rebuild reads the store only after that,
    so such a write (stored before it is indexed) is in what the load reads."""
    clock = Clock()
    store: dict[str, dict[str, Any]] = {"OLD-1": make_record("OLD-1", "Ladder")}
    rebuilder = make(url, clock)
    rebuilder.rebuild([list(store.values())])
    writer = make(url, clock)
    raced: list[list[str]] = []

    def write(record: dict[str, Any]) -> None:  # as ingestion does: the store, then the index
        store[record["sku"]] = record
        checks, bulks = _marker_checks(cluster), len(_bulk_targets(cluster))
        writer.index_changed([record])
        raced.append(_bulk_targets(cluster)[bulks:])
        if record["sku"] == "RACE-1":
            assert _marker_checks(cluster) == checks  # the cached answer decided

    t0 = clock.now
    write(make_record("NEW-0", "Saw"))  # the writer now trusts "no rebuild" until t0 + 2 s
    clock.at(t0 + MARKER_CACHE_S * 0.5, lambda: write(make_record("RACE-1", "Angle grinder")))

    def snapshot() -> Iterator[list[dict[str, Any]]]:
        read = [store[sku] for sku in sorted(store)]  # the store as the load reads it
        clock.advance_to(t0 + MARKER_CACHE_S * 0.75)  # loading takes a while
        yield read

    clock.advance_to(t0 + MARKER_CACHE_S * 0.25)
    rebuilder.rebuild(snapshot())  # marks at t0 + 0.5 s, inside the writer's window
    assert raced[-1] == [f"/{ALIAS}/_bulk"]  # the racing write went to the old index alone
    assert set(cluster.docs(ALIAS)) == {"OLD-1", "NEW-0", "RACE-1"}  # and still survived


def _die_while_loading(cluster: FakeCluster, url: str, clock: Clock) -> str:
    """A rebuild whose process dies mid-load: its heartbeat stops and nothing is cleaned up
    (marker, index and journal stay). Returns its index."""
    dead = make(url, clock, rebuild_stale_s=60)
    dead._drop = lambda index: None  # type: ignore[method-assign]  # a dead process deletes nothing

    def batches() -> Iterator[list[dict[str, Any]]]:
        yield [make_record("HALF-1", "Saw")]
        raise SystemExit("killed")

    with pytest.raises(SystemExit):
        dead.rebuild(batches())
    (index,) = cluster.aliases[BUILDING]
    return index


def _journal(index: str) -> str:
    return "test-rebuild-journal-" + index.removeprefix(f"{ALIAS}-")


def test_a_rebuild_whose_process_died_is_cleared_once_its_heartbeat_is_stale(
        cluster: FakeCluster, url: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    make(url, clock).rebuild([[make_record("OLD-1", "Ladder")]])
    dead = _die_while_loading(cluster, url, clock)
    assert _journal(dead) in cluster.indices
    last = cluster.indices[dead]["mappings"]["_meta"]["rebuild"]["heartbeat"]
    clock.advance_to(last + 59)  # a heartbeat 59 s old: perhaps alive, still refused
    with pytest.raises(Conflict, match=f"another rebuild is loading {dead} \\(heartbeat 59s"):
        make(url, clock, rebuild_stale_s=60).rebuild([[make_record("X-1", "Saw")]])
    assert dead in cluster.indices
    clock.sleep(2)
    with caplog.at_level(logging.WARNING, logger="discovery.elasticsearch"):
        assert make(url, clock, rebuild_stale_s=60).rebuild(
            [[make_record("OLD-1", "Ladder"), make_record("NEW-1", "Drill")]]) == 2
    assert f"rebuild of {dead} abandoned" in caplog.text and _journal(dead) in caplog.text
    (live,) = cluster.aliases[ALIAS]
    assert set(cluster.indices) == {live} and BUILDING not in cluster.aliases
    assert set(cluster.docs(ALIAS)) == {"OLD-1", "NEW-1"}


def test_writes_stop_going_to_an_abandoned_rebuild(cluster: FakeCluster, url: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    make(url, clock).rebuild([[make_record("OLD-1", "Ladder")]])
    (live,) = cluster.aliases[ALIAS]
    dead = _die_while_loading(cluster, url, clock)
    writer = make(url, clock, rebuild_stale_s=60)
    last = cluster.indices[dead]["mappings"]["_meta"]["rebuild"]["heartbeat"]
    clock.advance_to(last + 30)
    cluster.requests.clear()
    writer.index_changed([make_record("A-1", "Saw")])  # it may still be alive: written twice
    assert _bulk_targets(cluster) == ["/test-rebuild-journal/_bulk", f"/{BUILDING}/_bulk",
                                      f"/{ALIAS}/_bulk"]
    clock.advance_to(last + 61)
    cluster.requests.clear()
    with caplog.at_level(logging.WARNING, logger="discovery.elasticsearch"):
        writer.index_changed([make_record("B-1", "Drill")])
    assert _bulk_targets(cluster) == [f"/{ALIAS}/_bulk"]
    assert f"rebuild of {dead} abandoned" in caplog.text
    assert set(cluster.indices) == {live} and BUILDING not in cluster.aliases
    assert set(cluster.docs(ALIAS)) == {"OLD-1", "A-1", "B-1"}


def test_the_heartbeat_is_refreshed_while_the_rebuild_loads(cluster: FakeCluster,
                                                            url: str) -> None:
    backend = make(url, rebuild_stale_s=0.3)  # the real clock: a heartbeat every 0.06 s

    def heartbeat(index: str) -> float:
        return float(cluster.indices[index]["mappings"]["_meta"]["rebuild"]["heartbeat"])

    def slow() -> Iterator[list[dict[str, Any]]]:
        (index,) = cluster.aliases[BUILDING]
        first = heartbeat(index)
        time.sleep(0.5)  # a batch slower than the timeout
        assert heartbeat(index) > first
        with pytest.raises(Conflict, match="another rebuild is loading"):
            make(url, rebuild_stale_s=0.3).rebuild([[make_record("X-1", "Saw")]])
        yield [make_record("OLD-1", "Ladder")]

    assert backend.rebuild(slow()) == 1
    (live,) = cluster.aliases[ALIAS]
    assert set(cluster.indices) == {live}


def test_a_rebuild_taken_for_abandoned_does_not_swap(cluster: FakeCluster, url: str) -> None:
    """A process whose clock runs far ahead takes a live rebuild for abandoned and deletes
    it; the rebuild's next batch recreates its index (automatic index creation) but it
    fails before the swap, and the live index keeps serving."""
    clock = Clock()
    backend = make(url, clock)
    backend.rebuild([[make_record("OLD-1", "Ladder")]])
    (live,) = cluster.aliases[ALIAS]
    ahead = make(url, Clock(clock.now + 3600))

    def batches() -> Iterator[list[dict[str, Any]]]:
        yield [make_record("OLD-1", "Ladder")]
        ahead.index_changed([make_record("A-1", "Saw")])
        yield [make_record("B-1", "Drill")]

    with pytest.raises(BackendUnavailable):
        backend.rebuild(batches())
    assert cluster.aliases[ALIAS] == {live} and set(cluster.indices) == {live}
    assert set(cluster.docs(ALIAS)) == {"OLD-1", "A-1"}


def test_two_rebuilds_marking_at_once_never_both_load(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([[make_record("OLD-1", "Ladder")]])
    late = make(url)
    late._live_rebuilds = lambda now: {}  # type: ignore[method-assign]  # looked just before

    def loading() -> Iterator[list[dict[str, Any]]]:
        with pytest.raises(Conflict, match="another rebuild is loading"):
            late.rebuild([[make_record("X-1", "Saw")]])
        assert len(cluster.aliases[BUILDING]) == 1  # it took its marker back
        yield [make_record("OLD-1", "Ladder")]

    assert backend.rebuild(loading()) == 1
    (live,) = cluster.aliases[ALIAS]
    assert set(cluster.indices) == {live}


# -- the wiring: hybrid search and publishing ----------------------------------------------
class _Encoder:
    """Query vectors without a model; the local matrix must not be asked."""

    def __init__(self, backend: ElasticsearchBackend) -> None:
        self.backend = backend
        self.asked: list[SearchPlan] = []

    def query_vector(self, text: str) -> np.ndarray:
        return np.full(DIMS, 0.5, dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        raise AssertionError("the local vector index was asked")

    def similarities(self, vector: np.ndarray, skus: Any) -> dict[str, float]:
        return self.backend.similarities(vector.tolist(), skus)

    def vectors(self, skus: Any) -> np.ndarray:  # the first results' vectors, for feedback
        return np.eye(DIMS, dtype=np.float32)[: len(skus)]

    def nearest_within(self, plan: SearchPlan, vector: np.ndarray, k: int
                       ) -> list[tuple[str, float]]:
        self.asked.append(plan)
        return self.backend.nearest(plan, vector.tolist(), k)


class _StoredModel:
    """An encoder that is only a model id and a size (the vectors are in the store)."""

    model_id, dim = MODEL, DIMS

    def load(self) -> _StoredModel:
        return self


def test_feedback_vectors_come_from_the_store_the_cluster_is_synced_from(
        cluster: FakeCluster, url: str, store: CatalogStore, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import embeddings
    from api.container import ClusterEmbeddings
    from catalog.settings import Settings

    store.upsert(RECORDS)
    expected = embed(store, ["V-0", "V-1", "V-2"])  # V-3 has no vector
    backend = make(url)
    backend.attach_vectors(store, lambda: MODEL)
    backend.rebuild([RECORDS])
    monkeypatch.setattr(embeddings, "get_encoder", lambda settings: _StoredModel())
    served = ClusterEmbeddings(Settings(data_dir=tmp_path), store, backend)
    rows = served.vectors(["V-2", "V-3", "V-0"])
    assert rows.shape == (2, DIMS)
    assert np.allclose(rows, [expected["V-2"], expected["V-0"]])


def _hits(*skus: str) -> dict[str, Any]:
    return {"took": 1, "hits": {"total": {"value": len(skus), "relation": "eq"}, "hits": [
        {"_id": s, "_score": 1.0, "_source": {"source": {"sku": s, "name": s}}} for s in skus]}}


def test_hybrid_search_takes_its_neighbours_from_the_cluster(cluster: FakeCluster,
                                                             url: str) -> None:
    from catalog.settings import Settings
    from ranking.config import load_config
    from ranking.service import SearchRequest, SearchService

    backend = make(url)
    backend.rebuild([RECORDS])
    semantic = _Encoder(backend)
    service = SearchService(backend, Settings(), load_config("hybrid"), semantic=semantic)
    assert load_config("hybrid").hybrid.feedback  # two rounds: the query, then with feedback
    knn_response = json.loads((RESPONSES / "knn.json").read_text())
    similarities = json.loads((RESPONSES / "similarities.json").read_text())
    cluster.knn_responses = [knn_response, knn_response]
    cluster.search_responses = [  # the lexical hits, the neighbours' check, their cosines,
        _hits("V-1"), _hits("V-2", "V-0"), similarities, similarities]  # (no second check)
    cluster.requests.clear()
    found = service.search(SearchRequest(q="hex bolt", filters=["brand:Fastek"], facets=[]))
    assert found["retrieval"] == "hybrid"
    # the lexical hit fused with the cluster's neighbours that passed the check
    assert sorted(h["sku"] for h in found["hits"]) == ["V-0", "V-1", "V-2"]
    assert len(semantic.asked) == 2  # the plan itself: the kNN filter is the lexical filter
    first, second = (b["knn"] for _, _, b in cluster.requests if b and "knn" in b)
    for knn in (first, second):
        assert knn["filter"] == {"terms": {"brand": ["Fastek"]}}
        assert knn["k"] == load_config("hybrid").hybrid.candidates
    assert first["query_vector"] != second["query_vector"]  # moved towards the first results
    assert not cluster.search_responses and not cluster.knn_responses


def test_publishing_in_the_console_sends_the_synonym_set(cluster: FakeCluster, url: str,
                                                         store: CatalogStore) -> None:
    from api.container import publish_synonyms
    from catalog.settings import Settings
    from ranking.merchandising import MerchandisingStore
    from ranking.service import SearchService

    backend = make(url)
    backend.rebuild([RECORDS])
    merchandising = MerchandisingStore(store.engine)
    search = SearchService(backend, Settings(), merchandising=merchandising)
    publish_synonyms(backend, search, merchandising)  # at start: nothing published
    assert cluster.synonym_sets["test-synonyms"] == []
    merchandising.put_draft("synonyms", LINES)
    assert cluster.synonym_sets["test-synonyms"] == []  # a draft stays out of the cluster
    merchandising.publish()
    assert cluster.synonym_sets["test-synonyms"] == synonym_rules(LINES)
    assert backend.for_synonyms(search.configuration().synonym_rules) is backend
    cluster.api_key = "other"  # the cluster refuses the next set: a 503 naming why
    merchandising.put_draft("synonyms", ["a2, inox"])
    with pytest.raises(BackendUnavailable, match="synonym set.*401"):
        merchandising.publish()
