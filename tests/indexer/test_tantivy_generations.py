"""Atomic rebuilds: a rebuild that fails or is killed leaves the old index serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.errors import Conflict
from catalog.settings import Settings
from indexer.tantivy_backend import TantivyBackend
from ranking.service import SearchRequest, SearchService
from tests.factories import make_record


def _skus(backend: TantivyBackend, q: str) -> list[str]:
    body = SearchService(backend, Settings()).search(SearchRequest(q=q, facets=[]))
    return [h["sku"] for h in body["hits"]]


def test_failed_rebuild_keeps_the_old_index(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path, reload_interval_s=0)
    backend.rebuild([[make_record("OLD-1", "Pipe wrench 14 inch")]])
    generations_before = sorted(p.name for p in tmp_path.glob("gen-*"))

    def failing() -> Iterator[list[dict]]:
        yield [make_record("NEW-1", "Torque wrench 1/2 inch")]
        raise OSError("disk full")

    with pytest.raises(OSError):
        backend.rebuild(failing())
    assert _skus(backend, "wrench") == ["OLD-1"]
    after = {p.name for p in tmp_path.glob("gen-*")}
    assert after <= set(generations_before)  # the half-written generation is gone
    assert (tmp_path / "CURRENT").read_text().strip() in after
    reopened = TantivyBackend(tmp_path, reload_interval_s=0)
    assert _skus(reopened, "wrench") == ["OLD-1"]


def test_killed_rebuild_keeps_the_old_index(tmp_path: Path) -> None:
    TantivyBackend(tmp_path).rebuild([[make_record("OLD-1", "Pipe wrench 14 inch")]])
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from indexer.tantivy_backend import TantivyBackend
        from tests.factories import make_record
        def batches():
            for i in range(1_000_000):
                if i == 3:
                    print("indexing", flush=True)
                yield [make_record(f"NEW-{{i}}", "Torque wrench 1/2 inch")]
                time.sleep(0.01)
        TantivyBackend(Path({str(tmp_path)!r})).rebuild(batches())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"indexing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    # a new process sees the old generation, and can rebuild again (the lock died with the writer)
    backend = TantivyBackend(tmp_path, reload_interval_s=0)
    assert _skus(backend, "wrench") == ["OLD-1"]
    backend.rebuild([[make_record("NEW-1", "Torque wrench 1/2 inch")]])
    assert _skus(backend, "wrench") == ["NEW-1"]
    assert len(list(tmp_path.glob("gen-*"))) <= 2  # the half-written generation was cleaned up


def test_a_reader_in_another_process_sees_the_swap(tmp_path: Path) -> None:
    writer = TantivyBackend(tmp_path)
    writer.rebuild([[make_record("OLD-1", "Pipe wrench")]])
    reader = TantivyBackend(tmp_path, reload_interval_s=0)
    assert _skus(reader, "wrench") == ["OLD-1"]
    writer.rebuild([[make_record("NEW-1", "Torque wrench")]])
    assert _skus(reader, "wrench") == ["NEW-1"]
    writer.index_changed([make_record("NEW-2", "Chain wrench")])
    writer.commit()
    time.sleep(0.05)
    assert sorted(_skus(reader, "wrench")) == ["NEW-1", "NEW-2"]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    first = TantivyBackend(tmp_path)
    first.index_changed([make_record("A", "Pipe wrench")])
    second = TantivyBackend(tmp_path)
    second._lock_timeout_s = 0.2
    with pytest.raises(Conflict):
        second.index_changed([make_record("B", "Chain wrench")])
    first.commit()
    second.index_changed([make_record("B", "Chain wrench")])
    second.commit()
    assert second.count() == 2


def test_index_of_another_version_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    from api.container import build_services
    from catalog.settings import Settings as AppSettings

    settings = AppSettings(data_dir=tmp_path)
    svc = build_services(settings)
    svc.store.upsert([make_record("A-1", "Pipe wrench")])
    svc.backend.index_changed([make_record("A-1", "Pipe wrench")])
    svc.backend.commit()
    svc.close()
    current = (tmp_path / "index" / "CURRENT").read_text().strip()
    (tmp_path / "index" / current / "schema-version").write_text("0")  # an older product
    svc = build_services(settings)
    assert _skus(svc.backend, "wrench") == ["A-1"]  # rebuilt, not opened as it was
    assert (tmp_path / "index" / "CURRENT").read_text().strip() != current
    svc.close()


def test_lost_index_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    import shutil

    from api.container import build_services
    from catalog.settings import Settings as AppSettings

    settings = AppSettings(data_dir=tmp_path)
    svc = build_services(settings)
    svc.store.upsert([make_record("A-1", "Pipe wrench")])
    svc.close()
    shutil.rmtree(tmp_path / "index")
    svc = build_services(settings)
    assert _skus(svc.backend, "wrench") == ["A-1"]
    svc.close()
