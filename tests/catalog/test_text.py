"""Text normalisation shared by indexing and querying."""

from __future__ import annotations

import pytest

from catalog.text import (
    canonical_measurements,
    canonical_tokens,
    code_parts,
    fold,
    normalize_part_number,
)


@pytest.mark.parametrize("text, expected", [
    ("Hex bolt 40mm", ["40mm"]),
    ("40 mm", ["40mm"]),
    ("4 cm", ["40mm"]),
    ("0,04 m", ["40mm"]),
    ('1/2" hose', ["12.7mm"]),
    ("1-1/2 in", ["38.1mm"]),
    ("3 ft", ["914.4mm"]),
    ("0,5 kg", ["500g"]),
    ("2 lbs", ["907.185g"]),
    ("5 l jerrycan", ["5000ml"]),
    ("18V 2x 2.0Ah", ["18v", "2ah"]),
    ("1.2 kW", ["1200w"]),
    ("Cable tie 4.8x300 mm", []),   # a size code, not a measurement of 300 mm
    ("M8x40", []),
    ("box of 100", []),
    ("2-40 mm", []),               # a range
])
def test_measurements(text: str, expected: list[str]) -> None:
    assert canonical_measurements(text) == expected


def test_fold_and_part_numbers() -> None:
    assert fold("Kühlmittel Straße") == "kuhlmittel strasse"
    assert code_parts("DIN 933-M8X40") == ["din", "933", "m", "8", "x", "40"]
    assert normalize_part_number("DIN 933-M8X40") == normalize_part_number("din933 m8x40")


@pytest.mark.parametrize("text, expected", [
    ("4 in. x 4 in. x 8 ft. post", ["size:4x4x8", "size:4x4", "101.6mm", "101.6mm", "2438.4mm"]),
    ("lumber 2x4", ["size:2x4"]),
    ("Cable tie 4.8x300 mm", ["size:4.8x300"]),
    ("1/2 in. x 2 ft. panel", ["size:0.5x2", "12.7mm", "609.6mm"]),
    ("3-1/2 x 10", ["size:3.5x10"]),
    ("M8x40 bolt", []),           # a thread code, not a size
    ("box of 100", []),
])
def test_sizes_and_measurements_for_the_index(text: str, expected: list[str]) -> None:
    assert canonical_tokens(text) == expected
