"""Column mapping files: how one seller's export maps onto the attribute registry.

A mapping is TOML, so sellers can keep one per ERP export next to the file::

    [columns]            # source column = registry field ("" drops the column)
    "Artikelnummer" = "sku"
    "Bezeichnung" = "name"
    "Gewicht" = "weight_kg"

    [units]              # unit of a numeric field's values when the cell has none
    weight_kg = "g"
    length_mm = "cm"

    [format]
    decimal_comma = true
    list_separator = "|"
    category_separator = " > "
    encoding = "cp1252"  # skip detection
    delimiter = ";"      # skip detection ("\\t" or "tab" for tabs)
    sheet = "Artikel"    # spreadsheet sheet; default the first

Mistakes in it are fatal and name the key: ingesting a file with a half-understood
mapping would write wrong data into every row.
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.errors import IngestFatal
from catalog.fields import BY_NAME, CATEGORY_SEPARATOR, LIST_SEPARATOR
from ingestion.values import UNITS_BY_CANONICAL

_FORMAT_KEYS = {
    "decimal_comma": bool, "list_separator": str, "category_separator": str,
    "encoding": str, "delimiter": str, "sheet": str,
}


def normalise_name(name: str) -> str:
    """'Price per piece' and 'price-per-piece' both find the field price_per_piece."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    decimal_comma: bool = False
    list_separator: str = LIST_SEPARATOR
    category_separator: str = CATEGORY_SEPARATOR
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "mapping") -> Mapping:
        unknown = set(data) - {"columns", "units", "format"}
        if unknown:
            key = sorted(unknown)[0]
            raise IngestFatal(f"{source}: unknown section [{key}] (expected [columns], [units], "
                              "[format])", field=key)
        columns = _table(data, "columns", source)
        for src, target in columns.items():
            if not isinstance(target, str) or (target and target not in BY_NAME):
                raise IngestFatal(f"{source}: [columns] {src!r} = {target!r}: not a catalog field",
                                  field=f"columns.{src}")
        units: dict[str, str] = {}
        for key, unit in _table(data, "units", source).items():
            target = columns.get(key) or key
            spec = BY_NAME.get(target)
            if spec is None or spec.unit is None:
                raise IngestFatal(f"{source}: [units] {key!r}: not a field with a unit "
                                  "(weight_kg, length_mm, width_mm, height_mm)", field=f"units.{key}")
            allowed = UNITS_BY_CANONICAL[spec.unit]
            if not isinstance(unit, str) or unit.lower() not in allowed:
                raise IngestFatal(f"{source}: [units] {key} = {unit!r}: use one of "
                                  f"{', '.join(allowed)}", field=f"units.{key}")
            units[target] = unit.lower()
        fmt = _table(data, "format", source)
        for key, value in fmt.items():
            expected = _FORMAT_KEYS.get(key)
            if expected is None:
                raise IngestFatal(f"{source}: [format] unknown key {key!r}", field=f"format.{key}")
            if not isinstance(value, expected):
                raise IngestFatal(f"{source}: [format] {key} must be a {expected.__name__}",
                                  field=f"format.{key}")
        for key in ("list_separator", "category_separator"):
            if key in fmt and not fmt[key]:
                raise IngestFatal(f"{source}: [format] {key} must not be empty", field=f"format.{key}")
        if "encoding" in fmt:
            try:
                codecs.lookup(fmt["encoding"])
            except LookupError:
                raise IngestFatal(f"{source}: [format] encoding {fmt['encoding']!r} is unknown",
                                  field="format.encoding") from None
        if "delimiter" in fmt:
            fmt["delimiter"] = {"tab": "\t", "\\t": "\t"}.get(fmt["delimiter"].lower(), fmt["delimiter"])
            if len(fmt["delimiter"]) != 1:
                raise IngestFatal(f"{source}: [format] delimiter must be one character",
                                  field="format.delimiter")
        return cls(columns=dict(columns), units=units, **fmt)


def _table(data: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise IngestFatal(f"{source}: [{name}] must be a table", field=name)
    return dict(table)


def load_mapping(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise IngestFatal(f"cannot read mapping file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestFatal(f"mapping file {path.name} is not valid TOML: {exc}") from None
    return Mapping.from_dict(data, source=path.name)
