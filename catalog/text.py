"""Text normalisation shared by indexing and query understanding, so both sides agree."""

from __future__ import annotations

import re
import unicodedata

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


def code_parts(text: str) -> list[str]:
    """Runs of letters and runs of digits: 'DIN 933-M8x40' -> ['din','933','m','8','x','40']."""
    return _CODE_PART.findall(fold(text))


def normalize_part_number(text: str) -> str:
    """'DIN 933-M8X40' -> 'din933m8x40': case, spaces, dashes, dots and slashes do not matter."""
    return _PN_STRIP.sub("", fold(text))


def has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)
