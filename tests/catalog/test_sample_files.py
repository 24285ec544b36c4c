"""The sample catalog's documents and images: written next to the catalog, linked from its
rows, ingested with their text, searchable, and the scan reported."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson

from catalog.sample import files_dir, generate_records, write_catalog
from catalog.sample_files import MAX_PRODUCTS, STRIDE, _numbers
from catalog.settings import Settings
from catalog.store import CatalogStore
from indexer.tantivy_backend import TantivyBackend
from indexer.tantivy_documents import TantivyDocumentIndex
from ingestion import ingest_file
from ranking.config import load_config
from ranking.documents import DocumentSearchService
from ranking.service import SearchRequest, SearchService


def test_sample_files_are_linked_ingested_and_searchable(tmp_path: Path) -> None:
    catalog = tmp_path / "sample.csv"
    written: dict[str, int] = {}
    assert write_catalog(catalog, 160, files=True, files_written=written) == 160
    assert (written["datasheets"], written["images"], written["scans"]) == (4, 4, 1)
    folder = files_dir(catalog)
    assert (folder / "datasheets/fas-000000-datasheet.pdf").is_file()
    with catalog.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first = orjson.loads(rows[0]["documents"])  # a JSON cell: paths with titles
    assert first[0] == {"kind": "datasheet", "title": f"Datasheet {rows[0]['name']}",
                        "path": "sample-files/datasheets/fas-000000-datasheet.pdf"}
    assert rows[0]["images"] == "sample-files/images/fas-000000.jpg"
    assert rows[1]["images"].startswith("https://cdn.example.com/")  # no files: as before

    settings = Settings(data_dir=tmp_path / "data")
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    products = TantivyBackend(tmp_path / "index", heap_mb=32, reload_interval_s=0.0)
    documents = TantivyDocumentIndex(tmp_path / "docs", heap_mb=32, reload_interval_s=0.0)
    try:
        report = ingest_file(catalog, store, products, settings=settings, files_base=tmp_path,
                             document_sink=documents)
        assert report.exit_code == 0, report.entries[:3]
        assert report.documents["stored"] == sum(
            written[k] for k in ("datasheets", "certificates", "html", "text", "scans"))
        (notice,) = report.notices
        assert (notice.row, notice.sku, notice.file) == (
            2, "FAS-000000", "sample-files/scans/fas-000000-declaration-scan.pdf")
        assert notice.reason.startswith("no text layer")
        number = _numbers("FAS-000000")["report"]  # only in that datasheet's second page
        found = DocumentSearchService(documents, store, settings).search(f"TR-{number}")
        assert [(h["products"][0]["sku"], h["page"]) for h in found["hits"]] == [("FAS-000000", 2)]
        service = SearchService(products, Settings(), load_config("lexical"))
        hits = service.search(SearchRequest(q=f"TR-{number}", facets=[]))["hits"]
        assert hits[0]["sku"] == "FAS-000000"
        again = ingest_file(catalog, store, products, settings=settings, files_base=tmp_path,
                            document_sink=documents)
        assert (again.unchanged, again.documents["stored"]) == (160, 0)
    finally:
        products.close()
        documents.close()


def test_files_do_not_change_the_records_without_them() -> None:
    """Benchmarks and relevance work generate records without files: unchanged."""
    records = list(generate_records(STRIDE * 2))
    assert records[0]["images"][0].startswith("https://cdn.example.com/")
    assert MAX_PRODUCTS * STRIDE == 20_000  # the demo's catalog: every 50th product has files
