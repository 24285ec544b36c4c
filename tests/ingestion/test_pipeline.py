from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
import xlsxwriter

from catalog.errors import IngestFatal
from catalog.store import CatalogStore
from ingestion import Mapping, ingest_file, load_mapping
from ingestion.readers import RowReader
from tests.ingestion.conftest import entries
from tests.ingestion.factories import COLUMNS, FakeSink, flat_rows, write_csv

HEADER = ["sku", "name", "gtin", "price_per_piece", "weight_kg", "stock_level", "order_type",
          "description", "Thread"]
BIG = "x" * 301  # settings.max_cell_chars is 300 in these tests


def bad_corpus(path: Path) -> Path:
    rows = [
        ["A1", "Good bolt", "4006381333931", "1.50", "0.2", "10", "mto", "fine", "M8"],   # 2
        ["A2", "Check digit", "4006381333932", "", "", "", "", "", ""],                   # 3
        ["A3", "Letters", "40063813339AB", "", "", "", "", "", ""],                       # 4
        ["A4", "Short", "1234567", "", "", "", "", "", ""],                               # 5
        ["A1", "Duplicate", "", "", "", "", "", "", ""],                                  # 6
        ["A5", "Price letters", "", "abc", "", "", "", "", ""],                           # 7
        ["A6", "Negative", "", "-3", "", "", "", "", ""],                                 # 8
        ["A7", "NaN weight", "", "", "NaN", "", "", "", ""],                              # 9
        ["A8", "Comma", "", "1,5", "", "", "", "", ""],                                   # 10
        ["A9", "=HYPERLINK(\"http://evil\")", "", "", "", "", "", "", ""],                # 11
        ["A10", "Injection", "", "", "", "", "", "+cmd|' /C calc'!A0", ""],               # 12
        ["A11", "Huge", "", "", "", "", "", BIG, ""],                                     # 13
        ["", "No SKU", "", "", "", "", "", "", ""],                                       # 14
        ["A12", "  ", "", "", "", "", "", "", ""],                                        # 15
        ["A13", "Fraction stock", "", "", "", "2.5", "", "", ""],                         # 16
        ["A14", "Bad type", "", "", "", "", "bulk", "", ""],                              # 17
        ["A15", "Two problems", "123", "-1", "", "", "", "", ""],                         # 18
        ["A16", "Signed text", "", "-0", "", "0", "Stock", "-20 °C rated", "-20 °C"],        # 19
        ["A17", "Attribute formula", "", "", "", "", "", "", "=1+1"],                     # 20
        ["A18", "Good washer", "96385074", "0.01", "", "", "ETO", "", ""],                # 21
    ]
    return write_csv(path, [dict(zip(HEADER, r, strict=True)) for r in rows], HEADER)


EXPECTED = [
    (3, "gtin", "GTIN check digit is 2, expected 1"),
    (4, "gtin", "GTIN must contain only digits"),
    (5, "gtin", "GTIN must have 8, 12, 13 or 14 digits, not 7"),
    (6, "sku", "duplicate SKU, first in row 2"),
    (7, "price_per_piece", "not a number"),
    (8, "price_per_piece", "must not be negative"),
    (9, "weight_kg", "not a finite number"),
    (10, "price_per_piece", "decimal comma: set [format] decimal_comma = true in the mapping"),
    (11, "name", "formula-like value"),
    (12, "description", "formula-like value"),
    (13, "description", "value longer than 300 characters"),
    (14, "sku", "required value is empty"),
    (15, "name", "required value is empty"),
    (16, "stock_level", "not a whole number"),
    (17, "order_type", "must be one of stock, MTO, ETO"),
    (18, "gtin", "GTIN must have 8, 12, 13 or 14 digits, not 3"),
    (18, "price_per_piece", "must not be negative"),
    (19, "description", "formula-like value"),
    (20, "Thread", "formula-like value"),
]


