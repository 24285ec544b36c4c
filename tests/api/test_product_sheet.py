"""The PDF product sheet without a server: Unicode with DejaVu, transliteration without it."""

from __future__ import annotations

import io

from pypdf import PdfReader

from api.product_sheet import SheetPrice, latin1, render_product_sheet

CARD = {
    "sku": "PL-7", "name": "Rękawice nitrylowe Łódź – rozmiar L", "brand": "Ochrona",
    "mpn": "OCH/77", "gtin": "5901234123457", "price_per_piece": 0.05,
    "price_per_package": 5.0, "currency": "PLN", "pieces_per_package": 100,
    "specifications": {"material": {"label": "Material", "value": "nitrile", "unit": None},
                       "weight_kg": {"label": "Weight", "value": 0.004, "unit": "kg"}},
    "documents": [{"kind": "certificate", "title": "Certyfikat ISO 9001", "pages": 2,
                   "download_url": "/v1/documents/3/file"}],
    "media": {"image": [], "video": [{"kind": "video", "title": "Wideo",
                                      "url": "https://cdn.example.com/v.mp4"}],
              "diagram": [], "cad": [], "other": []},
    "variants": [],
}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_unicode_sheet() -> None:
    pdf, unicode_ok = render_product_sheet(CARD, base_url="https://shop.example")
    text = _text(pdf)
    assert unicode_ok and CARD["name"] in text
    assert "https://shop.example/v1/documents/3/file" in text
    assert "Certyfikat ISO 9001 certificate, 2 pages" in text and "0.0500 PLN per piece" in text


def test_without_a_unicode_font_text_is_transliterated_not_lost() -> None:
    pdf, unicode_ok = render_product_sheet(CARD, fonts=None)
    assert not unicode_ok
    assert "Rekawice nitrylowe Lódz - rozmiar L" in _text(pdf)  # ó is Latin-1
    assert latin1("Größe Ø 8 – 10 €") == "Größe Ø 8 - 10 EUR"  # Latin-1 letters stay
    assert latin1("Ελλάδα 東京") == "?????? ??"  # no Latin letter to fall back to


def test_a_customer_price_hook() -> None:
    pdf, _ = render_product_sheet(CARD, price=SheetPrice(0.04, 4.0, "PLN", "Your price"))
    text = _text(pdf)
    assert "0.0400 PLN per piece" in text and "Your price; 4.00 PLN per package" in text
