"""Documents and media named by catalog rows and documents manifests: stored once, text
extracted, linked; bad files reject their row, scans are reported, nothing else is lost."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from catalog.files import FileStore
from catalog.settings import Settings
from catalog.store import CatalogStore
from indexer.documents import DocumentQuery
from indexer.tantivy_backend import TantivyBackend
from indexer.tantivy_documents import TantivyDocumentIndex
from ingestion import IngestReport, ingest_file
from ingestion.manifest import import_manifest
from ranking.config import load_config
from ranking.service import SearchRequest, SearchService
from tests.ingestion.conftest import entries
from tests.ingestion.document_factory import image, pdf, scanned_pdf, truncated_jpeg

COLUMNS = ["sku", "name", "documents", "images", "media"]


def write_catalog(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "supplier"
    pdf(folder / "docs/bolt.pdf", ["Hex bolt datasheet", "Tightening torque 25 Nm; zymurgy "
                                                         "tested", "Salt spray 480 h"])
    pdf(folder / "docs/iso9001.pdf", ["ISO 9001:2015 certificate of Acme Industrial"])
    scanned_pdf(folder / "docs/declaration-scan.pdf")
    (folder / "docs/broken.pdf").write_bytes(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj garbage")
    pdf(folder / "docs/secret.pdf", ["offer for customer"], user_password="pw")
    (folder / "docs/care.html").write_text("<html><head><title>Care</title></head><body>"
                                           "<p>Keep the gloves dry and cool.</p></body></html>")
    image(folder / "img/bolt.jpg")
    truncated_jpeg(folder / "img/cut.jpg")
    (folder / "img/not-an-image.jpg").write_text("hello")
    (folder / "cad").mkdir()
    (folder / "cad/bolt.step").write_text("ISO-10303-21; HEADER; ENDSEC;")
    return folder


@pytest.fixture
def indexes(tmp_path: Path) -> Any:
    products = TantivyBackend(tmp_path / "index", heap_mb=32, reload_interval_s=0.0)
    documents = TantivyDocumentIndex(tmp_path / "documents-index", heap_mb=32,
                                     reload_interval_s=0.0)
    yield products, documents
    products.close()
    documents.close()


@pytest.fixture
def run(store: CatalogStore, settings: Settings, indexes: Any, catalog_dir: Path) -> Any:
    products, documents = indexes

    def ingest(path: Path, **kw: Any) -> IngestReport:
        kw.setdefault("files_base", catalog_dir)
        return ingest_file(path, store, products, settings=settings, document_sink=documents,
                           **kw)

    return ingest


def test_local_documents_are_stored_extracted_and_linked(
        run: Any, store: CatalogStore, catalog_dir: Path, settings: Settings, indexes: Any) -> None:
    path = write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "B-1", "name": "Hex bolt M8",
         "documents": "datasheet:docs/bolt.pdf|certificate:docs/iso9001.pdf",
         "images": "img/bolt.jpg|https://cdn.example.com/b1.jpg", "media": "cad:cad/bolt.step"},
        {"sku": "B-2", "name": "Hex bolt M10", "documents": "certificate:docs/iso9001.pdf"},
        {"sku": "G-1", "name": "Nitrile gloves", "documents": "manual:docs/care.html"},
        {"sku": "R-1", "name": "Remote only", "documents": "datasheet:https://x.io/r.pdf"},
    ])
    report = run(path)
    assert report.exit_code == 0, report.entries
    assert report.documents == {"stored": 3, "linked": 4, "pages": 5, "no_text": 0, "remote": 1,
                                "media_stored": 2}
    b1 = store.get("B-1")
    assert b1 is not None
    ids = [d["document_id"] for d in b1["documents"]]
    assert b1["documents"][0]["url"] == f"/v1/documents/{ids[0]}/file"
    assert store.get("B-2")["documents"][0]["document_id"] == ids[1]  # the same file, once
    info = store.documents(ids)
    assert (info[ids[0]].filename, info[ids[0]].page_count, info[ids[0]].status) == (
        "bolt.pdf", 3, "ok")
    assert store.document_page(ids[0], 2) == "Tightening torque 25 Nm; zymurgy tested"
    assert FileStore(settings.data_dir / "files").exists(info[ids[0]].sha256)
    stored_image, remote_image = b1["images"]
    assert stored_image.startswith("/v1/media/") and remote_image == "https://cdn.example.com/b1.jpg"
    assert b1["media"][0]["kind"] == "cad" and b1["media"][0]["url"].startswith("/v1/media/")
    assert "zymurgy" in b1["document_text"]  # what product search reads
    _, documents = indexes
    found = documents.search(DocumentQuery(words=("zymurgy",)))
    assert [(h.document_id, [p.page for p in h.pages]) for h in found.hits] == [(ids[0], [2])]


def test_unchanged_files_change_nothing_and_a_new_version_replaces_the_old(
        run: Any, store: CatalogStore, catalog_dir: Path, indexes: Any) -> None:
    path = write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "B-1", "name": "Hex bolt M8", "documents": "datasheet:docs/bolt.pdf"}])
    run(path)
    first = store.get("B-1")["documents"][0]["document_id"]
    again = run(path)
    assert (again.unchanged, again.updated, again.documents["stored"]) == (1, 0, 0)
    pdf(catalog_dir / "docs/bolt.pdf", ["Hex bolt datasheet, revision 2", "torque 30 Nm"])
    changed = run(path)
    assert (changed.updated, changed.documents["stored"], changed.documents["removed"]) == (1, 1, 1)
    second = store.get("B-1")["documents"][0]["document_id"]
    assert second != first and store.documents([first]) == {}  # the orphan is gone
    _, documents = indexes
    assert documents.search(DocumentQuery(words=("zymurgy",))).total == 0
    assert documents.search(DocumentQuery(words=("revision",))).hits[0].document_id == second


def test_bad_files_reject_their_row_and_scans_are_reported(
        run: Any, store: CatalogStore, catalog_dir: Path) -> None:
    path = write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "OK-1", "name": "Fine", "documents": "datasheet:docs/bolt.pdf"},
        {"sku": "SC-1", "name": "Scanned", "documents": "declaration:docs/declaration-scan.pdf"},
        {"sku": "SC-2", "name": "Scanned too", "documents": "docs/declaration-scan.pdf"},
        {"sku": "BR-1", "name": "Broken", "documents": "datasheet:docs/broken.pdf"},
        {"sku": "PW-1", "name": "Protected", "documents": "docs/secret.pdf"},
        {"sku": "MI-1", "name": "Missing", "documents": "docs/nope.pdf"},
        {"sku": "TY-1", "name": "Word file", "documents": "cad/bolt.step"},
        {"sku": "IM-1", "name": "Not an image", "images": "img/not-an-image.jpg"},
        {"sku": "SC-3", "name": "Scan and missing",
         "documents": "docs/declaration-scan.pdf|docs/nope.pdf"},
    ])
    report = run(path)
    assert report.exit_code == 3 and report.accepted == 3
    got = entries(report)
    assert got[0][:2] == (5, "documents") and got[0][2].startswith("not a readable PDF (")
    assert got[1:] == [
        (6, "documents", "password-protected PDF: its text cannot be read; attach an "
                         "unprotected copy"),
        (7, "documents", "file not found"),
        (8, "documents", "unsupported document type '.step': PDF, HTML or text files have "
                         "their text extracted"),
        (9, "images", "not an image Pillow can read (JPEG, PNG, WebP, GIF, TIFF...)"),
        (10, "documents", "file not found")]
    assert [n._asdict() for n in report.notices] == [{
        "row": 3, "sku": "SC-1", "file": "docs/declaration-scan.pdf",
        "reason": "no text layer (a scanned document?): 2 pages listed on the product card but "
                  "not searchable; linked to 1 more product"}]  # SC-3 was rejected
    assert report.documents["no_text"] == 1
    assert store.get("SC-1")["documents"][0]["document_id"] is not None
    assert store.get("BR-1") is None and store.get("OK-1") is not None


def test_an_upload_cannot_name_local_files(run: Any, catalog_dir: Path, store: CatalogStore
                                           ) -> None:
    path = write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "A-1", "name": "Sneaky", "documents": "/etc/passwd"},
        {"sku": "A-2", "name": "Fine", "documents": "https://x.io/a.pdf"}])
    report = run(path, files_base=None)
    assert entries(report) == [(2, "documents", "a local file path: only files on this "
                                "machine can be read, with `discovery ingest` or `discovery "
                                "documents import`; link documents and media of an uploaded "
                                "catalog by http(s) URL")]
    assert store.get("A-2") is not None


def test_titles_from_a_json_cell(run: Any, catalog_dir: Path, store: CatalogStore) -> None:
    cell = orjson.dumps([{"kind": "certificate", "title": "ISO 9001 Zertifikat",
                          "path": "docs/iso9001.pdf"}]).decode()
    run(write_catalog(catalog_dir / "catalog.csv", [{"sku": "T-1", "name": "Titled",
                                                     "documents": cell}]))
    assert store.get("T-1")["documents"][0]["title"] == "ISO 9001 Zertifikat"


def test_a_word_only_in_a_datasheet_finds_the_product_below_a_name_match(
        run: Any, catalog_dir: Path, indexes: Any) -> None:
    run(write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "B-1", "name": "Hex bolt M8", "documents": "datasheet:docs/bolt.pdf"},
        {"sku": "Z-1", "name": "Zymurgy starter kit"},
        {"sku": "N-1", "name": "Hex nut M8"},
    ]))
    products, _ = indexes
    service = SearchService(products, Settings(), load_config("lexical"))
    hits = service.search(SearchRequest(q="zymurgy", facets=[]))["hits"]
    assert [h["sku"] for h in hits] == ["Z-1", "B-1"]
    assert hits[0]["score"] > 3 * hits[1]["score"]  # documents weigh 0.3, names 3
    strict = SearchService(products, Settings(), load_config("strict"))
    assert [h["sku"] for h in strict.search(SearchRequest(q="salt spray", facets=[]))["hits"]
            ] == ["B-1"]


# -- documents manifests -------------------------------------------------------------------
def write_manifest(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "kind", "title", "path"])
        writer.writerows(rows)
    return path


def test_manifest_attaches_documents_and_keeps_them_across_catalog_ingests(
        run: Any, store: CatalogStore, catalog_dir: Path, settings: Settings, indexes: Any) -> None:
    catalog = write_catalog(catalog_dir / "catalog.csv", [
        {"sku": "B-1", "name": "Hex bolt M8", "documents": "datasheet:https://x.io/b1.pdf"},
        {"sku": "B-2", "name": "Hex bolt M10"}])
    run(catalog)
    products, documents = indexes
    manifest = write_manifest(catalog_dir / "manifest.csv", [
        ("B-1", "certificate", "ISO 9001", "docs/iso9001.pdf"),
        ("B-2", "certificate", "ISO 9001", "docs/iso9001.pdf"),
        ("B-2", "datasheet", "Datasheet M10", "docs/bolt.pdf"),
        ("NOPE", "datasheet", "", "docs/bolt.pdf"),
        ("B-1", "offer", "", "docs/secret.pdf"),
        ("B-2", "", "", ""),
    ])
    report = import_manifest(manifest, store, products, document_sink=documents,
                             settings=settings)
    assert (report.accepted, report.rejected, report.updated) == (3, 3, 2)
    assert entries(report) == [
        (5, "sku", "no product with this SKU in the catalog"),
        (6, "path", "password-protected PDF: its text cannot be read; attach an unprotected "
                    "copy"),
        (7, "path", "required value is empty")]
    b1 = store.get("B-1")
    assert [(d["kind"], d["title"]) for d in b1["documents"]] == [
        ("datasheet", None), ("certificate", "ISO 9001")]
    assert [d["title"] for d in store.get("B-2")["documents"]] == ["ISO 9001", "Datasheet M10"]
    service = SearchService(products, Settings(), load_config("lexical"))
    assert {h["sku"] for h in service.search(SearchRequest(q="zymurgy", facets=[]))["hits"]} == {
        "B-2"}  # the product index took the manifest's documents
    run(catalog)  # the catalog again: its own links are replaced, the manifest's stay
    assert [d["title"] for d in store.get("B-2")["documents"]] == ["ISO 9001", "Datasheet M10"]
    assert {h["sku"] for h in service.search(SearchRequest(q="zymurgy", facets=[]))["hits"]} == {
        "B-2"}
    again = import_manifest(manifest, store, products, document_sink=documents,
                            settings=settings)
    assert again.documents["stored"] == 0 and len(store.get("B-2")["documents"]) == 2
    smaller = write_manifest(catalog_dir / "manifest2.csv", [
        ("B-2", "datasheet", "Datasheet M10", "docs/bolt.pdf")])
    import_manifest(smaller, store, products, document_sink=documents, settings=settings)
    assert [d["title"] for d in store.get("B-2")["documents"]] == ["Datasheet M10"]


def test_manifest_without_a_path_column_is_fatal(store: CatalogStore, tmp_path: Path,
                                                 settings: Settings) -> None:
    path = tmp_path / "m.csv"
    path.write_text("sku,title\nB-1,x\n")
    report = import_manifest(path, store, settings=settings)
    assert report.exit_code == 2 and "missing: path" in str(report.fatal.detail)
