"""Who may see and change which prices, discounts and assortments.

* Changing anything needs ``prices.manage`` (``assortments.manage`` for assortments) *and* a
  seller-side role: a customer's custom role holding the permission cannot set its own prices.
* What belongs to one company (its contract lists, its discounts, its assortment) can be
  changed by the sellers who see the company (an administrator: every company; a sales
  representative: the companies assigned to it, or the one it acts as); other companies'
  answer 404. What belongs to everyone or to a customer group (base and group lists, group
  discounts and assortments, VAT rates) is changed by administrators only (403 otherwise).
* Reading with ``prices.read``: sellers see base and group lists and the lists of companies
  they see; a customer sees its own company's lists and discounts (others are 404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import NotFound
from commerce.identity import Forbidden, Principal, company_in_scope


def sees_company(tx: Session, principal: Principal, company_id: int) -> bool:
    try:
        company_in_scope(tx, principal, company_id)
    except NotFound:
        return False
    return True


def check_manage(tx: Session, principal: Principal, company_id: int | None,
                 what: str = "prices") -> None:
    """Raise unless the principal may change ``what`` of the company (None: of everyone or of
    a customer group)."""
    if not principal.is_seller:
        raise Forbidden(f"only the seller's staff change {what}")
    if company_id is None:
        if principal.seller_role != "administrator":
            raise Forbidden(f"only administrators change base and group {what} and VAT rates")
        return
    company_in_scope(tx, principal, company_id)


def check_read(tx: Session, principal: Principal, company_id: int | None, what: str,
               item_id: Any) -> None:
    """404 unless the principal may see an item of the company (None: everyone's or a
    group's)."""
    visible = (sees_company(tx, principal, company_id) if company_id is not None
               else principal.is_seller)
    if not visible:
        raise NotFound(f"no {what} {item_id}", field=f"{what.replace(' ', '_')}_id")


def quote_company(tx: Session, principal: Principal, company_id: int | None) -> int | None:
    """The company a quote is for: a customer's own; a seller's choice (or the company it acts
    as, or none: base prices)."""
    if not principal.is_seller:
        if company_id is not None and company_id != principal.company_id:
            raise NotFound(f"no company {company_id}", field="company_id")
        return principal.company_id
    if company_id is None:
        return principal.company_id
    company_in_scope(tx, principal, company_id)
    return company_id
