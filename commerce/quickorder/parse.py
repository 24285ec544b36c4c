"""Reading quick orders: pasted lines and uploaded shopping lists (.xlsx, .xls, .csv) become
rows of references (what names the product, and how) and raw quantities. Pure functions; the
matching against the catalog is :mod:`commerce.quickorder.service`'s.

Pasted text: one ``SKU qty`` per line, the two separated by spaces, tabs, commas or
semicolons. With commas, semicolons or tabs a third field is the line's note; with spaces only,
the quantity is the last field and everything before it the reference (``DIN 933 M8 25``). A first line of column names
(``qty;sku``) is read as a header, so pasted spreadsheet columns may come in any order.

Spreadsheets and CSV: the first row (of the first ten) with a recognised column name is the
header. Names are compared folded (case, accents, spaces and punctuation ignored), in English
and German and a few other languages: see :data:`HEADERS`. A file without recognisable
headers whose first columns look like ``reference, quantity`` is read as such.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.errors import InvalidInput
from catalog.text import fold

MAX_ROWS = 20_000
HEADER_SCAN = 10

# kind -> folded header names (letters and digits only)
HEADERS: dict[str, frozenset[str]] = {
    "sku": frozenset({
        "sku", "skus", "skunumber", "productsku", "oursku", "sellersku", "vendorsku",
        "supplierarticlenumber", "supplierpartnumber", "lieferantenartikelnummer"}),
    "customer": frozenset({
        "customerpartnumber", "customerpartno", "customerpn", "customersku",
        "customerarticlenumber", "customerarticleno", "customeritemnumber", "customeritemno",
        "ourpartnumber", "ourpartno", "mypartnumber", "internalpartnumber", "ownpartnumber",
        "kundenartikelnummer", "kundenartikelnr", "kundenteilenummer", "kundenmaterialnummer",
        "eigeneartikelnummer", "eigeneartikelnr", "interneartikelnummer"}),
    "mpn": frozenset({
        "mpn", "manufacturerpartnumber", "manufacturerpartno", "manufacturerpn", "mfrpartnumber",
        "mfrpartno", "mfrpn", "mfgpartnumber", "mfgpn", "manufacturernumber",
        "herstellerartikelnummer", "herstellerartikelnr", "herstellernummer",
        "herstellerteilenummer", "herstellerbestellnummer"}),
    "gtin": frozenset({
        "gtin", "gtin8", "gtin12", "gtin13", "gtin14", "ean", "ean8", "ean13", "eancode",
        "eannummer", "upc", "upccode", "barcode", "gtinean", "eangtin"}),
    "any": frozenset({
        "article", "articleno", "articlenumber", "articlenr", "articlecode", "art", "artno",
        "item", "itemno", "itemnumber", "itemcode", "itemid", "part", "partno", "partnumber",
        "pn", "product", "productno", "productnumber", "productcode", "productid", "code",
        "reference", "ref", "refno", "number", "no", "nr",
        "artikel", "artikelnummer", "artikelnr", "artnr", "bestellnummer", "bestellnr",
        "materialnummer", "materialnr", "teilenummer", "produktnummer", "nummer",
        "referencia", "articulo", "codigo", "codice", "articolo", "numerodarticle",
        "nodarticle", "artikelnummer1"}),
    "qty": frozenset({
        "qty", "qtys", "quantity", "quantities", "amount", "count", "pcs", "pieces", "units",
        "orderqty", "orderquantity", "qtyordered", "quantityordered", "numberofpieces",
        "menge", "anzahl", "stuck", "stueck", "stuckzahl", "stk", "bestellmenge", "mengestk",
        "quantite", "cantidad", "quantita", "ilosc", "aantal", "antal", "mnozstvi"}),
    "note": frozenset({
        "note", "notes", "comment", "comments", "remark", "remarks", "memo",
        "bemerkung", "bemerkungen", "kommentar", "notiz", "hinweis"}),
}
ID_KINDS = ("sku", "customer", "mpn", "gtin", "any")  # the order references are tried in
_KIND_OF = {name: kind for kind, names in HEADERS.items() for name in names}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_INT = re.compile(r"[0-9]+(?:[.,]0+)?")
_PASTE_SPLIT = re.compile(r"[\t;,]+")
_DELIMITED = re.compile(r"[\t;,]")


def header_key(name: Any) -> str:
    """'Part No.' -> 'partno', 'Mfr. Part #' -> 'mfrpartno', 'Stück' -> 'stuck'."""
    return _NOT_ALNUM.sub("", fold(str(name)).replace("#", "no")) if name is not None else ""


def column_kind(name: Any) -> str | None:
    """What a column holds, from its name: one of :data:`ID_KINDS`, ``qty``, ``note`` or
    None (ignored)."""
    key = header_key(name)
    if key in _KIND_OF:
        return _KIND_OF[key]
    # "Menge (Stk.)", "Quantity ordered", "Part number (ours)": the longest known prefix
    for n in range(len(key) - 1, 2, -1):
        if key[:n] in _KIND_OF and _KIND_OF[key[:n]] in ("qty", "note", "mpn", "gtin",
                                                         "customer"):
            return _KIND_OF[key[:n]]
    return None


@dataclass
class Row:
    """One row of the order: ``refs`` are (kind, column name, value) in the order they are
    tried; ``qty`` is the raw cell (None: not given)."""

    row: int
    refs: list[tuple[str, str, str]]
    qty: Any
    qty_field: str = "qty"
    note: str | None = None


@dataclass
class Problem:
    row: int
    field: str
    value: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, int | float | str):
            value = str(value)
        return {"row": self.row, "field": self.field, "value": value, "reason": self.reason}


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column name -> kind
    empty: int = 0  # empty rows skipped


def cell_text(value: Any) -> str:
    """A reference cell as text: spreadsheets give numbers as floats (12345.0 -> '12345')."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return str(value)
    return str(value).strip()


