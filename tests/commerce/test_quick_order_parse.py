"""Reading quick orders, table-driven: pasted lines with every separator, headers in English
and German, headerless files, quantities, empty lines; CSV delimiters and encodings; .xlsx and
.xls files written by the tests. Matching against the catalog is tested through the API
(test_quick_order_api.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from catalog.errors import InvalidInput
from commerce.quickorder.parse import (
    column_kind,
    parse_qty,
    parse_text,
    read_csv,
    read_file,
)


def rows(parsed: Any) -> list[tuple[int, list[tuple[str, str]], Any, str | None]]:
    return [(r.row, [(k, v) for k, _, v in r.refs], r.qty, r.note) for r in parsed.rows]


@pytest.mark.parametrize(("text", "expected"), [
    ("B-1 5", [(1, [("any", "B-1")], "5", None)]),
    ("B-1\t5", [(1, [("any", "B-1")], "5", None)]),
    ("B-1,5", [(1, [("any", "B-1")], "5", None)]),
    ("B-1;5", [(1, [("any", "B-1")], "5", None)]),
    ("B-1 ;  5", [(1, [("any", "B-1")], "5", None)]),
    ("B-1\t\t5", [(1, [("any", "B-1")], "5", None)]),
    ("  B-1    5  ", [(1, [("any", "B-1")], "5", None)]),
    ("B-1;5;for hall 2", [(1, [("any", "B-1")], "5", "for hall 2")]),
    ("B-1", [(1, [("any", "B-1")], None, None)]),  # no quantity: the service assumes 1
    ("DIN 933 M8 25", [(1, [("any", "DIN 933 M8")], "25", None)]),
    ("B-1 ten", [(1, [("any", "B-1")], "ten", None)]),
    ("\n\nB-1 5\n\n# a comment\nN-1 2\r\n", [(3, [("any", "B-1")], "5", None),
                                             (6, [("any", "N-1")], "2", None)]),
    # a header line: columns in any order, German names
    ("Menge;Artikelnummer\n5;B-1\n7;N-1", [(2, [("any", "B-1")], "5", None),
                                          (3, [("any", "N-1")], "7", None)]),
    ("qty\tsku\tnote\n3\tB-1\turgent", [(2, [("sku", "B-1")], "3", "urgent")]),
])
def test_pasted_lines(text: str, expected: list[Any]) -> None:
    assert rows(parse_text(text)) == expected


def test_pasted_empty_lines_are_counted_not_reported() -> None:
    parsed = parse_text("B-1 5\n\n   \n# note\n")
    assert (len(parsed.rows), parsed.problems, parsed.empty) == (1, [], 3)


@pytest.mark.parametrize(("name", "kind"), [
    ("SKU", "sku"), (" sku ", "sku"), ("Article", "any"), ("Article No.", "any"),
    ("Item", "any"), ("Item Number", "any"), ("Part Number", "any"), ("Part No", "any"),
    ("MPN", "mpn"), ("Manufacturer Part Number", "mpn"), ("Mfr. Part #", "mpn"),
    ("GTIN", "gtin"), ("EAN", "gtin"), ("EAN-13", "gtin"), ("UPC", "gtin"),
    ("Customer Part Number", "customer"), ("Our part no.", "customer"),
    ("Kundenartikelnummer", "customer"),
    ("Artikelnummer", "any"), ("Art.-Nr.", "any"), ("Herstellernummer", "mpn"),
    ("qty", "qty"), ("Quantity", "qty"), ("AMOUNT", "qty"), ("Menge", "qty"),
    ("Anzahl", "qty"), ("Stück", "qty"), ("Menge (Stk.)", "qty"), ("Bemerkung", "note"),
    ("Price", None), ("Description", None), ("", None),
])
def test_column_names(name: str, kind: str | None) -> None:
    assert column_kind(name) == kind


@pytest.mark.parametrize(("value", "qty", "reason"), [
    ("5", 5, None), (5, 5, None), (5.0, 5, None), ("5.0", 5, None), ("5,0", 5, None),
    (" 1 000 ", 1000, None), ("0", None, "at least 1"), (0, None, "at least 1"),
    ("-3", None, "not negative"), (2.5, None, "whole number"), ("2,5", None, "whole number"),
    ("ten", None, "whole number"), (True, None, "whole number"), ("5 pcs", None, "whole number"),
])
def test_quantities(value: Any, qty: int | None, reason: str | None) -> None:
    got, why = parse_qty(value)
    assert got == qty
    assert (why is None) if reason is None else (reason in (why or ""))


@pytest.mark.parametrize(("data", "expected"), [
    (b"sku,qty\nB-1,5\nN-1,3\n", [(2, [("sku", "B-1")], "5", None),
                                 (3, [("sku", "N-1")], "3", None)]),
    (b"Artikelnummer;Menge\nB-1;5\n;\nN-1;3\n", [(2, [("any", "B-1")], "5", None),
                                                (4, [("any", "N-1")], "3", None)]),
    ("Artikelnummer;Stück\nÄ-1;5\n".encode("cp1252"), [(2, [("any", "Ä-1")], "5", None)]),
    (b"\xef\xbb\xbfItem\tQuantity\nB-1\t2\n", [(2, [("any", "B-1")], "2", None)]),
    # an order title above the header; several reference columns, tried SKU first
    (b"Order for site B,,\n,,\nEAN,SKU,Qty\n4006381333931,B-1,1\n4006381333931,,2\n",
     [(4, [("sku", "B-1"), ("gtin", "4006381333931")], "1", None),
      (5, [("gtin", "4006381333931")], "2", None)]),
    (b"B-1,5\nN-1,3\n", [(1, [("any", "B-1")], "5", None), (2, [("any", "N-1")], "3", None)]),
])
def test_csv(data: bytes, expected: list[Any]) -> None:
    assert rows(read_csv(data)) == expected


def test_csv_row_without_reference_is_reported() -> None:
    parsed = read_csv(b"sku;qty\nB-1;1\n;4\n")
    assert [(p.row, p.field, p.reason) for p in parsed.problems] == [
        (3, "sku", "no product reference in this row")]


@pytest.mark.parametrize(("data", "name", "field"), [
    (b"", "list.csv", "file"),
    (b"price;description\n1;bolt\n", "list.csv", "file"),
    (b"PK\x03\x04broken", "list.xlsx", "file"),
    (b"hello", "list.pdf", "file"),
])
def test_unusable_files_name_the_file(data: bytes, name: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_file(data, name)
    assert caught.value.field == field


def xlsx_bytes(table: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(table: list[list[Any]]) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Bestellung")
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TABLE = [["Artikelnummer", "Bezeichnung", "Menge"], ["B-1", "Schraube", 5],
         [None, None, None], ["N-1", "Mutter", 3.0], [12345, "numeric SKU", "2"]]


@pytest.mark.parametrize(("writer", "name"), [(xlsx_bytes, "liste.xlsx"),
                                               (xls_bytes, "liste.xls")])
def test_spreadsheets(writer: Any, name: str) -> None:
    parsed = read_file(writer(TABLE), name)
    assert [(r.row, r.refs[0][2], parse_qty(r.qty)[0]) for r in parsed.rows] == [
        (2, "B-1", 5), (4, "N-1", 3), (5, "12345", 2)]
    assert parsed.columns == {"Artikelnummer": "any", "Menge": "qty"}
    assert parsed.empty == 1


@pytest.mark.parametrize("text", ["DIN 933-M8X40", "a/b.c_d,e:f;g#h\tI", "Kühl-1", "ÆØ ß-2",
                                  "  x  ", "4006381333931", "BN 934.8"])
def test_fast_part_key_is_the_catalog_normalisation(text: str) -> None:
    from catalog.text import normalize_part_number
    from commerce.quickorder.service import part_key

    assert part_key(text) == normalize_part_number(text)
