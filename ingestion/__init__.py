"""Catalog files into the store: readers (CSV, XLSX/XLS, JSON, JSON Lines), column
mappings, validation against the attribute registry, row-level reports, and the pipeline
that hands changed products to an index sink."""

from ingestion.attachments import Attachments, DocumentSink
from ingestion.mapping import Mapping, load_mapping
from ingestion.pipeline import IndexSink, Progress, SeenSkus, ingest_file
from ingestion.readers import RowReader, detect_encoding, open_reader, sniff_delimiter
from ingestion.report import IngestReport, ReportEntry
from ingestion.validate import RowValidator
from ingestion.values import CellError, gs1_check_digit

__all__ = [
    "Attachments", "CellError", "DocumentSink", "IndexSink", "IngestReport", "Mapping", "Progress", "ReportEntry", "RowReader",
    "RowValidator", "SeenSkus", "detect_encoding", "gs1_check_digit", "ingest_file",
    "load_mapping", "open_reader", "sniff_delimiter",
]
