"""Carts (W2): several named carts per buyer, lines added by SKU, from a search result, from a
saved list or by quick order, shares with colleagues, and the cart view with the buyer's
prices and the approval path the order would take.

Access: every cart endpoint needs ``orders.place`` and a current company (a seller acts as the
company). A cart is visible to its owner and to the colleagues it is shared with, in the
company it was made in; to anyone else it does not exist (404). Read-only shares may look,
editable shares may change lines; renaming, deleting and sharing stay with the owner.

Quantities are pieces. A product sold in packages (``pieces_per_package`` > 1) is always held
in whole packages: a quantity is rounded up to the next multiple, and the answer says so
(``notices``). Services never commit (the request's ``Tx`` does).

The orders engineer's entry points: :meth:`CartService.lines_for_order` and
:meth:`CartService.clear`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from commerce.assortments.service import AssortmentRules, AssortmentService, allows
from commerce.audit import service as audit
from commerce.carts.models import ADDED_FROM, SHARE_ACCESS, Cart, CartLine, CartShare, SavedList
from commerce.carts.repository import CartRepository
from commerce.identity import Forbidden, Principal, now_utc, user_permissions
from commerce.prices.money import check_currency
from commerce.prices.service import PriceService

MAX_QTY = 1_000_000
MAX_LINES = 10_000  # lines per cart
MAX_NOTE = 500


def check_qty(value: Any, field: str = "qty") -> int:
    """A quantity in pieces: a whole number from 1 to MAX_QTY (bools and fractions refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QTY:
        raise InvalidInput(f"{field} must be a whole number from 1 to {MAX_QTY}, not {value!r}",
                           field=field)
    return value


def check_name(value: Any, field: str = "name") -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(name) <= 200:
        raise InvalidInput(f"{field} must have 1-200 characters", field=field)
    return name


def check_note(value: Any, field: str = "note") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        raise InvalidInput(f"{field} must be text of at most {MAX_NOTE} characters", field=field)
    return value.strip() or None


def round_to_pack(qty: int, pieces_per_package: int | None) -> tuple[int, str | None]:
    """``qty`` rounded up to whole packages, with the notice saying so (None: unchanged)."""
    pack = pieces_per_package or 1
    if pack <= 1 or qty % pack == 0:
        return qty, None
    rounded = -(-qty // pack) * pack
    return rounded, (f"quantity rounded up from {qty} to {rounded} "
                     f"(sold in packages of {pack})")


@dataclass
class Item:
    """One line to add: a resolved, known SKU with its quantity in pieces."""

    sku: str
    qty: int
    note: str | None = None
    notices: list[str] = field(default_factory=list)


@dataclass
class Access:
    cart: Cart
    role: str  # owner | edit | read


class CartService:
    """Stateless: one instance serves every request."""

    def __init__(self, prices: PriceService | None = None) -> None:
        self.prices = prices or PriceService()

    @staticmethod
    def rules(tx: Session, company_id: int) -> AssortmentRules | None:
        """The company's assortment read in this transaction (two small queries; the search
        path's cache is not needed here and would answer from another database in tests)."""
        return AssortmentService(refresh_s=0).for_company(tx, company_id)

    # -- access ----------------------------------------------------------------------------
    @staticmethod
    def company_of(principal: Principal) -> int:
        if principal.company_id is None:
            raise Forbidden("carts belong to a company: choose one first (POST /v1/account/company"
                            "; the seller's staff act as a company)")
        return principal.company_id

    def access(self, tx: Session, principal: Principal, cart_id: int, need: str = "read"
               ) -> Access:
        """The cart and the principal's access to it; 404 when the principal may not see it,
        403 when it may see but not do ``need`` (read < edit < owner)."""
        company_id = self.company_of(principal)
        repo = CartRepository(tx)
        cart = repo.get(cart_id)
        role: str | None = None
        if cart is not None and cart.company_id == company_id:
            if cart.owner_id == principal.user_id:
                role = "owner"
            else:
                share = repo.share(cart.id, principal.user_id)
                role = share.access if share is not None else None
        if cart is None or role is None:
            raise NotFound(f"no cart {cart_id}", field="cart_id")
        order = {"read": 0, "edit": 1, "owner": 2}
        if order[role] < order[need]:
            raise Forbidden("this cart is shared with you read-only" if role == "read" else
                            "only the cart's owner may rename, delete or share it")
        return Access(cart, role)

    # -- carts -----------------------------------------------------------------------------
    def create(self, tx: Session, principal: Principal, name: Any) -> dict[str, Any]:
        company_id = self.company_of(principal)
        name = check_name(name)
        repo = CartRepository(tx)
        if repo.name_taken(company_id, principal.user_id, name):
            raise Conflict(f"you already have a cart named {name!r}", field="name")
        now = now_utc()
        cart = repo.add(Cart(company_id=company_id, owner_id=principal.user_id, name=name,
                             created_at=now, updated_at=now))
        return self._summary(cart, "owner", (0, 0))

    def rename(self, tx: Session, principal: Principal, cart_id: int, name: Any
               ) -> dict[str, Any]:
        cart = self.access(tx, principal, cart_id, "owner").cart
        name = check_name(name)
        repo = CartRepository(tx)
        if repo.name_taken(cart.company_id, cart.owner_id, name, but=cart.id):
            raise Conflict(f"you already have a cart named {name!r}", field="name")
        cart.name = name
        repo.touch(cart, now_utc())
        repo.flush()
        return self._summary(cart, "owner", repo.line_counts([cart.id]).get(cart.id, (0, 0)))

    def delete(self, tx: Session, principal: Principal, cart_id: int) -> None:
        cart = self.access(tx, principal, cart_id, "owner").cart
        CartRepository(tx).delete(cart)

    def carts(self, tx: Session, principal: Principal) -> list[dict[str, Any]]:
        """The principal's carts in its current company and those shared with it."""
        company_id = self.company_of(principal)
        repo = CartRepository(tx)
        found = repo.visible_to(company_id, principal.user_id)
        counts = repo.line_counts([c.id for c, _ in found])
        return [self._summary(c, "owner" if c.owner_id == principal.user_id else (a or "read"),
                              counts.get(c.id, (0, 0))) for c, a in found]

    @staticmethod
    def _summary(cart: Cart, access: str, counts: tuple[int, int]) -> dict[str, Any]:
        return {"id": cart.id, "name": cart.name, "company_id": cart.company_id,
                "owner_id": cart.owner_id, "access": access, "line_count": counts[0],
                "pieces": counts[1], "created_at": cart.created_at.isoformat(),
                "updated_at": cart.updated_at.isoformat()}

    # -- lines -----------------------------------------------------------------------------
    def check_items(self, tx: Session, company_id: int,
                    wanted: Sequence[tuple[Any, Any, Any]], field_prefix: str = ""
                    ) -> list[Item]:
        """Items from (sku, qty, note) triples, all or nothing: unknown SKUs, SKUs outside the
        company's assortment and bad quantities raise InvalidInput naming the field."""
        repo = CartRepository(tx)
        products = repo.products([s.strip() for s, _, _ in wanted if isinstance(s, str)])
        rules = self.rules(tx, company_id)
        items = []
        for i, (sku, qty, note) in enumerate(wanted):
            prefix = field_prefix.format(i=i)
            if not isinstance(sku, str) or not sku.strip():
                raise InvalidInput("sku must be a product's SKU", field=f"{prefix}sku")
            product = products.get(sku.strip())
            if product is None:
                raise InvalidInput(f"unknown SKU {sku!r}", field=f"{prefix}sku")
            if not allows(rules, product):
                raise InvalidInput(f"SKU {sku!r} is not in your company's assortment",
                                   field=f"{prefix}sku")
            qty = check_qty(qty, f"{prefix}qty")
            items.append(Item(product.sku, qty, check_note(note, f"{prefix}note")))
        return items

    def add_items(self, tx: Session, cart: Cart, items: Iterable[Item], added_from: str,
                  search_id: str | None = None) -> list[dict[str, Any]]:
        """Add checked items to the cart: a SKU the cart holds gets the quantity added (its
        note replaced when one is given); quantities are rounded up to whole packages. One
        result per item: line id, SKU, quantity added, the line's quantity, notices."""
        if added_from not in ADDED_FROM:
            raise ValueError(added_from)
        repo = CartRepository(tx)
        existing = repo.lines_by_sku(cart.id)
        items = list(items)
        packs = {r.sku: r.pieces_per_package for r in repo.products([i.sku for i in items])
                 .values()}
        now = now_utc()
        touched: list[tuple[Item, CartLine, int]] = []
        for item in items:
            line = existing.get(item.sku)
            before = line.qty if line is not None else 0
            total, notice = round_to_pack(before + item.qty, packs.get(item.sku))
            if notice:
                item.notices.append(notice)
            if total > MAX_QTY:
                raise InvalidInput(f"the cart would hold {total} of {item.sku}; at most "
                                   f"{MAX_QTY} per line", field="qty")
            if line is None:
                line = repo.add_line(CartLine(cart_id=cart.id, sku=item.sku, qty=total,
                                              note=item.note, added_from=added_from,
                                              search_id=search_id, created_at=now,
                                              updated_at=now))
                existing[item.sku] = line
            else:
                line.qty = total
                line.updated_at = now
                if item.note is not None:
                    line.note = item.note
            touched.append((item, line, total - before))
        if len(existing) > MAX_LINES:
            raise InvalidInput(f"a cart holds at most {MAX_LINES} lines", field="lines")
        repo.touch(cart, now)
        repo.flush()
        return [{"line_id": line.id, "sku": item.sku, "added": added, "qty": line.qty,
                 "notices": item.notices} for item, line, added in touched]

    def add(self, tx: Session, principal: Principal, cart_id: int, sku: Any, qty: Any,
            note: Any = None, *, added_from: str = "sku", search_id: Any = None
            ) -> dict[str, Any]:
        cart = self.access(tx, principal, cart_id, "edit").cart
        if search_id is not None and (not isinstance(search_id, str) or len(search_id) > 64):
            raise InvalidInput("search_id must be text of at most 64 characters",
                               field="search_id")
        items = self.check_items(tx, cart.company_id, [(sku, qty, note)])
        return self.add_items(tx, cart, items, added_from, search_id or None)[0]

    def add_from_list(self, tx: Session, principal: Principal, cart_id: int, list_id: Any,
                      skus: list[str] | None = None) -> dict[str, Any]:
        """Every line of a saved list (or the named SKUs of it). Lines no longer orderable
        (deleted products, products now outside the assortment) are skipped and reported."""
        cart = self.access(tx, principal, cart_id, "edit").cart
        saved = self.saved_list_for(tx, principal, list_id)
        repo = CartRepository(tx)
        lines = repo.saved_lines(saved.id)
        if skus is not None:
            missing = sorted(set(skus) - {x.sku for x in lines})
            if missing:
                raise InvalidInput(f"the list has no SKU {', '.join(missing[:20])}",
                                   field="skus")
            lines = [x for x in lines if x.sku in set(skus)]
        products = repo.products([x.sku for x in lines])
        rules = self.rules(tx, cart.company_id)
        items, skipped = [], []
        for x in lines:
            product = products.get(x.sku)
            if product is None:
                skipped.append({"sku": x.sku, "reason": "unknown SKU (no longer in the catalog)"})
            elif not allows(rules, product):
                skipped.append({"sku": x.sku, "reason": "not in your company's assortment"})
            else:
                items.append(Item(x.sku, x.qty, x.note))
        added = self.add_items(tx, cart, items, "list")
        return {"added": added, "skipped": skipped}

    def update_line(self, tx: Session, principal: Principal, cart_id: int, line_id: int,
                    data: dict[str, Any]) -> dict[str, Any]:
        cart = self.access(tx, principal, cart_id, "edit").cart
        repo = CartRepository(tx)
        line = repo.line(cart.id, line_id)
        if line is None:
            raise NotFound(f"no line {line_id} in cart {cart_id}", field="line_id")
        notices: list[str] = []
        if "qty" in data:
            qty = check_qty(data["qty"])
            product = repo.products([line.sku]).get(line.sku)
            qty, notice = round_to_pack(qty, product.pieces_per_package if product else None)
            if notice:
                notices.append(notice)
            line.qty = qty
        if "note" in data:
            line.note = check_note(data["note"])
        line.updated_at = now_utc()
        repo.touch(cart, line.updated_at)
        repo.flush()
        return {"line_id": line.id, "sku": line.sku, "qty": line.qty, "note": line.note,
                "notices": notices}

    def remove_line(self, tx: Session, principal: Principal, cart_id: int, line_id: int
                    ) -> None:
        cart = self.access(tx, principal, cart_id, "edit").cart
        repo = CartRepository(tx)
        line = repo.line(cart.id, line_id)
        if line is None:
            raise NotFound(f"no line {line_id} in cart {cart_id}", field="line_id")
        repo.delete_line(line)
        repo.touch(cart, now_utc())

    # -- for orders ------------------------------------------------------------------------
    def lines_for_order(self, tx: Session, principal: Principal, cart_id: int
                        ) -> list[dict[str, Any]]:
        """The cart's lines as an order takes them: ``sku``, ``qty``, ``note``, ``cart_id``,
        ``cart_name``, in the order they were added. 404 unless the principal owns the cart or
        it is shared with it editable (a read-only share cannot order); 403 without a company.
        An empty cart gives an empty list (the caller decides whether that is an error)."""
        cart = self.access(tx, principal, cart_id, "edit").cart
        return [{"sku": line.sku, "qty": line.qty, "note": line.note, "cart_id": cart.id,
                 "cart_name": cart.name} for line in CartRepository(tx).lines(cart.id)]

    def clear(self, tx: Session, cart_id: int) -> None:
        """Remove every line of the cart (after its order was created); the cart, its name
        and shares stay. No permission check: call it after :meth:`lines_for_order`."""
        repo = CartRepository(tx)
        cart = repo.get(cart_id)
        if cart is None:
            raise NotFound(f"no cart {cart_id}", field="cart_id")
        repo.clear(cart_id)
        repo.touch(cart, now_utc())
        repo.flush()

    # -- shares ----------------------------------------------------------------------------
    def share(self, tx: Session, principal: Principal, cart_id: int, user_id: int,
              access: Any) -> dict[str, Any]:
        cart = self.access(tx, principal, cart_id, "owner").cart
        if access not in SHARE_ACCESS:
            raise InvalidInput(f"access must be one of {', '.join(SHARE_ACCESS)}",
                               field="access")
        repo = CartRepository(tx)
        if user_id == cart.owner_id:
            raise InvalidInput("the owner cannot share a cart with itself", field="user_id")
        user = repo.user(user_id)
        permissions = (user_permissions(tx, user, cart.company_id, now_utc())[0]
                       if user is not None and user.seller_role is None else frozenset())
        if user is None or user.status != "active" or "orders.place" not in permissions:
            raise InvalidInput(f"user {user_id} is not a colleague in this company who may "
                               "place orders", field="user_id")
        share = repo.share(cart.id, user_id)
        if share is None:
            repo.put_share(CartShare(cart_id=cart.id, user_id=user_id, access=access,
                                     created_at=now_utc()))
        else:
            share.access = access
            repo.flush()
        audit.record(tx, principal, "cart.share", ("cart", cart.id),
                     {"user_id": user_id, "access": access}, permission="orders.place")
        return {"cart_id": cart.id, "user_id": user_id, "access": access}

    def unshare(self, tx: Session, principal: Principal, cart_id: int, user_id: int) -> None:
        access = self.access(tx, principal, cart_id, "read")
        if access.role != "owner" and user_id != principal.user_id:
            raise Forbidden("only the cart's owner may end others' shares")
        repo = CartRepository(tx)
        share = repo.share(access.cart.id, user_id)
        if share is None:
            raise NotFound(f"cart {cart_id} is not shared with user {user_id}", field="user_id")
        repo.delete_share(share)
        audit.record(tx, principal, "cart.unshare", ("cart", access.cart.id),
                     {"user_id": user_id}, permission="orders.place")

    # -- the cart view ---------------------------------------------------------------------
    def view(self, tx: Session, principal: Principal, cart_id: int, currency: str
             ) -> dict[str, Any]:
        """The cart with the buyer's prices (net and gross unit prices, line totals with the
        company's discounts applied), totals, lines that cannot be priced, the shares and the
        approval path an order of it would take."""
        access = self.access(tx, principal, cart_id, "read")
        cart = access.cart
        currency = check_currency(currency)
        repo = CartRepository(tx)
        lines = repo.lines(cart.id)
        products = repo.products([x.sku for x in lines])
        rules = self.rules(tx, cart.company_id)
        country = repo.company_country(cart.company_id)
        notices: list[str] = []
        orderable = [x for x in lines if x.sku in products and allows(rules, products[x.sku])]
        quotes: dict[int, Any] = {}
        if orderable:
            items = [(x.sku, x.qty) for x in orderable]
            try:
                found = self.prices.quote_many(tx, cart.company_id, items, currency, country)
            except InvalidInput as exc:
                if exc.field != "country":
                    raise
                notices.append(f"no gross prices: {exc.detail}")
                country = None
                found = self.prices.quote_many(tx, cart.company_id, items, currency, None)
            quotes = {x.id: q for x, q in zip(orderable, found, strict=True)}
        out_lines = []
        net = vat = gross = Decimal(0)
        gross_known = country is not None
        unpriced = 0
        for x in lines:
            product = products.get(x.sku)
            quote = quotes.get(x.id)
            problem = None
            if product is None:
                problem = "unknown SKU (no longer in the catalog)"
            elif quote is None:
                problem = "not in your company's assortment"
            elif not quote.priced:
                problem = f"no price in {currency}"
            line: dict[str, Any] = {
                "id": x.id, "sku": x.sku, "name": product.name if product else None,
                "qty": x.qty, "note": x.note, "added_from": x.added_from,
                "search_id": x.search_id,
                "pieces_per_package": product.pieces_per_package if product else None,
                "priced": problem is None, "problem": problem,
                "net_unit": None, "gross_unit": None, "list_unit": None, "net_total": None,
                "vat_rate": None, "vat_total": None, "gross_total": None, "discount": None}
            if problem is None and quote is not None:
                q = quote.to_dict()
                line.update({k: q[k] for k in ("net_unit", "gross_unit", "list_unit",
                                                "net_total", "vat_rate", "vat_total",
                                                "gross_total")})
                line["discount"] = q.get("discount")
                net += quote.net_total
                if quote.vat_total is not None and quote.gross_total is not None:
                    vat += quote.vat_total
                    gross += quote.gross_total
                else:
                    gross_known = False
            else:
                unpriced += 1
            out_lines.append(line)
        shares = [{"user_id": s.user_id, "email": email, "name": name, "access": s.access}
                  for s, email, name in repo.shares(cart.id)] if access.role == "owner" else []
        return {
            **self._summary(cart, access.role, (len(lines), sum(x.qty for x in lines))),
            "currency": currency, "country": country, "lines": out_lines,
            "totals": {"net": str(net), "vat": str(vat) if gross_known else None,
                       "gross": str(gross) if gross_known else None, "currency": currency,
                       "complete": unpriced == 0, "unpriced_lines": unpriced},
            "notices": notices, "shares": shares,
            "approval_path": self._approval_path(tx, principal, out_lines, products, currency,
                                                 country)}

    @staticmethod
    def _approval_path(tx: Session, principal: Principal, lines: list[dict[str, Any]],
                       products: dict[str, Any], currency: str, country: str | None) -> Any:
        """The approvals package's preview (C10) of an order of the cart's lines: which rules
        match and who must approve, per tier. The approval logic is that package's."""
        from commerce.approvals.service import ApprovalService

        if not lines:
            return None
        preview_lines = [{"sku": x["sku"], "qty": x["qty"],
                          "net_total": Decimal(x["net_total"]) if x["net_total"] else None,
                          "category": products[x["sku"]].category if x["sku"] in products
                          else None,
                          "brand": products[x["sku"]].brand if x["sku"] in products else None}
                         for x in lines]
        return ApprovalService().preview(tx, principal, preview_lines, currency=currency,
                                         country=country)

    # -- saved lists -----------------------------------------------------------------------
    def saved_list_for(self, tx: Session, principal: Principal, list_id: Any,
                       own: bool = False) -> SavedList:
        company_id = self.company_of(principal)
        if isinstance(list_id, bool) or not isinstance(list_id, int):
            raise InvalidInput("list_id must be a saved list's id", field="list_id")
        saved = CartRepository(tx).saved_list(list_id)
        if saved is None or saved.company_id != company_id or (
                saved.owner_id != principal.user_id and not saved.shared):
            raise NotFound(f"no saved list {list_id}", field="list_id")
        if own and saved.owner_id != principal.user_id:
            raise Forbidden("only the list's owner may change it")
        return saved


class SavedListService:
    """Saved lists: named lists of SKUs and quantities (a buyer's regular order) to add to
    carts from. The owner changes them; ``shared`` lists are readable by every colleague of
    the company who may order."""

    def __init__(self, carts: CartService | None = None) -> None:
        self.carts = carts or CartService()

    def _lines(self, tx: Session, company_id: int, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise InvalidInput("lines must be a list of {sku, qty, note}", field="lines")
        if len(raw) > MAX_LINES:
            raise InvalidInput(f"a saved list holds at most {MAX_LINES} lines", field="lines")
        wanted = []
        for i, line in enumerate(raw):
            if not isinstance(line, dict) or set(line) - {"sku", "qty", "note"}:
                raise InvalidInput("a line is {sku, qty, note}", field=f"lines[{i}]")
            wanted.append((line.get("sku"), line.get("qty", 1), line.get("note")))
        items = self.carts.check_items(tx, company_id, wanted, "lines[{i}].")
        merged: dict[str, dict[str, Any]] = {}
        for item in items:
            if item.sku in merged:
                merged[item.sku]["qty"] = min(merged[item.sku]["qty"] + item.qty, MAX_QTY)
            else:
                merged[item.sku] = {"sku": item.sku, "qty": item.qty, "note": item.note}
        return list(merged.values())

    def _dict(self, tx: Session, saved: SavedList, principal: Principal,
              with_lines: bool = True, count: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": saved.id, "name": saved.name, "owner_id": saved.owner_id,
            "shared": saved.shared, "own": saved.owner_id == principal.user_id,
            "created_at": saved.created_at.isoformat(),
            "updated_at": saved.updated_at.isoformat()}
        if with_lines:
            lines = CartRepository(tx).saved_lines(saved.id)
            out["lines"] = [{"sku": x.sku, "qty": x.qty, "note": x.note} for x in lines]
        else:
            out["line_count"] = count or 0
        return out

    def lists(self, tx: Session, principal: Principal) -> list[dict[str, Any]]:
        company_id = CartService.company_of(principal)
        repo = CartRepository(tx)
        found = repo.saved_lists(company_id, principal.user_id)
        counts = repo.saved_line_counts([x.id for x in found])
        return [self._dict(tx, x, principal, False, counts.get(x.id)) for x in found]

    def get(self, tx: Session, principal: Principal, list_id: int) -> dict[str, Any]:
        return self._dict(tx, self.carts.saved_list_for(tx, principal, list_id), principal)

    def create(self, tx: Session, principal: Principal, data: dict[str, Any]
               ) -> dict[str, Any]:
        company_id = CartService.company_of(principal)
        name = check_name(data.get("name"))
        repo = CartRepository(tx)
        if repo.list_name_taken(company_id, principal.user_id, name):
            raise Conflict(f"you already have a saved list named {name!r}", field="name")
        lines = self._lines(tx, company_id, data.get("lines") or [])
        now = now_utc()
        saved = repo.add_saved_list(SavedList(company_id=company_id, owner_id=principal.user_id,
                                              name=name, shared=bool(data.get("shared")),
                                              created_at=now, updated_at=now))
        repo.replace_saved_lines(saved.id, lines)
        return self._dict(tx, saved, principal)

    def update(self, tx: Session, principal: Principal, list_id: int, data: dict[str, Any]
               ) -> dict[str, Any]:
        """Rename, share or unshare; ``lines`` (when given) become exactly these."""
        saved = self.carts.saved_list_for(tx, principal, list_id, own=True)
        repo = CartRepository(tx)
        if data.get("name") is not None:
            name = check_name(data["name"])
            if repo.list_name_taken(saved.company_id, saved.owner_id, name, but=saved.id):
                raise Conflict(f"you already have a saved list named {name!r}", field="name")
            saved.name = name
        if data.get("shared") is not None:
            saved.shared = bool(data["shared"])
        if data.get("lines") is not None:
            repo.replace_saved_lines(saved.id, self._lines(tx, saved.company_id,
                                                           data["lines"]))
        saved.updated_at = now_utc()
        repo.flush()
        return self._dict(tx, saved, principal)

    def delete(self, tx: Session, principal: Principal, list_id: int) -> None:
        saved = self.carts.saved_list_for(tx, principal, list_id, own=True)
        CartRepository(tx).delete_saved_list(saved)

    def from_cart(self, tx: Session, principal: Principal, cart_id: int, name: Any
                  ) -> dict[str, Any]:
        cart = self.carts.access(tx, principal, cart_id, "read").cart
        lines = [{"sku": x.sku, "qty": x.qty, "note": x.note}
                 for x in CartRepository(tx).lines(cart.id)]
        saved = self.create(tx, principal, {"name": name})
        CartRepository(tx).replace_saved_lines(saved["id"], lines)
        return self.get(tx, principal, saved["id"])
