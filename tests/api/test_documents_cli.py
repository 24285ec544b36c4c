"""``discovery ingest`` with local files, ``discovery documents import/search/gc`` and
``discovery reindex``, as an operator runs them."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

from tests.api.conftest import DISCOVERY
from tests.ingestion.document_factory import image, pdf, scanned_pdf


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCOVERY_DATABASE_URL"}
    env.update(DISCOVERY_DATA_DIR=str(data_dir), DISCOVERY_SEMANTIC_SEARCH="false")
    return subprocess.run([DISCOVERY, *args], capture_output=True, text=True, env=env,
                          timeout=120)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_documents_commands(tmp_path: Path) -> None:
    data, supplier = tmp_path / "data", tmp_path / "supplier"
    pdf(supplier / "docs/pump.pdf", ["Circulation pump datasheet", "Flow rate 3.5 m3/h, "
                                     "head 6 m, quiet bearing of ceramic"])
    scanned_pdf(supplier / "docs/scan.pdf", pages=1)
    image(supplier / "img/pump.jpg")
    header = ["sku", "name", "documents", "images"]
    catalog = _csv(supplier / "catalog.csv", header, [
        ["P-1", "Circulation pump 25-60", "datasheet:docs/pump.pdf", "img/pump.jpg"],
        ["P-2", "Pump fitting set", "", ""]])
    done = _run(data, "ingest", str(catalog), "--no-embed")
    assert done.returncode == 0, done.stderr
    assert "documents: stored=1 linked=1 pages=2" in " ".join(done.stderr.split())

    manifest = _csv(supplier / "manifest.csv", ["sku", "kind", "title", "path"], [
        ["P-2", "declaration", "Declaration (scan)", "docs/scan.pdf"],
        ["P-3", "datasheet", "", "docs/pump.pdf"]])
    done = _run(data, "documents", "import", str(manifest))
    text = " ".join(done.stderr.split())
    assert done.returncode == 3, done.stderr  # one row rejected, the other imported
    assert "row 3, sku: no product with this SKU in the catalog" in text
    assert "notice: row 2, SKU P-2, docs/scan.pdf: no text layer" in text

    found = _run(data, "documents", "search", "ceramic bearing", "--json")
    body = json.loads(found.stdout)
    assert [(h["products"][0]["sku"], h["page"]) for h in body["hits"]] == [("P-1", 2)]
    reindexed = " ".join(_run(data, "reindex").stderr.split())
    assert "indexed 2 products and 2 documents" in reindexed
    again = json.loads(_run(data, "documents", "search", "ceramic", "--json").stdout)
    assert again["total"] == 1

    # the image is dropped from the catalog: gc deletes the file nothing uses any more
    _csv(catalog, header, [["P-1", "Circulation pump 25-60", "datasheet:docs/pump.pdf", ""],
                           ["P-2", "Pump fitting set", "", ""]])
    assert _run(data, "ingest", str(catalog), "--no-embed").returncode == 0
    files = [p for p in (data / "files").rglob("*") if p.is_file()]
    assert len(files) == 3  # the datasheet, the scan, the unused image
    gc = _run(data, "documents", "gc", "--json")
    assert json.loads(gc.stdout) == {"documents_removed": 0, "files_removed": 1}
    assert len([p for p in (data / "files").rglob("*") if p.is_file()]) == 2
