"""Readers: a catalog file as a stream of ``(row_number, {column: value})``.

Row numbers are what the seller sees: in CSV and spreadsheets the header is row 1 and the
first data row is row 2 (a spreadsheet row, so a quoted cell spanning lines is still one
row; blank rows are skipped but counted); in JSON Lines the line number; in a JSON array
the element's position (1-based).

Everything that can make the *whole* file unreadable is checked by :func:`open_reader`
before the first row is yielded, so that a fatal error never leaves half a file in the
store: text files are decoded completely once up front (a fast C-level pass, ~1 s per GB)
and CSV files are parsed once for structure. Only a file that changes while it is read
can still fail mid-way.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from catalog.errors import IngestFatal
from ingestion.mapping import Mapping

ROW_ERROR = "\x00row-error"
"""Key a reader puts into a row it could read but not split into cells; value: the reason."""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = CSV_SUFFIXES + SPREADSHEET_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES

JSON_MAX_BYTES = 100 * 1024 * 1024
"""A JSON array is parsed in one piece (several times its size in memory); beyond this
size the seller is asked for JSON Lines, which streams."""

CSV_FIELD_LIMIT = 16 * 1024 * 1024
"""Hard cap of one CSV cell while splitting (an unbalanced quote swallows the rest of the
file into one cell); the product limit ``max_cell_chars`` is checked per cell later."""

_CHUNK = 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_JSONL_KEY_SAMPLE = 1_000


class RowReader:
    """Base of all readers. ``columns`` is the header (JSON: keys seen up front)."""

    format = ""
    fixed_header = True
    """False for JSON: keys vary per object, so the columns are only those seen so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bytes_total = path.stat().st_size
        self.columns: list[str] = []
        self.encoding: str | None = None
        self.delimiter: str | None = None

    def bytes_done(self) -> int:
        return self.bytes_total

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file; readers are also context managers."""

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reader(path: str | Path, mapping: Mapping | None = None) -> RowReader:
    """Pick the reader by suffix and run every whole-file check; raises IngestFatal."""
    path = Path(path)
    mapping = mapping or Mapping()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestFatal(f"unsupported file type '{suffix or path.name}' (use "
                          f"{', '.join(SUFFIXES)})", field="file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestFatal(f"cannot read {path.name}: {exc.strerror}", field="file") from None
    if size == 0:
        raise IngestFatal("file is empty", field="file")
    if suffix in SPREADSHEET_SUFFIXES:
        return SpreadsheetReader(path, mapping)
    if suffix in JSON_SUFFIXES:
        return JsonReader(path, mapping)
    if suffix in JSONL_SUFFIXES:
        return JsonLinesReader(path, mapping)
    return CsvReader(path, mapping)


# -- encoding ---------------------------------------------------------------------------
def detect_encoding(path: Path, override: str | None = None) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, decided by decoding the whole file.

    Decoding a sample is not enough: exports are often ASCII for megabytes before the first
    'ä'. A file that is valid UTF-8 up to some point (with non-ASCII characters) and then
    isn't is a mix of encodings; guessing cp1252 for it would silently garble the first
    part, so it is fatal. Latin-1 is never a fallback: it decodes any binary garbage.
    """
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = override or "utf-16"
    else:
        _reject_binary(head)
        if override:
            encoding = override
        elif head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            error = _decode_scan(path, "utf-8")
            if error is None:
                return "utf-8"
            line, offset, mixed = error
            if mixed:
                raise IngestFatal(
                    f"invalid UTF-8 at line {line} (byte {offset}) of a file that is UTF-8 before "
                    "that: the file mixes encodings; save it again as UTF-8", field="encoding")
            cp_error = _decode_scan(path, "cp1252")
            if cp_error is None:
                return "cp1252"
            raise IngestFatal(
                f"cannot decode the file: not UTF-8 (invalid byte at line {line}) and not "
                f"Windows-1252/Latin-1 (invalid byte at line {cp_error[0]}); is it a text file?",
                field="encoding")
    error = _decode_scan(path, encoding)
    if error is not None:
        raise IngestFatal(f"cannot decode the file as {encoding}: invalid data at line {error[0]}",
                          field="encoding")
    return encoding


