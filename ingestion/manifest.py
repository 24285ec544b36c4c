"""Documents manifests: attach documents to products already in the catalog, without touching
the catalog file (``discovery documents import manifest.csv``).

A manifest is a CSV (or XLSX, JSON, JSON Lines) with the columns ``sku``, ``kind``, ``title``
and ``path`` (or ``url``): one document per row; paths are relative to the manifest's folder.
For every SKU it names, the manifest's documents become exactly its rows (a second import of
the same manifest changes nothing; the catalog file's own documents stay). A rejected row
(unknown SKU, missing or unreadable file, encrypted PDF, ...) is reported and its SKU keeps
the manifest documents it had, plus the accepted rows: nothing is lost for a bad row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.errors import IngestFatal
from catalog.files import FileStore
from catalog.settings import Settings, get_settings
from catalog.store import CatalogStore
from ingestion.attachments import Attachments, DocumentSink
from ingestion.mapping import Mapping, normalise_name
from ingestion.pipeline import IndexSink
from ingestion.readers import ROW_ERROR, open_reader
from ingestion.report import IngestReport, ReportEntry, shown
from ingestion.values import CellError, _kind, is_local, location, text, to_text

COLUMNS = ("sku", "kind", "title", "path")
_ALIASES = {"url": "path", "file": "path", "link": "path", "type": "kind", "name": "title"}
_REINDEX_BATCH = 500


def import_manifest(
    path: str | Path,
    store: CatalogStore,
    sink: IndexSink | None = None,
    *,
    document_sink: DocumentSink | None = None,
    settings: Settings | None = None,
    files: FileStore | None = None,
    files_base: Path | None = None,
    report_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Import a documents manifest; never raises for problems of the file (see the report).
    ``files_base``: where relative paths start (default: the manifest's folder)."""
    settings = settings or get_settings()
    path = Path(path)
    report = IngestReport(path=str(path))
    started = time.perf_counter()
    attachments = Attachments(store, settings, report, sink=document_sink, files=files,
                              base_dir=files_base if files_base is not None else path.parent)
    links: dict[str, list[dict[str, Any]]] = {}
    keep_old: set[str] = set()
    try:
        if report_path is not None:
            report.stream_to(report_path)
        with open_reader(path, Mapping()) as reader:
            report.format, report.encoding, report.delimiter = (
                reader.format, reader.encoding, reader.delimiter)
            columns = _columns(reader.columns, reader.fixed_header)
            rows: list[tuple[int, dict[str, Any]]] = []
            for row, raw in reader:
                rows.append((row, raw))
                if len(rows) >= 500:
                    _rows(rows, columns, store, attachments, report, links, keep_old)
                    rows = []
                    if progress is not None:
                        progress(report.rows_read)
            _rows(rows, columns, store, attachments, report, links, keep_old)
        if links or keep_old:
            for sku in keep_old:  # a rejected row keeps what the SKU had
                old = store.manifest_links([sku]).get(sku, [])
                new = links.setdefault(sku, [])
                have = {d["url"] for d in new}
                new[:0] = [d for d in old if d["url"] not in have]
            store.replace_manifest_links(links)
            report.updated = len(links)
            if sink is not None:
                skus = sorted(links)
                for i in range(0, len(skus), _REINDEX_BATCH):
                    sink.index_changed(store.get_many(skus[i : i + _REINDEX_BATCH]))
                sink.commit()
    except IngestFatal as exc:
        report.fatal = exc
        report.add(ReportEntry(0, exc.field or "", "", str(exc.detail)))
    finally:
        try:
            attachments.finish(collect_orphans=report.fatal is None)
        finally:
            report.close()
            report.seconds = time.perf_counter() - started
    return report


def _columns(header: list[str], fixed: bool) -> dict[str, str]:
    """{field: source column}; a manifest without sku or path columns is refused."""
    found: dict[str, str] = {}
    for name in header:
        key = normalise_name(name)
        key = _ALIASES.get(key, key)
        if key in COLUMNS and key not in found:
            found[key] = name
    missing = [c for c in ("sku", "path") if c not in found]
    if missing and (fixed or not header):
        raise IngestFatal(f"a documents manifest needs the columns sku and path (or url), with "
                          f"kind and title optional; missing: {', '.join(missing)}",
                          field=missing[0])
    return found


def _rows(rows: list[tuple[int, dict[str, Any]]], columns: dict[str, str], store: CatalogStore,
          attachments: Attachments, report: IngestReport,
          links: dict[str, list[dict[str, Any]]], keep_old: set[str]) -> None:
    if not rows:
        return
    raw_skus = [to_text(raw.get(columns.get("sku", "sku")) or "").strip() for _, raw in rows]
    known = store.existing_skus([s for s in raw_skus if s])
    for (row, raw), sku in zip(rows, raw_skus, strict=True):
        report.rows_read += 1
        problems: list[ReportEntry] = []
        if ROW_ERROR in raw:
            problems.append(ReportEntry(row, "", "", str(raw[ROW_ERROR])))
        entry: dict[str, Any] = {}
        try:
            if not sku:
                raise CellError("required value is empty")
            if sku not in known:
                raise CellError("no product with this SKU in the catalog")
        except CellError as exc:
            problems.append(ReportEntry(row, columns.get("sku", "sku"), shown(sku), str(exc)))
        for field, parse in (("kind", lambda v: _kind(to_text(v), 40)),
                             ("title", lambda v: text(v, 300)),
                             ("path", location)):
            column = columns.get(field, field)
            value = raw.get(column)
            if value in (None, "") or (isinstance(value, str) and not value.strip()):
                if field == "path":
                    problems.append(ReportEntry(row, column, "", "required value is empty"))
                continue
            try:
                entry[field] = parse(value)
            except CellError as exc:
                problems.append(ReportEntry(row, column, shown(value), str(exc)))
        if not problems:
            link = {"kind": entry.get("kind") or "document", "url": entry["path"],
                    "title": entry.get("title"), "document_id": None}
            if is_local(link["url"]):
                try:
                    attachments.link_document(row, sku, link)
                except CellError as exc:
                    problems.append(ReportEntry(row, columns.get("path", "path"),
                                                shown(entry["path"]), str(exc)))
        if problems:
            report.rejected += 1
            for problem in problems:
                report.add(problem)
            if sku in known:
                keep_old.add(sku)
            continue
        report.accepted += 1
        mine = links.setdefault(sku, [])
        if all(d["url"] != link["url"] for d in mine):
            mine.append(link)
    attachments.flush()
