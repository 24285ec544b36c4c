"""The Elasticsearch backend against a stand-in cluster over HTTP (``tests/indexer/fake_es``):
bulk batching, retries with backoff and partial failures, the rebuild's alias swap, errors
(cluster down, client/server major mismatch, refused credentials) and health. The real client
makes the requests; only the cluster is a stand-in, and it does not search (queued responses)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from catalog.errors import BackendUnavailable
from indexer.base import SearchBackend
from indexer.elasticsearch import ElasticsearchBackend, ElasticsearchConfig, IndexingFailed
from indexer.elasticsearch.backend import MARKER_WAIT_S
from indexer.elasticsearch.compile import compile_facets, compile_search
from indexer.elasticsearch.mapping import SCHEMA_VERSION
from indexer.plan import SearchPlan
from ranking.config import load_config
from ranking.query import every_word, parse_text
from ranking.service import facet_requests
from tests.factories import make_record
from tests.indexer.conformance import FIXED
from tests.indexer.fake_es import CLIENT_MAJOR, FakeCluster

RESPONSES = Path(__file__).parent / "golden" / "elasticsearch" / "responses"
ALIAS = "test-products"


def make(url: str, sleeps: list[float] | None = None, **kw: Any) -> ElasticsearchBackend:
    config = ElasticsearchConfig(url=url, index_prefix="test", request_timeout_s=5, **kw)
    return ElasticsearchBackend(config, sleep=(sleeps.append if sleeps is not None
                                               else lambda s: None))


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- rebuild and alias swap ----------------------------------------------------------------
def test_rebuild_loads_a_new_index_then_swaps_the_alias_in_one_call(cluster: FakeCluster,
                                                                    url: str) -> None:
    backend = make(url)
    progress: list[int] = []
    assert backend.rebuild([FIXED[:4], FIXED[4:]], progress=progress.append) == 7
    assert progress == [4, 7]
    (first,) = cluster.aliases[ALIAS]
    assert first.startswith("test-products-") and backend.count() == 7
    assert cluster.templates["test-products"]["index_patterns"] == ["test-products-*"]
    created = cluster.calls("PUT", first)[0][2]
    assert created["settings"]["refresh_interval"] == "-1"  # no refreshes while loading
    assert created["settings"]["number_of_replicas"] == 0
    assert created["mappings"]["_meta"]["schema_version"] == SCHEMA_VERSION

    cluster.requests.clear()
    assert backend.rebuild([[make_record("ONLY-1", "Ladder 3 steps")]]) == 1
    (second,) = cluster.aliases[ALIAS]
    assert second != first and first not in cluster.indices  # the old one went after the swap
    mark, swap = cluster.calls("POST", "_aliases")
    journal = mark[2]["actions"][1]["add"]["index"]
    assert mark[2]["actions"] == [  # the marker every writer checks, and the journal
        {"add": {"index": second, "alias": "test-products-building"}},
        {"add": {"index": journal, "alias": "test-rebuild-journal"}}]
    assert swap[2]["actions"] == [  # one call: the old index out, the new in, the marker off
        {"remove": {"index": first, "alias": ALIAS}}, {"add": {"index": second, "alias": ALIAS}},
        # only if still marked: a rebuild others took for abandoned must not swap
        {"remove": {"index": second, "alias": "test-products-building", "must_exist": True}}]
    assert journal not in cluster.indices and "test-products-building" not in cluster.aliases
    order = [(m, p) for m, p, _ in cluster.requests]
    finished = order.index(("PUT", f"/{second}/_settings"))
    refreshed = order.index(("POST", f"/{second}/_refresh"))
    swapped = len(order) - 1 - order[::-1].index(("POST", "/_aliases"))
    deleted = order.index(("DELETE", f"/{first}"))
    assert finished < refreshed < swapped < deleted
    assert cluster.indices[second]["settings"]["refresh_interval"] == "1s"
    assert cluster.indices[second]["settings"]["number_of_replicas"] == 1
    assert list(cluster.docs(ALIAS)) == ["ONLY-1"]


def test_a_failed_swap_keeps_the_old_index_serving(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([FIXED])
    (old,) = cluster.aliases[ALIAS]
    cluster.fail_alias_swap = True
    with pytest.raises(BackendUnavailable, match="swapping the alias.*503"):
        backend.rebuild([[make_record("NEW-1", "Angle grinder")]])
    assert cluster.aliases[ALIAS] == {old} and set(cluster.indices) == {old}  # new one deleted
    assert len(cluster.docs(ALIAS)) == len(FIXED)


def test_products_refused_in_a_rebuild_are_named_and_nothing_is_swapped(
        cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([FIXED])
    (old,) = cluster.aliases[ALIAS]
    cluster.item_statuses = {"FAS-000002": [400]}
    with pytest.raises(IndexingFailed) as caught:
        backend.rebuild([FIXED])
    assert caught.value.failed == {
        "FAS-000002": "document_parsing_exception: failed to index [FAS-000002]"}
    assert caught.value.written == len(FIXED) - 1
    assert caught.value.status_code == 502 and "FAS-000002" in caught.value.detail["message"]
    assert cluster.aliases[ALIAS] == {old} and set(cluster.indices) == {old}


# -- bulk ----------------------------------------------------------------------------------
def test_bulk_retries_rejections_and_unavailable_shards_with_exponential_backoff(
        cluster: FakeCluster, url: str) -> None:
    sleeps: list[float] = []
    backend = make(url, sleeps)
    backend.rebuild([[]])
    assert sleeps == [MARKER_WAIT_S]  # the rebuild waited for cached marker answers to expire
    sleeps.clear()
    cluster.bulk_request_statuses = [429, 503]          # two whole requests refused
    cluster.item_statuses = {"FAS-000002": [429, 201]}  # then one item rejected once
    backend.index_changed(FIXED)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(cluster.docs(ALIAS)) == len(FIXED)
    retried = cluster.calls("*", "_bulk")[-1][2]
    assert retried == [{"index": {"_id": "FAS-000002"}}, retried[1]]  # only the rejected item


def test_bulk_gives_up_after_the_retries_and_reports_what_was_written(
        cluster: FakeCluster, url: str) -> None:
    sleeps: list[float] = []
    backend = make(url, sleeps, bulk_max_retries=2, bulk_backoff_s=0.1)
    backend.rebuild([[]])
    sleeps.clear()
    cluster.item_statuses = {"FAS-000003": [429] * 5}
    with pytest.raises(IndexingFailed) as caught:
        backend.index_changed(FIXED)
    assert sleeps == [0.1, 0.2]
    assert caught.value.failed == {"FAS-000003": "es_rejected_execution_exception: failed to "
                                                 "index [FAS-000003] (after 2 retries)"}
    assert caught.value.written == len(FIXED) - 1
    assert "FAS-000003" not in cluster.docs(ALIAS) and len(cluster.docs(ALIAS)) == len(FIXED) - 1


def test_bulk_batches_updates_deletes_and_commit(cluster: FakeCluster, url: str) -> None:
    backend = make(url, bulk_batch_size=3)
    backend.rebuild([[]])
    cluster.requests.clear()
    backend.index_changed(FIXED)
    assert len(cluster.calls("*", "_bulk")) == 3  # 7 products, 3 per request
    backend.delete(["ELE-000005", "NEVER-INDEXED"])  # a missing product is no failure
    backend.commit()
    assert cluster.calls("POST", f"/{ALIAS}/_refresh")
    assert "ELE-000005" not in cluster.docs(ALIAS) and backend.count() == len(FIXED) - 1
    doc = cluster.docs(ALIAS)["FAS-000001"]
    assert doc["pn"] == ["fas000001", "9330840a2", "4006381333931"]
    assert doc["source"]["name"] == FIXED[0]["name"] and "pn_reversed" not in doc


def test_a_fresh_cluster_gets_an_empty_index_behind_the_alias(cluster: FakeCluster,
                                                               url: str) -> None:
    backend = make(url)
    assert backend.count() == 0
    (index,) = cluster.aliases[ALIAS]
    assert backend.needs_rebuild is False
    cluster.indices[index]["mappings"]["_meta"]["schema_version"] = "0"  # another version's
    assert make(url).count() == 0 and make(url).needs_rebuild is False
    again = make(url)
    again.count()
    assert again.needs_rebuild is True


# -- searching through the client -----------------------------------------------------------
def _response(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((RESPONSES / name).read_text())
    return found


def test_search_sends_the_compiled_body_and_reads_the_answer(cluster: FakeCluster,
                                                            url: str) -> None:
    backend = make(url)
    backend.rebuild([FIXED])
    text = parse_text("hex gloves ", load_config("default"))
    plan = SearchPlan(text=text, facets=facet_requests(["brand"]), facet_text=every_word(text))
    cluster.search_responses = [_response("broad_none.json"), _response("broad_none_facets.json")]
    cluster.requests.clear()
    result = backend.search(plan)
    freqs, search, facets = (body for _, _, body in cluster.calls("POST", f"/{ALIAS}/_search"))
    asked = set(freqs["aggs"]["doc_freq"]["filters"]["filters"])
    assert asked == {"gloves", "glo", "ves"}  # a word that could be a compound: counted first
    df = {"gloves": 1}.get  # what the stand-in counted in FIXED: a word products hold
    # the cluster has a synonym set (empty: nothing published): its analyzer applies it
    assert search == json.loads(json.dumps(compile_search(plan, df, index_synonyms=True)))
    # nothing holds every word: a second request counts the facets over any word
    assert facets == json.loads(json.dumps(compile_facets(plan, df, index_synonyms=True)))
    assert result.total == 4 and result.strict_total == 0 and not result.facets_strict
    assert [h.sku for h in result.hits] == ["PPE-000004", "FAS-000001", "FAS-000003",
                                            "FAS-000002"]
    assert {v.value: v.count for v in result.facets["brand"].values} == {
        "Fastek": 2, "Boltronic": 1, "SafeHands": 1}
    cluster.search_responses = [_response("broad_none.json"), _response("broad_none_facets.json")]
    cluster.requests.clear()
    backend.search(plan)  # word counts are cached for a while: no third request
    assert len(cluster.calls("POST", f"/{ALIAS}/_search")) == 2


def test_knn_neighbours_come_back_as_cosines(cluster: FakeCluster, url: str) -> None:
    backend = make(url)
    backend.rebuild([[]])
    cluster.search_responses = [{"took": 1, "hits": {"total": {"value": 2, "relation": "eq"},
                                 "hits": [{"_id": "A", "_score": 0.95, "_source": {"source": {
                                     "sku": "A"}}}, {"_id": "B", "_score": 0.5, "_source": {
                                         "source": {"sku": "B"}}}]}}]
    found = backend.nearest(SearchPlan(exclude_skus=("H",)), [0.1, 0.2], k=2)
    assert found == [("A", pytest.approx(0.9)), ("B", pytest.approx(0.0))]
    body = cluster.calls("POST", "_search")[-1][2]
    assert body["knn"]["k"] == 2 and body["knn"]["filter"] == {
        "bool": {"must_not": [{"terms": {"sku": ["H"]}}]}}


# -- errors and health ----------------------------------------------------------------------
def test_a_cluster_that_is_down_is_a_503_with_the_reason() -> None:
    backend = make(_closed_port_url())
    with pytest.raises(BackendUnavailable, match="cannot be reached") as caught:
        backend.search(SearchPlan())
    assert caught.value.status_code == 503
    with pytest.raises(BackendUnavailable, match="cannot be reached"):
        backend.count()
    health = backend.health()
    assert health["status"] == "error" and "cannot be reached" in health["detail"]


def test_a_server_of_another_major_is_refused_with_what_to_install(url: str,
                                                                   cluster: FakeCluster) -> None:
    other = 8 if CLIENT_MAJOR == 9 else 9
    cluster.version = f"{other}.15.0"  # it also refuses the client's compatibility headers
    backend = make(url)
    with pytest.raises(BackendUnavailable) as caught:
        backend.count()
    assert f"Elasticsearch {other}.15.0" in caught.value.detail
    low = "8.18" if other == 8 else "9"
    assert (f"pip install 'elasticsearch>={low},<{other + 1}' (the es{other} extra)"
            in caught.value.detail)
    assert backend.health()["status"] == "error"
    assert not cluster.calls("PUT", "test-products")  # nothing was created
    compat = make(url)
    compat._checked = "9.0.0"  # as if the check had been skipped: the 400 is still explained
    with pytest.raises(BackendUnavailable, match="major version must be the server's"):
        compat.count()


def test_a_7x_server_is_named_unsupported(url: str, cluster: FakeCluster) -> None:
    cluster.version = "7.17.9"
    with pytest.raises(BackendUnavailable, match="7.17.9.*only 8.x and 9.x servers"):
        make(url).count()


def test_refused_credentials_are_named(url: str, cluster: FakeCluster) -> None:
    cluster.api_key = "secret"
    with pytest.raises(BackendUnavailable, match="refused the credentials"):
        make(url).count()
    assert make(url, api_key="secret").count() == 0


def test_health_reports_cluster_alias_index_and_documents(cluster: FakeCluster,
                                                          url: str) -> None:
    backend = make(url)
    backend.rebuild([FIXED])
    health = backend.health()
    assert health["status"] == "ok" and health["documents"] == len(FIXED)
    assert health["alias"] == ALIAS and health["indices"] == sorted(cluster.aliases[ALIAS])
    assert health["cluster"] == {"name": "fake", "status": "green", "nodes": 1}
    assert health["server"] == f"{CLIENT_MAJOR}.1.0"
    assert health["client"].startswith(f"{CLIENT_MAJOR}.")
    cluster.health_status = "red"
    assert backend.health()["status"] == "error"


def test_the_api_answers_503_with_the_reason_when_the_cluster_is_down(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from catalog.settings import Settings

    settings = Settings(data_dir=tmp_path, search_backend="elasticsearch",
                        es_url=_closed_port_url(), semantic_search=False,
                        analytics_enabled=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/v1/search", params={"q": "hex bolt"})
        assert response.status_code == 503
        body = response.json()
        assert body["error"] == "BackendUnavailable" and "cannot be reached" in body["detail"]
        assert "Traceback" not in response.text
        health = client.get("/v1/health")
        assert health.status_code == 503
        assert health.json()["search"]["status"] == "error"


def test_the_backend_needs_a_url() -> None:
    from api.container import make_backend
    from catalog.settings import Settings

    with pytest.raises(BackendUnavailable, match="DISCOVERY_ES_URL"):
        make_backend(Settings(search_backend="elasticsearch", es_url=None))
    backend = make_backend(Settings(search_backend="elasticsearch", es_url=_closed_port_url()))
    assert isinstance(backend, ElasticsearchBackend) and isinstance(backend, SearchBackend)
