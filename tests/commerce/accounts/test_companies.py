"""Companies (C2), employees and roles (C3), acting as a company (C1) and delegation (C5),
end to end through the HTTP API."""

from __future__ import annotations

from datetime import timedelta

from commerce.identity import now_utc
from tests.commerce.accounts_world import PASSWORD, World


def test_self_registration_creates_a_pending_company_approved_by_the_seller(world: World
                                                                            ) -> None:
    resp = world.client.post("/v1/register", json={
        "company_name": "Newco Ltd", "admin_email": "boss@newco.example", "admin_name": "Boss",
        "admin_password": PASSWORD, "tax_id": "GB123"})
    assert resp.status_code == 201, resp.text
    company = resp.json()["company"]
    assert company["status"] == "pending" and company["representative_email"] == "boss@newco.example"
    # the same e-mail again: a clear conflict naming the field
    dup = world.client.post("/v1/register", json={
        "company_name": "Other", "admin_email": "BOSS@newco.example", "admin_name": "B",
        "admin_password": PASSWORD})
    assert dup.status_code == 409 and dup.json()["field"] == "admin_email"
    short = world.client.post("/v1/register", json={
        "company_name": "Other", "admin_email": "x@newco.example", "admin_name": "B",
        "admin_password": "short"})
    assert short.status_code == 400 and short.json()["field"] == "admin_password"

    from tests.commerce.accounts_world import Account

    boss = Account(resp.json()["user"]["id"], "boss@newco.example")
    login = world.client.post("/v1/account/login", json={"email": boss.email,
                                                         "password": PASSWORD})
    assert login.json()["stage"] == "enrol"  # a company admin must enrol first
    world.client.cookies.clear()
    boss.token = login.json()["token"]
    import pyotp

    secret = world.client.post("/v1/account/2fa/enrol", headers=boss.headers).json()["secret"]
    assert world.client.post("/v1/account/2fa/confirm", headers=boss.headers,
                             json={"code": pyotp.TOTP(secret).now()}).status_code == 200
    pending = world.client.get(f"/v1/companies/{company['id']}/users", headers=boss.headers)
    assert pending.status_code == 403 and "pending" in pending.json()["detail"]

    seller = world.sign_in(world.user(seller_role="administrator"))
    listed = world.client.get("/v1/companies?status=pending", headers=seller.headers).json()
    assert [c["name"] for c in listed["companies"]] == ["Newco Ltd"]
    assert world.client.patch(f"/v1/companies/{company['id']}", headers=seller.headers,
                              json={"status": "active", "customer_group": "wholesale"}
                              ).status_code == 200
    ok = world.client.get(f"/v1/companies/{company['id']}/users", headers=boss.headers)
    assert ok.status_code == 200 and ok.json()["users"][0]["roles"] == ["company_admin"]
    assert [e["action"] for e in world.audit(company_id=company["id"])] == [
        "company.activate", "company.register"]


