"""Sign-in end to end through the HTTP API: password, cookie and bearer, logout, API tokens,
limits with Retry-After, password reset, blocking (C4). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from commerce.identity import now_utc
from commerce.users.models import PasswordReset
from tests.commerce.accounts_world import PASSWORD, World


def test_login_cookie_bearer_and_logout(world: World) -> None:
    acme = world.company()
    buyer = world.user(company=acme, roles=("buyer",))
    resp = world.client.post("/v1/account/login", json={"email": buyer.email.upper(),
                                                         "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["stage"] == "full" and body["company_id"] == acme
    assert body["token"].startswith("da_")
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("discovery_account=") and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    # the cookie works for reads ...
    me = world.client.get("/v1/account/me")
    assert me.status_code == 200 and me.json()["email"] == buyer.email
    assert "orders.place" in me.json()["permissions"]
    assert me.json()["companies"] == [{"id": acme, "name": "Acme", "status": "active",
                                       "roles": ["buyer"]}]
    # ... but a cookie-authenticated change needs the CSRF header
    assert world.client.post("/v1/account/logout").status_code == 403
    # the same token as a bearer
    world.client.cookies.clear()
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert world.client.get("/v1/account/me", headers=headers).status_code == 200
    assert world.client.post("/v1/account/logout", headers=headers).status_code == 200
    gone = world.client.get("/v1/account/me", headers=headers)
    assert gone.status_code == 401 and gone.json()["error"] == "NotAuthenticated"


def test_wrong_password_and_unknown_user_look_the_same(world: World) -> None:
    user = world.user()
    a = world.client.post("/v1/account/login", json={"email": user.email, "password": "nope nope"})
    b = world.client.post("/v1/account/login", json={"email": "nobody@example.com",
                                                      "password": PASSWORD})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() == {"error": "InvalidCredentials",
                                    "detail": "wrong e-mail or password"}


def test_login_limit_per_email_answers_429_with_retry_after(world: World) -> None:
    user = world.user()
    for _ in range(5):
        resp = world.client.post("/v1/account/login", json={"email": user.email,
                                                             "password": "wrong password"})
        assert resp.status_code == 401
    locked = world.client.post("/v1/account/login", json={"email": user.email,
                                                           "password": PASSWORD})
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"] == "RateLimited" and locked.json()["field"] == "email"
    assert 800 <= int(locked.headers["Retry-After"]) <= 900
    # another user from the same address is not locked by this e-mail's failures
    other = world.user()
    assert world.client.post("/v1/account/login", json={"email": other.email,
                                                         "password": PASSWORD}).status_code == 200


def test_login_limit_per_address(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.commerce.accounts_world import make_world

    for w in make_world(store, tmp_path, login_max_failures_per_ip=3):
        users = [w.user() for _ in range(4)]
        for u in users[:3]:
            assert w.client.post("/v1/account/login", json={
                "email": u.email, "password": "wrong password"}).status_code == 401
        resp = w.client.post("/v1/account/login", json={"email": users[3].email,
                                                         "password": PASSWORD})
        assert resp.status_code == 429 and "this address" in resp.json()["detail"]
        assert int(resp.headers["Retry-After"]) > 0


def test_api_tokens_are_bearer_tokens_with_a_name(world: World) -> None:
    acme = world.company()
    buyer = world.sign_in(world.user(company=acme, roles=("buyer",)))
    resp = world.client.post("/v1/account/tokens", headers=buyer.headers,
                             json={"name": "ERP sync", "days": 30})
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    me = world.client.get("/v1/account/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["company_id"] == acme
    bad = world.client.post("/v1/account/tokens", headers=buyer.headers,
                            json={"name": "x", "days": -1})
    assert bad.status_code == 400 and bad.json()["field"] == "days"
    [listed] = world.client.get("/v1/account/tokens", headers=buyer.headers).json()["tokens"]
    assert listed["name"] == "ERP sync" and "token" not in listed
    assert world.client.delete(f"/v1/account/tokens/{listed['id']}",
                               headers=buyer.headers).status_code == 200
    assert world.client.get("/v1/account/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    assert world.client.delete(f"/v1/account/tokens/{listed['id']}",
                               headers=buyer.headers).status_code == 404


def test_blocking_ends_sessions_and_tokens_at_once(world: World) -> None:
    acme = world.company()
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    buyer = world.sign_in(world.user(company=acme, roles=("buyer",)))
    token = world.client.post("/v1/account/tokens", headers=buyer.headers,
                              json={"name": "script"}).json()["token"]
    resp = world.client.post(f"/v1/companies/{acme}/users/{buyer.id}/block",
                             headers=admin.headers, json={"reason": "ignored the budget"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "blocked"
    assert world.client.get("/v1/account/me", headers=buyer.headers).status_code == 401
    assert world.client.get("/v1/account/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    refused = world.client.post("/v1/account/login", json={"email": buyer.email,
                                                            "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"] == "AccountBlocked"
    [entry] = world.audit(action="user.block")
    assert entry["details"]["reason"] == "ignored the budget"
    assert entry["details"]["sessions_ended"] == 2 and entry["actor_id"] == admin.id
    assert world.client.post(f"/v1/companies/{acme}/users/{buyer.id}/unblock",
                             headers=admin.headers).status_code == 200
    world.sign_in(buyer)


def test_a_blocked_company_blocks_its_users(world: World) -> None:
    acme = world.company()
    seller = world.sign_in(world.user(seller_role="administrator"))
    buyer = world.sign_in(world.user(company=acme, roles=("purchasing_manager",)))
    assert world.client.get(f"/v1/companies/{acme}/users",
                            headers=buyer.headers).status_code == 200
    resp = world.client.patch(f"/v1/companies/{acme}", headers=seller.headers,
                              json={"status": "blocked"})
    assert resp.status_code == 200, resp.text
    refused = world.client.get(f"/v1/companies/{acme}/users", headers=buyer.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "CompanyBlocked"
    [entry] = world.audit(action="company.block")
    assert entry["details"]["changes"]["status"] == {"from": "active", "to": "blocked"}


def test_password_reset_by_e_mail_is_single_use_and_expires(world: World) -> None:
    user = world.sign_in(world.user())
    assert world.client.post("/v1/account/password-reset",
                             json={"email": "nobody@example.com"}).status_code == 202
    assert world.client.post("/v1/account/password-reset",
                             json={"email": user.email}).status_code == 202
    from commerce.users.models import OutboxMessage

    with world.uow() as tx:
        messages = tx.query(OutboxMessage).all()
        assert [(m.recipient, m.kind) for m in messages] == [(user.email, "password_reset")]
        token = messages[0].payload["token"]
    short = world.client.post("/v1/account/password-reset/confirm",
                              json={"token": token, "password": "short"})
    assert short.status_code == 400 and short.json()["field"] == "password"
    ok = world.client.post("/v1/account/password-reset/confirm",
                           json={"token": token, "password": "a brand new password"})
    assert ok.status_code == 200, ok.text
    # the old sign-in ended; the old password no longer works, the new one does
    assert world.client.get("/v1/account/me", headers=user.headers).status_code == 401
    assert world.client.post("/v1/account/login", json={
        "email": user.email, "password": PASSWORD}).status_code == 401
    user.password = "a brand new password"
    world.sign_in(user)
    again = world.client.post("/v1/account/password-reset/confirm",
                              json={"token": token, "password": "another new password"})
    assert again.status_code == 400 and "already used" in again.json()["detail"]
    # an expired token
    world.client.post("/v1/account/password-reset", json={"email": user.email})
    with world.uow() as tx:
        token = tx.query(OutboxMessage).order_by(OutboxMessage.id.desc()).first().payload["token"]
        tx.execute(update(PasswordReset).values(expires_at=now_utc() - timedelta(seconds=1)))
    expired = world.client.post("/v1/account/password-reset/confirm",
                                json={"token": token, "password": "another new password"})
    assert expired.status_code == 400 and "expired" in expired.json()["detail"]
    unknown = world.client.post("/v1/account/password-reset/confirm",
                                json={"token": "pr_nope", "password": "another new password"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "token"


def test_admin_issued_reset_token_for_an_employee(world: World) -> None:
    acme = world.company()
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    buyer = world.user(company=acme, roles=("buyer",))
    resp = world.client.post(f"/v1/companies/{acme}/users/{buyer.id}/password-reset",
                             headers=admin.headers)
    assert resp.status_code == 201, resp.text
    ok = world.client.post("/v1/account/password-reset/confirm",
                           json={"token": resp.json()["token"], "password": "chosen by buyer"})
    assert ok.status_code == 200
    buyer.password = "chosen by buyer"
    world.sign_in(buyer)


def test_bad_login_payload_names_the_field(world: World) -> None:
    resp = world.client.post("/v1/account/login", json={"email": "a@example.com"})
    assert resp.status_code == 422 and resp.json()["field"] == "password"


def test_public_writes_are_limited_per_address(world: World) -> None:
    codes = [world.client.post("/v1/account/password-reset",
                               json={"email": f"n{i}@example.com"}).status_code
             for i in range(11)]
    assert codes == [202] * 10 + [429]
    codes = [world.client.post("/v1/register", json={
        "company_name": f"C{i}", "admin_email": "bad", "admin_name": "A",
        "admin_password": PASSWORD}).status_code for i in range(11)]
    assert codes == [400] * 10 + [429]


def test_an_administrator_cannot_block_itself(world: World) -> None:
    admin = world.sign_in(world.user(seller_role="administrator"))
    resp = world.client.post(f"/v1/users/{admin.id}/block", headers=admin.headers, json={})
    assert resp.status_code == 409 and resp.json()["field"] == "user_id"
    other = world.user(seller_role="sales_representative")
    assert world.client.post(f"/v1/users/{other.id}/block", headers=admin.headers,
                             json={}).json()["status"] == "blocked"
