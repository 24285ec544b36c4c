"""Matrix rows of the account, company, role and audit endpoints (issue 7). Format: see
test_matrix.py. Columns: anon adm rep cadm appr pm recv buy."""

from __future__ import annotations

from datetime import timedelta

from commerce.identity import now_utc
from commerce.roles.models import Delegation
from tests.commerce.accounts_world import PASSWORD
from tests.commerce.authz.matrix import Cell, Row

PUBLIC = [
    ("POST", "/v1/account/login"),
    ("POST", "/v1/account/password-reset"),
    ("POST", "/v1/account/password-reset/confirm"),
    ("POST", "/v1/register"),
]
"""Endpoints anyone may call (they authenticate by what they are sent)."""


def _employee_id(cell: Cell) -> int:
    return cell.employee().id


def _seller_user_id(cell: Cell) -> int:
    return cell.seller_user().id


def _department_id(cell: Cell) -> int:
    from commerce.companies.models import Department

    with cell.world.uow() as tx:
        row = Department(company_id=cell.company_id, name="Dept", created_at=now_utc())
        tx.add(row)
        tx.flush()
        return int(row.id)


def _delegation_id(cell: Cell) -> int:
    grantor, substitute = cell.employee("approver"), cell.employee()
    now = now_utc()
    with cell.world.uow() as tx:
        row = Delegation(company_id=cell.company_id, grantor_id=grantor.id,
                         substitute_id=substitute.id, permissions=["approvals.orders"],
                         starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
                         created_at=now)
        tx.add(row)
        tx.flush()
        return int(row.id)


def _strangers_token(cell: Cell) -> str:
    from commerce.users.passwords import token_hash

    stranger = cell.world.session(cell.employee())
    assert stranger.token is not None
    return token_hash(stranger.token)[:16]


def _role_key(cell: Cell) -> str:
    from commerce.roles.models import Role

    key = cell.unique("custom_")
    with cell.world.uow() as tx:
        tx.add(Role(key=key, name=key, permissions=["orders.read"], builtin=False,
                    created_at=now_utc()))
    return key


FILLS = {"user_id": _employee_id, "department_id": _department_id,
         "delegation_id": _delegation_id}
SIGNED_IN = "401 ok ok ok ok ok ok ok"
ADMIN_ONLY = "401 ok 403 403 403 403 403 403"
CSV = b"sku,name\nMX-1,Matrix bolt\n"