def test_crm_data_departments_and_addresses(world: World) -> None:
    acme = world.company()
    rep = world.user(seller_role="sales_representative")
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    resp = world.client.patch(f"/v1/companies/{acme}", headers=admin.headers, json={
        "representative_name": "Rita Rep", "representative_phone": "+49 30 1234"})
    assert resp.status_code == 200 and resp.json()["representative_name"] == "Rita Rep"
    # the seller's fields are not the company admin's
    refused = world.client.patch(f"/v1/companies/{acme}", headers=admin.headers,
                                 json={"customer_group": "vip"})
    assert refused.status_code == 403 and refused.json()["field"] == "customer_group"
    dept = world.client.post(f"/v1/companies/{acme}/departments", headers=admin.headers,
                             json={"name": "Plant Berlin"})
    assert dept.status_code == 201
    dept_id = dept.json()["id"]
    addr = world.client.post(f"/v1/companies/{acme}/departments/{dept_id}/addresses",
                             headers=admin.headers, json={
                                 "kind": "shipping", "street": "Hauptstr. 1",
                                 "postal_code": "10115", "city": "Berlin", "country": "de"})
    assert addr.status_code == 201 and addr.json()["country"] == "DE"
    bad = world.client.post(f"/v1/companies/{acme}/departments/{dept_id}/addresses",
                            headers=admin.headers, json={
                                "kind": "shipping", "street": "x", "postal_code": "1",
                                "city": "y", "country": "Germany"})
    assert bad.status_code in (400, 422) and bad.json()["field"] == "country"
    detail = world.client.get(f"/v1/companies/{acme}", headers=admin.headers).json()
    assert detail["departments"] == [{"id": dept_id, "name": "Plant Berlin", "addresses": [
        {"id": addr.json()["id"], "kind": "shipping", "street": "Hauptstr. 1",
         "postal_code": "10115", "city": "Berlin", "country": "DE"}]}]
    # the seller assigns a sales representative (must be a seller-side user)
    seller = world.sign_in(world.user(seller_role="administrator"))
    assert world.client.patch(f"/v1/companies/{acme}", headers=seller.headers,
                              json={"sales_rep_id": admin.id}).status_code == 400
    assert world.client.patch(f"/v1/companies/{acme}", headers=seller.headers,
                              json={"sales_rep_id": rep.id}).json()["sales_rep_id"] == rep.id


def test_employees_roles_and_several_companies(world: World) -> None:
    acme, globex = world.company("Acme"), world.company("Globex")
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    added = world.client.post(f"/v1/companies/{acme}/users", headers=admin.headers, json={
        "email": "bob@example.com", "name": "Bob", "roles": ["buyer"]})
    assert added.status_code == 201, added.text
    bob_id = added.json()["id"]
    assert "reset_token" in added.json()  # invited: chooses a password with the token
    unknown = world.client.post(f"/v1/companies/{acme}/users", headers=admin.headers, json={
        "email": "eve@example.com", "name": "Eve", "roles": ["wizard"]})
    assert unknown.status_code == 400 and unknown.json()["field"] == "roles"
    changed = world.client.put(f"/v1/companies/{acme}/users/{bob_id}/roles",
                               headers=admin.headers, json={"roles": ["buyer", "order_recipient"]})
    assert changed.json()["roles"] == ["buyer", "order_recipient"]
    perms = world.client.get(f"/v1/companies/{acme}/users/{bob_id}/permissions",
                             headers=admin.headers).json()["permissions"]
    assert "orders.receive" in perms and "accounts.manage" not in perms
    # Bob also works for Globex and switches
    globex_admin = world.sign_in(world.user(company=globex, roles=("company_admin",)))
    assert world.client.post(f"/v1/companies/{globex}/users", headers=globex_admin.headers,
                             json={"email": "BOB@example.com", "roles": ["purchasing_manager"]}
                             ).status_code == 201
    token = added.json()["reset_token"]
    world.client.post("/v1/account/password-reset/confirm",
                      json={"token": token, "password": PASSWORD})
    from tests.commerce.accounts_world import Account

    bob = world.sign_in(Account(bob_id, "bob@example.com"))
    me = world.client.get("/v1/account/me", headers=bob.headers).json()
    assert me["company_id"] == acme and {c["id"] for c in me["companies"]} == {acme, globex}
    assert world.client.get(f"/v1/companies/{globex}",
                            headers=bob.headers).status_code == 404  # not the current company
    assert world.client.post("/v1/account/company", headers=bob.headers,
                             json={"company_id": globex}).status_code == 200
    assert world.client.get(f"/v1/companies/{globex}/users",
                            headers=bob.headers).status_code == 200
    other = world.company("Initech")
    assert world.client.post("/v1/account/company", headers=bob.headers,
                             json={"company_id": other}).status_code == 404
    # removing Bob from Acme ends his sign-ins; the audit has it all
    assert world.client.delete(f"/v1/companies/{acme}/users/{bob_id}",
                               headers=admin.headers).status_code == 200
    assert world.client.get("/v1/account/me", headers=bob.headers).status_code == 401
    actions = [e["action"] for e in world.audit(company_id=acme)]
    assert actions == ["employee.remove", "employee.roles", "employee.add"]


