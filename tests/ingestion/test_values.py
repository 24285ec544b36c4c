from __future__ import annotations

import pytest

from ingestion import values
from ingestion.values import CellError


def reason(fn, *args, **kwargs) -> str:
    with pytest.raises(CellError) as exc:
        fn(*args, **kwargs)
    return str(exc.value)


@pytest.mark.parametrize("code", ["4006381333931", "96385074", "036000291452", "10614141000415",
                                  "400 6381 333931", 4006381333931.0])
def test_valid_gtins(code: object) -> None:
    assert values.gtin(code) == str(code).replace(" ", "").removesuffix(".0")


@pytest.mark.parametrize(("code", "why"), [
    ("4006381333932", "GTIN check digit is 2, expected 1"),
    ("40063813339AB", "GTIN must contain only digits"),
    ("4006-381333931", "GTIN must contain only digits"),
    ("１２３４５６７０", "GTIN must contain only digits"),  # full-width digits are not ASCII
    ("1234567", "GTIN must have 8, 12, 13 or 14 digits, not 7"),
    ("123456789012345", "GTIN must have 8, 12, 13 or 14 digits, not 15"),
])
def test_invalid_gtins(code: str, why: str) -> None:
    assert reason(values.gtin, code) == why


def test_check_digit_against_published_examples() -> None:
    # GS1 examples: EAN-13 4006381333931, GTIN-14 10614141000415, UPC-A 036000291452
    assert values.gs1_check_digit("400638133393") == 1
    assert values.gs1_check_digit("1061414100041") == 5
    assert values.gs1_check_digit("03600029145") == 2


def num(v: object, **kw: object) -> float | int:
    kw.setdefault("decimal_comma", False)
    return values.number(v, **kw)  # type: ignore[arg-type]


def test_numbers_and_units() -> None:
    assert num("1.5") == 1.5
    assert num("250 g", canonical_unit="kg") == 0.25
    assert num("250g", canonical_unit="kg") == 0.25
    assert num("1,5 kg", canonical_unit="kg", decimal_comma=True) == 1.5
    assert num("4 cm", canonical_unit="mm") == 40.0
    assert num("1.5 in", canonical_unit="mm") == 38.1
    assert num("2 LB", canonical_unit="kg") == 0.90718474
    assert num("250", canonical_unit="kg", default_unit="g") == 0.25
    assert num("1 kg", canonical_unit="kg", default_unit="g") == 1.0  # the cell's unit wins
    assert num("1.234,56", decimal_comma=True) == 1234.56
    assert num("1.500", decimal_comma=True) == 1500.0
    assert num("0.25", decimal_comma=True) == 0.25
    assert num("1 234,5", decimal_comma=True) == 1234.5
    assert num("7", integer=True) == 7 and isinstance(num("7", integer=True), int)
    assert num("7.0", integer=True) == 7
    assert num(3.0, integer=True) == 3
    assert num("-5", minimum=None) == -5


@pytest.mark.parametrize(("value", "kw", "why"), [
    ("abc", {}, "not a number"),
    ("-3", {}, "must not be negative"),
    ("0", {"minimum": 1, "integer": True}, "must be at least 1"),
    ("NaN", {}, "not a finite number"),
    ("inf", {}, "not a finite number"),
    ("1e999", {}, "not a finite number"),
    ("1,5", {}, "decimal comma: set [format] decimal_comma = true in the mapping"),
    ("2.5", {"integer": True}, "not a whole number"),
    ("99999999999", {"integer": True}, "number too large"),
    ("4 kg", {"canonical_unit": "mm"}, "unit 'kg' is not a length (use mm, cm, m, in)"),
    ("4 parsecs", {"canonical_unit": "mm"}, "not a number"),
    ("4 pc", {"canonical_unit": "mm"}, "unknown unit 'pc'"),
    ("5 EUR", {}, "not a number"),
    ("=1+1", {}, "formula-like value"),
    (True, {}, "not a number"),
])
def test_bad_numbers(value: object, kw: dict, why: str) -> None:
    assert reason(num, value, **kw) == why


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "@SUM(A1)", "+cmd|' /C calc'!A0",
                                  "-2+3+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "-", "+x"])
def test_formula_like(text: str) -> None:
    if text in ("-",):
        assert not values.is_formula_like(text)
    else:
        assert values.is_formula_like(text)


@pytest.mark.parametrize("text", ["-20 °C", "+5 %", "-5", "+49 30 1234567", "-0,5 mm", "-10 m/s"])
def test_signed_quantities_are_data(text: str) -> None:
    assert not values.is_formula_like(text)


def test_text_rules() -> None:
    assert reason(values.text, "=cmd", 100) == "formula-like value"
    assert reason(values.text, "x" * 11, 10) == "longer than 10 characters"
    assert reason(values.text, "a\nb", 10, keyword=True) == \
        "contains control characters (line break, tab...)"
    assert values.text(12345.0, 64) == "12345"