ROWS = [
    # -- the signed-in user's own account ------------------------------------------------
    Row("GET", "/v1/account/me", SIGNED_IN),
    Row("POST", "/v1/account/logout", SIGNED_IN),
    Row("POST", "/v1/account/tokens", SIGNED_IN, ok=201, body={"name": "script"}),
    Row("GET", "/v1/account/tokens", SIGNED_IN),
    # the id of a token of another user does not exist for the caller
    Row("DELETE", "/v1/account/tokens/{token_id}", "401 404 404 404 404 404 404 404",
        fill={"token_id": _strangers_token}),
    Row("POST", "/v1/account/password", SIGNED_IN,
        body={"current_password": PASSWORD, "new_password": "a new password here"}),
    # privileged subjects are enrolled already (409): "pass"
    Row("POST", "/v1/account/2fa/enrol", "401 pass pass pass pass ok ok ok"),
    # a wrong code is a 400 for everyone signed in: the matrix checks who gets that far
    Row("POST", "/v1/account/2fa/confirm", "401 pass pass pass pass pass pass pass",
        body={"code": "000000"}),
    # only a sign-in waiting for its second factor may send one
    Row("POST", "/v1/account/login/totp", "401 403 403 403 403 403 403 403",
        body={"code": "000000"}),
    # switching company / acting as one: the company is in the body
    Row("POST", "/v1/account/company", SIGNED_IN, "401 ok 404 404 404 404 404 404",
        body=lambda c: {"company_id": c.company_id}),
    # -- seller-side users ---------------------------------------------------------------
    Row("GET", "/v1/users", ADMIN_ONLY),
    Row("POST", "/v1/users", ADMIN_ONLY, ok=201, body=lambda c: {
        "email": f"{c.unique('new')}@seller.example", "name": "New rep", "password": PASSWORD,
        "seller_role": "sales_representative"}),
    Row("POST", "/v1/users/{user_id}/block", ADMIN_ONLY, body={},
        fill={"user_id": _seller_user_id}),
    Row("POST", "/v1/users/{user_id}/unblock", ADMIN_ONLY, fill={"user_id": _seller_user_id}),
    # -- roles ---------------------------------------------------------------------------
    Row("GET", "/v1/roles", SIGNED_IN),
    Row("POST", "/v1/roles", ADMIN_ONLY, ok=201, body=lambda c: {
        "key": c.unique("role_"), "name": "Custom", "permissions": ["orders.read"]}),
    Row("PATCH", "/v1/roles/{key}", ADMIN_ONLY, body={"name": "Renamed"},
        fill={"key": _role_key}),
    # -- companies -----------------------------------------------------------------------
    Row("GET", "/v1/companies", "401 ok ok 403 403 403 403 403"),
    Row("POST", "/v1/companies", ADMIN_ONLY, ok=201, body={"name": "Newco"}),
    Row("GET", "/v1/companies/{company_id}",
        "401 ok ok ok ok ok ok ok", "401 ok 404 404 404 404 404 404"),
    Row("PATCH", "/v1/companies/{company_id}",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403",
        body={"notes": "called on Monday"}),
    Row("POST", "/v1/companies/{company_id}/departments",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403",
        ok=201, body={"name": "Plant"}),
    Row("POST", "/v1/companies/{company_id}/departments/{department_id}/addresses",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403", ok=201,
        body={"street": "Main St 1", "postal_code": "12345", "city": "Town", "country": "DE"}),
    # -- employees -----------------------------------------------------------------------
    Row("GET", "/v1/companies/{company_id}/users",
        "401 ok ok ok 403 ok 403 403", "401 ok 404 404 403 404 403 403"),
    Row("POST", "/v1/companies/{company_id}/users",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403", ok=201,
        body=lambda c: {"email": f"{c.unique('e')}@example.com", "name": "E",
                        "password": PASSWORD, "roles": ["buyer"]}),
    Row("PUT", "/v1/companies/{company_id}/users/{user_id}/roles",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403",
        body={"roles": ["order_recipient"]}),
    Row("PUT", "/v1/companies/{company_id}/users/{user_id}/department",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403",
        body=lambda c: {"department_id": _department_id(c)}),
    Row("DELETE", "/v1/companies/{company_id}/users/{user_id}",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403"),
    Row("POST", "/v1/companies/{company_id}/users/{user_id}/block",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403", body={}),
    Row("POST", "/v1/companies/{company_id}/users/{user_id}/unblock",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403"),
    Row("POST", "/v1/companies/{company_id}/users/{user_id}/password-reset",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403", ok=201),
    Row("GET", "/v1/companies/{company_id}/users/{user_id}/permissions",
        "401 ok ok ok 403 ok 403 403", "401 ok 404 404 403 404 403 403"),
    # -- delegations (C5): lending needs own approval rights; ending another's delegation
    # needs delegations.manage (a stranger's delegation does not exist for the others)
    Row("GET", "/v1/companies/{company_id}/delegations",
        SIGNED_IN, "401 ok 404 404 404 404 404 404"),
    Row("POST", "/v1/companies/{company_id}/delegations",
        "401 403 403 ok ok 403 403 403", "401 403 404 404 404 404 404 404", ok=201,
        body=lambda c: {"substitute_id": c.employee().id,
                        "starts_at": now_utc().isoformat(),
                        "ends_at": (now_utc() + timedelta(days=1)).isoformat()}),
    Row("DELETE", "/v1/companies/{company_id}/delegations/{delegation_id}",
        "401 ok ok ok 404 404 404 404", "401 ok 404 404 404 404 404 404"),
    # -- storefront keys scoped to a company ---------------------------------------------
    Row("GET", "/v1/companies/{company_id}/keys", ADMIN_ONLY, ADMIN_ONLY),
    Row("POST", "/v1/companies/{company_id}/keys", ADMIN_ONLY, ADMIN_ONLY, ok=201,
        body={"name": "Shop", "origins": ["https://shop.example"]}),
    # -- audit ---------------------------------------------------------------------------
    Row("GET", "/v1/audit?company_id={company_id}",
        "401 ok ok ok 403 403 403 403", "401 ok 404 404 403 403 403 403"),
    # -- catalog writes: seller administrators (the console's editors too, tested in
    # tests/commerce/accounts/test_imports_auth.py); "pass": the matrix world has no search
    # index to import into
    Row("POST", "/v1/catalog/imports", "401 pass 403 403 403 403 403 403",
        files=lambda c: {"file": ("c.csv", CSV, "text/csv")}),
]
