"""Quotes (the effective price of SKUs for a buyer) and the management of price lists,
discounts and VAT rates, with their validation. The resolution rules are in
:mod:`commerce.prices.engine`; amounts and rounding in :mod:`commerce.prices.money`.

Services never commit (the request's ``Tx`` does). Every change bumps the ``prices`` version
counter in the same transaction, so that every process's :class:`~commerce.prices.book.PriceBook`
reloads, and is written to the audit log.

VAT: a product's tax class is ``standard`` unless ``product_tax_classes`` says otherwise; the
rate comes from ``tax_rates`` for (class, country). Line totals: the net line is
``unit * qty`` rounded half-up to the currency's minor unit, the VAT is the net line times the
rate, rounded half-up to the minor unit, and the gross line is their sum. The gross unit price
is the net unit times (1 + rate), half-up to 1/10,000 (shown, never summed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from commerce.audit import service as audit
from commerce.prices import repository as repo
from commerce.prices.engine import (
    TARGET_RANK,
    ProductFacts,
    Resolution,
    applicable_discounts,
    applicable_lists,
    describe,
    naive_utc,
    normalize_category,
    now_utc,
    resolve,
)
from commerce.prices.models import DISCOUNT_KINDS, PRICE_LIST_KINDS
from commerce.prices.money import (
    HUNDRED_PERCENT,
    MAX_PRICE_UNITS,
    PERCENT_SCALE,
    RATE_SCALE,
    check_country,
    check_currency,
    decimal_units,
    gross_units,
    line_minor,
    minor_to_decimal,
    to_units,
    unit_decimal,
    units_to_decimal,
    vat_minor,
)

DEFAULT_TAX_CLASS = "standard"
MAX_QTY = 10**9
MAX_LINES_PER_REQUEST = 10_000
VERSION = "prices"
_TAX_CLASS = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class InvalidLines(InvalidInput):
    """Some lines of a price list payload are invalid; ``lines`` says which and why."""

    def __init__(self, detail: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(detail, field="lines")
        self.problems = problems

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "lines": self.problems}


def _check_qty(qty: Any, field: str = "qty") -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
        raise InvalidInput(f"quantity must be a whole number from 1 to {MAX_QTY}", field=field)
    return qty


@dataclass(frozen=True)
class Quote:
    """The effective price of ``qty`` pieces of one SKU for one buyer. Amounts are None when
    nothing prices the SKU in the currency; gross amounts are None without a country."""

    sku: str
    qty: int
    currency: str
    country: str | None
    net_unit: Decimal | None
    gross_unit: Decimal | None
    list_unit: Decimal | None  # before the discount
    net_total: Decimal | None
    vat_total: Decimal | None
    gross_total: Decimal | None
    vat_rate: Decimal | None  # percent
    tax_class: str
    resolution: Resolution = field(repr=False, compare=False)

    @property
    def priced(self) -> bool:
        return self.net_unit is not None

    def to_dict(self) -> dict[str, Any]:
        def num(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {"sku": self.sku, "qty": self.qty, "currency": self.currency,
                "country": self.country, "net_unit": num(self.net_unit),
                "gross_unit": num(self.gross_unit), "list_unit": num(self.list_unit),
                "net_total": num(self.net_total), "vat_total": num(self.vat_total),
                "gross_total": num(self.gross_total), "vat_rate": num(self.vat_rate),
                "tax_class": self.tax_class, **describe(self.resolution)}


def _quote(product: ProductFacts, qty: int, currency: str, country: str | None,
           res: Resolution, tax_class: str, rate: Decimal | None) -> Quote:
    rate_units = decimal_units(rate, RATE_SCALE) if rate is not None else None
    if res.units is None:
        return Quote(product.sku, qty, currency, country, None, None, None, None, None, None,
                     rate, tax_class, res)
    net_line = line_minor(res.units, qty, currency)
    vat = gross = gross_unit = None
    if rate_units is not None:
        vat_m = vat_minor(net_line, rate_units)
        vat = minor_to_decimal(vat_m, currency)
        gross = minor_to_decimal(net_line + vat_m, currency)
        gross_unit = unit_decimal(gross_units(res.units, rate_units), currency)
    return Quote(product.sku, qty, currency, country, unit_decimal(res.units, currency),
                 gross_unit, unit_decimal(res.list_units or 0, currency),
                 minor_to_decimal(net_line, currency), vat, gross, rate, tax_class, res)


class PriceService:
    """Quotes and management. Stateless: one instance can serve every request."""

    # -- quotes --------------------------------------------------------------------------------
    def quote(self, tx: Session, company_id: int | None, sku: str, qty: int, currency: str,
              country: str | None = None, at: datetime | None = None) -> Quote:
        """The price of ``qty`` pieces of ``sku`` for the company (None: an anonymous buyer)
        at ``at`` (default now). NotFound for an unknown SKU or company."""
        return self.quote_many(tx, company_id, [(sku, qty)], currency, country, at)[0]

    def quote_many(self, tx: Session, company_id: int | None, items: Sequence[tuple[str, int]],
                   currency: str, country: str | None = None, at: datetime | None = None
                   ) -> list[Quote]:
        """Quotes of many (SKU, qty) items in one go (a few queries, whatever their number);
        the same SKU may come several times with different quantities."""
        currency = check_currency(currency)
        country = check_country(country) if country is not None else None
        at = naive_utc(at)
        for i, (_, qty) in enumerate(items):
            _check_qty(qty, "qty" if len(items) == 1 else f"items[{i}].qty")
        group = None
        if company_id is not None:
            exists, group = repo.company_group(tx, company_id)
            if not exists:
                raise NotFound(f"no company {company_id}", field="company_id")
        skus = list(dict.fromkeys(sku for sku, _ in items))
        facts = repo.product_facts(tx, skus)
        unknown = [s for s in skus if s not in facts]
        if unknown:
            raise NotFound(f"unknown SKU: {', '.join(unknown[:20])}", field="sku")
        lists = applicable_lists(repo.list_infos(tx, company_id=company_id, group=group,
                                                 currency=currency), company_id, group,
                                 currency, at)
        tiers = repo.tiers(tx, [x.id for x in lists], skus)
        discounts = applicable_discounts(repo.discount_infos(tx, company_id=company_id,
                                                             group=group),
                                         company_id, group, currency, at)
        classes = repo.tax_classes_of(tx, skus)
        rates = repo.rates_in(tx, country) if country is not None else {}
        out = []
        for sku, qty in items:
            tax_class = classes.get(sku, DEFAULT_TAX_CLASS)
            rate = rates.get(tax_class)
            if country is not None and rate is None:
                raise InvalidInput(f"no VAT rate for tax class {tax_class!r} in {country}",
                                   field="country")
            res = resolve(facts[sku], qty, currency, lists, tiers, discounts)
            out.append(_quote(facts[sku], qty, currency, country, res, tax_class, rate))
        return out

    # -- price lists ---------------------------------------------------------------------------
    def _company(self, tx: Session, company_id: Any, field: str = "company_id") -> int:
        if isinstance(company_id, bool) or not isinstance(company_id, int):
            raise InvalidInput("company_id must be a company's id", field=field)
        if not repo.company_group(tx, company_id)[0]:
            raise InvalidInput(f"no company {company_id}", field=field)
        return company_id

    def _list_values(self, tx: Session, data: dict[str, Any], old: Any | None) -> dict[str, Any]:
        merged = {**(old._asdict() if old is not None else {}), **data}
        name = merged.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise InvalidInput("a price list needs a name of 1-200 characters", field="name")
        kind = merged.get("kind")
        if kind not in PRICE_LIST_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(PRICE_LIST_KINDS)}", field="kind")
        group = merged.get("customer_group")
        company_id = merged.get("company_id")
        if kind == "group":
            group = _group(group)
            company_id = None
        elif kind == "customer":
            company_id = self._company(tx, company_id)
            group = None
        else:
            group = company_id = None
        priority = merged.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > 10**6:
            raise InvalidInput("priority must be a whole number from -1000000 to 1000000",
                               field="priority")
        valid_from, valid_to = _window(merged.get("valid_from"), merged.get("valid_to"))
        return {"name": name.strip(), "kind": kind, "customer_group": group,
                "company_id": company_id, "currency": check_currency(merged.get("currency")),
                "priority": priority, "valid_from": valid_from, "valid_to": valid_to}

    def _changed(self, tx: Session) -> None:
        repo.bump_version(tx, VERSION)
        from commerce.prices.book import notify_local_change

        notify_local_change(tx, VERSION)

    def create_list(self, tx: Session, actor: Any, data: dict[str, Any]) -> dict[str, Any]:
        values = self._list_values(tx, data, None)
        lines = self._checked_lines(tx, data.get("lines") or [])
        now = now_utc()
        list_id = repo.insert_list(tx, {**values, "created_at": now, "updated_at": now})
        repo.upsert_lines(tx, list_id, lines)
        self._changed(tx)
        audit.record(tx, actor, "price_list.create", ("price_list", list_id),
                     {**_jsonable(values), "lines": len(lines)},
                     company_id=values["company_id"], permission="prices.manage")
        return self.get_list(tx, list_id)

    def get_list(self, tx: Session, list_id: int) -> dict[str, Any]:
        row = repo.get_list_row(tx, list_id)
        if row is None:
            raise NotFound(f"no price list {list_id}", field="price_list_id")
        rows = repo.list_rows(tx, kind=row.kind, company_id=row.company_id,
                              customer_group=row.customer_group)
        return _list_dict(next(r for r in rows if r.id == list_id))

    def lists(self, tx: Session, *, kind: str | None = None, company_id: int | None = None,
              customer_group: str | None = None) -> list[dict[str, Any]]:
        return [_list_dict(r) for r in repo.list_rows(tx, kind=kind, company_id=company_id,
                                                      customer_group=customer_group)]

    def update_list(self, tx: Session, actor: Any, list_id: int, data: dict[str, Any]
                    ) -> dict[str, Any]:
        old = repo.get_list_row(tx, list_id)
        if old is None:
            raise NotFound(f"no price list {list_id}", field="price_list_id")
        values = self._list_values(tx, data, old)
        repo.update_list(tx, list_id, {**values, "updated_at": now_utc()})
        self._changed(tx)
        audit.record(tx, actor, "price_list.update", ("price_list", list_id),
                     {"before": _jsonable(_list_dict(old)), "after": _jsonable(values)},
                     company_id=values["company_id"], permission="prices.manage")
        return self.get_list(tx, list_id)

    def delete_list(self, tx: Session, actor: Any, list_id: int) -> None:
        old = repo.get_list_row(tx, list_id)
        if old is None:
            raise NotFound(f"no price list {list_id}", field="price_list_id")
        repo.delete_list(tx, list_id)
        self._changed(tx)
        audit.record(tx, actor, "price_list.delete", ("price_list", list_id),
                     _jsonable(_list_dict(old)), company_id=old.company_id,
                     permission="prices.manage")

    # -- lines ---------------------------------------------------------------------------------
    def _check_line(self, raw: Any) -> tuple[str, int, Decimal]:
        """One line ``{sku, min_qty, unit_price}``; InvalidInput naming the field."""
        if not isinstance(raw, dict):
            raise InvalidInput("a line is an object with sku, min_qty, unit_price", field="line")
        sku = raw.get("sku")
        if not isinstance(sku, str) or not 1 <= len(sku.strip()) <= 64:
            raise InvalidInput("sku is missing", field="sku")
        min_qty = raw.get("min_qty", 1)
        if isinstance(min_qty, str) and min_qty.strip().isdigit():
            min_qty = int(min_qty.strip())
        _check_qty(min_qty, "min_qty")
        units = to_units(raw.get("unit_price"), "unit_price", maximum=MAX_PRICE_UNITS,
                         what="unit_price")
        return sku.strip(), min_qty, units_to_decimal(units)

    def _line_problems(self, tx: Session, raw_lines: Sequence[Any]
                       ) -> tuple[list[tuple[int, tuple[str, int, Decimal]]], list[dict[str, Any]]]:
        """Good lines with their index, and a problem per bad line: invalid values, a tier
        given twice, an unknown SKU."""
        good: list[tuple[int, tuple[str, int, Decimal]]] = []
        problems: list[dict[str, Any]] = []
        seen: dict[tuple[str, int], int] = {}
        for i, raw in enumerate(raw_lines):
            try:
                line = self._check_line(raw)
            except InvalidInput as exc:
                sku = raw.get("sku") if isinstance(raw, dict) else None
                problems.append({"index": i, "sku": sku, "field": exc.field,
                                 "detail": exc.detail})
                continue
            key = (line[0], line[1])
            if key in seen:
                problems.append({"index": i, "sku": line[0], "field": "min_qty",
                                 "detail": f"the tier from {line[1]} pieces of {line[0]} is "
                                           f"already given by line {seen[key]}"})
                continue
            seen[key] = i
            good.append((i, line))
        known = repo.existing_skus(tx, [line[0] for _, line in good])
        kept = []
        for i, line in good:
            if line[0] in known:
                kept.append((i, line))
            else:
                problems.append({"index": i, "sku": line[0], "field": "sku",
                                 "detail": f"unknown SKU {line[0]!r}"})
        problems.sort(key=lambda p: p["index"])
        return kept, problems

    def _checked_lines(self, tx: Session, raw_lines: Any) -> list[tuple[str, int, Decimal]]:
        if not isinstance(raw_lines, list):
            raise InvalidInput("lines must be a list", field="lines")
        if len(raw_lines) > MAX_LINES_PER_REQUEST:
            raise InvalidInput(f"at most {MAX_LINES_PER_REQUEST} lines per request (import "
                               "larger lists as CSV)", field="lines")
        good, problems = self._line_problems(tx, raw_lines)
        if problems:
            raise InvalidLines(f"{len(problems)} of {len(raw_lines)} lines are invalid; nothing "
                               "was saved", problems)
        return [line for _, line in good]

    def _list_row(self, tx: Session, list_id: int) -> Any:
        row = repo.get_list_row(tx, list_id)
        if row is None:
            raise NotFound(f"no price list {list_id}", field="price_list_id")
        return row

    def lines(self, tx: Session, list_id: int, *, sku: str | None = None, offset: int = 0,
              limit: int = 1000) -> list[dict[str, Any]]:
        self._list_row(tx, list_id)
        return [{"sku": r.sku, "min_qty": r.min_qty, "unit_price": str(r.unit_price)}
                for r in repo.line_rows(tx, list_id, sku=sku, offset=offset, limit=limit)]

    def put_lines(self, tx: Session, actor: Any, list_id: int, raw_lines: Any, *,
                  replace: bool = False) -> dict[str, Any]:
        """Add tiers (a tier the list has gets the new price); ``replace``: the list's lines
        become exactly these. All or nothing: one bad line rejects the request."""
        row = self._list_row(tx, list_id)
        lines = self._checked_lines(tx, raw_lines)
        if replace:
            repo.clear_lines(tx, list_id)
        repo.upsert_lines(tx, list_id, lines)
        self._touch(tx, actor, row, "price_list.lines_replace" if replace
                    else "price_list.lines_put", {"lines": len(lines)})
        return {"saved": len(lines)}

    def delete_line(self, tx: Session, actor: Any, list_id: int, sku: str,
                    min_qty: int | None = None) -> None:
        row = self._list_row(tx, list_id)
        if not repo.delete_lines(tx, list_id, sku, min_qty):
            raise NotFound(f"price list {list_id} has no line for {sku!r}"
                           + (f" from {min_qty}" if min_qty else ""), field="sku")
        self._touch(tx, actor, row, "price_list.line_delete", {"sku": sku, "min_qty": min_qty})

    def _touch(self, tx: Session, actor: Any, row: Any, action: str,
               details: dict[str, Any]) -> None:
        repo.update_list(tx, row.id, {"updated_at": now_utc()})
        self._changed(tx)
        audit.record(tx, actor, action, ("price_list", row.id), details,
                     company_id=row.company_id, permission="prices.manage")

    def import_csv(self, tx: Session, actor: Any, list_id: int, data: bytes, *,
                   atomic: bool = False) -> dict[str, Any]:
        """Lines from a CSV file with the columns ``sku``, ``unit_price`` and optionally
        ``min_qty`` (default 1); comma or semicolon separated, UTF-8. Good rows are saved and
        bad rows reported (row number, field, reason) — unless ``atomic``: then one bad row
        rejects the file and nothing is saved. Rows repeating a tier of an earlier row are
        rejected."""
        row = self._list_row(tx, list_id)
        records = _read_csv(data)
        good, problems = self._line_problems(tx, records)
        for p in problems:
            p["row"] = p.pop("index") + 2  # the header is row 1
        if problems and atomic:
            raise InvalidLines(f"{len(problems)} of {len(records)} rows are invalid; nothing "
                               "was saved", problems)
        lines = [line for _, line in good]
        repo.upsert_lines(tx, list_id, lines)
        self._touch(tx, actor, row, "price_list.import",
                    {"saved": len(lines), "rejected": len(problems)})
        return {"rows": len(records), "saved": len(lines), "rejected": problems}

    # -- discounts -----------------------------------------------------------------------------
    def _discount_values(self, tx: Session, data: dict[str, Any], old: Any | None
                         ) -> dict[str, Any]:
        merged = {**(old._asdict() if old is not None else {}), **data}
        name = merged.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise InvalidInput("a discount needs a name of 1-200 characters", field="name")
        kind = merged.get("kind")
        if kind not in DISCOUNT_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(DISCOUNT_KINDS)}", field="kind")
        currency = merged.get("currency")
        if kind == "percent":
            units = to_units(merged.get("value"), "value", scale=PERCENT_SCALE, minimum=1,
                             maximum=HUNDRED_PERCENT, what="a percentage")
            value = Decimal(units) / PERCENT_SCALE
            if currency is not None and "currency" in data:
                raise InvalidInput("a percentage discount has no currency", field="currency")
            currency = None
        else:
            units = to_units(merged.get("value"), "value", minimum=1, maximum=MAX_PRICE_UNITS,
                             what="a fixed discount")
            value = units_to_decimal(units)
            currency = check_currency(currency)
        target_kind = merged.get("target_kind")
        if target_kind not in TARGET_RANK:
            raise InvalidInput("target_kind must be one of product, brand, category",
                               field="target_kind")
        target = merged.get("target")
        if not isinstance(target, str) or not target.strip() or len(target) > 300:
            raise InvalidInput("target must name a SKU, a brand or a category path",
                               field="target")
        target = target.strip()
        if target_kind == "category":
            target = normalize_category(target)
        elif target_kind == "product" and not repo.existing_skus(tx, [target]):
            raise InvalidInput(f"unknown SKU {target!r}", field="target")
        group, company_id = merged.get("customer_group"), merged.get("company_id")
        if (group is None) == (company_id is None):
            raise InvalidInput("a discount is for either a customer_group or a company_id",
                               field="customer_group" if group is None else "company_id")
        if group is not None:
            group = _group(group)
        else:
            company_id = self._company(tx, company_id)
        valid_from, valid_to = _window(merged.get("valid_from"), merged.get("valid_to"))
        return {"name": name.strip(), "kind": kind, "value": value, "currency": currency,
                "target_kind": target_kind, "target": target, "customer_group": group,
                "company_id": company_id, "valid_from": valid_from, "valid_to": valid_to}

    def create_discount(self, tx: Session, actor: Any, data: dict[str, Any]) -> dict[str, Any]:
        values = self._discount_values(tx, data, None)
        now = now_utc()
        discount_id = repo.insert_discount(tx, {**values, "created_at": now, "updated_at": now})
        self._changed(tx)
        audit.record(tx, actor, "discount.create", ("discount", discount_id), _jsonable(values),
                     company_id=values["company_id"], permission="prices.manage")
        return self.get_discount(tx, discount_id)

    def get_discount(self, tx: Session, discount_id: int) -> dict[str, Any]:
        row = repo.get_discount_row(tx, discount_id)
        if row is None:
            raise NotFound(f"no discount {discount_id}", field="discount_id")
        return _discount_dict(row)

    def discounts(self, tx: Session, *, company_id: int | None = None,
                  customer_group: str | None = None) -> list[dict[str, Any]]:
        return [_discount_dict(r) for r in repo.discount_rows(
            tx, company_id=company_id, customer_group=customer_group)]

    def update_discount(self, tx: Session, actor: Any, discount_id: int, data: dict[str, Any]
                        ) -> dict[str, Any]:
        old = repo.get_discount_row(tx, discount_id)
        if old is None:
            raise NotFound(f"no discount {discount_id}", field="discount_id")
        values = self._discount_values(tx, data, old)
        repo.update_discount(tx, discount_id, {**values, "updated_at": now_utc()})
        self._changed(tx)
        audit.record(tx, actor, "discount.update", ("discount", discount_id),
                     {"before": _jsonable(_discount_dict(old)), "after": _jsonable(values)},
                     company_id=values["company_id"], permission="prices.manage")
        return self.get_discount(tx, discount_id)

    def delete_discount(self, tx: Session, actor: Any, discount_id: int) -> None:
        old = repo.get_discount_row(tx, discount_id)
        if old is None:
            raise NotFound(f"no discount {discount_id}", field="discount_id")
        repo.delete_discount(tx, discount_id)
        self._changed(tx)
        audit.record(tx, actor, "discount.delete", ("discount", discount_id),
                     _jsonable(_discount_dict(old)), company_id=old.company_id,
                     permission="prices.manage")

    # -- VAT -----------------------------------------------------------------------------------
    def tax_rates(self, tx: Session, country: str | None = None) -> list[dict[str, Any]]:
        if country is not None:
            country = check_country(country)
        return [{"tax_class": r.tax_class, "country": r.country, "rate": str(r.rate)}
                for r in repo.tax_rate_rows(tx, country)]

    def put_tax_rate(self, tx: Session, actor: Any, country: str, tax_class: str, rate: Any
                     ) -> dict[str, Any]:
        country = check_country(country)
        tax_class = _tax_class(tax_class)
        units = to_units(rate, "rate", scale=RATE_SCALE, maximum=100 * RATE_SCALE - 1,
                         what="a VAT rate in percent")
        value = Decimal(units) / RATE_SCALE
        old = repo.get_tax_rate(tx, tax_class, country)
        repo.put_tax_rate(tx, tax_class, country, value, now_utc())
        self._changed(tx)
        audit.record(tx, actor, "tax_rate.put", ("tax_rate", f"{country}/{tax_class}"),
                     {"before": None if old is None else str(old.rate), "after": str(value)},
                     permission="prices.manage")
        return {"tax_class": tax_class, "country": country, "rate": str(value)}

    def delete_tax_rate(self, tx: Session, actor: Any, country: str, tax_class: str) -> None:
        country, tax_class = check_country(country), _tax_class(tax_class)
        if not repo.delete_tax_rate(tx, tax_class, country):
            raise NotFound(f"no VAT rate for {tax_class!r} in {country}", field="tax_class")
        self._changed(tx)
        audit.record(tx, actor, "tax_rate.delete", ("tax_rate", f"{country}/{tax_class}"),
                     permission="prices.manage")

    def set_product_tax_class(self, tx: Session, actor: Any, sku: str, tax_class: str | None
                              ) -> dict[str, Any]:
        if not repo.existing_skus(tx, [sku]):
            raise NotFound(f"unknown SKU {sku!r}", field="sku")
        cls = None if tax_class in (None, DEFAULT_TAX_CLASS) else _tax_class(tax_class)
        repo.set_tax_class(tx, sku, cls)
        self._changed(tx)
        audit.record(tx, actor, "product.tax_class", ("product", sku),
                     {"tax_class": cls or DEFAULT_TAX_CLASS}, permission="prices.manage")
        return {"sku": sku, "tax_class": cls or DEFAULT_TAX_CLASS}


# -- helpers -----------------------------------------------------------------------------------
def _group(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 64:
        raise InvalidInput("customer_group must be a name of 1-64 characters",
                           field="customer_group")
    return value.strip()


def _tax_class(value: Any) -> str:
    if not isinstance(value, str) or not _TAX_CLASS.fullmatch(value):
        raise InvalidInput("a tax class is 1-40 lower-case letters, digits, '-' or '_' "
                           "(like standard, reduced)", field="tax_class")
    return value


def parse_time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(f"{value!r} is not an ISO 8601 date or time", field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInput("expected an ISO 8601 date or time", field=field)
    return naive_utc(value)


def _window(valid_from: Any, valid_to: Any) -> tuple[datetime | None, datetime | None]:
    start, end = parse_time(valid_from, "valid_from"), parse_time(valid_to, "valid_to")
    if start is not None and end is not None and end <= start:
        raise InvalidInput("valid_to must be after valid_from", field="valid_to")
    return start, end


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else str(v)
                if isinstance(v, Decimal) else v) for k, v in values.items()}


def _list_dict(row: Any) -> dict[str, Any]:
    data = row._asdict()
    return {"id": data["id"], "name": data["name"], "kind": data["kind"],
            "customer_group": data["customer_group"], "company_id": data["company_id"],
            "currency": data["currency"], "priority": data["priority"],
            "valid_from": _iso(data["valid_from"]), "valid_to": _iso(data["valid_to"]),
            "line_count": data.get("line_count"), "created_at": _iso(data["created_at"]),
            "updated_at": _iso(data["updated_at"])}


def _discount_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "kind": row.kind, "value": str(row.value),
            "currency": row.currency, "target_kind": row.target_kind, "target": row.target,
            "customer_group": row.customer_group, "company_id": row.company_id,
            "valid_from": _iso(row.valid_from), "valid_to": _iso(row.valid_to)}


_CSV_COLUMNS = {"sku", "unit_price", "min_qty"}


def _read_csv(data: bytes) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file is not UTF-8", field="file") from None
    head = text.split("\n", 1)[0]
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or ()}
    missing = {"sku", "unit_price"} - columns
    if missing:
        raise InvalidInput(f"the CSV file lacks the column(s) {', '.join(sorted(missing))} "
                           "(columns: sku, unit_price, min_qty)", field="file")
    rows: list[dict[str, Any]] = []
    for raw in reader:
        row = {(k or "").strip().lower(): (v.strip() if isinstance(v, str) else v)
               for k, v in raw.items() if (k or "").strip().lower() in _CSV_COLUMNS}
        if not row.get("min_qty"):
            row["min_qty"] = 1
        rows.append(row)
        if len(rows) > 1_000_000:
            raise InvalidInput("at most 1,000,000 rows per file", field="file")
    return rows

