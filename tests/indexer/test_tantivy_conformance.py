from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.tantivy_backend import TantivyBackend
from tests.indexer.conformance import BackendConformance


class TestTantivyConformance(BackendConformance):
    @pytest.fixture
    def empty_backend(self, tmp_path: Path) -> Any:
        backend = TantivyBackend(tmp_path / "index", heap_mb=32, reload_interval_s=0.0)
        yield backend
        backend.close()
