"""The ingest pipeline: file -> reader -> validation -> store (batches) -> index sink.

Failure semantics, in order of likelihood:

* A rejected row never stops the file; it is reported with every reason.
* A fatal problem of the whole file (unreadable, undecodable, malformed CSV quoting, a
  missing required column, a bad mapping) is found by :func:`open_reader` and the
  validator *before* the first write: nothing is written and the report has exit code 2.
* A fatal problem found mid-file (only possible when the file changes while it is read)
  stops the ingest: batches already stored stay stored and indexed (each batch is one
  store transaction; the store is the source of truth and a re-ingest of the fixed file
  converges), the batch being read is not stored, ``stopped_at_row`` says where it
  stopped, and ``delete_missing`` is skipped because the file was not seen whole.
* Store or sink errors are not file problems: they propagate. The sink is still
  committed for the batches the store already holds, because the store's change
  detection would never send those records again.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Empty
from typing import Any, NamedTuple, Protocol, runtime_checkable

from catalog.errors import IngestFatal
from catalog.files import FileStore
from catalog.iterutil import batched
from catalog.settings import Settings, get_settings
from catalog.store import CatalogStore
from ingestion.attachments import Attachments, DocumentSink, has_local_files
from ingestion.mapping import Mapping
from ingestion.readers import open_reader
from ingestion.report import IngestReport, ReportEntry, shown
from ingestion.validate import Record, RowValidator

Progress = Callable[[int, int, int], None]
"""progress(rows_done, bytes_done, bytes_total), called after every batch."""

COMMIT_EVERY = 100_000
"""Changed records between two sink commits: bounds the index writer's pending work and
makes a long ingest searchable as it goes."""

_SQL_CHUNK = 500
_DELETE_CHUNK = 5_000


@runtime_checkable
class IndexSink(Protocol):
    """Where changed products go after the store has them (the search backend fits)."""

    def index_changed(self, records: list[dict[str, Any]]) -> None: ...

    def delete(self, skus: list[str]) -> None: ...

    def commit(self) -> None: ...


class SeenSkus:
    """The SKUs of the file so far, with the row each first appeared in.

    Kept in a scratch SQLite file, not a Python set: a million SKUs cost ~100 MB as a
    dict but only SQLite's small page cache here, and duplicate checks run per batch.
    """

    def __enter__(self) -> SeenSkus:
        self._dir = tempfile.TemporaryDirectory(prefix="discovery-ingest-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (sku TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()
        self._dir.cleanup()

    def _lookup(self, skus: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for i in range(0, len(skus), _SQL_CHUNK):
            chunk = skus[i : i + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"SELECT sku, row FROM seen WHERE sku IN ({marks})", chunk))
        return found

    def add(self, pairs: list[tuple[str, int]]) -> dict[int, int]:
        """Record (sku, row) pairs; returns {row: first row} for the duplicates among them."""
        known = self._lookup(list({sku for sku, _ in pairs}))
        duplicates: dict[int, int] = {}
        new: list[tuple[str, int]] = []
        for sku, row in pairs:
            first = known.get(sku)
            if first is None:
                known[sku] = row
                new.append((sku, row))
            else:
                duplicates[row] = first
        self._db.executemany("INSERT INTO seen VALUES (?, ?)", new)
        self._db.commit()
        return duplicates

    def missing(self, skus: list[str]) -> list[str]:
        found = self._lookup(skus)
        return [s for s in skus if s not in found]


Validated = tuple[int, Record, list[ReportEntry]]
"""(row number, record, problems) of one row."""


class _Header(NamedTuple):
    format: str
    encoding: str | None
    delimiter: str | None
    sku_column: str
    bytes_total: int
    columns: dict[str, str]  # source columns of documents, images, media (for the report)


def _validated(path: str | Path, mapping: Mapping, settings: Settings, batch_size: int
               ) -> Iterator[_Header | tuple[list[Validated], int]]:
    """Read and validate: first the header, then (batch, bytes read so far). A fatal problem
    raises IngestFatal with ``row`` set to the row being read (0 before the first row)."""
    row = 0
    try:
        with open_reader(path, mapping) as reader:
            validator = RowValidator(reader.columns, mapping, settings,
                                     fixed_header=reader.fixed_header)
            yield _Header(reader.format, reader.encoding, reader.delimiter,
                          validator.source_of["sku"], reader.bytes_total,
                          {f: validator.source_of[f] for f in ("documents", "images", "media")
                           if f in validator.source_of})
            validate = validator.validate
            batch: list[Validated] = []
            for row, raw in reader:
                record, problems = validate(row, raw)
                batch.append((row, record, problems))
                if len(batch) >= batch_size:
                    yield batch, reader.bytes_done()
                    batch = []
            if batch:
                yield batch, reader.bytes_done()
    except IngestFatal as exc:
        exc.row = row  # type: ignore[attr-defined]
        raise


def _produce(path: str, mapping: Mapping, settings: Settings, batch_size: int,
             queue: Any) -> None:
    """The reading and validating half of a parallel ingest, in its own process."""
    try:
        for item in _validated(path, mapping, settings, batch_size):
            queue.put(("item", item))
        queue.put(("end", None))
    except IngestFatal as exc:
        queue.put(("fatal", (str(exc.detail), exc.field, getattr(exc, "row", 0))))
    except BaseException as exc:  # anything else: the parent re-raises it as it is
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def _validated_in_process(path: str | Path, mapping: Mapping, settings: Settings,
                          batch_size: int) -> Iterator[Any]:
    """The same items as :func:`_validated`, produced by a child process so that reading and
    validation run on one core while the store and the index take the other."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue(maxsize=4)  # bounded: memory stays flat whatever the file size
    child = ctx.Process(target=_produce, args=(str(path), mapping, settings, batch_size, queue),
                        daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=1.0)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the ingest reader process died (exit code "
                                       f"{child.exitcode})") from None
                continue
            if kind == "item":
                yield payload
            elif kind == "end":
                return
            elif kind == "fatal":
                detail, field, row = payload
                exc = IngestFatal(detail, field=field)
                exc.row = row  # type: ignore[attr-defined]
                raise exc
            else:
                raise RuntimeError(payload)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)


