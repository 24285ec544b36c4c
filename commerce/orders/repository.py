"""All SQL of orders, their lines and transitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import Product
from commerce.orders.models import Order, OrderLine, OrderTransition

_IN_CHUNK = 500


@dataclass(frozen=True)
class OrderFilter:
    company_id: int
    buyer_id: int | None = None
    department_id: int | None = None
    statuses: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    before_id: int | None = None
    limit: int = 100
    own_or_department: tuple[int, int] | None = None
    """(buyer id, department id): only that buyer's orders and that department's (C6)."""


class OrderRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    def add(self, row: Order | OrderLine | OrderTransition) -> None:
        self.tx.add(row)

    def flush(self) -> None:
        self.tx.flush()

    def get(self, order_id: int, *, lock: bool = False) -> Order | None:
        """``lock``: the row is locked until the transaction ends (PostgreSQL; SQLite writes
        one at a time anyway), so two decisions on one order queue up."""
        query = select(Order).where(Order.id == order_id)
        if lock:
            query = query.with_for_update()
        return self.tx.scalars(query).first()

    def by_key(self, buyer_id: int, key: str) -> Order | None:
        return self.tx.scalars(select(Order).where(Order.buyer_id == buyer_id,
                                                   Order.idempotency_key == key)).first()

    def lines(self, order_id: int) -> list[OrderLine]:
        return list(self.tx.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                                    .order_by(OrderLine.position, OrderLine.id)))

    def replace_lines(self, order_id: int, lines: Sequence[OrderLine]) -> None:
        self.tx.execute(delete(OrderLine).where(OrderLine.order_id == order_id))
        self.tx.add_all(lines)

    def transitions(self, order_id: int) -> list[OrderTransition]:
        return list(self.tx.scalars(select(OrderTransition)
                                    .where(OrderTransition.order_id == order_id)
                                    .order_by(OrderTransition.id)))

    def search(self, f: OrderFilter) -> list[Order]:
        query = select(Order).where(Order.company_id == f.company_id)
        if f.own_or_department is not None:
            buyer_id, department_id = f.own_or_department
            query = query.where(or_(Order.buyer_id == buyer_id,
                                    Order.department_id == department_id))
        if f.buyer_id is not None:
            query = query.where(Order.buyer_id == f.buyer_id)
        if f.department_id is not None:
            query = query.where(Order.department_id == f.department_id)
        if f.statuses:
            query = query.where(Order.status.in_(f.statuses))
        if f.created_from is not None:
            query = query.where(Order.created_at >= f.created_from)
        if f.created_to is not None:
            query = query.where(Order.created_at < f.created_to)
        if f.min_total is not None:
            query = query.where(Order.net_total >= f.min_total)
        if f.max_total is not None:
            query = query.where(Order.net_total <= f.max_total)
        if f.before_id is not None:
            query = query.where(Order.id < f.before_id)
        return list(self.tx.scalars(query.order_by(Order.id.desc()).limit(f.limit)))

    def spent(self, company_id: int, currency: str, since: datetime, statuses: Sequence[str], *,
              buyer_id: int | None = None, department_id: int | None = None,
              exclude_order_id: int | None = None) -> Decimal:
        """The net total of the company's orders in ``currency`` created since ``since`` in one
        of ``statuses``, of one buyer or one department."""
        query = select(func.coalesce(func.sum(Order.net_total), 0)).where(
            Order.company_id == company_id, Order.currency == currency,
            Order.created_at >= since, Order.status.in_(list(statuses)))
        if buyer_id is not None:
            query = query.where(Order.buyer_id == buyer_id)
        if department_id is not None:
            query = query.where(Order.department_id == department_id)
        if exclude_order_id is not None:
            query = query.where(Order.id != exclude_order_id)
        return Decimal(str(self.tx.scalar(query) or 0))

    def product_facts(self, skus: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """SKU -> (category, brand) of the products that exist."""
        out: dict[str, tuple[str | None, str | None]] = {}
        unique = list(dict.fromkeys(skus))
        for i in range(0, len(unique), _IN_CHUNK):
            rows = self.tx.execute(select(Product.sku, Product.category, Product.brand)
                                   .where(Product.sku.in_(unique[i:i + _IN_CHUNK])))
            for sku, category, brand in rows:
                out[sku] = (category, brand)
        return out
