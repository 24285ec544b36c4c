from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.tantivy_documents import TantivyDocumentIndex
from tests.indexer.document_conformance import DocumentIndexConformance


class TestTantivyDocumentIndex(DocumentIndexConformance):
    @pytest.fixture
    def empty_index(self, tmp_path: Path) -> Any:
        index = TantivyDocumentIndex(tmp_path / "documents-index", heap_mb=32,
                                     reload_interval_s=0.0)
        yield index
        index.close()


def test_another_process_sees_a_rebuild(tmp_path: Path) -> None:
    """Readers in other processes (API workers) follow the generation swap."""
    from catalog.store import DocumentPages
    from indexer.documents import DocumentQuery

    writer = TantivyDocumentIndex(tmp_path / "d", heap_mb=32, reload_interval_s=0.0)
    reader = TantivyDocumentIndex(tmp_path / "d", heap_mb=32, reload_interval_s=0.0)
    try:
        writer.rebuild([[DocumentPages(7, "T", "t.pdf", "application/pdf", ["flange gasket"])]])
        assert reader.search(DocumentQuery(words=("gasket",))).hits[0].document_id == 7
    finally:
        writer.close()
        reader.close()
