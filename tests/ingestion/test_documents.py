"""Text extraction from attached documents: PDF pages, HTML, text files; scans and damaged
or protected files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.documents import (
    HTML,
    PDF,
    TEXT,
    DocumentError,
    decode_text,
    extract,
    html_text,
    media_type_of,
)
from tests.ingestion.document_factory import pdf, scanned_pdf


def test_pdf_text_page_by_page(tmp_path: Path) -> None:
    path = pdf(tmp_path / "ds.pdf", ["Hex bolt DIN 933 datasheet", "Tightening torque 25 Nm",
                                      "Salt spray test 480 h"])
    got = extract(path, PDF)
    assert (got.media_type, got.page_count, got.status) == (PDF, 3, "ok")
    assert [p.split() for p in got.pages] == [["Hex", "bolt", "DIN", "933", "datasheet"],
                                              ["Tightening", "torque", "25", "Nm"],
                                              ["Salt", "spray", "test", "480", "h"]]
    assert got.head() == "Hex bolt DIN 933 datasheet\nTightening torque 25 Nm\nSalt spray test 480 h"
    assert not got.truncated


def test_pdf_with_unicode_text(tmp_path: Path) -> None:
    path = pdf(tmp_path / "de.pdf", ["Sechskantschraube Ø 8 mm – Größe: Łódź"])
    assert extract(path, PDF).pages == ["Sechskantschraube Ø 8 mm – Größe: Łódź"]


def test_page_limit_cuts_and_says_so(tmp_path: Path) -> None:
    path = pdf(tmp_path / "long.pdf", [f"page number {n} text" for n in range(1, 6)])
    got = extract(path, PDF, max_pages=2)
    assert (len(got.pages), got.page_count, got.truncated) == (2, 5, True)


def test_scanned_pdf_has_no_text(tmp_path: Path) -> None:
    got = extract(scanned_pdf(tmp_path / "scan.pdf", pages=2), PDF)
    assert (got.page_count, got.status, got.has_text) == (2, "no_text", False)
    assert got.pages == ["", ""]


def test_pdf_with_a_stray_page_number_is_still_a_scan(tmp_path: Path) -> None:
    got = extract(pdf(tmp_path / "almost.pdf", ["1", "2"]), PDF)
    assert got.status == "no_text"


@pytest.mark.parametrize(("data", "why"), [
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "not a readable PDF"),
    (b"this is not a pdf at all", "not a readable PDF"),
])
def test_corrupt_pdf(tmp_path: Path, data: bytes, why: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=why):
        extract(path, PDF)


def test_truncated_pdf(tmp_path: Path) -> None:
    whole = pdf(tmp_path / "whole.pdf", ["some text " * 50] * 3).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DocumentError, match="not a readable PDF"):
        extract(path, PDF)


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = pdf(tmp_path / "secret.pdf", ["confidential offer"], user_password="s3cret")
    with pytest.raises(DocumentError, match="password-protected PDF"):
        extract(path, PDF)


def test_pdf_encrypted_only_against_printing_opens(tmp_path: Path) -> None:
    """An empty user password (permissions only) is how many datasheets are 'encrypted'."""
    path = pdf(tmp_path / "perm.pdf", ["printable datasheet text"], user_password="")
    assert extract(path, PDF).pages == ["printable datasheet text"]


def test_html_visible_text_only() -> None:
    markup = ("<!doctype html><html><head><title>Assembly &amp; care</title>"
              "<style>p{color:red}</style><script>var secret = 'no';</script></head>"
              "<body><h1>Step&nbsp;1</h1><p>Clean the <b>surface</b>.</p><ul><li>dry</li>"
              "<li>free of grease</li></ul><img src=x alt=\"drawing A\"><noscript>enable js"
              "</noscript></body></html>")
    text = html_text(markup)
    assert "secret" not in text and "color" not in text and "enable js" not in text
    words = text.split()
    assert words[:3] == ["Assembly", "&", "care"]
    assert "Clean the surface." in " ".join(words)
    assert "drawing A" in " ".join(words) and "grease" in words


def test_html_file_with_declared_charset(tmp_path: Path) -> None:
    path = tmp_path / "care.html"
    path.write_bytes('<html><head><meta charset="iso-8859-1"></head><body>Größe 10 °C</body>'
                     '</html>'.encode("latin-1"))
    got = extract(path, HTML)
    assert got.pages == ["Größe 10 °C"] and got.status == "ok"


def test_text_files_in_any_encoding(tmp_path: Path) -> None:
    cp1252 = tmp_path / "notes.txt"
    cp1252.write_bytes("Lagerung bei 5 °C bis 30 °C, Toleranz ± 0,5 mm, gemäß Vorschrift.".encode(
        "cp1252"))
    assert extract(cp1252, TEXT).pages == [
        "Lagerung bei 5 °C bis 30 °C, Toleranz ± 0,5 mm, gemäß Vorschrift."]
    cp1250 = tmp_path / "pl.txt"
    cp1250.write_bytes("Zażółć gęślą jaźń, żółw i łódź płyną.".encode("cp1250"))
    assert extract(cp1250, TEXT).pages == ["Zażółć gęślą jaźń, żółw i łódź płyną."]
    utf16 = tmp_path / "u16.txt"
    utf16.write_bytes("Schraube\fMutter".encode("utf-16"))
    got = extract(utf16, TEXT)
    assert (got.pages, got.page_count) == (["Schraube", "Mutter"], 2)  # form feeds: pages
    assert decode_text("naïve".encode()) == "naïve"


def test_binary_is_no_text_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x00\x01\x02binary\x00")
    with pytest.raises(DocumentError, match="binary"):
        extract(path, TEXT)


def test_type_by_content_or_suffix(tmp_path: Path) -> None:
    assert media_type_of(tmp_path / "a.bin", b"%PDF-1.7") == PDF
    assert media_type_of(tmp_path / "a.HTM") == HTML
    assert media_type_of(tmp_path / "a.md") == TEXT
    assert media_type_of(tmp_path / "a.docx", b"PK\x03\x04") is None