def parse_qty(value: Any) -> tuple[int | None, str | None]:
    """(quantity, None) or (None, the reason it is not one). Whole numbers only: '12', 12,
    12.0 and '12,0' are 12; '1.5', '-3', '0' and 'ten' are refused."""
    if isinstance(value, bool):
        return None, "quantity must be a whole number"
    if isinstance(value, int):
        qty = value
        if qty < 0:
            return None, "quantity must be at least 1, not negative"
    elif isinstance(value, float):
        if value != value or not value.is_integer():
            return None, "quantity must be a whole number"
        qty = int(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if not _INT.fullmatch(text):
            if text.startswith("-") and re.fullmatch(r"-[0-9]+(?:[.,][0-9]+)?", text):
                return None, "quantity must be at least 1, not negative"
            return None, "quantity must be a whole number"
        qty = int(re.split(r"[.,]", text)[0])
    if qty < 1:
        return None, "quantity must be at least 1"
    return qty, None


# -- tables (spreadsheets, CSV, pasted text with a header) --------------------------------
def _table(rows: Iterable[Sequence[Any]], first_row: int = 1) -> Parsed:
    """Rows of cells (the first one numbered ``first_row``) with a header among the first
    HEADER_SCAN rows; or headerless ``reference, quantity[, note]``."""
    out = Parsed()
    buffered: list[tuple[int, Sequence[Any]]] = []
    iterator = iter(enumerate(rows, first_row))
    header: Sequence[Any] | None = None
    for number, cells in iterator:
        if not any(cell_text(c) for c in cells):
            buffered.append((number, cells))
            continue
        kinds = [column_kind(c) for c in cells]
        if any(k in ID_KINDS for k in kinds):
            header = cells
            break
        buffered.append((number, cells))
        if len([b for b in buffered if any(cell_text(c) for c in b[1])]) >= HEADER_SCAN:
            break
    if header is None:
        data = [b for b in buffered if any(cell_text(c) for c in b[1])]
        if data and all(len([c for c in cells if cell_text(c)]) >= 1 for _, cells in data[:3]) \
                and all(parse_qty(cells[1])[0] is not None for _, cells in data[:3]
                        if len(cells) > 1 and cell_text(cells[1])):
            out.columns = {"column 1": "any", "column 2": "qty", "column 3": "note"}
            body: Iterable[tuple[int, Sequence[Any]]] = [*buffered, *iterator]
            return _rows(out, body, {0: "any", 1: "qty", 2: "note"},
                         ["column 1", "column 2", "column 3"])
        raise InvalidInput(
            "no column names a product: name one column sku, article, item, part number, MPN, "
            "GTIN/EAN or customer part number (Artikelnummer, Herstellernummer, EAN, "
            "Kundenartikelnummer) and one qty, quantity or amount (Menge)", field="file")
    names = [cell_text(c) or f"column {i + 1}" for i, c in enumerate(header)]
    kinds_by_col: dict[int, str] = {}
    for i, c in enumerate(header):
        kind = column_kind(c)
        if kind is None:
            continue
        if kind in ("qty", "note") and kind in kinds_by_col.values():
            continue  # the first quantity / note column counts
        kinds_by_col[i] = kind
        out.columns[names[i]] = kind
    return _rows(out, iterator, kinds_by_col, names)


def _rows(out: Parsed, rows: Iterable[tuple[int, Sequence[Any]]], kinds: dict[int, str],
          names: list[str]) -> Parsed:
    qty_col = next((i for i, k in kinds.items() if k == "qty"), None)
    note_col = next((i for i, k in kinds.items() if k == "note"), None)
    order = {k: n for n, k in enumerate(ID_KINDS)}
    id_cols = sorted((i for i, k in kinds.items() if k in order), key=lambda i: order[kinds[i]])
    for number, cells in rows:
        if len(out.rows) + len(out.problems) >= MAX_ROWS:
            raise InvalidInput(f"a shopping list may have at most {MAX_ROWS} rows",
                               field="file")
        refs = [(kinds[i], names[i], cell_text(cells[i])) for i in id_cols
                if i < len(cells) and cell_text(cells[i])]
        qty = cells[qty_col] if qty_col is not None and qty_col < len(cells) else None
        if qty is not None and cell_text(qty) == "":
            qty = None
        note = cell_text(cells[note_col]) if note_col is not None and note_col < len(cells) \
            else ""
        if not refs:
            if qty is None and not note and not any(cell_text(c) for c in cells):
                out.empty += 1
            else:
                first = names[id_cols[0]] if id_cols else "reference"
                out.problems.append(Problem(number, first, None,
                                            "no product reference in this row"))
            continue
        out.rows.append(Row(number, refs, qty,
                            names[qty_col] if qty_col is not None else "qty",
                            note[:500] or None))
    return out


# -- pasted text ---------------------------------------------------------------------------
def _fields(line: str) -> list[str]:
    if _DELIMITED.search(line):
        return [f.strip() for f in _PASTE_SPLIT.split(line) if f.strip()]
    return line.split()


def parse_text(text: str) -> Parsed:
    """Pasted quick-order lines (see the module docstring). Line numbers count every line."""
    if not isinstance(text, str):
        raise InvalidInput("text must be the pasted lines", field="text")
    lines = text.splitlines()
    if len(lines) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} lines per quick order", field="text")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        fields = _fields(lines[first])
        kinds = [column_kind(f) for f in fields]
        if any(k in ID_KINDS for k in kinds) and all(k is not None for k in kinds):
            return _table(([*_fields(line)] for line in lines), first_row=1)
    out = Parsed(columns={"sku or part number": "any", "qty": "qty"})
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            out.empty += 1
            continue
        fields = _fields(stripped)
        note = None
        if len(fields) == 1:
            ref, qty = fields[0], None
        elif _DELIMITED.search(stripped):
            ref, qty = fields[0], fields[1]
            note = ", ".join(fields[2:]) or None
        elif len(fields) > 2 and parse_qty(fields[-1])[0] is not None:
            ref, qty = " ".join(fields[:-1]), fields[-1]  # "DIN 933 M8 25"
        else:
            ref, qty = fields[0], fields[1]
        out.rows.append(Row(number, [("any", "sku", ref)], qty, "qty", note))
    return out


