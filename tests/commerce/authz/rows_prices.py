"""Matrix rows of the price, discount, VAT, quote and assortment endpoints (issue 7). Format:
see test_matrix.py. Columns: anon adm rep cadm appr pm recv buy.

Who: changes only by sellers (a company's items by the sellers who see it: the administrator,
the representative of the home company; base/group items and VAT by the administrator);
reading with ``prices.read`` (every customer role but the order recipient), customers their
own company's items only; assortments with ``assortments.manage`` (sellers)."""

from __future__ import annotations

from commerce.prices.service import PriceService
from tests.commerce.authz.matrix import Cell, Row
from tests.factories import make_record

SKU = "MX-P1"
READ = "401 ok ok ok ok ok 403 ok"  # prices.read: not the order recipient
READ_OTHER = "401 ok 404 404 404 404 403 404"
MANAGE = "401 ok ok 403 403 403 403 403"
MANAGE_OTHER = "401 ok 404 403 403 403 403 403"
ADMIN_ONLY = "401 ok 403 403 403 403 403 403"


def _product(cell: Cell) -> str:
    cell.world.store.upsert([make_record(SKU, "Matrix bolt", price_per_piece=1.0,
                                         currency="EUR", brand="Acme", category="Bolts")])
    return SKU


def _list_id(cell: Cell) -> int:
    """A contract list of the company the request names, with a line of the product."""
    _product(cell)
    with cell.world.uow() as tx:
        return int(PriceService().create_list(tx, "matrix", {
            "name": cell.unique("list "), "kind": "customer", "company_id": cell.company_id,
            "currency": "EUR", "lines": [{"sku": SKU, "unit_price": "0.5"}]})["id"])


def _discount_id(cell: Cell) -> int:
    with cell.world.uow() as tx:
        return int(PriceService().create_discount(tx, "matrix", {
            "name": cell.unique("discount "), "kind": "percent", "value": "5",
            "target_kind": "brand", "target": "Acme", "company_id": cell.company_id})["id"])


def _tax_class(cell: Cell) -> str:
    """A VAT rate that exists (for DELETE)."""
    key = cell.unique("class")
    with cell.world.uow() as tx:
        PriceService().put_tax_rate(tx, "matrix", "DE", key, "7")
    return key


FILLS = {"list_id": _list_id, "discount_id": _discount_id}

ROWS = [
    # -- price lists ----------------------------------------------------------------------
    Row("GET", "/v1/price-lists", READ),
    Row("POST", "/v1/price-lists", MANAGE, MANAGE_OTHER, ok=201, body=lambda c: {
        "name": "Contract", "kind": "customer", "company_id": c.company_id, "currency": "EUR"}),
    Row("GET", "/v1/price-lists/{list_id}", READ, READ_OTHER),
    Row("PATCH", "/v1/price-lists/{list_id}", MANAGE, MANAGE_OTHER, body={"priority": 2}),
    Row("DELETE", "/v1/price-lists/{list_id}", MANAGE, MANAGE_OTHER, ok=204),
    Row("GET", "/v1/price-lists/{list_id}/lines", READ, READ_OTHER),
    Row("POST", "/v1/price-lists/{list_id}/lines", MANAGE, MANAGE_OTHER,
        body={"lines": [{"sku": SKU, "min_qty": 10, "unit_price": "0.45"}]}),
    Row("PUT", "/v1/price-lists/{list_id}/lines", MANAGE, MANAGE_OTHER,
        body={"lines": [{"sku": SKU, "unit_price": "0.40"}]}),
    Row("DELETE", "/v1/price-lists/{list_id}/lines/{sku}", MANAGE, MANAGE_OTHER, ok=204,
        fill={"sku": lambda c: SKU}),
    Row("POST", "/v1/price-lists/{list_id}/import", MANAGE, MANAGE_OTHER,
        files=lambda c: {"file": ("p.csv", f"sku,unit_price\n{SKU},0.3\n".encode(),
                                  "text/csv")}),
    # -- discounts ------------------------------------------------------------------------
    Row("GET", "/v1/discounts", READ),
    Row("POST", "/v1/discounts", MANAGE, MANAGE_OTHER, ok=201, body=lambda c: {
        "name": "Ten", "kind": "percent", "value": "10", "target_kind": "category",
        "target": "Bolts", "company_id": c.company_id}),
    Row("GET", "/v1/discounts/{discount_id}", READ, READ_OTHER),
    Row("PATCH", "/v1/discounts/{discount_id}", MANAGE, MANAGE_OTHER, body={"value": "7"}),
    Row("DELETE", "/v1/discounts/{discount_id}", MANAGE, MANAGE_OTHER, ok=204),
    # -- VAT: administrators change it --------------------------------------------------------
    Row("GET", "/v1/tax-rates", READ),
    Row("PUT", "/v1/tax-rates/products/{sku}", ADMIN_ONLY, body={"tax_class": "reduced"},
        fill={"sku": _product}),
    Row("PUT", "/v1/tax-rates/{country}/{tax_class}", ADMIN_ONLY, body={"rate": "19"},
        fill={"country": lambda c: "DE", "tax_class": lambda c: "standard"}),
    Row("DELETE", "/v1/tax-rates/{country}/{tax_class}", ADMIN_ONLY, ok=204,
        fill={"country": lambda c: "DE", "tax_class": _tax_class}),
    # -- quotes: a customer for its own company, a seller for companies it sees -------------
    Row("GET", "/v1/prices/quote?sku={sku}&currency=EUR&company_id={company_id}", READ,
        READ_OTHER, fill={"sku": _product}),
    Row("POST", "/v1/prices/quote", READ, READ_OTHER, body=lambda c: {
        "items": [{"sku": _product(c), "qty": 3}], "currency": "EUR",
        "company_id": c.company_id}),
    # -- assortments ------------------------------------------------------------------------
    Row("GET", "/v1/assortments", MANAGE),
    Row("GET", "/v1/assortments/companies/{company_id}", MANAGE, MANAGE_OTHER),
    Row("PUT", "/v1/assortments/companies/{company_id}", MANAGE, MANAGE_OTHER,
        body={"include_categories": ["Bolts"]}),
    Row("DELETE", "/v1/assortments/companies/{company_id}", MANAGE, MANAGE_OTHER, ok=204),
    Row("GET", "/v1/assortments/groups/{group}", ADMIN_ONLY, fill={"group": lambda c: "retail"}),
    Row("PUT", "/v1/assortments/groups/{group}", ADMIN_ONLY,
        body={"exclude_brands": ["Acme"]}, fill={"group": lambda c: "retail"}),
    Row("DELETE", "/v1/assortments/groups/{group}", ADMIN_ONLY, ok=204,
        fill={"group": lambda c: "retail"}),
]
