"""All SQL of prices, discounts, VAT and the commerce version counters.

Functions take a ``Session`` (the request transaction) or a ``Connection`` (the price book's
own reads); none commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from catalog.models import Product
from commerce.companies.models import Company
from commerce.prices.engine import DiscountInfo, ListInfo, ProductFacts
from commerce.prices.models import (
    CommerceVersion,
    Discount,
    PriceList,
    PriceListLine,
    ProductTaxClass,
    TaxRate,
)
from commerce.prices.money import PERCENT_SCALE, PRICE_SCALE, catalog_units, decimal_units

Db = Session | Connection

price_lists = cast(Table, PriceList.__table__)
price_list_lines = cast(Table, PriceListLine.__table__)
discounts = cast(Table, Discount.__table__)
tax_rates = cast(Table, TaxRate.__table__)
product_tax_classes = cast(Table, ProductTaxClass.__table__)
commerce_versions = cast(Table, CommerceVersion.__table__)
products = cast(Table, Product.__table__)
companies = cast(Table, Company.__table__)
_IN_CHUNK = 500  # bound parameters per IN list


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# -- versions ---------------------------------------------------------------------------------
def read_version(db: Db, name: str) -> int:
    value = db.execute(select(commerce_versions.c.version)
                       .where(commerce_versions.c.name == name)).scalar()
    return int(value or 0)


def bump_version(db: Db, name: str) -> None:
    done = db.execute(update(commerce_versions).where(commerce_versions.c.name == name)
                      .values(version=commerce_versions.c.version + 1))
    if not done.rowcount:  # type: ignore[attr-defined]
        db.execute(insert(commerce_versions).values(name=name, version=2))


# -- companies ---------------------------------------------------------------------------------
def company_group(db: Db, company_id: int) -> tuple[bool, str | None]:
    """Whether the company exists, and its customer group."""
    row = db.execute(select(companies.c.customer_group)
                     .where(companies.c.id == company_id)).first()
    return (False, None) if row is None else (True, row.customer_group)


# -- reading for resolution --------------------------------------------------------------------
def _list_info(row: Any) -> ListInfo:
    return ListInfo(row.id, row.name, row.kind, row.customer_group, row.company_id, row.currency,
                    row.priority, row.valid_from, row.valid_to)


def _discount_info(row: Any) -> DiscountInfo:
    scale = PERCENT_SCALE if row.kind == "percent" else PRICE_SCALE
    return DiscountInfo(row.id, row.name, row.kind, decimal_units(row.value, scale) or 0,
                        row.currency, row.target_kind, row.target, row.customer_group,
                        row.company_id, row.valid_from, row.valid_to)


def list_infos(db: Db, *, company_id: int | None = None, group: str | None = None,
               currency: str | None = None, every_customer: bool = False) -> list[ListInfo]:
    """Base lists, the group's lists and the company's lists (optionally of one currency);
    ``every_customer`` reads every company's lists instead of one's."""
    q = select(price_lists)
    audience = price_lists.c.kind == "base"
    if group is not None:
        audience |= price_lists.c.customer_group == group
    if every_customer:
        audience |= price_lists.c.kind == "customer"
    elif company_id is not None:
        audience |= price_lists.c.company_id == company_id
    q = q.where(audience)
    if currency is not None:
        q = q.where(price_lists.c.currency == currency)
    return [_list_info(r) for r in db.execute(q.order_by(price_lists.c.id))]


def all_list_infos(db: Db) -> list[ListInfo]:
    return [_list_info(r) for r in db.execute(select(price_lists).order_by(price_lists.c.id))]


def discount_infos(db: Db, *, company_id: int | None = None, group: str | None = None,
                   everyone: bool = False) -> list[DiscountInfo]:
    q = select(discounts)
    if not everyone:
        audience = discounts.c.id < 0  # nothing
        if company_id is not None:
            audience |= discounts.c.company_id == company_id
        if group is not None:
            audience |= discounts.c.customer_group == group
        q = q.where(audience)
    return [_discount_info(r) for r in db.execute(q.order_by(discounts.c.id))]


def tiers(db: Db, list_ids: Sequence[int], skus: Sequence[str]
          ) -> dict[tuple[int, str], list[tuple[int, int]]]:
    """``{(list_id, sku): [(min_qty, units), ...]}`` of those lists and SKUs."""
    out: dict[tuple[int, str], list[tuple[int, int]]] = {}
    if not list_ids or not skus:
        return out
    for chunk in _chunks(list(dict.fromkeys(skus))):
        rows = db.execute(select(price_list_lines.c.price_list_id, price_list_lines.c.sku,
                                 price_list_lines.c.min_qty, price_list_lines.c.unit_price)
                          .where(price_list_lines.c.price_list_id.in_(list(list_ids)),
                                 price_list_lines.c.sku.in_(list(chunk))))
        for r in rows:
            out.setdefault((r.price_list_id, r.sku), []).append(
                (r.min_qty, decimal_units(r.unit_price) or 0))
    return out


def unit_lines(db: Db, list_id: int) -> tuple[list[str], list[int]]:
    """The single-piece tiers (``min_qty`` 1) of one list: SKUs and their units."""
    # units computed by the database: no Decimal per row
    units = cast_(func.round(price_list_lines.c.unit_price * PRICE_SCALE), BigInteger)
    result = db.execute(select(price_list_lines.c.sku, units)
                        .where(price_list_lines.c.price_list_id == list_id,
                               price_list_lines.c.min_qty == 1))
    # plain (str, int) columns: the driver's tuples as they are, without building a Row each
    raw = getattr(result, "cursor", None)
    rows = raw.fetchall() if raw is not None else result.all()
    result.close()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def list_stamps(db: Db) -> dict[int, datetime]:
    """Every list's ``updated_at`` (bumped by every change of the list or its lines)."""
    return {r.id: r.updated_at for r in db.execute(select(price_lists.c.id,
                                                          price_lists.c.updated_at))}


