"""Quick order (W2): pasted lines and uploaded shopping lists into a cart, and the customers'
own part numbers they may use.

A row names its product by one or more references; they are tried in the order SKU column,
customer part number, MPN, GTIN, then generic columns (article, item, part number...), and for
each reference:

* ``sku``: the SKU exactly, else the SKU ignoring case, spaces, dashes, dots and slashes;
* ``customer``: the company's own part number (normalised the same way);
* ``mpn``: the manufacturer part number (normalised);
* ``gtin``: the GTIN/EAN, digits only, leading zeros ignored (Excel drops them);
* generic (pasted lines too): the SKU exactly, the customer's part number, the SKU normalised,
  the MPN, then the GTIN.

A reference matching several products is reported as ambiguous, never guessed. Rows naming the
same product are merged (quantities added, one notice); quantities are rounded up to whole
packages by the cart. Rows that cannot be used (no match, outside the assortment, a bad
quantity) are reported with their row number, column and value, while every other row is
added: a shopping list is never refused for a few bad rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound, PayloadTooLarge
from catalog.text import normalize_part_number
from commerce.assortments.service import allows
from commerce.audit import service as audit
from commerce.carts.repository import CartRepository
from commerce.carts.service import MAX_QTY, CartService, Item
from commerce.identity import Principal, now_utc
from commerce.quickorder import parse
from commerce.quickorder.models import CustomerPartNumber
from commerce.quickorder.repository import QuickOrderRepository

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_PART_NUMBERS = 50_000
HOW = {"sku": "sku", "sku_normalised": "sku (normalised)", "customer": "customer part number",
       "mpn": "mpn", "gtin": "gtin"}


_PN_DELETE = str.maketrans("", "", " \t\n\r\x0b\x0c-./_,:;#")


def part_key(value: str) -> str:
    """:func:`catalog.text.normalize_part_number`, several times faster for ASCII text (a
    100,000-product catalog is normalised for one shopping list)."""
    if value.isascii():
        return value.lower().translate(_PN_DELETE)
    return normalize_part_number(value)


def gtin_key(value: str) -> str | None:
    digits = value.replace(" ", "").replace("-", "")
    return digits.lstrip("0") or None if digits.isdigit() else None


@dataclass
class _Index:
    """The catalog's normalised part numbers, read only when an exact SKU or customer part
    number does not match, and only the kinds some reference still needs."""

    skus: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    mpns: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    gtins: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, repo: QuickOrderRepository, kinds: set[str]) -> _Index:
        index = cls()
        need_sku = bool(kinds & {"sku", "any"})
        need_mpn = bool(kinds & {"mpn", "any"})
        need_gtin = bool(kinds & {"gtin", "any"})
        skus, mpns, gtins = index.skus, index.mpns, index.gtins
        for sku, mpn, gtin in repo.identifiers():
            if need_sku:
                skus[part_key(sku)].append(sku)
            if need_mpn and mpn:
                mpns[part_key(mpn)].append(sku)
            if need_gtin and gtin:
                key = gtin_key(str(gtin))
                if key:
                    gtins[key].append(sku)
        return index


@dataclass
class _Merged:
    sku: str
    qty: int
    rows: list[int]
    matched_by: str
    reference: str
    note: str | None
    notices: list[str] = field(default_factory=list)


class QuickOrderService:
    def __init__(self, carts: CartService | None = None) -> None:
        self.carts = carts or CartService()

    # -- into a cart -----------------------------------------------------------------------
    def paste(self, tx: Session, principal: Principal, cart_id: int, text: Any
              ) -> dict[str, Any]:
        cart = self.carts.access(tx, principal, cart_id, "edit").cart
        if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
            raise PayloadTooLarge(f"paste at most {MAX_TEXT_CHARS:,} characters; upload longer "
                                  "lists as a file", field="text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text is empty: paste lines of 'SKU qty'", field="text")
        return self._apply(tx, cart, parse.parse_text(text), "quick_order")

    def upload(self, tx: Session, principal: Principal, cart_id: int, data: bytes,
               filename: str | None) -> dict[str, Any]:
        cart = self.carts.access(tx, principal, cart_id, "edit").cart
        return self._apply(tx, cart, parse.read_file(data, filename), "import")

    def _apply(self, tx: Session, cart: Any, parsed: parse.Parsed, added_from: str
               ) -> dict[str, Any]:
        merged, problems = self.resolve(tx, cart.company_id, parsed)
        items = [Item(m.sku, m.qty, m.note, m.notices) for m in merged.values()]
        added = self.carts.add_items(tx, cart, items, added_from) if items else []
        by_sku = {m.sku: m for m in merged.values()}
        lines = [{**result, "rows": by_sku[result["sku"]].rows,
                  "matched_by": HOW[by_sku[result["sku"]].matched_by],
                  "reference": by_sku[result["sku"]].reference} for result in added]
        problems.sort(key=lambda p: p.row)
        return {"cart_id": cart.id, "rows": len(parsed.rows) + len(parsed.problems),
                "added": lines, "problems": [p.to_dict() for p in problems],
                "columns": parsed.columns, "empty_rows": parsed.empty}

    def resolve(self, tx: Session, company_id: int, parsed: parse.Parsed
                ) -> tuple[dict[str, _Merged], list[parse.Problem]]:
        """The rows matched to products of the company's assortment, merged by SKU; the rows
        that cannot be used, with the reason."""
        problems = list(parsed.problems)
        carts = CartRepository(tx)
        repo = QuickOrderRepository(tx)
        exact_wanted = [v for row in parsed.rows for k, _, v in row.refs if k in ("sku", "any")]
        products = carts.products(exact_wanted)
        needs_customer = any(k in ("customer", "any") for row in parsed.rows
                             for k, _, _ in row.refs)
        customer = repo.part_keys(company_id) if needs_customer else {}
        index: _Index | None = None

        # the kinds of the references that neither an exact SKU nor a customer part number
        # resolves: only those make the catalog's part numbers worth reading
        unresolved = {k for row in parsed.rows for k, _, v in row.refs
                      if k in ("sku", "mpn", "gtin", "any") and v not in products
                      and part_key(v) not in customer}

        def lookup(kind: str, value: str) -> tuple[list[str], str]:
            nonlocal index
            key = part_key(value)
            if kind in ("sku", "any") and value in products:
                return [value], "sku"
            if kind in ("customer", "any") and key in customer:
                return [customer[key]], "customer"
            if kind == "customer":
                return [], "customer"
            if index is None:
                index = _Index.read(repo, unresolved)
            if kind in ("sku", "any") and index.skus.get(key):
                return index.skus[key], "sku_normalised"
            if kind in ("mpn", "any") and index.mpns.get(key):
                return index.mpns[key], "mpn"
            if kind in ("gtin", "any"):
                g = gtin_key(value)
                if g and index.gtins.get(g):
                    return index.gtins[g], "gtin"
            return [], kind

        matches: list[tuple[parse.Row, str, str, str]] = []  # row, sku, how, reference
        for row in parsed.rows:
            found = None
            ambiguous = None
            for kind, column, value in row.refs:
                skus, how = lookup(kind, value)
                if len(skus) == 1:
                    found = (skus[0], how, value)
                    break
                if len(skus) > 1 and ambiguous is None:
                    ambiguous = parse.Problem(
                        row.row, column, value,
                        f"matches {len(skus)} products by {HOW[how]} "
                        f"({', '.join(sorted(skus)[:5])}): give the SKU")
            if found is None:
                if ambiguous is not None:
                    problems.append(ambiguous)
                else:
                    kind, column, value = row.refs[0]
                    what = {"sku": "SKU", "customer": "customer part number", "mpn": "MPN",
                            "gtin": "GTIN/EAN", "any": "SKU or part number"}[kind]
                    problems.append(parse.Problem(row.row, column, value, f"unknown {what}"))
                continue
            matches.append((row, *found))
        missing = [sku for _, sku, _, _ in matches if sku not in products]
        if missing:
            products.update(carts.products(missing))
        rules = self.carts.rules(tx, company_id)
        merged: dict[str, _Merged] = {}
        for row, sku, how, reference in matches:
            column = next(c for k, c, v in row.refs if v == reference)
            product = products.get(sku)
            if product is None:  # a customer part number naming a deleted product
                problems.append(parse.Problem(row.row, column, reference,
                                              f"names SKU {sku}, which is not in the catalog"))
                continue
            if not allows(rules, product):
                problems.append(parse.Problem(row.row, column, reference,
                                              f"SKU {sku} is not in your company's assortment"))
                continue
            notices = []
            parsed_qty, reason = (1, None) if row.qty is None else parse.parse_qty(row.qty)
            if parsed_qty is None:
                problems.append(parse.Problem(row.row, row.qty_field, row.qty,
                                              reason or "bad quantity"))
                continue
            if row.qty is None:
                notices.append(f"row {row.row}: no quantity given, 1 assumed")
            qty = parsed_qty
            if qty > MAX_QTY:
                problems.append(parse.Problem(row.row, row.qty_field, row.qty,
                                              f"quantity over {MAX_QTY}"))
                continue
            if sku in merged:
                m = merged[sku]
                if m.qty + qty > MAX_QTY:
                    problems.append(parse.Problem(row.row, row.qty_field, row.qty,
                                                  f"the merged quantity is over {MAX_QTY}"))
                    continue
                m.qty += qty
                m.rows.append(row.row)
                m.notices += notices
                m.note = m.note or row.note
            else:
                merged[sku] = _Merged(sku, qty, [row.row], how, reference, row.note, notices)
        for m in merged.values():
            if len(m.rows) > 1:
                m.notices.insert(0, f"rows {', '.join(map(str, m.rows))} name the same product: "
                                    f"merged into {m.qty}")
        return merged, problems

    # -- customers' part numbers -----------------------------------------------------------
    @staticmethod
    def _mapping_dict(row: CustomerPartNumber) -> dict[str, Any]:
        return {"id": row.id, "part_number": row.part_number, "sku": row.sku,
                "created_at": row.created_at.isoformat()}

    def part_numbers(self, tx: Session, company_id: int) -> list[dict[str, Any]]:
        return [self._mapping_dict(r) for r in QuickOrderRepository(tx).part_numbers(company_id)]

    def put_part_numbers(self, tx: Session, actor: Principal, company_id: int,
                         items: Any, *, replace: bool = False) -> dict[str, Any]:
        """Add or change mappings (a part number the company has gets the new SKU); with
        ``replace`` the company's mappings become exactly these. All or nothing."""
        if not isinstance(items, list):
            raise InvalidInput("part_numbers must be a list of {part_number, sku}",
                               field="part_numbers")
        if len(items) > MAX_PART_NUMBERS:
            raise InvalidInput(f"at most {MAX_PART_NUMBERS} part numbers at once",
                               field="part_numbers")
        wanted: dict[str, tuple[str, str]] = {}
        for i, item in enumerate(items):
            where = f"part_numbers[{i}]"
            if not isinstance(item, dict) or set(item) != {"part_number", "sku"}:
                raise InvalidInput("each item is {part_number, sku}", field=where)
            number, sku = item["part_number"], item["sku"]
            if not isinstance(number, str) or not 1 <= len(number.strip()) <= 100:
                raise InvalidInput("part_number must have 1-100 characters",
                                   field=f"{where}.part_number")
            key = part_key(number)
            if not key:
                raise InvalidInput("part_number has no letters or digits",
                                   field=f"{where}.part_number")
            if key in wanted and wanted[key][1] != sku:
                raise InvalidInput(f"part number {number!r} is given twice with different SKUs",
                                   field=f"{where}.part_number")
            if not isinstance(sku, str) or not sku:
                raise InvalidInput("sku must be a product's SKU", field=f"{where}.sku")
            wanted[key] = (number.strip(), sku)
        known = CartRepository(tx).products([sku for _, sku in wanted.values()])
        for i, item in enumerate(items):
            if item["sku"] not in known:
                raise InvalidInput(f"unknown SKU {item['sku']!r}",
                                   field=f"part_numbers[{i}].sku")
        repo = QuickOrderRepository(tx)
        if replace:
            repo.delete_part_numbers(company_id)
            repo.flush()
        now = now_utc()
        changed = 0
        for key, (number, sku) in wanted.items():
            row = None if replace else repo.by_key(company_id, key)
            if row is None:
                repo.add_part_number(CustomerPartNumber(company_id=company_id,
                                                        part_number=number, part_key=key,
                                                        sku=sku, created_at=now))
                changed += 1
            elif (row.sku, row.part_number) != (sku, number):
                row.sku, row.part_number = sku, number
                changed += 1
        repo.flush()
        audit.record(tx, actor, "part_numbers.put", ("company", company_id),
                     {"items": len(wanted), "changed": changed, "replace": replace},
                     company_id=company_id, permission="company.manage")
        return {"saved": len(wanted), "changed": changed}

    def delete_part_number(self, tx: Session, actor: Principal, company_id: int,
                           mapping_id: int) -> None:
        repo = QuickOrderRepository(tx)
        row = repo.part_number(mapping_id)
        if row is None or row.company_id != company_id:
            raise NotFound(f"no part number mapping {mapping_id}", field="mapping_id")
        repo.delete_part_number(row)
        audit.record(tx, actor, "part_numbers.delete", ("company", company_id),
                     {"part_number": row.part_number, "sku": row.sku},
                     company_id=company_id, permission="company.manage")

