"""Cell parsers: numbers with units and decimal commas, GTINs, choices and the flat-file
formats of list and map fields.

Every parser takes an already stripped, non-empty value (``str`` from CSV, or a native
value from JSON/XLSX) and returns the record value, or raises :class:`CellError` whose
message is the reason shown to the seller in the row report. The messages are part of
the product (sellers read them, tests pin them), so they are written out, not composed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import orjson

from catalog.fields import AVAILABILITY, CATEGORY_SEPARATOR, ORDER_TYPES


class CellError(ValueError):
    """A cell cannot be accepted; ``str(error)`` is the reason for the report."""


FORMULA_LIKE = "formula-like value"

# Canonical unit of each dimension, and how many of it one source unit is.
MASS_UNITS: dict[str, float] = {
    "mg": 1e-6, "g": 1e-3, "kg": 1.0, "t": 1000.0, "lb": 0.45359237, "lbs": 0.45359237,
    "oz": 0.028349523125,
}
LENGTH_UNITS: dict[str, float] = {
    "mm": 1.0, "cm": 10.0, "dm": 100.0, "m": 1000.0, "in": 25.4, "inch": 25.4, '"': 25.4,
    "ft": 304.8,
}
UNITS_BY_CANONICAL: dict[str, dict[str, float]] = {"kg": MASS_UNITS, "mm": LENGTH_UNITS}
_DIMENSION = {"kg": "a weight", "mm": "a length"}
_UNIT_HINT = {"kg": "g, kg, lb", "mm": "mm, cm, m, in"}

INT_MAX = 2_147_483_647  # PostgreSQL INTEGER; SQLite would take more, the other store not

# A signed quantity such as "-20 °C", "+5 %" or "+49 30 1234" is data, not a formula: it has
# no function call, cell reference ("+A1") or DDE pipe. Anything else starting with = + - @ is.
_SIGNED_QUANTITY = re.compile(
    r"[+-](?:\d[\d .,\u00a0]*(?:\s*[°%µ]?\s*[^\W\d_]{0,8}(?:/[^\W\d_]{1,8})?)?)?")
_QUANTITY = re.compile(r"([+-]?[\d.,'\s\u00a0\u202f]*\d)\s*([^\W\d_]{1,4}|\")")
_GROUPING = str.maketrans("", "", " '\u00a0\u202f")
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LETTERS2 = re.compile(r"[A-Za-z]{2}")
_LETTERS3 = re.compile(r"[A-Za-z]{3}")
_URL = re.compile(r"https?://", re.IGNORECASE)
_SPACE = re.compile(r"\s")
_KIND = re.compile(r"[A-Za-z0-9][A-Za-z0-9_ -]{0,39}")

_AVAILABILITY = {a: a for a in AVAILABILITY}
_ORDER_TYPES = {o.lower(): o for o in ORDER_TYPES}


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet evaluate this text? (CSV/formula injection, OWASP.)"""
    first = text[0]
    if first in "=@\t\r":
        return True
    if first in "+-":
        return _SIGNED_QUANTITY.fullmatch(text) is None
    return False


