from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import xlsxwriter

from catalog.errors import IngestFatal
from ingestion import Mapping, open_reader
from ingestion.readers import ROW_ERROR, sniff_delimiter

TEXT = "Kugelhahn ä ø µ ° Ø 50"


def rows(path: Path, mapping: Mapping | None = None) -> list[tuple[int, dict]]:
    with open_reader(path, mapping) as reader:
        return list(reader)


def fatal(path: Path, mapping: Mapping | None = None) -> str:
    with pytest.raises(IngestFatal) as exc:
        open_reader(path, mapping)
    return str(exc.value)


@pytest.mark.parametrize(("encoding", "detected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16"),
])
def test_csv_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(f"sku,name\nA1,{TEXT}\n", encoding=encoding)
    reader = open_reader(path)
    assert reader.encoding == detected
    assert reader.columns == ["sku", "name"]  # no BOM glued to the first column
    assert list(reader) == [(2, {"sku": "A1", "name": TEXT})]


def test_cp1252_after_megabytes_of_ascii(tmp_path: Path) -> None:
    """Sampling the start is not enough: the first umlaut may come late."""
    path = tmp_path / "late.csv"
    body = "".join(f"S{i},plain name {i}\n" for i in range(120_000))
    path.write_bytes(f"sku,name\n{body}S-last,Mutter Ø 8 für Stahl\n".encode("cp1252"))
    assert path.stat().st_size > 2_000_000
    reader = open_reader(path)
    assert reader.encoding == "cp1252"
    assert list(reader)[-1][1]["name"] == "Mutter Ø 8 für Stahl"


@pytest.mark.parametrize(("delimiter", "suffix"), [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"),
                                                    ("|", ".txt"), ("\t", ".csv")])
def test_delimiters(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = tmp_path / f"f{suffix}"
    lines = [["sku", "name", "price_per_piece"], ["A1", "Bolt, hex", "1.5"], ["A2", "Nut", "2"]]
    path.write_text("\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in line)
                              for line in lines) + "\n", encoding="utf-8")
    reader = open_reader(path)
    assert reader.delimiter == delimiter
    assert list(reader)[0] == (2, {"sku": "A1", "name": "Bolt, hex", "price_per_piece": "1.5"})


def test_sniff_prefers_consistent_splits() -> None:
    # commas inside the decimal numbers must not win over the semicolon
    sample = "sku;name;price\nA;Bolt;1,5\nB;Nut;2,25\nC;Washer;0,10\n"
    assert sniff_delimiter(sample) == ";"


def test_delimiter_and_encoding_from_mapping(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("sku|name\nA|Größe\n".encode("cp1252"))
    reader = open_reader(path, Mapping(delimiter="|", encoding="latin-1"))
    assert (reader.delimiter, reader.encoding) == ("|", "latin-1")
    assert list(reader) == [(2, {"sku": "A", "name": "Größe"})]


def test_row_numbers_count_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('\nsku,name\nA,"two\nlines"\n\n,,\nB,b\n', encoding="utf-8")
    reader = open_reader(path)
    assert [r for r, _ in reader] == [3, 6]


def test_short_and_long_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("sku,name,brand\nA,a\nB,b,c,,\nC,c,d,extra\n", encoding="utf-8")
    got = rows(path)
    assert got[0] == (2, {"sku": "A", "name": "a"})
    assert got[1] == (3, {"sku": "B", "name": "b", "brand": "c"})
    assert got[2][1][ROW_ERROR] == "row has 4 cells, the header has 3"


def test_header_only_file(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("sku,name\n", encoding="utf-8")
    assert rows(path) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "file is empty"),
    ("blank.csv", b"\n\n", "file has no header row"),
    ("f.pdf", b"%PDF", "unsupported file type '.pdf'"),
    ("bin.csv", b"sku,name\n\x00\x01\x02\x03", "binary file (NUL bytes): expected CSV or JSON text"),
    ("zip.csv", b"PK\x03\x04\x14\x00", "this is a ZIP/XLSX file, not text: give it the suffix .xlsx"),
    ("dup.csv", b"sku,name,SKU,name\n", "column 'name' appears twice in the header"),
    ("bad.csv", b"sku,name\nA,caf\xc3\xa9\nB,\x81\x8d\n",
     "invalid UTF-8 at line 3 (byte 19) of a file that is UTF-8 before that: the file mixes "
     "encodings; save it again as UTF-8"),
    ("bad2.csv", b"sku,name\nA,\x81\x8d\n",
     "cannot decode the file: not UTF-8 (invalid byte at line 2) and not Windows-1252/Latin-1 "
     "(invalid byte at line 2); is it a text file?"),
    ("bad.jsonl", b'{"sku": "\x81"}\n', "cannot decode the file: not UTF-8 (invalid byte at "
     "line 1) and not Windows-1252/Latin-1 (invalid byte at line 1); is it a text file?"),
    ("bad.json", b'{"sku": "A"}', "expected a JSON array of objects at the top level"),
    ("bad2.json", b'[{"sku": "A"},', "invalid JSON at line 1, column 15: unexpected end of data"),
    ("fake.xlsx", b"sku,name\nA,B\n", "cannot read the spreadsheet: "),
])
def test_fatal_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert fatal(path).startswith(message)


def test_huge_json_array_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingestion.readers.JSON_MAX_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text('[{"sku": "A", "name": "B"}]')
    assert "convert it to JSON Lines" in fatal(path)


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Artikel")
    ws.write_row(1, 0, ["SKU", "Name", "GTIN", "price_per_piece", "in stock since"])
    ws.write_row(2, 0, [12345, "Kabelbinder 200 mm", 4006381333931, 0.05])
    ws.write_row(4, 0, ["B-2", "Mutter Ø 8", "", 1])
    wb.close()
    reader = open_reader(path)
    assert reader.columns == ["SKU", "Name", "GTIN", "price_per_piece", "in stock since"]
    got = list(reader)
    assert got == [
        (3, {"SKU": 12345.0, "Name": "Kabelbinder 200 mm", "GTIN": 4006381333931.0,
             "price_per_piece": 0.05}),
        (5, {"SKU": "B-2", "Name": "Mutter Ø 8", "price_per_piece": 1.0}),
    ]
    assert reader.bytes_done() == reader.bytes_total


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Notes").write(0, 0, "read me")
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["sku", "name"])
    ws.write_row(1, 0, ["A", "a"])
    wb.close()
    assert rows(path, Mapping(sheet="Data")) == [(2, {"sku": "A", "name": "a"})]
    assert fatal(path, Mapping(sheet="Nope")) == "no sheet named 'Nope' (sheets: Notes, Data)"


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(orjson.dumps([{"sku": "A", "name": "a", "images": ["https://x/1.jpg"]},
                                   [1, 2], {"sku": "B", "brand": "X"}]))
    reader = open_reader(path)
    assert reader.columns == ["sku", "name", "images", "brand"]
    assert list(reader) == [(1, {"sku": "A", "name": "a", "images": ["https://x/1.jpg"]}),
                            (2, {ROW_ERROR: "not a JSON object"}),
                            (3, {"sku": "B", "brand": "X"})]


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"sku": "A", "name": "ä"}\n\n{"sku": "B",\n[1]\n{"sku": "C", "name": "c"}\n',
                    encoding="utf-8-sig")
    got = rows(path)
    assert [r for r, _ in got] == [1, 3, 4, 5]
    assert got[0][1] == {"sku": "A", "name": "ä"}
    assert got[1][1][ROW_ERROR].startswith("invalid JSON: ")
    assert got[2][1] == {ROW_ERROR: "not a JSON object"}