def test_custom_roles_from_the_permission_list(world: World) -> None:
    acme = world.company()
    seller = world.sign_in(world.user(seller_role="administrator"))
    bad = world.client.post("/v1/roles", headers=seller.headers, json={
        "key": "auditor", "name": "Auditor", "permissions": ["audit.read", "fly"]})
    assert bad.status_code == 400 and "fly" in bad.json()["detail"]
    seller_only = world.client.post("/v1/roles", headers=seller.headers, json={
        "key": "auditor", "name": "Auditor", "permissions": ["catalog.import"]})
    assert seller_only.status_code == 400 and seller_only.json()["field"] == "permissions"
    ok = world.client.post("/v1/roles", headers=seller.headers, json={
        "key": "auditor", "name": "Auditor", "permissions": ["audit.read", "company.read"]})
    assert ok.status_code == 201, ok.text
    user = world.sign_in(world.user(company=acme, roles=("auditor",)))
    assert world.client.get("/v1/audit", headers=user.headers).status_code == 200
    assert world.client.get(f"/v1/companies/{acme}/users",
                            headers=user.headers).status_code == 403
    roles = world.client.get("/v1/roles", headers=user.headers).json()
    assert {"key": "auditor", "name": "Auditor", "kind": "custom",
            "permissions": ["audit.read", "company.read"],
            "requires_two_factor": False} in roles["roles"]
    assert world.client.post("/v1/roles", headers=seller.headers, json={
        "key": "buyer", "name": "x", "permissions": ["orders.read"]}).status_code == 409


def test_acting_as_a_company_is_audited(world: World) -> None:
    rep = world.user(seller_role="sales_representative")
    acme = world.company("Acme", sales_rep=rep)
    globex = world.company("Globex")
    world.sign_in(rep)
    assert world.client.post("/v1/account/company", headers=rep.headers,
                             json={"company_id": globex}).status_code == 404  # not assigned
    resp = world.client.post("/v1/account/company", headers=rep.headers,
                             json={"company_id": acme})
    assert resp.json() == {"company_id": acme, "acting": True, "name": "Acme"}
    me = world.client.get("/v1/account/me", headers=rep.headers).json()
    assert me["acting"] is True and me["company_id"] == acme
    added = world.client.post(f"/v1/companies/{acme}/users", headers=rep.headers, json={
        "email": "new@acme.example", "name": "New", "password": PASSWORD, "roles": ["buyer"]})
    assert added.status_code == 201
    assert world.client.post("/v1/account/company", headers=rep.headers,
                             json={"company_id": None}).status_code == 200
    entries = world.audit(actor_id=rep.id)
    assert [e["action"] for e in entries] == ["acting.stop", "employee.add", "acting.request",
                                              "acting.start"]
    add = entries[1]
    assert add["acting_for_company_id"] == acme and add["company_id"] == acme
    assert add["summary"].startswith(f"{rep.email} acting for company {acme}: employee.add")
    request = entries[2]
    assert request["details"] == {"method": "POST", "path": f"/v1/companies/{acme}/users"}
    # an administrator may act as any company; a buyer may not act at all
    admin = world.sign_in(world.user(seller_role="administrator"))
    assert world.client.post("/v1/account/company", headers=admin.headers,
                             json={"company_id": globex}).status_code == 200


