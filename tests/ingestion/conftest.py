from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.settings import Settings
from catalog.store import CatalogStore
from ingestion import IngestReport, ingest_file
from tests.ingestion.factories import FakeSink


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Small batches so that every test crosses batch boundaries.
    return Settings(data_dir=tmp_path, ingest_batch_size=3, max_cell_chars=300)


@pytest.fixture
def store(tmp_path: Path) -> CatalogStore:
    s = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    s.migrate()
    return s


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def ingest(store: CatalogStore, sink: FakeSink, settings: Settings) -> Any:
    def run(path: Path, **kwargs: Any) -> IngestReport:
        kwargs.setdefault("settings", settings)
        return ingest_file(path, store, sink, **kwargs)

    return run


def entries(report: IngestReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in report.entries]