def to_text(value: Any) -> str:
    """Native JSON/spreadsheet values as the text a seller typed.

    Spreadsheets store every number as a float: 4006381333931.0 is the GTIN 4006381333931
    and 12345.0 the SKU 12345, so integral floats lose their ".0".
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    raise CellError("expected a text value")


def text(value: Any, max_length: int, *, keyword: bool = False) -> str:
    s = (value if type(value) is str else to_text(value)).strip()
    if not s:
        raise CellError("required value is empty")
    if len(s) > max_length:
        raise CellError(f"longer than {max_length} characters")
    if s[0] in "=+-@\t\r" and is_formula_like(s):
        raise CellError(FORMULA_LIKE)
    if keyword and _CONTROL.search(s):
        raise CellError("contains control characters (line break, tab...)")
    return s


# -- numbers ----------------------------------------------------------------------------
def _parse_decimal(s: str, decimal_comma: bool) -> float:
    """Slow path for what float() refused: grouping spaces, decimal commas, German dots."""
    t = s.translate(_GROUPING)
    if decimal_comma:
        if "," in t:
            t = t.replace(".", "").replace(",", ".")
        elif _DOT_THOUSANDS.fullmatch(t):
            t = t.replace(".", "")
    elif "," in t and _is_float(t.replace(",", ".")):
        raise CellError("decimal comma: set [format] decimal_comma = true in the mapping")
    try:
        return float(t)
    except ValueError:
        raise CellError(FORMULA_LIKE if is_formula_like(s) else "not a number") from None


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def number(value: Any, *, decimal_comma: bool, canonical_unit: str | None = None,
           default_unit: str | None = None, integer: bool = False, minimum: float | None = 0.0
           ) -> float | int:
    """A number in the registry's canonical unit.

    The unit comes from the cell ("250 g"), else from the mapping's [units], else the value
    is already canonical. Conversions are rounded to 9 decimals so that 1.5 in is 38.1 mm,
    not 38.099999999999994, and re-ingesting gives the same record.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CellError("not a number")
    unit = default_unit
    if isinstance(value, str):
        s = value
        try:
            v = float(s) if not decimal_comma else _parse_decimal(s, True)
        except ValueError:
            v = None
        if v is None:
            m = _QUANTITY.fullmatch(s) if canonical_unit else None
            if m:
                s, unit = m.group(1), m.group(2).lower()
            v = _parse_decimal(s, decimal_comma)
    else:
        v = float(value)
    if not math.isfinite(v):
        raise CellError("not a finite number")
    if unit is not None and canonical_unit is not None and unit != canonical_unit:
        factor = UNITS_BY_CANONICAL[canonical_unit].get(unit)
        if factor is None:
            known = any(unit in table for table in UNITS_BY_CANONICAL.values())
            raise CellError(
                f"unit '{unit}' is not {_DIMENSION[canonical_unit]} "
                f"(use {_UNIT_HINT[canonical_unit]})" if known else f"unknown unit '{unit}'"
            )
        v = round(v * factor, 9)
    if minimum is not None and v < minimum:
        raise CellError("must not be negative" if minimum == 0 else f"must be at least {minimum:g}")
    if integer:
        if not v.is_integer():
            raise CellError("not a whole number")
        if abs(v) > INT_MAX:
            raise CellError("number too large")
        return int(v)
    return v


def number_parser(*, decimal_comma: bool, canonical_unit: str | None, default_unit: str | None,
                  integer: bool, minimum: float | None) -> Callable[[Any], float | int]:
    """:func:`number` for one column, with a fast path for the common plain number (the
    ingest hot path: a third of all cells); anything unusual takes the full parser."""
    full = partial(number, decimal_comma=decimal_comma, canonical_unit=canonical_unit,
                   default_unit=default_unit, integer=integer, minimum=minimum)
    if decimal_comma or (default_unit is not None and default_unit != canonical_unit):
        return full
    isfinite = math.isfinite

    def parse(value: Any) -> float | int:
        if type(value) is str:
            try:
                v = float(value)
            except ValueError:
                return full(value)
            if isfinite(v) and (minimum is None or v >= minimum):
                if not integer:
                    return v
                if v.is_integer() and abs(v) <= INT_MAX:
                    return int(v)
        return full(value)

    return parse


def text_parser(max_length: int, *, keyword: bool) -> Callable[[Any], str]:
    """:func:`text` for one column, with a fast path for a plain stripped string."""
    control = _CONTROL.search

    def parse(value: Any) -> str:
        if (type(value) is str and value and len(value) <= max_length
                and value[0] not in "=+-@\t\r" and not (keyword and control(value))):
            return value
        return text(value, max_length, keyword=keyword)

    return parse