def test_choices() -> None:
    assert values.order_type("mto") == "MTO"
    assert values.order_type("Stock") == "stock"
    assert values.availability("In Stock") == "in_stock"
    assert values.country("de") == "DE"
    assert values.currency("eur") == "EUR"
    assert reason(values.order_type, "bulk") == "must be one of stock, MTO, ETO"
    assert reason(values.country, "DEU") == "must be a 2-letter country code (ISO 3166-1)"


def test_category_paths() -> None:
    assert values.category("A > B > C", " > ", 300) == "A > B > C"
    assert values.category("A>B", " > ", 300) == "A > B"
    assert values.category("A / B", "/", 300) == "A > B"
    assert reason(values.category, "A >  > C", " > ", 300) == "empty category level"
    assert reason(values.category, "A/B>C", "/", 300) == "category level contains '>'"


def test_flat_list_formats() -> None:
    assert values.shipping_methods("parcel:2|freight:5|pickup", "|", 500) == [
        {"method": "parcel", "days": 2}, {"method": "freight", "days": 5},
        {"method": "pickup", "days": None}]
    assert values.variant_attributes("size=M8x40|color=black", "|", 500) == {
        "size": "M8x40", "color": "black"}
    assert values.documents("datasheet:https://x.io/a.pdf|https://x.io/b.pdf", "|", 4000) == [
        {"kind": "datasheet", "url": "https://x.io/a.pdf", "title": None},
        {"kind": "document", "url": "https://x.io/b.pdf", "title": None}]
    assert values.images("https://x.io/1.jpg | https://x.io/2.jpg", "|", 4000) == [
        "https://x.io/1.jpg", "https://x.io/2.jpg"]
    assert values.media("video:https://x.io/v.mp4|cad:https://x.io/m.step", "|", 4000) == [
        {"kind": "video", "url": "https://x.io/v.mp4", "title": None},
        {"kind": "cad", "url": "https://x.io/m.step", "title": None}]


def test_local_files_and_json_cells() -> None:
    """Documents and media may be local files (relative to the catalog file); a JSON list in
    a flat file's cell carries titles."""
    assert values.documents("datasheet:docs/a.pdf|certs/iso 9001.pdf", "|", 4000) == [
        {"kind": "datasheet", "url": "docs/a.pdf", "title": None},
        {"kind": "document", "url": "certs/iso 9001.pdf", "title": None}]
    assert values.images("img/1.jpg|https://x.io/2.jpg", "|", 4000) == [
        "img/1.jpg", "https://x.io/2.jpg"]
    cell = ('[{"kind": "certificate", "title": "ISO 9001 Zertifikat", "path": "c/iso.pdf"},'
            ' "datasheet:https://x.io/a.pdf"]')
    assert values.documents(cell, "|", 4000) == [
        {"kind": "certificate", "url": "c/iso.pdf", "title": "ISO 9001 Zertifikat"},
        {"kind": "datasheet", "url": "https://x.io/a.pdf", "title": None}]
    assert values.media('[{"kind": "cad", "path": "cad/m.step", "title": "3D model"}]', "|",
                        4000) == [{"kind": "cad", "url": "cad/m.step", "title": "3D model"}]
    assert values.is_local("docs/a.pdf") and not values.is_local("https://x.io/a.pdf")
    assert not values.is_local("/v1/documents/12/file")
    assert reason(values.documents, '[{"kind": "datasheet"', "|", 4000).startswith(
        "not a JSON list: ")


def test_native_list_formats() -> None:
    assert values.shipping_methods([{"method": "parcel", "days": 2}], "|", 500) == [
        {"method": "parcel", "days": 2}]
    assert values.variant_attributes({"size": "M8"}, "|", 500) == {"size": "M8"}
    assert values.documents([{"url": "https://x.io/a.pdf", "title": "Spec"}], "|", 4000) == [
        {"kind": "document", "url": "https://x.io/a.pdf", "title": "Spec"}]
    assert values.images(["https://x.io/1.jpg"], "|", 4000) == ["https://x.io/1.jpg"]


@pytest.mark.parametrize(("fn", "value", "why"), [
    (values.shipping_methods, "parcel:x", "shipping days must be a whole number from 0 to 365, not 'x'"),
    (values.shipping_methods, ":2", "shipping method is empty"),
    (values.variant_attributes, "size", "expected axis=value, not 'size'"),
    (values.variant_attributes, "size=M8|size=M10", "variant axis 'size' given twice"),
    (values.images, "javascript:alert(1)", "not an http(s) URL: javascript:alert(1)"),
    (values.documents, "datasheet:ftp://x/y.pdf", "not an http(s) URL: ftp://x/y.pdf"),
    (values.documents, "datasheet:file:///etc/passwd", "not an http(s) URL: file:///etc/passwd"),
    (values.documents, '{"kind": "datasheet"}', "invalid kind '{\"kind\"'"),
    (values.media, "cad:", "empty link: give an http(s) URL or a file path"),
])
def test_bad_list_values(fn, value: str, why: str) -> None:
    assert reason(fn, value, "|", 4000) == why
