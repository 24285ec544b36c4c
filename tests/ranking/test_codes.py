"""What a scanned code names in the catalog: GTINs (check digit, UPC-A/E and EAN-13 alike),
product URLs and GS1 Digital Links in QR codes, SKUs and MPNs in Code 128; looked up through
the search service on a real tantivy index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog.settings import Settings
from indexer.tantivy_backend import TantivyBackend
from ranking.codes import find_products, identifiers, upc_e_to_upc_a, valid_gtin
from ranking.config import load_config
from ranking.service import SearchService
from tests.factories import make_record


@dataclass(frozen=True)
class Code:
    format: str
    text: str


CATALOG = [
    make_record("FAS-1", "Hex bolt DIN 933 M8x40", brand="Fastek", gtin="4006381333931",
                mpn="933-0840-A2", availability="in_stock", category="Fasteners > Bolts"),
    make_record("UPC-1", "Cable ties 300 mm black", brand="Voltix", gtin="036000291452",
                availability="in_stock", category="Electrical"),  # stored as UPC-A (12)
    make_record("EAN8-1", "Nitrile gloves L", brand="SafeHands", gtin="00000096385074",
                availability="out_of_stock", category="Safety"),  # stored as GTIN-14
    make_record("UPCE-1", "Washer M8 zinc", brand="Fastek", gtin="0012345000065",
                availability="in_stock", category="Fasteners"),
    make_record("BOLT", "Carriage bolt", brand="Fastek", mpn="CARRIAGE", availability="in_stock",
                category="Fasteners"),
]


@pytest.fixture
def service(tmp_path: Path) -> SearchService:
    backend = TantivyBackend(tmp_path / "index", reload_interval_s=0)
    backend.rebuild([CATALOG])
    return SearchService(backend, Settings(), load_config("lexical"))


def test_gtin_check_digits_and_upc_e_expansion() -> None:
    assert valid_gtin("4006381333931") and not valid_gtin("4006381333932")
    assert valid_gtin("96385074") and valid_gtin("036000291452")
    assert upc_e_to_upc_a("01234565") == "012345000065"
    assert upc_e_to_upc_a("04252614") == "042100005264"
    assert upc_e_to_upc_a("01234566") is None  # wrong check digit


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("EAN-13", "4006381333931", ["4006381333931"]),
    ("EAN-13", "4006381333932", []),  # a misread: the check digit does not match
    ("UPC-A", "0036000291452", ["0036000291452"]),
    ("UPC-E", "01234565", ["012345000065"]),  # older readers give the 8 digits
    ("UPC-E", "0012345000065", ["0012345000065"]),  # zxing-cpp 3 gives the UPC-A number
    ("QR Code", "https://shop.example.com/products/FAS-1", ["FAS-1"]),
    ("QR Code", "https://shop.example.com/de/product/FAS%2F1.html?utm=x", ["FAS/1"]),
    ("QR Code", "https://shop.example.com/item?sku=PPE-3&lang=de", ["PPE-3"]),
    ("QR Code", "https://id.gs1.org/01/09506000134352/10/ABC", ["09506000134352"]),
    ("Data Matrix", "(01)09506000134352(17)250101", ["09506000134352",
                                                     "(01)09506000134352(17)250101"]),
    ("QR Code", "SKU: FAS-1", ["FAS-1", "SKU: FAS-1"]),
    ("Code 128", " 933-0840-A2 ", ["933-0840-A2"]),
    ("QR Code", "BEGIN:VCARD\nFN:Someone\nEND:VCARD", []),
    ("QR Code", "x" * 65, []),
])
def test_identifiers(fmt: str, text: str, expected: list[str]) -> None:
    assert identifiers(fmt, text) == expected


def test_codes_find_their_products(service: SearchService) -> None:
    codes = [
        Code("EAN-13", "4006381333931"),  # GTIN as stored
        Code("EAN-13", "0036000291452"),  # UPC-A read as EAN-13: stored with 12 digits
        Code("EAN-8", "96385074"),  # stored as GTIN-14 with leading zeros
        Code("UPC-E", "0012345000065"),
        Code("QR Code", "https://shop.example.com/products/BOLT"),  # no digits: SKU filter
        Code("Code 128", "933.0840/a2"),  # the MPN, written otherwise
        Code("EAN-13", "4006381333948"),  # valid, not in the catalog
    ]
    results, hits = find_products(service, codes)
    assert [r.skus for r in results] == [["FAS-1"], ["UPC-1"], ["EAN8-1"], ["UPCE-1"], ["BOLT"],
                                         ["FAS-1"], []]
    assert [h["sku"] for h in hits] == ["FAS-1", "UPC-1", "EAN8-1", "UPCE-1", "BOLT"]
    fas = hits[0]
    assert fas["name"].startswith("Hex bolt") and "highlights" not in fas
    assert fas["found_by"] == [{"format": "EAN-13", "text": "4006381333931"},
                               {"format": "Code 128", "text": "933.0840/a2"}]


def test_filters_apply(service: SearchService) -> None:
    codes = [Code("EAN-8", "96385074"), Code("EAN-13", "4006381333931")]
    results, hits = find_products(service, codes, filters=["availability:in_stock"])
    assert [r.skus for r in results] == [[], ["FAS-1"]]
    assert [h["sku"] for h in hits] == ["FAS-1"]


def test_a_partial_part_number_is_not_a_match(service: SearchService) -> None:
    results, hits = find_products(service, [Code("Code 128", "933-0840"),
                                            Code("EAN-13", "4006381333948")])
    assert hits == [] and all(not r.skus for r in results)
