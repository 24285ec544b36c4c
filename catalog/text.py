"""Text normalisation shared by indexing and query understanding, so both sides agree."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_PN_STRIP = re.compile(r"[\s\-./_,:;#]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CODE_PART = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_SPECIAL_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "µ": "u"})


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Kühlmittel' -> 'kuhlmittel', 'µm' -> 'um'."""
    text = text.lower().translate(_SPECIAL_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded words, split on anything that is not a letter or digit (as the engine does)."""
    return _WORD.findall(fold(text))


def word_spans(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of the words of an already folded text, as :func:`words` splits it."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]


def code_parts(text: str) -> list[str]:
    """Runs of letters and runs of digits: 'DIN 933-M8x40' -> ['din','933','m','8','x','40']."""
    return _CODE_PART.findall(fold(text))


def normalize_part_number(text: str) -> str:
    """'DIN 933-M8X40' -> 'din933m8x40': case, spaces, dashes, dots and slashes do not matter."""
    return _PN_STRIP.sub("", fold(text))


def singular(word: str) -> str:
    """A rough English singular ('gloves' -> 'glove', 'batteries' -> 'battery'), enough to
    compare query words with synonym keys and highlight plurals; the engine stems properly."""
    if len(word) < 4 or word.endswith(("ss", "us", "is")) or word in ("series", "species"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


# -- units ------------------------------------------------------------------------------------
# A measurement is written many ways ("40mm", "40 mm", "4 cm", '1/2"', "0,5 kg"): indexing and
# query understanding both turn each mention into one canonical token ("40mm", "12.7mm",
# "500g") so that any spelling finds any other.
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _base, _factor in (
    (("mm", "millimeter", "millimeters", "millimetre", "millimetres"), "mm", 1.0),
    (("cm", "centimeter", "centimeters", "centimetre", "centimetres"), "mm", 10.0),
    (("m", "meter", "meters", "metre", "metres"), "mm", 1000.0),
    (("in", "inch", "inches", '"', "''"), "mm", 25.4),
    (("ft", "feet", "foot", "'"), "mm", 304.8),
    (("mg",), "g", 0.001),
    (("g", "gram", "grams", "gr"), "g", 1.0),
    (("kg", "kilogram", "kilograms", "kilo", "kilos"), "g", 1000.0),
    (("lb", "lbs", "pound", "pounds"), "g", 453.59237),
    (("oz", "ounce", "ounces"), "g", 28.349523),
    (("ml", "milliliter", "milliliters", "millilitre", "millilitres"), "ml", 1.0),
    (("cl",), "ml", 10.0),
    (("l", "liter", "liters", "litre", "litres", "ltr"), "ml", 1000.0),
    (("gal", "gallon", "gallons"), "ml", 3785.411784),
    (("v", "volt", "volts"), "v", 1.0),
    (("kv",), "v", 1000.0),
    (("w", "watt", "watts"), "w", 1.0),
    (("kw",), "w", 1000.0),
    (("a", "amp", "amps", "ampere", "amperes"), "a", 1.0),
    (("ma",), "a", 0.001),
    (("ah",), "ah", 1.0),
    (("mah",), "ah", 0.001),
):
    for _name in _names:
        _UNITS[_name] = (_base, _factor)

_UNIT_NAMES = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_MEASURE = re.compile(
    r"(?<![\w.,/])(?:(\d+)[\s-]+)?(\d+(?:[.,]\d+)?)(?:\s*/\s*(\d+))?\s*(" + _UNIT_NAMES + r")(?![\w])",
)


def _canonical(value: float, base: str) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text}{base}"


def measurements(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of every measurement in the folded ``text``:
    '40 mm' -> '40mm', '4 cm' -> '40mm', '1-1/2 in' -> '38.1mm', '0,5 kg' -> '500g'."""
    out = []
    for m in _MEASURE.finditer(text):
        whole, number, denominator, unit = m.groups()
        try:
            value = float(number.replace(",", "."))
            if denominator:
                value = value / float(denominator)
            if whole:
                if not denominator:
                    continue  # "2-40 mm" is a range or a code, not one measurement
                value += float(whole)
        except (ValueError, ZeroDivisionError):
            continue
        base, factor = _UNITS[unit]
        out.append((m.start(), m.end(), _canonical(value * factor, base)))
    return out


def canonical_measurements(text: str) -> list[str]:
    return [c for _, _, c in measurements(fold(text))]


# -- sizes ------------------------------------------------------------------------------------
# "4x4", "4 in. x 4 in.", "2 x 4", "300x200 mm": a size is its numbers, whatever the units and
# spacing; it becomes one token ("size:4x4") on both sides. Thread codes like "M8x40" stay
# codes (a letter right before the first number).
_NUMBER = r"(?:\d+-\d+/\d+|\d+(?:[.,]\d+)?(?:/\d+)?)"
_SIZE_UNIT = r"(?:\s*(?:inches|inch|in|ft|feet|mm|cm|m|\"|''|')\.?)?"
_SIZE = re.compile(
    rf"(?<![\w.,/-])({_NUMBER}){_SIZE_UNIT}\s*x\s*({_NUMBER}){_SIZE_UNIT}"
    rf"(?:\s*x\s*({_NUMBER}){_SIZE_UNIT})?(?![\w/])"
)


def _number(text: str) -> float | None:
    try:
        if "-" in text:
            whole, frac = text.split("-", 1)
            num, den = frac.split("/")
            return float(whole) + float(num) / float(den)
        if "/" in text:
            num, den = text.split("/")
            return float(num) / float(den)
        return float(text.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None


def sizes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of every size in the folded ``text``: '4 in. x 4 in. x 8 ft.'
    -> 'size:4x4x8'; '2x4' -> 'size:2x4'."""
    out = []
    for m in _SIZE.finditer(text):
        numbers = [_number(g) for g in m.groups() if g]
        if any(n is None for n in numbers):
            continue
        canonical = "x".join(f"{n:.3f}".rstrip("0").rstrip(".") for n in numbers if n is not None)
        out.append((m.start(), m.end(), f"size:{canonical}"))
    return out


def canonical_spans(text: str) -> list[tuple[int, int, str]]:
    """Sizes and measurements of the folded ``text``, left to right, never overlapping (a size
    wins over the measurements inside it)."""
    found = sizes(text)
    taken = [(s, e) for s, e, _ in found]
    for start, end, canonical in measurements(text):
        if not any(start < e and end > s for s, e in taken):
            found.append((start, end, canonical))
    return sorted(found)


def canonical_tokens(text: str) -> list[str]:
    """Every size and measurement of ``text`` in canonical form, for the index ('4 in. x 4 in.'
    gives the size and both lengths); a size of three numbers also gives its first two
    ('4x4x8' is a '4x4')."""
    folded = fold(text)
    out = []
    for _, _, canonical in sizes(folded):
        out.append(canonical)
        if canonical.count("x") == 2:
            out.append(canonical.rsplit("x", 1)[0])
    out += [canonical for _, _, canonical in measurements(folded)]
    return out


def part_numbers(record: Mapping[str, Any]) -> list[str]:
    """A product's SKU, MPN and GTIN normalised like part numbers (GTINs also without their
    leading zeros): what an exact part-number search matches."""
    values = []
    for key in ("sku", "mpn", "gtin"):
        raw = record.get(key)
        if raw:
            pn = normalize_part_number(str(raw))
            values.append(pn)
            if key == "gtin" and pn.startswith("0"):
                values.append(pn.lstrip("0"))
    return values


def same_part_number(part_number: str, record: Mapping[str, Any]) -> bool:
    """Whether the query is this product's SKU, MPN or GTIN (GTINs with or without leading 0s)."""
    wanted = {part_number, part_number.lstrip("0")} if part_number.isdigit() else {part_number}
    return any(pn in wanted for pn in part_numbers(record))
