"""Matrix rows of carts, saved lists, quick order, shopping-list import and customer part
numbers (issue 8, W2). Format: see test_matrix.py. Columns: anon adm rep cadm appr pm recv buy.

Who: carts and saved lists need ``orders.place`` (company admin, purchasing manager, buyer; the
seller's staff only while acting as a company, so the matrix's non-acting sellers get 403: no
company chosen). ``{cart_id}``/``{list_id}``: in the own column the subject's own cart/list
(for subjects who cannot own one: a colleague's); in the other column one of company B, which
does not exist for the subject (404). Customer part numbers: read with ``company.read``,
changed with ``company.manage`` (company admin, the sellers who see the company)."""

from __future__ import annotations

from commerce.carts.models import Cart, CartShare, SavedList
from commerce.identity import now_utc
from tests.commerce.authz.matrix import Cell, Row
from tests.factories import make_record

SKU = "MX-C1"
PLACE = "401 403 403 ok 403 ok 403 ok"
PLACE_OTHER = "401 403 403 404 403 404 403 404"


def _product(cell: Cell) -> str:
    cell.world.store.upsert([make_record(SKU, "Matrix cart bolt", price_per_piece=1.0,
                                         currency="EUR", brand="Acme", category="Bolts")])
    return SKU


def _owner(cell: Cell) -> int:
    """The subject when it is an employee of the named company, else a new buyer there."""
    if cell.subject is not None and cell.role in ("cadm", "pm", "buy") \
            and cell.company_id == cell.home:
        return cell.subject.id
    return cell.employee("buyer").id


def _cart_id(cell: Cell) -> int:
    _product(cell)
    with cell.world.uow() as tx:
        cart = Cart(company_id=cell.company_id, owner_id=_owner(cell), name=cell.unique("cart "),
                    created_at=now_utc(), updated_at=now_utc())
        tx.add(cart)
        tx.flush()
        cell.values["cart_id"] = int(cart.id)
        return int(cart.id)


def _line_id(cell: Cell) -> int:
    from commerce.carts.models import CartLine

    with cell.world.uow() as tx:
        line = CartLine(cart_id=cell.values["cart_id"], sku=SKU, qty=1, added_from="sku",
                        created_at=now_utc(), updated_at=now_utc())
        tx.add(line)
        tx.flush()
        return int(line.id)


def _colleague(cell: Cell) -> int:
    return cell.employee("buyer", company=cell.company_id).id


def _shared_colleague(cell: Cell) -> int:
    user = _colleague(cell)
    with cell.world.uow() as tx:
        tx.add(CartShare(cart_id=cell.values["cart_id"], user_id=user, access="read",
                         created_at=now_utc()))
    return user


def _list_id(cell: Cell) -> int:
    with cell.world.uow() as tx:
        saved = SavedList(company_id=cell.company_id, owner_id=_owner(cell),
                          name=cell.unique("list "), shared=False, created_at=now_utc(),
                          updated_at=now_utc())
        tx.add(saved)
        tx.flush()
        return int(saved.id)


def _mapping_id(cell: Cell) -> int:
    from commerce.quickorder.models import CustomerPartNumber

    _product(cell)
    with cell.world.uow() as tx:
        row = CustomerPartNumber(company_id=cell.company_id, part_number="P1", part_key="p1",
                                 sku=SKU, created_at=now_utc())
        tx.add(row)
        tx.flush()
        return int(row.id)