# -- keywords with rules ----------------------------------------------------------------
def gtin(value: Any) -> str:
    """GTIN-8/12/13/14 with a valid GS1 mod-10 check digit."""
    s = to_text(value).replace(" ", "")
    if not s.isdigit() or not s.isascii():
        raise CellError("GTIN must contain only digits")
    if len(s) not in (8, 12, 13, 14):
        raise CellError(f"GTIN must have 8, 12, 13 or 14 digits, not {len(s)}")
    expected = gs1_check_digit(s[:-1])
    if int(s[-1]) != expected:
        raise CellError(f"GTIN check digit is {s[-1]}, expected {expected}")
    return s


def gs1_check_digit(body: str) -> int:
    """Weights 3,1,3,... from the rightmost digit of the body (GS1 General Specifications 7.9)."""
    rev = body[::-1]
    total = 3 * sum(map(int, rev[0::2])) + sum(map(int, rev[1::2]))
    return (10 - total % 10) % 10


def availability(value: Any) -> str:
    key = to_text(value).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in _AVAILABILITY:
        raise CellError(f"must be one of {', '.join(AVAILABILITY)}")
    return key


def order_type(value: Any) -> str:
    found = _ORDER_TYPES.get(to_text(value).strip().lower())
    if found is None:
        raise CellError(f"must be one of {', '.join(ORDER_TYPES)}")
    return found


def country(value: Any) -> str:
    s = to_text(value)
    if not _LETTERS2.fullmatch(s):
        raise CellError("must be a 2-letter country code (ISO 3166-1)")
    return s.upper()


def currency(value: Any) -> str:
    s = to_text(value)
    if not _LETTERS3.fullmatch(s):
        raise CellError("must be a 3-letter currency code (ISO 4217)")
    return s.upper()


def category(value: Any, separator: str, max_length: int) -> str:
    s = to_text(value)
    sep = separator.strip() or separator
    parts = [p.strip() for p in s.split(sep)]
    if any(not p for p in parts):
        raise CellError("empty category level")
    canonical = CATEGORY_SEPARATOR.strip()
    if sep != canonical and any(canonical in p for p in parts):
        raise CellError(f"category level contains '{canonical}'")
    for p in parts:
        if p[0] in "=+-@" and is_formula_like(p):
            raise CellError(FORMULA_LIKE)
    path = CATEGORY_SEPARATOR.join(parts)
    if len(path) > max_length:
        raise CellError(f"longer than {max_length} characters")
    return path


# -- lists and maps ---------------------------------------------------------------------
def url(value: Any) -> str:
    s = (value if type(value) is str else to_text(value)).strip()
    if _URL.match(s) is None or _SPACE.search(s) is not None:
        raise CellError(f"not an http(s) URL: {s[:80]}")
    if len(s) > 1000:
        raise CellError("URL longer than 1000 characters")
    return s


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
STORED_REF = re.compile(r"/v1/(?:media/[0-9a-f]{64}|documents/\d+)/file")
"""A file this service already stores (what its own product cards link to)."""


def location(value: Any) -> str:
    """An http(s) URL, or the path of a local file (relative to the catalog file), which
    ingestion copies into the data folder; any other scheme is refused."""
    s = (value if type(value) is str else to_text(value)).strip()
    if not s:
        raise CellError("empty link: give an http(s) URL or a file path")
    if _URL.match(s) or _SCHEME.match(s):
        return url(s)
    if _CONTROL.search(s):
        raise CellError("file path contains control characters (line break, tab...)")
    if len(s) > 1000:
        raise CellError("file path longer than 1000 characters")
    return s


def is_local(link: str) -> bool:
    """Whether a validated link is a local file path (not a URL, not a stored file)."""
    return _URL.match(link) is None and STORED_REF.fullmatch(link) is None


