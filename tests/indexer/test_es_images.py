"""Search by photo on Elasticsearch, against the stand-in cluster (``tests/indexer/fake_es``)
with a real SQLite catalog store: the stored image embeddings are indexed into
``image_vector`` with the products and by the vector sync (beside the text vectors, each with
its own watermark), a vector the store dropped leaves the index, and a search by photo takes
its neighbours from the cluster's kNN narrowed by the words, filters and rules."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from PIL import Image

from catalog.errors import BackendUnavailable
from catalog.image_embeddings import ImageEmbeddingRow, ImageEmbeddingStore
from catalog.settings import Settings
from catalog.store import CatalogStore, EmbeddingRow
from indexer.elasticsearch import ElasticsearchBackend, ElasticsearchConfig
from indexer.elasticsearch.mapping import IMAGE_VECTOR
from indexer.elasticsearch.parse import parse_knn
from indexer.elasticsearch.vectors import ClusterVectors
from tests.factories import make_record
from tests.indexer.fake_es import FakeCluster

RESPONSES = Path(__file__).parent / "golden" / "elasticsearch" / "responses"
ALIAS = "test-products"
TEXT_MODEL, IMAGE_MODEL = "mini-test", "clip-test"
DIMS = 4
RECORDS = [make_record(f"V-{i}", f"Hex bolt M{i}", brand="Fastek") for i in range(4)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CatalogStore]:
    s = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    s.migrate()
    s.upsert(RECORDS)
    yield s
    s.engine.dispose()


def make(url: str) -> ElasticsearchBackend:
    config = ElasticsearchConfig(url=url, index_prefix="test", request_timeout_s=5,
                                 text_vector_dims=DIMS, image_vector_dims=DIMS)
    return ElasticsearchBackend(config, sleep=lambda s: None)


def vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIMS).astype("<f4")
    return v / np.linalg.norm(v)


def store_images(images: ImageEmbeddingStore, skus: list[str], seed: int = 100
                 ) -> dict[str, list[float]]:
    """What ``embed_product_images`` stores: one vector per product (its first image)."""
    images.upsert(IMAGE_MODEL, [ImageEmbeddingRow(s, f"sha-{s}", f"{s}.jpg", None, DIMS,
                                                  vector(seed + i).tobytes())
                                for i, s in enumerate(skus)])
    return {s: vector(seed + i).astype(float).tolist() for i, s in enumerate(skus)}


def attached(url: str, store: CatalogStore) -> tuple[ElasticsearchBackend, ImageEmbeddingStore]:
    """A backend wired as ``api.container`` wires it: text and image vectors attached."""
    backend = make(url)
    images = ImageEmbeddingStore(store.engine)
    backend.attach_vectors(store, lambda: TEXT_MODEL)
    backend.attach_vectors(images, lambda: IMAGE_MODEL, field=IMAGE_VECTOR, records=store)
    return backend, images


def test_products_are_indexed_with_their_stored_image_vectors(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    backend, images = attached(url, store)
    expected = store_images(images, ["V-0", "V-2"])
    store.upsert_embeddings(TEXT_MODEL, [EmbeddingRow("V-0", "h", DIMS, vector(1).tobytes())])
    backend.rebuild([RECORDS])
    docs = cluster.docs(ALIAS)
    assert {s: d.get("image_vector") for s, d in docs.items()} == {
        "V-0": expected["V-0"], "V-1": None, "V-2": expected["V-2"], "V-3": None}
    assert docs["V-0"]["text_vector"] == vector(1).astype(float).tolist()  # both vectors
    (index,) = cluster.aliases[ALIAS]
    meta = cluster.indices[index]["mappings"]["_meta"]  # a watermark per vector field
    assert meta["image_vectors"]["model_id"] == IMAGE_MODEL
    assert meta["text_vectors"]["model_id"] == TEXT_MODEL
    # a product written again (a price change) keeps its image vector
    backend.index_changed([RECORDS[2] | {"price_per_piece": 9.5}])
    assert cluster.docs(ALIAS)["V-2"]["image_vector"] == expected["V-2"]
    assert backend.vector_count(IMAGE_VECTOR) == 2


def test_the_vector_sync_sends_image_vectors_stored_later(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    backend, images = attached(url, store)
    store.upsert_embeddings(TEXT_MODEL, [EmbeddingRow("V-1", "h", DIMS, vector(1).tobytes())])
    backend.rebuild([RECORDS])  # no image vectors yet
    assert all("image_vector" not in d for d in cluster.docs(ALIAS).values())
    text_mark = cluster.indices[next(iter(cluster.aliases[ALIAS]))]["mappings"]["_meta"][
        "text_vectors"]

    expected = store_images(images, ["V-1", "V-3"])  # the image embedding job ran
    index = ClusterVectors(backend, IMAGE_MODEL, DIMS, IMAGE_VECTOR)
    cluster.requests.clear()
    assert index.sync(images) == {"upserted": 2, "deleted": 0}
    (bulk,) = cluster.calls("*", "_bulk")
    assert bulk[2][0] == {"index": {"_id": "V-1"}}  # the whole product, from the store
    docs = cluster.docs(ALIAS)
    assert docs["V-1"]["image_vector"] == expected["V-1"]
    assert docs["V-1"]["text_vector"] == vector(1).astype(float).tolist()  # kept
    assert docs["V-1"]["name"] == "Hex bolt M1" and docs["V-1"]["all_plain"]  # searchable
    assert "image_vector" not in docs["V-0"]
    meta = cluster.indices[next(iter(cluster.aliases[ALIAS]))]["mappings"]["_meta"]
    assert meta["image_vectors"]["model_id"] == IMAGE_MODEL
    assert meta["text_vectors"] == text_mark  # the text watermark survived
    assert len(index) == 2 and index.describe()["field"] == IMAGE_VECTOR

    # another server (another backend) reads the same watermark: a vector stored since
    later = store_images(images, ["V-0"], seed=300)
    other, _ = attached(url, store)
    assert ClusterVectors(other, IMAGE_MODEL, DIMS, IMAGE_VECTOR).sync(images)["upserted"] >= 1
    assert cluster.docs(ALIAS)["V-0"]["image_vector"] == later["V-0"]


def test_an_image_vector_the_store_dropped_leaves_the_index(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    backend, images = attached(url, store)
    store_images(images, ["V-0", "V-1", "V-2"])
    backend.rebuild([RECORDS])
    images.delete(model_id=IMAGE_MODEL, skus=["V-1"])  # its image went away
    found = ClusterVectors(backend, IMAGE_MODEL, DIMS, IMAGE_VECTOR).sync(images)
    assert found["deleted"] == 1
    docs = cluster.docs(ALIAS)
    assert "image_vector" not in docs["V-1"] and docs["V-1"]["name"] == "Hex bolt M1"
    assert {s for s, d in docs.items() if "image_vector" in d} == {"V-0", "V-2"}


def test_an_image_model_of_another_size_is_a_clear_503(url: str) -> None:
    with pytest.raises(BackendUnavailable, match="DISCOVERY_ES_IMAGE_VECTOR_DIMS=512"):
        ClusterVectors(make(url), IMAGE_MODEL, 512, IMAGE_VECTOR)


def test_a_recorded_image_knn_response_reads_as_cosines() -> None:
    response = json.loads((RESPONSES / "image_knn.json").read_text())
    assert parse_knn(response) == [("V-2", pytest.approx(0.96)), ("V-0", pytest.approx(0.2))]


# -- search by photo on the cluster ----------------------------------------------------------
class _Encoder:
    """An image encoder without a model: every photo is the same vector."""

    model_id, dim, image_size = IMAGE_MODEL, DIMS, 16

    def encode(self, images: list[Any], **_: Any) -> np.ndarray:
        return np.tile(vector(7), (len(images), 1))


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _hits(*skus: str) -> dict[str, Any]:
    return {"took": 1, "hits": {"total": {"value": len(skus), "relation": "eq"}, "hits": [
        {"_id": s, "_score": 1.0, "_source": {"source": {"sku": s, "name": f"Hex bolt {s}"}}}
        for s in skus]}}


def test_search_by_photo_asks_the_cluster_knn_with_the_search_filters(
        cluster: FakeCluster, url: str, store: CatalogStore) -> None:
    from api.container import ClusterImages
    from ranking.config import load_config
    from ranking.image_search import ImageSearch, ImageSearchRequest
    from ranking.service import SearchService

    backend, image_rows = attached(url, store)
    backend.rebuild([RECORDS])
    config = load_config("lexical")
    config = replace(config, rules=config.rules.parse(
        [{"id": "bolts", "query_contains": "bolt", "hide": ["V-3"],
          "filter": ["category:Fasteners"]}], "test"))
    service = SearchService(backend, Settings(), config)
    photos = ClusterImages(Settings(clip_weights="random"), store, backend)
    photos._ready = cast(Any, (_Encoder(), ClusterVectors(backend, IMAGE_MODEL, DIMS,
                                                          IMAGE_VECTOR)))
    photos._synced = float("inf")  # no background sync in this test

    def local_index(*_: Any) -> Any:
        raise AssertionError("the local image-vector index was asked")

    setattr(photos, "nearest", local_index)  # noqa: B010
    cluster.knn_responses = [json.loads((RESPONSES / "image_knn.json").read_text())]
    cluster.search_responses = [_hits("V-2", "V-0")]  # the engine's check of the neighbours
    cluster.requests.clear()
    body = ImageSearch(service, photos, depth=20).search(
        _photo(), ImageSearchRequest(q="hex bolt", filters=["brand:Fastek"]))

    assert [h["sku"] for h in body["hits"]] == ["V-2", "V-0"]
    assert [h["score"] for h in body["hits"]] == [pytest.approx(0.96), pytest.approx(0.2)]
    assert body["rules"] == ["bolts"] and body["looked_at"] == 2
    (knn,) = [b for _, _, b in cluster.requests if b and "knn" in b]  # one request, no rounds
    spec = knn["knn"]
    assert spec["field"] == "image_vector" and spec["k"] == 20
    assert spec["query_vector"] == pytest.approx(vector(7).astype(float).tolist())
    allowed = json.dumps(spec["filter"])
    assert '"query": "hex"' in allowed and '"query": "bolt"' in allowed  # the words narrow
    assert {"terms": {"brand": ["Fastek"]}} in spec["filter"]["bool"]["filter"]  # buyer's
    assert {"term": {"category_lvl0": "Fasteners"}} in spec["filter"]["bool"]["filter"]  # rule
    assert spec["filter"]["bool"]["must_not"] == [{"terms": {"sku": ["V-3"]}}]  # hidden
