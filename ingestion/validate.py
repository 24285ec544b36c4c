"""Row validation: a raw row (source column -> cell) becomes a catalog record or a list of
report entries, one per problem. A row is accepted whole or rejected whole: a product
with a silently dropped price is worse than a product that is missing and reported.

The column plan (which source column feeds which field, with which parser) is resolved
once per file, so the per-row loop is a dict lookup and one parser call per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import orjson

from catalog.errors import IngestFatal
from catalog.fields import BY_NAME, FIELD_NAMES, FieldSpec
from catalog.settings import Settings
from ingestion import values
from ingestion.mapping import Mapping, normalise_name
from ingestion.readers import ROW_ERROR
from ingestion.report import ReportEntry, shown
from ingestion.values import CellError

Record = dict[str, Any]

REQUIRED: tuple[str, ...] = tuple(f.name for f in BY_NAME.values() if f.required)
ATTRIBUTES = "attributes"
_IGNORE = ""  # a mapping target that drops the column

# Lower bounds per numeric field; None: any sign (a score, not a quantity).
_MINIMUM: dict[str, float | None] = {"popularity": None, "pieces_per_package": 1,
                                     "packages_per_pallet": 1}
_LIST_PARSERS: dict[str, Callable[..., Any]] = {
    "shipping_methods": values.shipping_methods, "variant_attributes": values.variant_attributes,
    "documents": values.documents, "images": values.images, "media": values.media,
}
_KEYWORD_PARSERS: dict[str, Callable[[Any], str]] = {
    "gtin": values.gtin, "availability": values.availability, "order_type": values.order_type,
    "country_of_origin": values.country, "currency": values.currency,
}


class _Column(NamedTuple):
    source: str
    target: str  # a field name, ATTRIBUTES (a JSON object of extras) or "" (dropped)
    parse: Callable[[Any], Any] | None  # None: an extra attribute


def parser_for(spec: FieldSpec, mapping: Mapping) -> Callable[[Any], Any]:
    if spec.name in _KEYWORD_PARSERS:
        return _KEYWORD_PARSERS[spec.name]
    if spec.name in _LIST_PARSERS:
        return partial(_LIST_PARSERS[spec.name], sep=mapping.list_separator,
                       max_length=spec.max_length)
    if spec.kind == "path":
        return partial(values.category, separator=mapping.category_separator,
                       max_length=spec.max_length)
    if spec.numeric:
        return values.number_parser(
            decimal_comma=mapping.decimal_comma, canonical_unit=spec.unit,
            default_unit=mapping.units.get(spec.name), integer=spec.kind == "int",
            minimum=_MINIMUM.get(spec.name, 0.0))
    return values.text_parser(spec.max_length, keyword=spec.kind == "keyword")


def attribute_value(value: Any) -> str:
    if isinstance(value, list | dict):
        text = orjson.dumps(value).decode()
    else:
        text = values.to_text(value).strip()
    if text and text[0] in "=+-@\t\r" and values.is_formula_like(text):
        raise CellError(values.FORMULA_LIKE)
    return text


def _display(value: Any) -> str:
    if isinstance(value, str):
        return shown(value)
    try:
        return shown(orjson.dumps(value, default=str).decode())
    except TypeError:
        return shown(repr(value))


class RowValidator:
    def __init__(self, columns: list[str], mapping: Mapping, settings: Settings, *,
                 fixed_header: bool = True) -> None:
        """``fixed_header``: the columns are a header, where two columns feeding one field
        is a mistake; JSON keys are not (see :meth:`_late_column`)."""
        self.mapping = mapping
        self.max_cell_chars = settings.max_cell_chars
        self._by_norm = {normalise_name(k): v for k, v in mapping.columns.items()}
        self._columns: dict[str, _Column] = {}
        self.source_of: dict[str, str] = {}  # field -> the source column that feeds it
        for name in columns:
            col = self._resolve(name)
            if fixed_header and col.parse is not None and col.target in self.source_of:
                raise IngestFatal(f"columns '{self.source_of[col.target]}' and '{name}' both "
                                  f"map to the field '{col.target}'", field=name)
            self._columns[name] = col
            if col.parse is not None:
                self.source_of.setdefault(col.target, name)
        for req in REQUIRED:
            if req not in self.source_of:
                raise IngestFatal(self._missing_message(req, columns), field=req)
        self._blank: Record = dict.fromkeys(FIELD_NAMES)
        self._blank[ATTRIBUTES] = None

    def _missing_message(self, field: str, columns: list[str]) -> str:
        expected = [src for src, target in self.mapping.columns.items() if target == field]
        hint = f" (the mapping expects {', '.join(repr(e) for e in expected)})" if expected else ""
        found = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
        return f"missing required column '{field}'{hint}; columns found: {found or 'none'}"

    def _resolve(self, source: str) -> _Column:
        mapping = self.mapping.columns
        target = mapping[source] if source in mapping else self._by_norm.get(normalise_name(source))
        if target is None:
            norm = normalise_name(source)
            target = norm if norm in BY_NAME else (ATTRIBUTES if norm == ATTRIBUTES else None)
        if target is None:
            return _Column(source, ATTRIBUTES, None)
        if target in (_IGNORE, ATTRIBUTES):
            return _Column(source, target, None)
        return _Column(source, target, parser_for(BY_NAME[target], self.mapping))

    def _late_column(self, source: str) -> _Column:
        """A JSON key that the first objects did not have. JSON objects spell keys as
        they like ("Brand" here, "brand" there), so unlike a header, two keys may feed
        one field."""
        col = self._resolve(source)
        if col.parse is not None:
            self.source_of.setdefault(col.target, source)
        self._columns[source] = col
        return col

    def validate(self, row: int, raw: dict[str, Any]) -> tuple[Record, list[ReportEntry]]:
        """The record and every problem of the row; the row is rejected if there are any.
        The record of a rejected row still matters: its SKU counts as present in the file
        (duplicates, delete-missing)."""
        record = self._blank.copy()
        problems: list[ReportEntry] = []
        attrs: dict[str, str] = {}
        columns = self._columns
        max_cell = self.max_cell_chars
        for key, value in raw.items():
            if value == "" or value is None:  # sparse exports: most cells are empty
                continue
            col = columns.get(key)
            if col is None:
                if key == ROW_ERROR:
                    problems.append(ReportEntry(row, "", "", value))
                    continue
                col = self._late_column(key)
            if type(value) is str:
                if not value:
                    continue
                if len(value) > max_cell:
                    problems.append(ReportEntry(row, key, shown(value),
                                                f"value longer than {max_cell} characters"))
                    continue
                value = value.strip()
                if not value:
                    continue
            elif value is None or value == [] or value == {}:
                continue
            parse = col.parse
            try:
                if parse is not None:
                    record[col.target] = parse(value)
                elif col.target == ATTRIBUTES:
                    if isinstance(value, dict) and key == ATTRIBUTES:
                        for k, v in value.items():
                            if v not in (None, ""):
                                attrs[str(k)] = attribute_value(v)
                    else:
                        attrs[key] = attribute_value(value)
            except CellError as exc:
                problems.append(ReportEntry(row, key, _display(value), str(exc)))
        for req in REQUIRED:
            if record[req] is None and ROW_ERROR not in raw:
                source = self.source_of.get(req, req)
                if not any(p.column == source for p in problems):
                    problems.append(ReportEntry(row, source, "", "required value is empty"))
        if attrs:
            record[ATTRIBUTES] = {k: v for k, v in attrs.items() if v} or None
        _derive(record)
        return record, problems


def _derive(record: Record) -> None:
    """Fill what the registry can compute from the row, so facets and sorting work for
    sellers who only export the primary values."""
    if record["delivery_days"] is None and record["shipping_methods"]:
        days = [m["days"] for m in record["shipping_methods"] if m["days"] is not None]
        if days:
            record["delivery_days"] = min(days)
    if (record["price_per_package"] is None and record["price_per_piece"] is not None
            and record["pieces_per_package"] is not None):
        record["price_per_package"] = round(record["price_per_piece"] * record["pieces_per_package"], 4)