def test_delegation_window(world: World) -> None:
    acme = world.company()
    approver = world.sign_in(world.user(company=acme, roles=("approver",)))
    sub = world.sign_in(world.user(company=acme, roles=("buyer",)))
    outsider = world.user(company=world.company("Globex"), roles=("buyer",))
    now = now_utc()

    def delegate(**kw: object) -> object:
        body = {"substitute_id": sub.id, "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(), **kw}
        return world.client.post(f"/v1/companies/{acme}/delegations", headers=approver.headers,
                                 json=body)

    # nothing yet
    me = world.client.get("/v1/account/me", headers=sub.headers).json()
    assert "approvals.orders" not in me["permissions"]
    # a window in the future gives nothing now
    future = delegate(starts_at=(now + timedelta(days=1)).isoformat(),
                      ends_at=(now + timedelta(days=2)).isoformat())
    assert future.status_code == 201, future.text  # type: ignore[attr-defined]
    assert "approvals.orders" not in world.client.get(
        "/v1/account/me", headers=sub.headers).json()["permissions"]
    # bad inputs
    assert delegate(substitute_id=outsider.id).status_code == 404  # type: ignore[attr-defined]
    assert delegate(permissions=["accounts.manage"]).json()["field"] == "permissions"  # type: ignore[attr-defined]
    assert delegate(ends_at=(now - timedelta(hours=2)).isoformat()).json()["field"] == "ends_at"  # type: ignore[attr-defined]
    # a window around now
    current = delegate(permissions=["approvals.orders"])
    assert current.status_code == 201  # type: ignore[attr-defined]
    me = world.client.get("/v1/account/me", headers=sub.headers).json()
    assert "approvals.orders" in me["permissions"]
    assert "approvals.invoices" not in me["permissions"]
    assert me["delegated"] == {"approvals.orders": approver.id}
    # using a lent approval right needs two-factor login (C8), the buyer's own rights do not
    from fastapi import Depends

    from commerce.identity import require_permission

    @world.client.app.get("/test-approve",  # type: ignore[attr-defined]
                          dependencies=[Depends(require_permission("approvals.orders"))])
    def approve() -> dict:
        return {}

    refused = world.client.get("/test-approve", headers=sub.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "TwoFactorRequired"
    assert world.client.get(f"/v1/companies/{acme}", headers=sub.headers).status_code == 200
    secret = world.client.post("/v1/account/2fa/enrol", headers=sub.headers).json()["secret"]
    import pyotp

    world.client.post("/v1/account/2fa/confirm", headers=sub.headers,
                      json={"code": pyotp.TOTP(secret).now()})
    assert world.client.get("/test-approve", headers=sub.headers).status_code == 200
    entry = world.audit(action="delegation.create")[0]
    assert entry["details"]["grantor"] == approver.email
    assert entry["details"]["substitute"] == sub.email
    # a buyer has no approval rights to lend
    lend = world.client.post(f"/v1/companies/{acme}/delegations", headers=sub.headers, json={
        "substitute_id": approver.id, "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat()})
    assert lend.status_code == 403
    # the audit names the grantor when the substitute uses the right
    from commerce.audit import record
    from commerce.identity import Principal

    principal = Principal(sub.id, sub.email, "sub", None, acme, "active",
                          frozenset(me["permissions"]), "bearer", "full", "x",
                          delegations={"approvals.orders": approver.id})
    with world.uow() as tx:
        record(tx, principal, "order.approve", ("order", 7), {}, permission="approvals.orders")
    used = world.audit(action="order.approve")[0]
    assert used["on_behalf_of_id"] == approver.id and used["actor_id"] == sub.id
    assert f"as substitute of user {approver.id}" in used["summary"]
    # ending it early takes the right away at once
    delegation_id = current.json()["id"]  # type: ignore[attr-defined]
    assert world.client.delete(f"/v1/companies/{acme}/delegations/{delegation_id}",
                               headers=approver.headers).status_code == 200
    assert "approvals.orders" not in world.client.get(
        "/v1/account/me", headers=sub.headers).json()["permissions"]