def product_facts(db: Db, skus: Sequence[str]) -> dict[str, ProductFacts]:
    out: dict[str, ProductFacts] = {}
    for chunk in _chunks(list(dict.fromkeys(skus))):
        rows = db.execute(select(products.c.sku, products.c.brand, products.c.category,
                                 products.c.price_per_piece, products.c.currency)
                          .where(products.c.sku.in_(list(chunk))))
        for r in rows:
            out[r.sku] = ProductFacts(r.sku, r.brand, r.category,
                                      catalog_units(r.price_per_piece), r.currency)
    return out


def catalog_rows(db: Db) -> list[Any]:
    """Every product's pricing columns, by SKU (the price book's catalog)."""
    return list(db.execute(select(products.c.sku, products.c.brand, products.c.category,
                                  products.c.price_per_piece, products.c.currency)
                           .order_by(products.c.sku)))


def existing_skus(db: Db, skus: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(skus))):
        found.update(db.execute(select(products.c.sku)
                                .where(products.c.sku.in_(list(chunk)))).scalars())
    return found


def tax_classes_of(db: Db, skus: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(skus))):
        out.update((r.sku, r.tax_class) for r in db.execute(
            select(product_tax_classes).where(product_tax_classes.c.sku.in_(list(chunk)))))
    return out


def rates_in(db: Db, country: str) -> dict[str, Decimal]:
    return {r.tax_class: r.rate for r in db.execute(
        select(tax_rates.c.tax_class, tax_rates.c.rate).where(tax_rates.c.country == country))}


# -- price lists: management -------------------------------------------------------------------
def get_list_row(db: Db, list_id: int) -> Any | None:
    return db.execute(select(price_lists).where(price_lists.c.id == list_id)).first()


def list_rows(db: Db, *, kind: str | None = None, company_id: int | None = None,
              customer_group: str | None = None) -> list[Any]:
    q = select(price_lists, select(func.count()).select_from(price_list_lines)
               .where(price_list_lines.c.price_list_id == price_lists.c.id)
               .scalar_subquery().label("line_count"))
    if kind is not None:
        q = q.where(price_lists.c.kind == kind)
    if company_id is not None:
        q = q.where(price_lists.c.company_id == company_id)
    if customer_group is not None:
        q = q.where(price_lists.c.customer_group == customer_group)
    return list(db.execute(q.order_by(price_lists.c.id)))


def insert_list(db: Db, values: dict[str, Any]) -> int:
    return int(db.execute(insert(price_lists).values(**values)
                          .returning(price_lists.c.id)).scalar_one())


def update_list(db: Db, list_id: int, values: dict[str, Any]) -> None:
    db.execute(update(price_lists).where(price_lists.c.id == list_id).values(**values))


def delete_list(db: Db, list_id: int) -> None:
    db.execute(delete(price_list_lines).where(price_list_lines.c.price_list_id == list_id))
    db.execute(delete(price_lists).where(price_lists.c.id == list_id))


def line_rows(db: Db, list_id: int, *, sku: str | None = None, offset: int = 0,
              limit: int | None = None) -> list[Any]:
    q = select(price_list_lines).where(price_list_lines.c.price_list_id == list_id)
    if sku is not None:
        q = q.where(price_list_lines.c.sku == sku)
    q = q.order_by(price_list_lines.c.sku, price_list_lines.c.min_qty).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(db.execute(q))


