"""All SQL of assortment rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from commerce.assortments.models import AssortmentRule

Db = Session | Connection
rules = cast(Table, AssortmentRule.__table__)


def rows_for(db: Db, *, company_id: int | None = None, group: str | None = None) -> list[Any]:
    """The rules of a company and of a customer group (either may be None)."""
    audience = rules.c.id < 0  # nothing
    if company_id is not None:
        audience |= rules.c.company_id == company_id
    if group is not None:
        audience |= rules.c.customer_group == group
    return list(db.execute(select(rules).where(audience).order_by(rules.c.id)))


def replace(db: Db, *, company_id: int | None, group: str | None,
            values: list[tuple[str, str, str]], now: datetime) -> None:
    """The audience's rules become exactly ``values`` (effect, kind, value)."""
    if company_id is not None:
        db.execute(delete(rules).where(rules.c.company_id == company_id))
    else:
        db.execute(delete(rules).where(rules.c.customer_group == group))
    rows = [{"company_id": company_id, "customer_group": group, "effect": e, "kind": k,
             "value": v, "created_at": now} for e, k, v in values]
    for start in range(0, len(rows), 1000):
        db.execute(insert(rules), rows[start:start + 1000])


def audiences(db: Db) -> list[Any]:
    """Every company and customer group with rules, and how many: companies first (the same
    order on every database: NULLs sort first in SQLite, last in PostgreSQL)."""
    return list(db.execute(select(rules.c.company_id, rules.c.customer_group,
                                  func.count().label("rules"))
                           .group_by(rules.c.company_id, rules.c.customer_group)
                           .order_by(rules.c.company_id.is_(None), rules.c.company_id,
                                     rules.c.customer_group)))