# -- files ---------------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv(data: bytes) -> Parsed:
    text = _decode(data)
    sample = "\n".join(text.splitlines()[:HEADER_SCAN])
    counts = {d: sample.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return _table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_spreadsheet(data: bytes) -> Parsed:
    """.xlsx or .xls (calamine reads both): the first sheet with data."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = None
        for name in book.sheet_names:
            candidate = book.get_sheet_by_name(name)
            if candidate.height:
                sheet = candidate
                break
        if sheet is None:
            raise InvalidInput("the spreadsheet has no rows", field="file")
        cells = sheet.to_python(skip_empty_area=False)
    except InvalidInput:
        raise
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise InvalidInput(f"cannot read the spreadsheet: {exc}", field="file") from None
    return _table(cells)


def read_file(data: bytes, filename: str | None) -> Parsed:
    """A shopping list by its extension (.xlsx, .xls, .csv; .txt is read like pasted text);
    xlsx/xls are also recognised by their first bytes."""
    name = (filename or "").lower()
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")) or data[:4] == b"PK\x03\x04" \
            or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return read_spreadsheet(data)
    if name.endswith((".csv", ".tsv")) or not name:
        return read_csv(data)
    if name.endswith(".txt"):
        return parse_text(_decode(data))
    raise InvalidInput(f"{filename!r}: upload an .xlsx, .xls or .csv file", field="file")