def test_bad_input_corpus(tmp_path: Path, ingest, store: CatalogStore, sink: FakeSink) -> None:
    report = ingest(bad_corpus(tmp_path / "bad.csv"), report_path=tmp_path / "report.csv")
    assert entries(report) == EXPECTED
    assert (report.rows_read, report.accepted, report.rejected, report.created) == (20, 2, 18, 2)
    assert report.exit_code == 3
    assert sorted(store.iter_skus()) == ["A1", "A18"]
    assert sorted(sink.indexed_skus) == ["A1", "A18"]
    a1 = store.get("A1")
    assert a1 is not None
    assert (a1["order_type"], a1["price_per_piece"], a1["attributes"]) == ("MTO", 1.5, {"Thread": "M8"})
    assert report.entries[0].value == "4006381333932"
    assert report.entries[10].value == "x" * 199 + "…"  # values are cut at 200 characters
    with (tmp_path / "report.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["row", "column", "value", "reason"]
    assert len(lines) == 1 + len(EXPECTED)
    # the report itself is safe to open in a spreadsheet
    assert lines[9] == ["11", "name", "'=HYPERLINK(\"http://evil\")", "formula-like value"]


def test_fatal_missing_required_column_writes_nothing(tmp_path: Path, ingest,
                                                      store: CatalogStore, sink: FakeSink) -> None:
    path = write_csv(tmp_path / "f.csv", [{"sku": "A", "title": "x"}])
    report = ingest(path)
    assert report.exit_code == 2
    assert report.fatal is not None and report.fatal.field == "name"
    assert str(report.fatal) == "missing required column 'name'; columns found: sku, title"
    assert entries(report) == [(0, "name", "missing required column 'name'; columns found: sku, title")]
    assert store.count() == 0 and sink.indexed == [] and sink.commits == 0
    with pytest.raises(IngestFatal):
        report.raise_for_fatal()


def test_missing_column_names_the_mapping(tmp_path: Path, ingest) -> None:
    path = write_csv(tmp_path / "f.csv", [{"Art.-Nr.": "A", "name": "x"}])
    report = ingest(path, mapping=Mapping(columns={"Artikelnummer": "sku"}))
    assert str(report.fatal) == ("missing required column 'sku' (the mapping expects "
                                 "'Artikelnummer'); columns found: Art.-Nr., name")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),
    (b"sku,name\nA,\x81\x90\n", "cannot decode the file"),
])
def test_fatal_files_write_nothing(tmp_path: Path, ingest, store: CatalogStore,
                                   content: bytes, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    report = ingest(path, delete_missing=True)
    assert report.exit_code == 2 and str(report.fatal).startswith(message)
    assert report.rows_read == 0 and store.count() == 0


def test_a_missing_file_or_a_folder_is_a_fatal_error_naming_it(tmp_path: Path, ingest,
                                                              store: CatalogStore) -> None:
    for path, reason in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "not a file")):
        report = ingest(path, delete_missing=True)
        assert report.exit_code == 2 and report.fatal is not None
        assert (report.fatal.field, str(report.fatal)) == ("file", f"{path}: {reason}")
        assert store.count() == 0


def test_header_only_file_is_ok(tmp_path: Path, ingest) -> None:
    path = tmp_path / "f.csv"
    path.write_text("sku;name;brand\n", encoding="utf-8")
    report = ingest(path)
    assert (report.exit_code, report.rows_read, report.fatal) == (0, 0, None)


def test_delete_missing_refuses_an_empty_file(tmp_path: Path, ingest, store: CatalogStore,
                                              sink: FakeSink) -> None:
    ingest(write_csv(tmp_path / "full.csv", [{"sku": "A", "name": "Bolt"}]))
    empty = tmp_path / "empty.csv"
    empty.write_text("sku,name\n", encoding="utf-8")
    report = ingest(empty, delete_missing=True)
    assert report.exit_code == 2 and report.fatal is not None
    assert report.fatal.field == "delete_missing"
    assert list(store.iter_skus()) == ["A"] and sink.deleted == []


