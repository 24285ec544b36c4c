from __future__ import annotations

from pathlib import Path

import pytest

from catalog.errors import IngestFatal
from ingestion import Mapping, load_mapping

GERMAN = """
[columns]
"Artikelnummer" = "sku"
"Bezeichnung" = "name"
"Gewicht" = "weight_kg"
"Länge" = "length_mm"
"Intern" = ""

[units]
Gewicht = "g"
length_mm = "cm"

[format]
decimal_comma = true
delimiter = "tab"
category_separator = "/"
"""


def test_load_mapping(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(GERMAN, encoding="utf-8")
    m = load_mapping(path)
    assert m.columns["Artikelnummer"] == "sku"
    assert m.units == {"weight_kg": "g", "length_mm": "cm"}
    assert (m.decimal_comma, m.delimiter, m.category_separator, m.list_separator) == (
        True, "\t", "/", "|")


@pytest.mark.parametrize(("toml", "field", "message"), [
    ('[columns]\n"Art" = "skuu"\n', "columns.Art",
     "m.toml: [columns] 'Art' = 'skuu': not a catalog field"),
    ('[units]\nprice_per_piece = "g"\n', "units.price_per_piece",
     "m.toml: [units] 'price_per_piece': not a field with a unit (weight_kg, length_mm, "
     "width_mm, height_mm)"),
    ('[units]\nweight_kg = "cm"\n', "units.weight_kg",
     "m.toml: [units] weight_kg = 'cm': use one of mg, g, kg, t, lb, lbs, oz"),
    ('[format]\ndecimal_coma = true\n', "format.decimal_coma",
     "m.toml: [format] unknown key 'decimal_coma'"),
    ('[format]\ndecimal_comma = "yes"\n', "format.decimal_comma",
     "m.toml: [format] decimal_comma must be a bool"),
    ('[format]\nencoding = "klingon"\n', "format.encoding",
     "m.toml: [format] encoding 'klingon' is unknown"),
    ('[format]\ndelimiter = ";;"\n', "format.delimiter",
     "m.toml: [format] delimiter must be one character"),
    ('[colums]\n', "colums",
     "m.toml: unknown section [colums] (expected [columns], [units], [format])"),
])
def test_invalid_mapping_is_fatal_and_names_the_key(tmp_path: Path, toml: str, field: str,
                                                    message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(IngestFatal) as exc:
        load_mapping(path)
    assert (exc.value.field, str(exc.value)) == (field, message)


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(IngestFatal, match="is not valid TOML"):
        load_mapping(path)


def test_default_mapping() -> None:
    m = Mapping()
    assert (m.decimal_comma, m.list_separator, m.category_separator) == (False, "|", " > ")
