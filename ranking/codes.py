"""What a scanned code means in the catalog (S10): the identifiers a barcode or QR code
carries, and the products they name.

* EAN-13, EAN-8, UPC-A, UPC-E and ITF-14 carry a GTIN. Its check digit must be valid (a misread that
  slipped through is not allowed to find some other product); UPC-E is expanded to its UPC-A
  number. A GTIN finds its product however the catalog wrote it: ``036000291452`` (UPC-A),
  ``0036000291452`` (EAN-13) and the 14-digit form are one number.
* QR codes and DataMatrix carry text: a product URL (``…/products/SKU``, ``…?sku=SKU``), a GS1
  Digital Link (``…/01/<GTIN>``) or GS1 element string (``(01)<GTIN>…``), or a SKU, MPN or
  GTIN written plainly.
* ITF-14 (on cartons) carries a GTIN-14; Code 128 and Code 39 carry a SKU, MPN or GTIN.

A code finds the products whose SKU, MPN or GTIN it is, compared as part numbers are (case,
spaces, dashes, dots and slashes do not matter; leading zeros of a GTIN do not matter) and
through the search service, so the request's filters and the live query rules (hidden
products) apply as they do to a typed search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ranking.service import SearchRequest, SearchService

GTIN_FORMATS = frozenset({"EAN-13", "EAN-8", "UPC-A", "UPC-E", "ITF-14"})
_MAX_IDENTIFIER = 64  # the longest SKU, MPN or GTIN the catalog stores
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_GS1_HRI_GTIN = re.compile(r"\(01\)\s*(\d{14})")
_GS1_RAW_GTIN = re.compile(r"^(?:\]\w\d)?01(\d{14})")  # AI 01 first, FNC1 already stripped
_PREFIXED = re.compile(r"^(?:sku|art(?:ikel)?\.?\s*-?\s*nr\.?|item|mpn|gtin|ean|upc)\s*[:=#]\s*(.+)$",
                       re.IGNORECASE)
_SKU_PARAMS = ("sku", "SKU", "product", "item", "gtin", "ean")
_PRODUCT_PATH = ("products", "product", "p", "item", "items", "sku", "artikel")


class Code(Protocol):
    """A decoded code as :mod:`embeddings.barcodes` returns it."""

    @property
    def format(self) -> str: ...

    @property
    def text(self) -> str: ...


def gs1_check_digit(body: str) -> int:
    """Weights 3,1,3,... from the rightmost digit of the body (GS1 General Specifications 7.9)."""
    rev = body[::-1]
    total = 3 * sum(map(int, rev[0::2])) + sum(map(int, rev[1::2]))
    return (10 - total % 10) % 10


def valid_gtin(digits: str) -> bool:
    return (digits.isascii() and digits.isdigit() and len(digits) in (8, 12, 13, 14)
            and gs1_check_digit(digits[:-1]) == int(digits[-1]))


def upc_e_to_upc_a(code: str) -> str | None:
    """The UPC-A number of an 8-digit UPC-E code (number system 0 or 1), or None.

    The six middle digits are the compressed UPC-A body; the last of them says how it was
    compressed (GS1 General Specifications 5.2.2.4.2)."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    system, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = f"{d[0]}{d[1]}{last}0000{d[2]}{d[3]}{d[4]}"
    elif last == "3":
        body = f"{d[0]}{d[1]}{d[2]}00000{d[3]}{d[4]}"
    elif last == "4":
        body = f"{d[0]}{d[1]}{d[2]}{d[3]}00000{d[4]}"
    else:
        body = f"{d[0]}{d[1]}{d[2]}{d[3]}{d[4]}0000{last}"
    upc_a = system + body + check
    return upc_a if valid_gtin(upc_a) else None


