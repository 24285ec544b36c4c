"""Matrix rows of the credit endpoints (issue 8, C12, C13). Format: see test_matrix.py.
Columns: anon adm rep cadm appr pm recv buy.

Who: terms are read with ``prices.read`` (customers: their own company) and changed with
``prices.manage`` by the seller's staff who see the company; payments are recorded with
``payments.record`` (seller-side); ``GET /v1/credit`` needs ``prices.read``, the overview
``orders.read_all``. Other companies answer 404."""

from __future__ import annotations

import itertools

from commerce.credit.service import CreditService
from tests.commerce.authz.matrix import Cell, Row

READ = "401 ok ok ok ok ok 403 ok"  # prices.read: not the order recipient
READ_OTHER = "401 ok 404 404 404 404 403 404"
MANAGE = "401 ok ok 403 403 403 403 403"
MANAGE_OTHER = "401 ok 404 403 403 403 403 403"
ALL_ORDERS = "401 ok ok ok ok 403 403 403"  # orders.read_all (not the purchasing manager)
ALL_ORDERS_OTHER = "401 ok 404 404 404 403 403 403"
TERMS = {"mode": "trade_credit", "limit": "1000", "currency": "EUR", "term_days": 30,
         "limit_scope": "outstanding"}
_orders = itertools.count(900_000_000)


def _payment(cell: Cell) -> dict[str, object]:
    """Trade credit for the company the request names and an order that holds some of it."""
    order_id = next(_orders)
    with cell.world.uow() as tx:
        credit = CreditService()
        credit.set_terms(tx, "matrix", cell.company_id, TERMS)
        credit.reserve(tx, cell.company_id, order_id, 100 * 10_000, "EUR")
    return {"order_id": order_id, "amount": "10.50"}


ROWS = [
    Row("GET", "/v1/companies/{company_id}/credit-terms", READ, READ_OTHER),
    Row("PUT", "/v1/companies/{company_id}/credit-terms", MANAGE, MANAGE_OTHER, body=TERMS),
    Row("POST", "/v1/companies/{company_id}/payments", MANAGE, MANAGE_OTHER, ok=201,
        body=_payment),
    Row("GET", "/v1/credit?company_id={company_id}", READ, READ_OTHER),
    Row("GET", "/v1/credit/overview?company_id={company_id}", ALL_ORDERS, ALL_ORDERS_OTHER),
]
