"""Documents and media over HTTP (S2, P1, P2), against a real server: the product card's
documents and media, document search with page numbers, files, thumbnails and the PDF sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.api.conftest import serve
from tests.ingestion.document_factory import image, pdf, scanned_pdf, truncated_jpeg

pytestmark = pytest.mark.integration

NAME = "Sechskantschraube DIN 933 Ø 8 – Größe M8, Łódź edition"


def _catalog(folder: Path) -> Path:
    pdf(folder / "docs/bolt.pdf", ["Hex bolt datasheet page one",
                                   "Tightening torque 25 Nm, zymurgy tested",
                                   "Storage and handling"])
    scanned_pdf(folder / "docs/scan.pdf", pages=1)
    image(folder / "img/bolt.jpg", size=(640, 480))
    image(folder / "img/drawing.png", size=(300, 200), fmt="PNG", colour=(250, 250, 250))
    truncated_jpeg(folder / "img/cut.jpg")
    (folder / "cad").mkdir()
    (folder / "cad/bolt.step").write_text("ISO-10303-21;")
    media = orjson.dumps([
        {"kind": "video", "url": "https://cdn.example.com/v/bolt.mp4", "title": "Installation"},
        {"kind": "diagram", "path": "img/drawing.png", "title": "Dimension drawing"},
        {"kind": "cad", "path": "cad/bolt.step", "title": "STEP model"}]).decode()
    rows = [
        {"sku": "FAS-1", "name": NAME, "brand": "Fixora", "mpn": "933-0840", "gtin":
         "4006381333931", "price_per_piece": "0.12", "price_per_package": "12", "currency":
         "EUR", "pieces_per_package": "100", "material": "steel", "weight_kg": "0.02",
         "description": "Hex bolt with full thread, zinc plated.",
         "documents": "datasheet:docs/bolt.pdf|certificate:docs/scan.pdf",
         "images": "img/bolt.jpg", "media": media},
        {"sku": "FAS-2", "name": "Hex nut M8", "brand": "Fixora", "images": "img/cut.jpg"},
        {"sku": "FAS-3", "name": "Plain washer M8", "documents": "https://x.io/washer.pdf"},
    ]
    path = folder / "catalog.csv"
    columns = sorted({k for r in rows for k in r})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from api.container import build_services
    from catalog.settings import Settings
    from ingestion import ingest_file

    data = tmp_path_factory.mktemp("documents-server")
    catalog = _catalog(tmp_path_factory.mktemp("supplier"))
    settings = Settings(data_dir=data, semantic_search=False, analytics_enabled=False)
    svc = build_services(settings)
    try:
        report = ingest_file(catalog, svc.store, svc.backend, settings=settings,
                             files_base=catalog.parent, document_sink=svc.documents,
                             files=svc.files)
        assert report.exit_code == 0, report.entries
        assert [n.sku for n in report.notices] == ["FAS-1"]  # the scan
    finally:
        svc.close()
    with serve(data, DISCOVERY_SEMANTIC_SEARCH="false", DISCOVERY_SEARCH_CONFIG="lexical",
               DISCOVERY_INDEX_RELOAD_INTERVAL_S="0") as url:
        yield url


def test_product_card_lists_documents_and_media_by_type(docs_server: str) -> None:
    card = httpx.get(f"{docs_server}/v1/products/FAS-1").json()
    datasheet, scan = card["documents"]
    assert (datasheet["kind"], datasheet["title"], datasheet["pages"], datasheet["searchable"],
            datasheet["media_type"]) == ("datasheet", "bolt.pdf", 3, True, "application/pdf")
    assert datasheet["download_url"] == f"{docs_server}/v1/documents/{datasheet['id']}/file"
    assert (scan["kind"], scan["searchable"], scan["pages"]) == ("certificate", False, 1)
    assert [c["id"] for c in card["certificates"]] == [scan["id"]]
    media = card["media"]
    assert set(media) == {"image", "video", "diagram", "cad", "other"}
    (photo,) = media["image"]
    assert photo["thumbnail_url"] == f"{docs_server}/v1/media/{photo['id']}/thumbnail?size=200"
    assert media["video"] == [{"id": None, "kind": "video", "title": "Installation",
                               "url": "https://cdn.example.com/v/bolt.mp4"}]
    assert media["diagram"][0]["title"] == "Dimension drawing"
    assert "thumbnail_url" in media["diagram"][0]
    assert media["cad"][0]["title"] == "STEP model" and "thumbnail_url" not in media["cad"][0]
    assert card["images"] == [photo["url"]]
    assert card["sheet_url"] == f"{docs_server}/v1/products/FAS-1.pdf"
    remote = httpx.get(f"{docs_server}/v1/products/FAS-3").json()["documents"][0]
    assert (remote["id"], remote["download_url"], remote["searchable"]) == (
        None, "https://x.io/washer.pdf", None)


def test_document_search_gives_the_product_page_and_snippet(docs_server: str) -> None:
    body = httpx.get(f"{docs_server}/v1/documents/search", params={"q": "zymurgy"}).json()
    assert (body["total"], body["relaxed"]) == (1, False)
    hit = body["hits"][0]
    assert (hit["kind"], hit["page"], hit["page_count"]) == ("datasheet", 2, 3)
    assert hit["page_url"].endswith(f"/v1/documents/{hit['document_id']}/file#page=2")
    assert "<em>zymurgy</em>" in hit["snippet"]
    assert hit["products"] == [{"sku": "FAS-1", "name": NAME}]
    relaxed = httpx.get(f"{docs_server}/v1/documents/search",
                        params={"q": "zymurgy nonexistentword"}).json()
    assert relaxed["relaxed"] is True and relaxed["total"] == 1
    assert httpx.get(f"{docs_server}/v1/documents/search",
                     params={"q": "zymurgy", "sku": "FAS-2"}).json()["total"] == 0
    # a scan has no text to find
    assert httpx.get(f"{docs_server}/v1/documents/search", params={"q": "certificate"}
                     ).json()["total"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"q": ""}, "q"), ({"q": "x", "page_size": "0"}, "page_size"),
    ({"q": "x", "pagesize": "3"}, "pagesize"), ({"q": "x", "page": "0"}, "page")])
def test_document_search_bad_requests(docs_server: str, params: dict[str, str], field: str
                                      ) -> None:
    resp = httpx.get(f"{docs_server}/v1/documents/search", params=params)
    assert resp.status_code == 400 and resp.json()["field"] == field


def test_document_details_and_file(docs_server: str) -> None:
    card = httpx.get(f"{docs_server}/v1/products/FAS-1").json()
    doc_id = card["documents"][0]["id"]
    details = httpx.get(f"{docs_server}/v1/documents/{doc_id}").json()
    assert (details["pages"], details["searchable"], details["products"][0]["sku"]) == (
        3, True, "FAS-1")
    resp = httpx.get(card["documents"][0]["download_url"])
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"].startswith("inline")
    assert httpx.get(f"{docs_server}/v1/documents/99999/file").status_code == 404
    assert httpx.get(f"{docs_server}/v1/documents/99999").json()["error"] == "NotFound"


def test_thumbnails(docs_server: str) -> None:
    from PIL import Image

    photo = httpx.get(f"{docs_server}/v1/products/FAS-1").json()["media"]["image"][0]
    for _ in range(2):  # made once, then served from the disk cache
        resp = httpx.get(photo["thumbnail_url"])
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
        assert "immutable" in resp.headers["cache-control"]
        assert Image.open(io.BytesIO(resp.content)).size == (200, 150)
    small = httpx.get(f"{docs_server}/v1/media/{photo['id']}/thumbnail", params={"size": 64})
    assert Image.open(io.BytesIO(small.content)).size == (64, 48)
    original = httpx.get(photo["url"])
    assert original.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(original.content)).size == (640, 480)


@pytest.mark.parametrize(("media", "size", "status", "error"), [
    ("photo", 201, 400, "InvalidInput"),
    ("cut", 200, 415, "BadImage"),
    ("cad", 200, 415, "BadImage"),
    ("0" * 64, 200, 404, "NotFound"),
    ("not-a-hash", 200, 400, "InvalidInput"),
])
def test_bad_thumbnail_requests(docs_server: str, media: str, size: int, status: int,
                                error: str) -> None:
    card = httpx.get(f"{docs_server}/v1/products/FAS-1").json()
    ids = {"photo": card["media"]["image"][0]["id"], "cad": card["media"]["cad"][0]["id"],
           "cut": httpx.get(f"{docs_server}/v1/products/FAS-2").json()["media"]["image"][0]["id"]}
    resp = httpx.get(f"{docs_server}/v1/media/{ids.get(media, media)}/thumbnail",
                     params={"size": size})
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == error


def test_search_hits_show_stored_images_as_thumbnails(docs_server: str) -> None:
    hits = httpx.get(f"{docs_server}/v1/search", params={"q": "hex nut", "facets": ""}
                     ).json()["hits"]
    nut = next(h for h in hits if h["sku"] == "FAS-2")
    assert nut["image"].startswith(f"{docs_server}/v1/media/") and nut["image"].endswith(
        "/thumbnail?size=200")
    algolia = httpx.post(f"{docs_server}/1/indexes/products/query",
                         json={"params": "query=hex%20nut"}).json()["hits"]
    assert next(h for h in algolia if h["objectID"] == "FAS-2")["image"] == nut["image"]
    # and the product is found by its datasheet's text, below name matches
    skus = [h["sku"] for h in httpx.get(f"{docs_server}/v1/search",
                                        params={"q": "zymurgy", "facets": ""}).json()["hits"]]
    assert skus == ["FAS-1"]


def test_product_sheet_pdf(docs_server: str) -> None:
    from pypdf import PdfReader

    resp = httpx.get(f"{docs_server}/v1/products/FAS-1.pdf")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert "X-Discovery-Transliterated" not in resp.headers
    reader = PdfReader(io.BytesIO(resp.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert NAME in flat  # Ø, –, ö, ß and Ł survive
    for fact in ("SKU FAS-1", "MPN 933-0840", "GTIN 4006381333931", "Fixora", "0.1200 EUR per piece",
                 "12.00 EUR per package of 100 pieces", "Specifications", "Documents",
                 "bolt.pdf datasheet, 3 pages", "STEP model"):
        assert fact in flat, fact
    assert reader.metadata.title == NAME
    images = [im for page in reader.pages for im in page.images]
    assert len(images) == 1  # the stored main image
    again = httpx.get(f"{docs_server}/v1/products/FAS-1.pdf",
                      headers={"If-None-Match": resp.headers["etag"]})
    assert again.status_code == 304  # unchanged: not rendered again
    missing = httpx.get(f"{docs_server}/v1/products/NOPE.pdf")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    assert httpx.get(f"{docs_server}/v1/products/FAS-2.pdf").status_code == 200  # bad image: no picture