class _Run:
    def __init__(self, store: CatalogStore, sink: IndexSink | None, report: IngestReport,
                 progress: Progress | None, attachments: Attachments | None = None) -> None:
        self.store = store
        self.sink = sink
        self.report = report
        self.progress = progress
        self.attachments = attachments
        self.current_row = 0
        self.uncommitted = 0
        self.columns: dict[str, str] = {}

    def rows(self, source: Iterator[tuple[list[Validated], int]], sku_column: str,
             seen: SeenSkus, bytes_total: int) -> None:
        for batch, bytes_done in source:
            self.current_row = batch[-1][0]
            self._flush(batch, seen, sku_column, bytes_done, bytes_total)

    def _flush(self, batch: list[Validated], seen: SeenSkus, sku_column: str, bytes_done: int,
               bytes_total: int) -> None:
        report = self.report
        attachments = self.attachments
        firsts = seen.add([(rec["sku"], row) for row, rec, _ in batch if rec["sku"] is not None])
        accepted: list[Record] = []
        for row, record, problems in batch:
            first = firsts.get(row)
            if first is not None:
                problems.append(ReportEntry(row, sku_column, shown(record["sku"]),
                                            f"duplicate SKU, first in row {first}"))
            if not problems and attachments is not None:
                if has_local_files(record):
                    problems = attachments.resolve(row, record, self.columns)
                elif record.get("documents"):
                    attachments.counts["remote"] += len(record["documents"])
            if problems:
                report.rejected += 1
                for problem in problems:
                    report.add(problem)
            else:
                accepted.append(record)
        result = self.store.upsert(accepted)
        report.rows_read += len(batch)
        report.accepted += len(accepted)
        report.created += len(result.created)
        report.updated += len(result.updated)
        report.unchanged += result.unchanged
        if attachments is not None:
            attachments.flush()
        if self.sink is not None and result.changed:
            if len(result.changed) == len(accepted):
                changed = accepted
            else:
                wanted = set(result.changed)
                changed = [r for r in accepted if r["sku"] in wanted]
            if attachments is not None and attachments.any_documents:
                # the documents' text (also of links a documents manifest made) for search
                texts = self.store.document_text([r["sku"] for r in changed])
                for r in changed:
                    r["document_text"] = texts.get(r["sku"], "")
            self.sink.index_changed(changed)
            self._pending(len(changed))
        if self.progress is not None:
            self.progress(report.rows_read, bytes_done, bytes_total)

    def delete_missing(self, seen: SeenSkus) -> None:
        """Keyset pagination over the store survives deleting what it has passed."""
        for skus in batched(self.store.iter_skus(), _DELETE_CHUNK):
            gone = seen.missing(skus)
            if not gone:
                continue
            self.report.deleted += self.store.delete(gone)
            if self.sink is not None:
                self.sink.delete(gone)
                self._pending(len(gone))

    def _pending(self, n: int) -> None:
        self.uncommitted += n
        if self.uncommitted >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        if self.sink is not None and self.uncommitted:
            self.uncommitted = 0
            self.sink.commit()