def existing_tiers(db: Db, list_id: int, skus: Sequence[str]) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for chunk in _chunks(list(dict.fromkeys(skus))):
        found.update((r.sku, r.min_qty) for r in db.execute(
            select(price_list_lines.c.sku, price_list_lines.c.min_qty)
            .where(price_list_lines.c.price_list_id == list_id,
                   price_list_lines.c.sku.in_(list(chunk)))))
    return found


def upsert_lines(db: Db, list_id: int, lines: Sequence[tuple[str, int, Decimal]]) -> None:
    """Insert tiers, replacing the price of a tier (SKU, min_qty) the list already has."""
    present = existing_tiers(db, list_id, [sku for sku, _, _ in lines])
    new = [{"price_list_id": list_id, "sku": s, "min_qty": q, "unit_price": p}
           for s, q, p in lines if (s, q) not in present]
    changed = [{"b_list": list_id, "b_sku": s, "b_qty": q, "b_price": p}
               for s, q, p in lines if (s, q) in present]
    if changed:  # one executemany, not a statement per tier
        db.execute(update(price_list_lines)
                   .where(price_list_lines.c.price_list_id == bindparam("b_list"),
                          price_list_lines.c.sku == bindparam("b_sku"),
                          price_list_lines.c.min_qty == bindparam("b_qty"))
                   .values(unit_price=bindparam("b_price")), changed)
    for start in range(0, len(new), 1000):
        db.execute(insert(price_list_lines), new[start:start + 1000])


def delete_lines(db: Db, list_id: int, sku: str, min_qty: int | None = None) -> int:
    q = delete(price_list_lines).where(price_list_lines.c.price_list_id == list_id,
                                       price_list_lines.c.sku == sku)
    if min_qty is not None:
        q = q.where(price_list_lines.c.min_qty == min_qty)
    return int(db.execute(q).rowcount)  # type: ignore[attr-defined]


def clear_lines(db: Db, list_id: int) -> None:
    db.execute(delete(price_list_lines).where(price_list_lines.c.price_list_id == list_id))


# -- discounts -----------------------------------------------------------------------------------
def get_discount_row(db: Db, discount_id: int) -> Any | None:
    return db.execute(select(discounts).where(discounts.c.id == discount_id)).first()


def discount_rows(db: Db, *, company_id: int | None = None,
                  customer_group: str | None = None) -> list[Any]:
    q = select(discounts)
    if company_id is not None:
        q = q.where(discounts.c.company_id == company_id)
    if customer_group is not None:
        q = q.where(discounts.c.customer_group == customer_group)
    return list(db.execute(q.order_by(discounts.c.id)))


def insert_discount(db: Db, values: dict[str, Any]) -> int:
    return int(db.execute(insert(discounts).values(**values)
                          .returning(discounts.c.id)).scalar_one())


def update_discount(db: Db, discount_id: int, values: dict[str, Any]) -> None:
    db.execute(update(discounts).where(discounts.c.id == discount_id).values(**values))


def delete_discount(db: Db, discount_id: int) -> None:
    db.execute(delete(discounts).where(discounts.c.id == discount_id))


# -- VAT -----------------------------------------------------------------------------------------
def tax_rate_rows(db: Db, country: str | None = None) -> list[Any]:
    q = select(tax_rates)
    if country is not None:
        q = q.where(tax_rates.c.country == country)
    return list(db.execute(q.order_by(tax_rates.c.country, tax_rates.c.tax_class)))


def get_tax_rate(db: Db, tax_class: str, country: str) -> Any | None:
    return db.execute(select(tax_rates).where(tax_rates.c.tax_class == tax_class,
                                              tax_rates.c.country == country)).first()


def put_tax_rate(db: Db, tax_class: str, country: str, rate: Decimal, now: datetime) -> None:
    if get_tax_rate(db, tax_class, country) is None:
        db.execute(insert(tax_rates).values(tax_class=tax_class, country=country, rate=rate,
                                            updated_at=now))
    else:
        db.execute(update(tax_rates).where(tax_rates.c.tax_class == tax_class,
                                           tax_rates.c.country == country)
                   .values(rate=rate, updated_at=now))


def delete_tax_rate(db: Db, tax_class: str, country: str) -> int:
    return int(db.execute(delete(tax_rates).where(  # type: ignore[attr-defined]
        tax_rates.c.tax_class == tax_class, tax_rates.c.country == country)).rowcount)


def set_tax_class(db: Db, sku: str, tax_class: str | None) -> None:
    db.execute(delete(product_tax_classes).where(product_tax_classes.c.sku == sku))
    if tax_class is not None:
        db.execute(insert(product_tax_classes).values(sku=sku, tax_class=tax_class))
