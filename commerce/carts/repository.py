"""All SQL of carts, cart lines, shares and saved lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.errors import Conflict
from catalog.models import Product
from commerce.carts.models import Cart, CartLine, CartShare, SavedList, SavedListLine
from commerce.users.models import User

_CHUNK = 900  # bound parameters per IN list (SQLite allows 999 in old builds)


def chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


class CartRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    def _flush(self) -> None:
        """Flush; a unique key taken by a concurrent request (two adds of one SKU to a cart,
        two carts of one name) is a 409 to retry, not a 500."""
        try:
            self.tx.flush()
        except IntegrityError as exc:
            raise Conflict("the cart or list was changed by another request at the same time; "
                           "try again") from exc

    # -- carts ---------------------------------------------------------------------------
    def get(self, cart_id: int) -> Cart | None:
        return self.tx.get(Cart, cart_id)

    def add(self, cart: Cart) -> Cart:
        self.tx.add(cart)
        self._flush()
        return cart

    def delete(self, cart: Cart) -> None:
        self.tx.delete(cart)
        self._flush()

    def name_taken(self, company_id: int, owner_id: int, name: str, but: int | None = None
                   ) -> bool:
        query = select(Cart.id).where(Cart.company_id == company_id, Cart.owner_id == owner_id,
                                      Cart.name == name)
        if but is not None:
            query = query.where(Cart.id != but)
        return self.tx.scalar(query) is not None

    def visible_to(self, company_id: int, user_id: int) -> list[tuple[Cart, str | None]]:
        """Carts of the company the user owns (access None) or that are shared with it."""
        rows = self.tx.execute(
            select(Cart, CartShare.access)
            .outerjoin(CartShare, (CartShare.cart_id == Cart.id) & (CartShare.user_id == user_id))
            .where(Cart.company_id == company_id,
                   or_(Cart.owner_id == user_id, CartShare.user_id.is_not(None)))
            .order_by(Cart.id)).all()
        return [(cart, access) for cart, access in rows]

    def line_counts(self, cart_ids: list[int]) -> dict[int, tuple[int, int]]:
        if not cart_ids:
            return {}
        rows = self.tx.execute(
            select(CartLine.cart_id, func.count(), func.coalesce(func.sum(CartLine.qty), 0))
            .where(CartLine.cart_id.in_(cart_ids)).group_by(CartLine.cart_id)).all()
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def touch(self, cart: Cart, now: datetime) -> None:
        cart.updated_at = now

    # -- lines ---------------------------------------------------------------------------
    def lines(self, cart_id: int) -> list[CartLine]:
        return list(self.tx.scalars(
            select(CartLine).where(CartLine.cart_id == cart_id).order_by(CartLine.id)))

    def line(self, cart_id: int, line_id: int) -> CartLine | None:
        line = self.tx.get(CartLine, line_id)
        return line if line is not None and line.cart_id == cart_id else None

    def lines_by_sku(self, cart_id: int) -> dict[str, CartLine]:
        return {line.sku: line for line in self.lines(cart_id)}

    def add_line(self, line: CartLine) -> CartLine:
        self.tx.add(line)
        return line

    def delete_line(self, line: CartLine) -> None:
        self.tx.delete(line)
        self._flush()

    def clear(self, cart_id: int) -> int:
        result = self.tx.execute(delete(CartLine).where(CartLine.cart_id == cart_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def flush(self) -> None:
        self._flush()

    # -- shares --------------------------------------------------------------------------
    def share(self, cart_id: int, user_id: int) -> CartShare | None:
        return self.tx.get(CartShare, (cart_id, user_id))

    def shares(self, cart_id: int) -> list[tuple[CartShare, str, str]]:
        rows = self.tx.execute(
            select(CartShare, User.email, User.name).join(User, User.id == CartShare.user_id)
            .where(CartShare.cart_id == cart_id).order_by(CartShare.user_id)).all()
        return [(s, email, name) for s, email, name in rows]

    def put_share(self, share: CartShare) -> None:
        self.tx.add(share)
        self._flush()

    def delete_share(self, share: CartShare) -> None:
        self.tx.delete(share)
        self._flush()

    # -- saved lists ---------------------------------------------------------------------
    def saved_list(self, list_id: int) -> SavedList | None:
        return self.tx.get(SavedList, list_id)

    def saved_lists(self, company_id: int, user_id: int) -> list[SavedList]:
        return list(self.tx.scalars(
            select(SavedList).where(SavedList.company_id == company_id,
                                    or_(SavedList.owner_id == user_id,
                                        SavedList.shared.is_(True)))
            .order_by(SavedList.id)))

    def list_name_taken(self, company_id: int, owner_id: int, name: str,
                        but: int | None = None) -> bool:
        query = select(SavedList.id).where(SavedList.company_id == company_id,
                                           SavedList.owner_id == owner_id, SavedList.name == name)
        if but is not None:
            query = query.where(SavedList.id != but)
        return self.tx.scalar(query) is not None

    def add_saved_list(self, saved: SavedList) -> SavedList:
        self.tx.add(saved)
        self._flush()
        return saved

    def delete_saved_list(self, saved: SavedList) -> None:
        self.tx.delete(saved)
        self._flush()

    def saved_lines(self, list_id: int) -> list[SavedListLine]:
        return list(self.tx.scalars(
            select(SavedListLine).where(SavedListLine.list_id == list_id)
            .order_by(SavedListLine.id)))

    def replace_saved_lines(self, list_id: int, lines: list[dict[str, Any]]) -> None:
        self.tx.execute(delete(SavedListLine).where(SavedListLine.list_id == list_id))
        self.tx.add_all([SavedListLine(list_id=list_id, **line) for line in lines])
        self._flush()

    def saved_line_counts(self, list_ids: list[int]) -> dict[int, int]:
        if not list_ids:
            return {}
        rows = self.tx.execute(
            select(SavedListLine.list_id, func.count()).where(SavedListLine.list_id.in_(list_ids))
            .group_by(SavedListLine.list_id)).all()
        return {r[0]: int(r[1]) for r in rows}

    # -- users and products --------------------------------------------------------------
    def user(self, user_id: int) -> User | None:
        return self.tx.get(User, user_id)

    def products(self, skus: Sequence[str]) -> dict[str, Any]:
        """sku -> (sku, name, brand, category, pieces_per_package) of the SKUs that exist."""
        out: dict[str, Any] = {}
        unique = list(dict.fromkeys(skus))
        for part in chunks(unique):
            for row in self.tx.execute(
                    select(Product.sku, Product.name, Product.brand, Product.category,
                           Product.pieces_per_package).where(Product.sku.in_(part))):
                out[row.sku] = row
        return out

    def company_country(self, company_id: int) -> str | None:
        """The country VAT is charged for: a billing address's, else a shipping address's,
        else any address's of the company (None without addresses)."""
        from commerce.companies.models import Address, Department

        rows = self.tx.execute(
            select(Address.kind, Address.country).join(Department,
                                                       Department.id == Address.department_id)
            .where(Department.company_id == company_id).order_by(Address.id)).all()
        for kind in ("billing", "shipping", None):
            for row in rows:
                if kind is None or row.kind == kind:
                    return str(row.country)
        return None