def _items(value: Any, sep: str, max_length: int) -> list[Any]:
    if isinstance(value, str):
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters")
        if value.lstrip().startswith("["):  # a JSON list in a flat file: titles, paths
            try:
                parsed = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise CellError(f"not a JSON list: {str(exc)[:80]}") from None
            if not isinstance(parsed, list):
                raise CellError("expected a JSON list")
            return _items(parsed, sep, max_length)
        return [p.strip() for p in value.split(sep) if p.strip()]
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value if v not in (None, "")]
    raise CellError("expected a list")


def _kind(raw: str, limit: int) -> str:
    kind = raw.strip()
    if not _KIND.fullmatch(kind) or len(kind) > limit:
        raise CellError(f"invalid kind '{kind[:40]}'")
    return kind


def _split_kind(item: str, default: str, limit: int) -> tuple[str, str]:
    """'datasheet:https://…' or 'datasheet:docs/a.pdf' -> (datasheet, link); a bare URL or
    path gets the default kind."""
    if _URL.match(item) or ":" not in item:
        return default, location(item)
    kind, _, rest = item.partition(":")
    return _kind(kind, limit), location(rest)


def _title(item: dict[str, Any]) -> str | None:
    title = item.get("title")
    return text(title, 300) if title not in (None, "") else None


def _link_of(item: dict[str, Any]) -> str:
    return location(item.get("url") or item.get("path") or "")


def _entry(item: Any, default: str, limit: int) -> dict[str, Any]:
    """One document or media entry: ``kind:link`` text or an object with kind, url or path,
    and title."""
    if isinstance(item, dict):
        return {"kind": _kind(to_text(item.get("kind") or default), limit),
                "url": _link_of(item), "title": _title(item)}
    kind, link = _split_kind(to_text(item), default, limit)
    return {"kind": kind, "url": link, "title": None}


def images(value: Any, sep: str, max_length: int) -> list[str]:
    return [_link_of(item) if isinstance(item, dict) else location(item)
            for item in _items(value, sep, max_length)]


def documents(value: Any, sep: str, max_length: int) -> list[dict[str, Any]]:
    return [_entry(item, "document", 40) for item in _items(value, sep, max_length)]


def media(value: Any, sep: str, max_length: int) -> list[dict[str, Any]]:
    return [_entry(item, "file", 20) for item in _items(value, sep, max_length)]


def _days(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    try:
        days = number(raw, decimal_comma=False, integer=True, minimum=None)
    except CellError:
        days = -1
    if not 0 <= days <= 365:
        raise CellError(f"shipping days must be a whole number from 0 to 365, not '{to_text(raw)[:20]}'")
    return int(days)


def shipping_methods(value: Any, sep: str, max_length: int) -> list[dict[str, Any]]:
    out = []
    for item in _items(value, sep, max_length):
        if isinstance(item, dict):
            method, days = to_text(item.get("method") or ""), item.get("days")
        else:
            method, _, days = to_text(item).partition(":")
        method = method.strip()
        if not method:
            raise CellError("shipping method is empty")
        out.append({"method": text(method, 60), "days": _days(days.strip() if isinstance(days, str) else days)})
    return out


def variant_attributes(value: Any, sep: str, max_length: int) -> dict[str, str]:
    if isinstance(value, dict):
        pairs = [(to_text(k), to_text(v)) for k, v in value.items() if v not in (None, "")]
    else:
        pairs = []
        for item in _items(value, sep, max_length):
            axis, eq, val = to_text(item).partition("=")
            if not eq:
                raise CellError(f"expected axis=value, not '{to_text(item)[:40]}'")
            pairs.append((axis, val))
    out: dict[str, str] = {}
    for axis, val in pairs:
        axis, val = axis.strip(), val.strip()
        if not axis or not val:
            raise CellError("expected axis=value with both parts")
        if axis in out:
            raise CellError(f"variant axis '{axis[:40]}' given twice")
        out[text(axis, 60)] = text(val, 120)
    return out