COMPANY_READ = "401 ok ok ok ok ok ok ok"
COMPANY_READ_OTHER = "401 ok 404 404 404 404 404 404"
COMPANY_MANAGE = "401 ok ok ok 403 403 403 403"
COMPANY_MANAGE_OTHER = "401 ok 404 404 403 403 403 403"
CART = {"cart_id": _cart_id}
ROWS = [
    Row("GET", "/v1/carts", PLACE),
    Row("POST", "/v1/carts", PLACE, ok=201, body={"name": "Matrix cart"}),
    Row("GET", "/v1/carts/{cart_id}", PLACE, PLACE_OTHER, fill=CART),
    Row("PATCH", "/v1/carts/{cart_id}", PLACE, PLACE_OTHER, fill=CART,
        body=lambda c: {"name": c.unique("renamed ")}),
    Row("DELETE", "/v1/carts/{cart_id}", PLACE, PLACE_OTHER, ok=204, fill=CART),
    Row("POST", "/v1/carts/{cart_id}/lines", PLACE, PLACE_OTHER, ok=201, fill=CART,
        body={"sku": SKU, "qty": 2}),
    Row("POST", "/v1/carts/{cart_id}/lines/from-search", PLACE, PLACE_OTHER, ok=201, fill=CART,
        body={"sku": SKU, "qty": 2, "search_id": "s-1"}),
    Row("POST", "/v1/carts/{cart_id}/lines/from-list", PLACE, PLACE_OTHER, ok=201,
        fill={**CART, "list_id": _list_id},
        body=lambda c: {"list_id": _list_id(c)}),
    Row("PATCH", "/v1/carts/{cart_id}/lines/{line_id}", PLACE, PLACE_OTHER,
        fill={**CART, "line_id": _line_id}, body={"qty": 3}),
    Row("DELETE", "/v1/carts/{cart_id}/lines/{line_id}", PLACE, PLACE_OTHER, ok=204,
        fill={**CART, "line_id": _line_id}),
    Row("PUT", "/v1/carts/{cart_id}/shares/{user_id}", PLACE, PLACE_OTHER,
        fill={**CART, "user_id": _colleague}, body={"access": "edit"}),
    Row("DELETE", "/v1/carts/{cart_id}/shares/{user_id}", PLACE, PLACE_OTHER, ok=204,
        fill={**CART, "user_id": _shared_colleague}),
    Row("POST", "/v1/carts/{cart_id}/save-as-list", PLACE, PLACE_OTHER, ok=201, fill=CART,
        body=lambda c: {"name": c.unique("saved ")}),
    # saved lists
    Row("GET", "/v1/carts/saved-lists", PLACE),
    Row("POST", "/v1/carts/saved-lists", PLACE, ok=201,
        body=lambda c: {"name": "Weekly", "lines": [{"sku": _product(c), "qty": 3}]}),
    Row("GET", "/v1/carts/saved-lists/{list_id}", PLACE, PLACE_OTHER,
        fill={"list_id": _list_id}),
    Row("PATCH", "/v1/carts/saved-lists/{list_id}", PLACE, PLACE_OTHER,
        fill={"list_id": _list_id}, body={"shared": True}),
    Row("DELETE", "/v1/carts/saved-lists/{list_id}", PLACE, PLACE_OTHER, ok=204,
        fill={"list_id": _list_id}),
    # quick order and shopping-list import
    Row("POST", "/v1/carts/{cart_id}/quick-order", PLACE, PLACE_OTHER, fill=CART,
        body={"text": f"{SKU} 2\nUNKNOWN 1"}),
    Row("POST", "/v1/carts/{cart_id}/import", PLACE, PLACE_OTHER, fill=CART,
        files=lambda c: {"file": ("list.csv", f"sku;qty\n{SKU};3\n".encode(), "text/csv")}),
    # customers' part numbers
    Row("GET", "/v1/companies/{company_id}/part-numbers", COMPANY_READ, COMPANY_READ_OTHER),
    Row("POST", "/v1/companies/{company_id}/part-numbers", COMPANY_MANAGE, COMPANY_MANAGE_OTHER,
        body=lambda c: {"part_numbers": [{"part_number": "OUR-1", "sku": _product(c)}]}),
    Row("PUT", "/v1/companies/{company_id}/part-numbers", COMPANY_MANAGE, COMPANY_MANAGE_OTHER,
        body=lambda c: {"part_numbers": [{"part_number": "OUR-2", "sku": _product(c)}]}),
    Row("DELETE", "/v1/companies/{company_id}/part-numbers/{mapping_id}", COMPANY_MANAGE,
        COMPANY_MANAGE_OTHER, ok=204, fill={"mapping_id": _mapping_id}),
]