def test_unknown_suffix(tmp_path: Path, ingest) -> None:
    path = tmp_path / "catalog.docx"
    path.write_bytes(b"x")
    report = ingest(path)
    assert report.exit_code == 2 and str(report.fatal).startswith("unsupported file type '.docx'")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_semicolon_csv_in_each_encoding(tmp_path: Path, ingest, store: CatalogStore,
                                        encoding: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text("SKU;Name;Material;Temperatur\nK-1;Kugelhahn ä ø µ °;Messing;-20 °C\n",
                    encoding=encoding)
    report = ingest(path)
    assert (report.exit_code, report.created, report.delimiter) == (0, 1, ";")
    record = store.get("K-1")
    assert record is not None
    assert record["name"] == "Kugelhahn ä ø µ °"
    assert record["attributes"] == {"Temperatur": "-20 °C"}


def test_mapping_renames_units_and_decimal_comma(tmp_path: Path, ingest, store: CatalogStore,
                                                 sink: FakeSink) -> None:
    mapping_path = tmp_path / "m.toml"
    mapping_path.write_text("""
[columns]
"Artikelnummer" = "sku"
"Bezeichnung" = "name"
"Gewicht" = "weight_kg"
"Länge" = "length_mm"
"Preis" = "price_per_piece"
"Kategorie" = "category"
"VE" = "pieces_per_package"
"Intern" = ""
[units]
weight_kg = "g"
length_mm = "cm"
[format]
decimal_comma = true
category_separator = "/"
""", encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_text(
        "Artikelnummer;Bezeichnung;Gewicht;Länge;Preis;VE;Kategorie;Intern;Gewinde;Leer\n"
        "S-1;Sechskantschraube;250;4;1.234,50;10;Schrauben / Sechskant;geheim;M8;\n"
        "S-2;Mutter;1,5 kg;12 mm;0,05;;Muttern;;;\n"
        "S-3;Scheibe;12,5 g;2,54 cm;1.5;;Scheiben;;;\n",
        encoding="cp1252")
    report = ingest(path, mapping=load_mapping(mapping_path))
    assert entries(report) == []
    s1, s2, s3 = store.get_many(["S-1", "S-2", "S-3"])
    assert (s1["weight_kg"], s1["length_mm"], s1["price_per_piece"]) == (0.25, 40.0, 1234.5)
    assert s1["price_per_package"] == 12345.0  # derived
    assert s1["category"] == "Schrauben > Sechskant"
    assert s1["attributes"] == {"Gewinde": "M8"}  # "Intern" dropped, empty "Leer" dropped
    assert (s2["weight_kg"], s2["length_mm"], s2["price_per_piece"]) == (1.5, 12.0, 0.05)
    assert (s3["weight_kg"], s3["length_mm"], s3["price_per_piece"]) == (0.0125, 25.4, 1.5)
    assert sink.commits == 1


def test_flat_list_fields_and_derived_values(tmp_path: Path, ingest, store: CatalogStore) -> None:
    path = write_csv(tmp_path / "f.csv", [{
        "sku": "L-1", "name": "Bolt", "shipping_methods": "parcel:2|freight:5|pickup",
        "variant_attributes": "size=M8x40|color=black",
        "documents": "datasheet:https://x.io/a.pdf|https://x.io/b.pdf",
        "images": "https://x.io/1.jpg|https://x.io/2.jpg",
        "media": "video:https://x.io/v.mp4|cad:https://x.io/m.step",
        "country_of_origin": "de", "currency": "eur", "Availability": "In Stock",
    }])
    assert ingest(path).exit_code == 0
    r = store.get("L-1")
    assert r is not None
    assert r["shipping_methods"] == [{"method": "parcel", "days": 2},
                                     {"method": "freight", "days": 5},
                                     {"method": "pickup", "days": None}]
    assert r["delivery_days"] == 2
    assert r["variant_attributes"] == {"size": "M8x40", "color": "black"}
    assert r["documents"] == [
        {"kind": "datasheet", "url": "https://x.io/a.pdf", "title": None, "document_id": None},
        {"kind": "document", "url": "https://x.io/b.pdf", "title": None, "document_id": None}]
    assert r["images"] == ["https://x.io/1.jpg", "https://x.io/2.jpg"]
    assert r["media"] == [{"kind": "video", "url": "https://x.io/v.mp4", "title": None},
                          {"kind": "cad", "url": "https://x.io/m.step", "title": None}]
    assert (r["country_of_origin"], r["currency"], r["availability"]) == ("DE", "EUR", "in_stock")


def test_xlsx_ingest(tmp_path: Path, ingest, store: CatalogStore) -> None:
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["SKU", "Name", "GTIN", "Price per piece", "Stock level", "Farbe"])
    ws.write_row(1, 0, [12345, "Kabelbinder", 4006381333931, 0.05, 100, "schwarz"])
    ws.write_row(2, 0, ["X-2", "Bad", 4006381333932, -1, 1.5])
    ws.write_row(4, 0, ["X-3", "Mutter Ø 8", "", 1, 3])
    wb.close()
    report = ingest(path)
    assert entries(report) == [(3, "GTIN", "GTIN check digit is 2, expected 1"),
                               (3, "Price per piece", "must not be negative"),
                               (3, "Stock level", "not a whole number")]
    r = store.get("12345")
    assert r is not None
    assert (r["gtin"], r["price_per_piece"], r["stock_level"], r["attributes"]) == (
        "4006381333931", 0.05, 100, {"Farbe": "schwarz"})
    assert store.get("X-3") is not None


def test_json_and_jsonl(tmp_path: Path, ingest, store: CatalogStore) -> None:
    products = [
        {"sku": "J-1", "name": "Glove", "price_per_piece": 0.2, "pieces_per_package": 100,
         "shipping_methods": [{"method": "parcel", "days": 1}], "images": ["https://x.io/g.jpg"],
         "variant_attributes": {"size": "L"}, "attributes": {"cuff": "long"}, "EN": "374"},
        {"sku": "J-2", "name": "Glove", "price_per_piece": "cheap"},
        {"sku": 3, "name": "Numbered", "documents": "https://x.io/d.pdf"},
    ]
    json_path = tmp_path / "f.json"
    json_path.write_bytes(orjson.dumps(products))
    report = ingest(json_path)
    assert entries(report) == [(2, "price_per_piece", "not a number")]
    r = store.get("J-1")
    assert r is not None
    assert r["price_per_package"] == 20.0 and r["delivery_days"] == 1
    assert r["attributes"] == {"cuff": "long", "EN": "374"}
    assert store.get("3") is not None

    jsonl = tmp_path / "f.jsonl"
    jsonl.write_text("\n".join(orjson.dumps(p).decode() for p in products) + '\n{"sku": \n',
                     encoding="utf-8")
    report = ingest(jsonl)
    assert [(row, column) for row, column, _ in entries(report)] == [(2, "price_per_piece"), (4, "")]
    assert report.entries[1].reason.startswith("invalid JSON: ")
    assert (report.unchanged, report.created) == (2, 0)


def test_reingest_unchanged_then_one_change(tmp_path: Path, ingest, store: CatalogStore,
                                            sink: FakeSink) -> None:
    rows = list(flat_rows(10))
    path = write_csv(tmp_path / "f.csv", rows, COLUMNS)
    first = ingest(path)
    assert (first.created, first.updated, first.unchanged) == (10, 0, 0)
    assert len(sink.indexed_skus) == 10
    sink.indexed.clear()

    again = ingest(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert sink.indexed_skus == []

    rows[4]["price_per_piece"] = "999.99"
    write_csv(path, rows, COLUMNS)
    changed = ingest(path)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 9)
    assert sink.indexed_skus == [rows[4]["sku"]]
    assert store.get(rows[4]["sku"])["price_per_piece"] == 999.99  # type: ignore[index]


def test_delete_missing(tmp_path: Path, ingest, store: CatalogStore, sink: FakeSink) -> None:
    path = write_csv(tmp_path / "f.csv", [{"sku": s, "name": s} for s in "ABCDE"])
    ingest(path)
    # C is still in the file but its row is rejected: it must not be deleted
    write_csv(path, [{"sku": "A", "name": "A", "gtin": ""}, {"sku": "C", "name": "C", "gtin": "1"},
                     {"sku": "E", "name": "E", "gtin": ""}, {"sku": "F", "name": "F", "gtin": ""}])
    report = ingest(path, delete_missing=True)
    assert (report.created, report.rejected, report.deleted) == (1, 1, 2)
    assert sorted(store.iter_skus()) == ["A", "C", "E", "F"]
    assert sink.deleted_skus == ["B", "D"]


def test_delete_missing_is_skipped_after_a_mid_file_failure(
        tmp_path: Path, store: CatalogStore, sink: FakeSink, settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store.upsert([{"sku": "OLD", "name": "old"}])

    class Failing(RowReader):
        def __iter__(self):
            for i in range(2, 9):
                yield i, {"sku": f"S{i}", "name": "n"}
            raise IngestFatal("the file changed while it was read", field="encoding")

    path = write_csv(tmp_path / "f.csv", [{"sku": "x", "name": "y"}])
    reader = Failing(path)
    reader.columns = ["sku", "name"]
    monkeypatch.setattr("ingestion.pipeline.open_reader", lambda *a: reader)
    report = ingest_file(path, store, sink, settings=settings, delete_missing=True)
    assert report.exit_code == 2 and report.stopped_at_row == 8
    # batches of 3: rows 2-4 and 5-7 were stored, row 8 was in the unfinished batch
    assert sorted(store.iter_skus()) == ["OLD", "S2", "S3", "S4", "S5", "S6", "S7"]
    assert sink.commits == 1 and sink.deleted == []
    assert entries(report)[-1] == (8, "encoding", "the file changed while it was read")


def test_progress_and_batches(tmp_path: Path, ingest, sink: FakeSink) -> None:
    path = write_csv(tmp_path / "f.csv", flat_rows(8), COLUMNS)
    calls: list[tuple[int, int, int]] = []
    ingest(path, progress=lambda *a: calls.append(a))
    size = path.stat().st_size
    assert [c[0] for c in calls] == [3, 6, 8]
    assert all(c[2] == size for c in calls) and calls[-1][1] == size
    assert [len(b) for b in sink.indexed] == [3, 3, 2]
    assert sink.commits == 1


def test_report_cap_counts_everything(tmp_path: Path, store: CatalogStore, settings) -> None:
    path = write_csv(tmp_path / "f.csv", [{"sku": f"S{i}", "name": "n", "gtin": "1"}
                                          for i in range(30)])
    report = ingest_file(path, store, settings=settings, max_entries=5,
                         report_path=tmp_path / "all.csv")
    assert (len(report.entries), report.entries_total, report.entries_truncated) == (5, 30, True)
    assert len((tmp_path / "all.csv").read_text(encoding="utf-8-sig").splitlines()) == 31
    report.write_report(tmp_path / "copy.csv")
    assert (tmp_path / "copy.csv").read_bytes() == (tmp_path / "all.csv").read_bytes()

    memory_only = ingest_file(path, store, settings=settings, max_entries=5)
    memory_only.write_report(tmp_path / "partial.csv")
    lines = (tmp_path / "partial.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 7 and "25 more entries were not kept" in lines[-1]


def test_duplicates_across_batches_name_the_first_row(tmp_path: Path, ingest) -> None:
    path = write_csv(tmp_path / "f.csv", [{"sku": s, "name": "n"} for s in
                                          ["A", "B", "C", "D", "A", "E", "A", "B"]])
    report = ingest(path)
    assert entries(report) == [(6, "sku", "duplicate SKU, first in row 2"),
                               (8, "sku", "duplicate SKU, first in row 2"),
                               (9, "sku", "duplicate SKU, first in row 3")]


def test_two_columns_for_one_field_is_fatal(tmp_path: Path, ingest) -> None:
    path = write_csv(tmp_path / "f.csv", [{"SKU": "A", "Artikel": "B", "name": "n"}])
    report = ingest(path, mapping=Mapping(columns={"Artikel": "sku"}))
    assert str(report.fatal) == "columns 'SKU' and 'Artikel' both map to the field 'sku'"


def test_jsonl_keys_that_appear_late(tmp_path: Path, ingest, store: CatalogStore,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingestion.readers._JSONL_KEY_SAMPLE", 1)
    path = tmp_path / "f.jsonl"
    path.write_text('{"sku": "A", "name": "a"}\n{"sku": "B", "name": "b", "Brand": "X", '
                    '"Thread": "M8"}\n{"sku": "C", "name": "c", "brand": "Y"}\n', encoding="utf-8")
    assert ingest(path).exit_code == 0
    b, c = store.get_many(["B", "C"])
    assert (b["brand"], b["attributes"]) == ("X", {"Thread": "M8"})
    assert (c["brand"], c["attributes"]) == ("Y", None)


def test_parallel_reader_process_gives_the_same_report(tmp_path: Path, store: CatalogStore,
                                                       sink: FakeSink, settings) -> None:
    """Large files are read and validated in a second process; the outcome must not change."""
    parallel = settings.model_copy(update={"ingest_parallel_min_mb": 0})
    report = ingest_file(bad_corpus(tmp_path / "bad.csv"), store, sink, settings=parallel)
    assert entries(report) == EXPECTED
    assert (report.rows_read, report.accepted, report.rejected) == (20, 2, 18)
    assert sorted(sink.indexed_skus) == ["A1", "A18"]
    fatal = ingest_file(write_csv(tmp_path / "f.csv", [{"sku": "A", "title": "x"}]), store, sink,
                        settings=parallel)
    assert fatal.exit_code == 2 and fatal.fatal is not None and fatal.fatal.field == "name"
    assert sorted(store.iter_skus()) == ["A1", "A18"]