def identifiers(format: str, text: str) -> list[str]:  # noqa: A002 - the code's format
    """The SKUs, MPNs or GTINs a code may carry, most specific first (an empty list: the
    code carries nothing the catalog could know, e.g. a GTIN with a wrong check digit)."""
    text = text.strip()
    if not text:
        return []
    if format in GTIN_FORMATS:  # zxing-cpp 3 writes UPC-A/E as 13 digits; older ones as 12/8
        gtin = upc_e_to_upc_a(text) if format == "UPC-E" and len(text) == 8 else text
        return [gtin] if gtin is not None and valid_gtin(gtin) else []
    out: list[str] = []
    if _URL.match(text):
        out += _from_url(text)
    else:
        gs1 = _GS1_HRI_GTIN.search(text) or _GS1_RAW_GTIN.match(text)
        if gs1 and valid_gtin(gs1.group(1)):
            out.append(gs1.group(1))
        prefixed = _PREFIXED.match(text)
        if prefixed:
            out.append(prefixed.group(1).strip())
        if "\n" not in text:  # several lines: a vCard, an address... not an identifier
            out.append(text)
    return _unique(v for v in out if 0 < len(v) <= _MAX_IDENTIFIER)


def _from_url(url: str) -> list[str]:
    parts = urlsplit(url)
    out: list[str] = []
    query = parse_qs(parts.query)
    for name in _SKU_PARAMS:
        out += [v.strip() for v in query.get(name, []) if v.strip()]
    segments = [unquote(s) for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments[:-1]):
        following = segments[i + 1]
        if segment == "01" and valid_gtin(following):  # GS1 Digital Link: /01/<GTIN>/...
            out.append(following)
        elif segment.lower() in _PRODUCT_PATH:
            out.append(re.sub(r"\.(?:html?|pdf|json)$", "", following, flags=re.IGNORECASE))
    return out


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


@dataclass
class CodeResult:
    """The products one code found, with the identifier that found them."""

    code: Code
    identifier: str | None = None
    skus: list[str] = field(default_factory=list)


def find_products(service: SearchService, codes: Sequence[Code], *,
                  filters: Sequence[str] = (), customer_group: str | None = None,
                  config: str | None = "lexical", per_code: int = 10,
                  ) -> tuple[list[CodeResult], list[dict[str, Any]]]:
    """Each code's products and the hits (rendered as ``/v1/search`` renders them, with
    ``found_by``: the codes that found the product), in the order of the codes.

    A code's identifiers are tried in order; the first that names a product wins. Lookups go
    through the search service as a part-number search (exact SKU/MPN/GTIN matches only) or,
    for identifiers without digits, as SKU and MPN filters, so that the filters and the live
    query rules apply. ``config`` is lexical by default: a code is an identifier, and a
    semantic neighbour is never what it names."""
    results: list[CodeResult] = []
    hits: dict[str, dict[str, Any]] = {}
    for code in codes:
        result = CodeResult(code)
        for identifier in identifiers(code.format, code.text):
            found = _lookup(service, identifier, filters, customer_group, config, per_code)
            if found:
                result.identifier = identifier
                for hit in found:
                    sku = hit["sku"]
                    result.skus.append(sku)
                    entry = hits.setdefault(sku, {**hit, "found_by": []})
                    entry["found_by"].append({"format": code.format, "text": code.text})
                break
        results.append(result)
    return results, list(hits.values())


def _lookup(service: SearchService, identifier: str, filters: Sequence[str],
            customer_group: str | None, config: str | None, limit: int) -> list[dict[str, Any]]:
    base = dict(filters=list(filters), page_size=limit, facets=[], highlight=False,
                config=config, customer_group=customer_group)
    if any(c.isdigit() for c in identifier):
        outcome = service.execute(SearchRequest(q=identifier, **base))  # type: ignore[arg-type]
        exact = {hit.sku for hit in outcome.result.hits if hit.part_number_match}
        if not exact:
            return []
        body = service.render(outcome)
        return [_clean(hit) for hit in body["hits"] if hit["sku"] in exact]
    for name in ("sku", "mpn"):  # no digits: no part-number search; exact identifiers
        body = service.search(SearchRequest(
            q="", filter_groups=[[f"{name}:{identifier}"]], **base))  # type: ignore[arg-type]
        if body["hits"]:
            return [_clean(hit) for hit in body["hits"]]
    return []


def _clean(hit: dict[str, Any]) -> dict[str, Any]:
    hit = dict(hit)
    hit.pop("highlights", None)
    return hit