def _reject_binary(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise IngestFatal("this is a ZIP/XLSX file, not text: give it the suffix .xlsx",
                          field="file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestFatal("this is an XLS file, not text: give it the suffix .xls", field="file")
    if b"\x00" in head:
        raise IngestFatal("binary file (NUL bytes): expected CSV or JSON text", field="file")


def _decode_scan(path: Path, encoding: str) -> tuple[int, int, bool] | None:
    """None if the whole file decodes; else (line, byte offset, valid non-ASCII before)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    check_nul = "16" not in encoding and "32" not in encoding
    lines = 0
    pos = 0
    non_ascii = False
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                bad = exc.start
                offset = pos - len(pending) + bad
                before = data[:bad]
                return (lines + before.count(b"\n") + 1, offset,
                        non_ascii or not before.isascii())
            if not chunk:
                return None
            if check_nul and b"\x00" in chunk:
                line = lines + chunk[: chunk.index(b"\x00")].count(b"\n") + 1
                raise IngestFatal(f"binary data (NUL byte) at line {line}: expected CSV or JSON "
                                  "text", field="file")
            non_ascii = non_ascii or not chunk.isascii()
            lines += chunk.count(b"\n")
            pos += len(chunk)


class _TextFileReader(RowReader):
    def __init__(self, path: Path, mapping: Mapping) -> None:
        super().__init__(path)
        self.encoding = detect_encoding(path, mapping.encoding)
        self._file: io.TextIOWrapper | None = None
        self._raw: io.BufferedReader
        self._bytes_read = 0

    def _open(self) -> io.TextIOWrapper:
        self.close()
        self._raw = self.path.open("rb")
        self._file = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="",
                                      errors="strict")
        return self._file

    def bytes_done(self) -> int:
        if self._file is None:
            return self._bytes_read
        return min(self._raw.tell(), self.bytes_total)

    def close(self) -> None:
        if self._file is not None:
            self._bytes_read = self.bytes_done()
            self._file.close()
            self._file = None

    def _decode_failed(self, row: int, exc: UnicodeDecodeError) -> IngestFatal:
        return IngestFatal(f"the file changed while it was read: cannot decode after row {row} "
                           f"({exc.reason}); earlier batches were stored", field="encoding")


# -- CSV --------------------------------------------------------------------------------
class CsvReader(_TextFileReader):
    format = "csv"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        super().__init__(path, mapping)
        if csv.field_size_limit() < CSV_FIELD_LIMIT:
            csv.field_size_limit(min(CSV_FIELD_LIMIT, sys.maxsize))
        with path.open("r", encoding=self.encoding, newline="", errors="replace") as f:
            sample = f.read(_SNIFF_BYTES)
        self.delimiter = mapping.delimiter or sniff_delimiter(sample, path.suffix.lower())
        self._header_row = 0
        self.columns = self._scan()

    def _reader(self) -> Any:
        return csv.reader(self._open(), delimiter=self.delimiter or ",", quotechar='"',
                          doublequote=True, strict=False)

    def _scan(self) -> list[str]:
        """Find the header and split every record once, so that a malformed file is
        rejected before anything is written (≈1 s per million rows)."""
        header: list[str] | None = None
        n = 0
        reader = self._reader()
        try:
            for record in reader:
                n += 1
                if header is None and any(c.strip() for c in record):
                    header, self._header_row = record, n
        except csv.Error as exc:
            raise IngestFatal(f"row {n + 1}: {exc} (unbalanced quote?)", field="file") from None
        finally:
            self.close()
        if header is None:
            raise IngestFatal("file has no header row", field="file")
        return _header_names(header)

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        columns = self.columns
        width = len(columns)
        reader = self._reader()
        row_no = 0
        try:
            for record in reader:
                row_no += 1
                if row_no <= self._header_row:
                    continue
                if not any(record):
                    continue  # blank line or a row of empty cells (spreadsheet leftovers)
                row = dict(zip(columns, record, strict=False))
                if len(record) > width and any(c.strip() for c in record[width:]):
                    row[ROW_ERROR] = f"row has {len(record)} cells, the header has {width}"
                yield row_no, row
        except UnicodeDecodeError as exc:
            raise self._decode_failed(row_no, exc) from None
        except csv.Error as exc:
            raise IngestFatal(f"row {row_no + 1}: {exc}; earlier batches were stored",
                              field="file") from None
        finally:
            self.close()


def sniff_delimiter(sample: str, suffix: str = ".csv") -> str:
    """The candidate that splits the header into most cells and the following rows into
    the same number; csv.Sniffer guesses letters as delimiters on small samples."""
    records_by_delim = {}
    for delim in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delim, quotechar='"', strict=False)
        try:
            records = [r for r in itertools.islice(reader, 51) if r]
        except csv.Error:
            continue
        if len(records) > 2:
            records = records[:-1]  # the sample may cut the last record
        records_by_delim[delim] = records
    best, best_score = ("\t" if suffix == ".tsv" else ","), (0.0, 1)
    for delim, records in records_by_delim.items():
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistent = sum(len(r) == width for r in records) / len(records)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_names(cells: list[Any]) -> list[str]:
    from ingestion.values import to_text

    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells, 1):
        name = to_text(cell).strip() if cell is not None else ""
        name = name or f"column_{i}"
        if name in seen:
            raise IngestFatal(f"column '{name}' appears twice in the header", field=name)
        seen.add(name)
        names.append(name)
    return names


# -- spreadsheets -----------------------------------------------------------------------
class SpreadsheetReader(RowReader):
    """XLSX/XLS/ODS via calamine. calamine reads a whole sheet into its own (compact, Rust)
    memory when it is opened; rows become Python objects one at a time."""

    format = "spreadsheet"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        super().__init__(path)
        from python_calamine import CalamineWorkbook

        self._workbook: Any = None
        try:
            self._workbook = CalamineWorkbook.from_path(str(path))
            names = self._workbook.sheet_names
            if mapping.sheet is not None:
                if mapping.sheet not in names:
                    raise IngestFatal(f"no sheet named {mapping.sheet!r} (sheets: "
                                      f"{', '.join(names)})", field="sheet")
                self._sheet = self._workbook.get_sheet_by_name(mapping.sheet)
            else:
                self._sheet = self._workbook.get_sheet_by_index(0)
        except IngestFatal:
            raise
        except Exception as exc:  # calamine raises several unrelated types for broken files
            raise IngestFatal(f"cannot read the spreadsheet: {exc}", field="file") from None
        self.format = path.suffix.lower().lstrip(".")
        end = self._sheet.end
        self._rows_total = (end[0] + 1) if end else 1  # iter_rows starts at row 1, not at start
        self._rows_done = 0
        self._header_row = 0
        for i, row in enumerate(self._sheet.iter_rows(), 1):
            if any(c not in ("", None) for c in row):
                self.columns = _header_names(row)
                self._header_row = i
                break
        else:
            raise IngestFatal(f"sheet '{self._sheet.name}' is empty", field="file")

    def bytes_done(self) -> int:
        return self.bytes_total * min(self._rows_done, self._rows_total) // self._rows_total

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        columns = self.columns
        width = len(columns)
        for row_no, row in enumerate(self._sheet.iter_rows(), 1):
            self._rows_done = row_no
            if row_no <= self._header_row:
                continue
            cells = {c: v for c, v in zip(columns, row, strict=False) if v not in ("", None)}
            if not cells:
                continue
            if len(row) > width and any(v not in ("", None) for v in row[width:]):
                cells[ROW_ERROR] = f"row has {len(row)} cells, the header has {width}"
            yield row_no, cells

    def close(self) -> None:
        workbook = getattr(self, "_workbook", None)
        if workbook is not None:
            workbook.close()
            self._workbook = None


# -- JSON -------------------------------------------------------------------------------
def _keys(objects: Any) -> list[str]:
    seen: dict[str, None] = {}
    for obj in objects:
        if isinstance(obj, dict):
            seen.update(dict.fromkeys(obj))
    return list(seen)


class JsonReader(RowReader):
    """A top-level array of objects, parsed in one piece (bounded by JSON_MAX_BYTES)."""

    format = "json"
    fixed_header = False

    def __init__(self, path: Path, mapping: Mapping) -> None:
        super().__init__(path)
        if self.bytes_total > JSON_MAX_BYTES:
            raise IngestFatal(
                f"JSON file is {self.bytes_total // 2**20} MB; a JSON array may have at most "
                f"{JSON_MAX_BYTES // 2**20} MB: convert it to JSON Lines (.jsonl, one object "
                "per line), which is streamed", field="file")
        self.encoding = detect_encoding(path, mapping.encoding)
        text = path.read_text(encoding=self.encoding)
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise IngestFatal(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                              field="file") from None
        if not isinstance(data, list):
            raise IngestFatal("expected a JSON array of objects at the top level", field="file")
        self._objects: list[Any] | None = data
        self.columns = _keys(data)

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        objects, self._objects = self._objects or [], None  # let rows go as they are used
        for i, obj in enumerate(objects, 1):
            yield i, obj if isinstance(obj, dict) else {ROW_ERROR: "not a JSON object"}

    def close(self) -> None:
        self._objects = None


class JsonLinesReader(_TextFileReader):
    """One object per line, streamed. Its columns are the keys of the first objects; a
    column that only appears later is still read (the validator resolves it then)."""

    format = "jsonl"
    fixed_header = False

    def __init__(self, path: Path, mapping: Mapping) -> None:
        super().__init__(path, mapping)
        with path.open("r", encoding=self.encoding) as f:
            sample = [_parse_line(line) for line in itertools.islice(f, _JSONL_KEY_SAMPLE)]
        self.columns = [k for k in _keys(sample) if k != ROW_ERROR]

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        line_no = 0
        try:
            for line_no, line in enumerate(self._open(), 1):
                if line.strip():
                    yield line_no, _parse_line(line)
        except UnicodeDecodeError as exc:
            raise self._decode_failed(line_no, exc) from None
        finally:
            self.close()


def _parse_line(line: str) -> dict[str, Any]:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return {ROW_ERROR: f"invalid JSON: {exc.msg}"}
    return obj if isinstance(obj, dict) else {ROW_ERROR: "not a JSON object"}