def ingest_file(
    path: str | Path,
    store: CatalogStore,
    sink: IndexSink | None = None,
    mapping: Mapping | None = None,
    settings: Settings | None = None,
    delete_missing: bool = False,
    progress: Progress | None = None,
    *,
    report_path: str | Path | None = None,
    max_entries: int = 10_000,
    files_base: Path | None = None,
    document_sink: DocumentSink | None = None,
    files: FileStore | None = None,
) -> IngestReport:
    """Ingest one catalog file. Never raises for problems of the file: they are in the
    report (``report.fatal``, ``report.exit_code``; ``report.raise_for_fatal()`` for the
    API). ``report_path`` streams every entry to a CSV file as it is found; memory keeps
    the first ``max_entries``.

    ``delete_missing`` removes products whose SKU is not in the file. SKUs of rejected
    rows count as present: a typo in a price must not delete the product.

    Documents and media given as local paths are read relative to ``files_base`` (the
    catalog file's folder for ``discovery ingest``; None refuses local paths, as for an
    upload), stored under ``<data_dir>/files`` (or ``files``) and their text extracted;
    ``document_sink`` (the document index) receives the new documents.
    """
    settings = settings or get_settings()
    mapping = mapping or Mapping()
    report = IngestReport(path=str(path), max_entries=max_entries)
    started = time.perf_counter()
    attachments = Attachments(store, settings, report, base_dir=files_base, sink=document_sink,
                              files=files)
    run = _Run(store, sink, report, progress, attachments)
    source: Iterator[Any] | None = None
    try:
        if report_path is not None:
            report.stream_to(report_path)
        batch_size = max(1, settings.ingest_batch_size)
        if not Path(path).is_file():
            raise IngestFatal(f"{path}: {'not a file' if Path(path).exists() else 'no such file'}",
                              field="file")
        parallel = Path(path).stat().st_size >= settings.ingest_parallel_min_mb * 1_000_000
        items = (_validated_in_process if parallel else _validated)(path, mapping, settings,
                                                                     batch_size)
        source = iter(items)
        header = next(source)
        assert isinstance(header, _Header)
        report.format, report.encoding, report.delimiter = header[:3]
        run.columns = header.columns
        with SeenSkus() as seen:
            run.rows(source, header.sku_column, seen, header.bytes_total)  # type: ignore[arg-type]
            if delete_missing:
                if report.rows_read == 0:
                    raise IngestFatal("the file has no rows: --delete-missing would delete the "
                                      "whole catalog; nothing was deleted", field="delete_missing")
                run.delete_missing(seen)
    except IngestFatal as exc:
        report.fatal = exc
        row = getattr(exc, "row", 0) or run.current_row
        if row:
            report.stopped_at_row = row
        report.add(ReportEntry(row, exc.field or "", "", str(exc.detail)))
    finally:
        try:
            if source is not None:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
            run.commit()
        finally:
            try:
                # documents stored by the batches that were written; a fatal file stores none
                attachments.finish(collect_orphans=report.rows_read > 0)
            finally:
                report.close()
                report.seconds = time.perf_counter() - started
    return report

