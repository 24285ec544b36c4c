"""The exact vector index: top-k equals brute force, filters, updates, files, store sync."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from catalog.errors import InvalidInput, NotFound
from catalog.store import CatalogStore, EmbeddingRow
from embeddings.vectors import VectorIndex
from tests.factories import make_record

DIM = 24


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute(vectors: dict[str, np.ndarray], q: np.ndarray, k: int,
          allowed: set[str] | None = None) -> list[str]:
    items = [(s, float(v @ q)) for s, v in vectors.items() if allowed is None or s in allowed]
    return [s for s, _ in sorted(items, key=lambda x: -x[1])[:k]]


def filled(n: int, seed: int = 1) -> tuple[VectorIndex, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    skus = [f"P-{i:04d}" for i in range(n)]
    vecs = unit(rng, n)
    index = VectorIndex("m", DIM)
    index.upsert(skus, vecs)
    return index, dict(zip(skus, vecs, strict=True))


def test_top_k_is_brute_force_with_and_without_filters() -> None:
    index, truth = filled(2_000)
    rng = np.random.default_rng(2)
    skus = list(truth)
    for q in unit(rng, 20):
        hits = index.search(q, k=10)
        assert [s for s, _ in hits] == brute(truth, q, 10)
        assert all(abs(score - float(truth[s] @ q)) < 1e-5 for s, score in hits)
        assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
        for share in (0.01, 0.5):  # the gather path and the score-all path
            allowed = set(rng.choice(skus, int(share * len(skus)), replace=False).tolist())
            got = index.search(q, k=10, allowed=allowed | {"UNKNOWN"})
            assert [s for s, _ in got] == brute(truth, q, 10, allowed)
    assert index.search(unit(rng, 1)[0], k=10, allowed=set()) == []
    assert len(index.search(unit(rng, 1)[0], k=5_000)) == 2_000
    assert VectorIndex("m", DIM).search(unit(rng, 1)[0]) == []
    # a reusable selection answers the same, and stays right after the index changes
    allowed = set(skus[::3])
    selection = index.select(allowed)
    q = unit(rng, 1)[0]
    assert index.search(q, k=10, allowed=selection) == index.search(q, k=10, allowed=allowed)
    index.delete([skus[0], skus[1]])
    index.upsert(["NEW"], q[None])
    del truth[skus[0]], truth[skus[1]]
    truth["NEW"] = q
    assert [s for s, _ in index.search(q, k=10, allowed=selection)] == brute(truth, q, 10,
                                                                             allowed)
    assert index.search(q, k=1, allowed=index.select(allowed | {"NEW"}))[0][0] == "NEW"


def test_updates_and_deletes_keep_it_exact() -> None:
    index, truth = filled(500)
    rng = np.random.default_rng(3)
    for step in range(30):
        skus = list(truth)
        gone = rng.choice(skus, 7, replace=False).tolist()
        assert index.delete(gone + ["UNKNOWN"]) == 7
        for s in gone:
            del truth[s]
        changed = rng.choice(list(truth), 5, replace=False).tolist() + [f"N-{step}-{i}"
                                                                        for i in range(9)]
        vecs = unit(rng, len(changed))
        index.upsert(changed, vecs)
        truth.update(zip(changed, vecs, strict=True))
    assert len(index) == len(truth) and sorted(index.skus()) == sorted(truth)
    for q in unit(rng, 10):
        assert [s for s, _ in index.search(q, k=15)] == brute(truth, q, 15)
    some = next(iter(truth))
    assert np.array_equal(index.vector(some), truth[some]) and index.vector("UNKNOWN") is None
    scores = index.scores(truth[some], [some, "UNKNOWN"])
    assert list(scores) == [some] and abs(scores[some] - 1.0) < 1e-5
    first, second = list(truth)[:2]
    rows = index.vectors([second, "UNKNOWN", first])  # in the order asked, unknown left out
    assert rows.shape == (2, DIM) and rows.dtype == np.float32
    assert np.array_equal(rows, np.stack([truth[second], truth[first]]))
    assert index.vectors(["UNKNOWN"]).shape == (0, DIM)


def test_bad_shapes_are_refused() -> None:
    index = VectorIndex("m", DIM)
    with pytest.raises(InvalidInput):
        index.upsert(["a"], np.zeros((1, DIM + 1), dtype=np.float32))
    with pytest.raises(InvalidInput):
        index.search(np.zeros(DIM - 1, dtype=np.float32))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index, truth = filled(300)
    index.save(tmp_path / "v")
    loaded = VectorIndex.load(tmp_path / "v")  # memory-mapped
    assert (loaded.model_id, loaded.dim, len(loaded)) == ("m", DIM, 300)
    q = next(iter(truth.values()))
    assert loaded.search(q, k=20) == index.search(q, k=20)
    # the first write copies the mapped matrix; the saved file stays as it was
    loaded.upsert(["NEW"], q[None])
    loaded.delete(["P-0001"])
    assert "NEW" in loaded and "P-0001" not in loaded
    assert len(VectorIndex.load(tmp_path / "v", mmap=False)) == 300
    loaded.save(tmp_path / "v")
    assert len(VectorIndex.load(tmp_path / "v")) == 300
    assert len(list((tmp_path / "v").glob("vectors-*.npy"))) == 1
    with pytest.raises(NotFound):
        VectorIndex.load(tmp_path / "nothing")


def test_searches_run_while_it_changes() -> None:
    index, truth = filled(3_000)
    rng = np.random.default_rng(4)
    queries = unit(rng, 50)
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                for q in queries:
                    hits = index.search(q, k=10)
                    assert len(hits) == 10 and len({s for s, _ in hits}) == 10
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for t in readers:
        t.start()
    for i in range(200):
        index.upsert([f"X-{i}"], unit(rng, 1))
        index.delete([f"P-{i:04d}"])
    stop.set()
    for t in readers:
        t.join()
    assert not errors
    assert len(index) == 3_000


def _rows(rng: np.random.Generator, skus: list[str]) -> list[EmbeddingRow]:
    return [EmbeddingRow(s, "h", DIM, v.astype("<f4").tobytes())
            for s, v in zip(skus, unit(rng, len(skus)), strict=True)]


def test_kept_in_step_with_the_store(store: CatalogStore, tmp_path: Path) -> None:
    store.migrate()
    rng = np.random.default_rng(5)
    store.upsert([make_record(f"S-{i:03d}", f"Product {i}") for i in range(40)])
    store.upsert_embeddings("m", _rows(rng, [f"S-{i:03d}" for i in range(30)]))
    store.upsert_embeddings("other", _rows(rng, ["S-031"]))

    folder = tmp_path / "vectors"
    index = VectorIndex.open(folder, store, "m", DIM)  # nothing saved yet: built and saved
    assert len(index) == 30 and "S-031" not in index
    assert (folder / "meta.json").exists()

    # another process writes, changes and deletes; a sync picks it all up
    fresh = _rows(rng, ["S-030", "S-001"])
    store.upsert_embeddings("m", fresh)
    store.delete(["S-002", "S-003"])
    changes = index.sync(store)  # re-reads the last 30 s on purpose (late commits)
    assert changes["deleted"] == 2 and changes["upserted"] >= 2
    assert len(index) == 29 and "S-002" not in index
    assert np.array_equal(index.vector("S-001"), np.frombuffer(fresh[1].vector, dtype="<f4"))

    # a restart: the saved index is loaded and brought up to date, not rebuilt
    index.save(folder)
    store.upsert_embeddings("m", _rows(rng, ["S-035"]))
    reopened = VectorIndex.open(folder, store, "m", DIM)
    assert len(reopened) == 30 and "S-035" in reopened
    q = unit(rng, 1)[0]
    got, want = reopened.search(q, k=30), VectorIndex.from_store(store, "m", DIM).search(q, k=30)
    assert [s for s, _ in got] == [s for s, _ in want]
    assert np.allclose([x for _, x in got], [x for _, x in want], atol=1e-6)

    # another model: the saved index is not used
    assert len(VectorIndex.open(folder, store, "other", DIM)) == 1
