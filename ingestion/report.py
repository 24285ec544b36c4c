"""The row-level report: every rejected row with every reason, never a silent drop.

A million-row file with a systematic mistake produces a million entries, so the report
keeps only the first ``max_entries`` in memory (for the API response and the CLI summary)
while counting all, and can stream all of them to a CSV file as they are found.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from catalog.errors import IngestFatal

REPORT_COLUMNS = ("row", "column", "value", "reason")
VALUE_CHARS = 200

EXIT_OK = 0
EXIT_FATAL = 2
EXIT_REJECTED = 3


class ReportEntry(NamedTuple):
    """One problem of one row; row 0 is the file as a whole."""

    row: int
    column: str
    value: str
    reason: str


class Notice(NamedTuple):
    """Something the seller should know about an accepted row: a document without a text
    layer (a scan: listed on the product card, not searchable), pages left unread."""

    row: int
    sku: str
    file: str
    reason: str


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def excel_safe(text: str) -> str:
    """The report is opened in a spreadsheet by the person whose file was rejected for
    carrying formulas; echoing them back verbatim would run them there."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


class ReportWriter:
    """Streams entries to a CSV file (UTF-8 with BOM, so Excel shows umlauts)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(REPORT_COLUMNS)

    def write(self, entry: ReportEntry) -> None:
        self._csv.writerow((entry.row, excel_safe(entry.column), excel_safe(entry.value),
                            excel_safe(entry.reason)))

    def close(self) -> None:
        self._file.close()


@dataclass
class IngestReport:
    path: str = ""
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    seconds: float = 0.0
    entries: list[ReportEntry] = field(default_factory=list)
    entries_total: int = 0
    max_entries: int = 10_000
    fatal: IngestFatal | None = None
    stopped_at_row: int | None = None
    """Set when a fatal error interrupted the rows: the row being read. Rows in batches
    before it are stored; nothing of the batch that contains it is."""
    report_path: Path | None = None
    notices: list[Notice] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)
    """Attached files: ``stored`` (new documents extracted), ``linked`` (links to stored
    documents), ``pages`` (pages extracted), ``no_text`` (documents without a text layer),
    ``remote`` (links to http(s) URLs, not fetched), ``media_stored`` (image and media files)."""
    _writer: ReportWriter | None = field(default=None, repr=False, compare=False)

    def add(self, entry: ReportEntry) -> None:
        self.entries_total += 1
        if len(self.entries) < self.max_entries:
            self.entries.append(entry)
        if self._writer is not None:
            self._writer.write(entry)

    def stream_to(self, path: str | Path) -> None:
        self._writer = ReportWriter(path)
        self.report_path = self._writer.path

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def entries_truncated(self) -> bool:
        return self.entries_total > len(self.entries)

    @property
    def exit_code(self) -> int:
        """What the CLI exits with: 0 all accepted, 3 some rows rejected, 2 fatal."""
        if self.fatal is not None:
            return EXIT_FATAL
        return EXIT_REJECTED if self.rejected else EXIT_OK

    def raise_for_fatal(self) -> None:
        if self.fatal is not None:
            raise self.fatal

    def write_report(self, path: str | Path) -> Path:
        """The report as CSV (row, column, value, reason). If the entries were streamed to a
        file during the ingest, that complete file is copied; otherwise the entries kept in
        memory are written, with a last line saying how many were not kept."""
        path = Path(path)
        if self.report_path is not None and self._writer is None:
            if self.report_path.resolve() != path.resolve():
                path.write_bytes(self.report_path.read_bytes())
            return path
        writer = ReportWriter(path)
        try:
            for entry in self.entries:
                writer.write(entry)
            if self.entries_truncated:
                missing = self.entries_total - len(self.entries)
                writer.write(ReportEntry(0, "", "", f"{missing} more entries were not kept in "
                                                    "memory; ingest with report_path to get all"))
        finally:
            writer.close()
        return path

    def to_dict(self) -> dict[str, Any]:
        """The summary the API returns and the CLI prints (entries as lists, capped)."""
        return {
            "path": self.path, "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "rows_read": self.rows_read, "accepted": self.accepted,
            "rejected": self.rejected, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "deleted": self.deleted,
            "seconds": round(self.seconds, 3), "exit_code": self.exit_code,
            "fatal": self.fatal.to_dict() if self.fatal is not None else None,
            "stopped_at_row": self.stopped_at_row, "entries_total": self.entries_total,
            "entries": [e._asdict() for e in self.entries],
            "documents": dict(self.documents),
            "notices": [n._asdict() for n in self.notices],
        }
