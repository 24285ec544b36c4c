"""Two-factor login (C8) end to end: mandatory enrolment for privileged roles, the QR code and
recovery codes, sign-in with a TOTP code (used once) and with recovery codes (used once);
the TOTP arithmetic against RFC 6238's test vectors."""

from __future__ import annotations

import time

import pyotp
import pytest

from commerce.users import totp
from tests.commerce.accounts_world import PASSWORD, World


def _login(world: World, email: str) -> dict:
    resp = world.client.post("/v1/account/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    world.client.cookies.clear()
    return resp.json()


def test_a_privileged_user_without_2fa_can_only_enrol(world: World) -> None:
    acme = world.company()
    admin = world.user(company=acme, roles=("company_admin",), two_factor=False)
    body = _login(world, admin.email)
    assert body["stage"] == "enrol"
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = world.client.get("/v1/account/me", headers=headers)
    assert me.status_code == 200 and me.json()["stage"] == "enrol"
    assert me.json()["permissions"] == []
    limited = world.client.get(f"/v1/companies/{acme}/users", headers=headers)
    assert limited.status_code == 403 and limited.json()["error"] == "TwoFactorRequired"
    assert world.client.post("/v1/account/tokens", headers=headers,
                             json={"name": "x"}).status_code == 403

    enrol = world.client.post("/v1/account/2fa/enrol", headers=headers)
    assert enrol.status_code == 200, enrol.text
    data = enrol.json()
    assert data["otpauth_uri"].startswith("otpauth://totp/")
    assert "issuer=B2B%20Discovery" in data["otpauth_uri"]
    assert data["qr_svg"].startswith("<svg") and data["qr_png"].startswith("data:image/png;base64,")
    assert len(data["recovery_codes"]) == 10 and len(set(data["recovery_codes"])) == 10
    wrong = world.client.post("/v1/account/2fa/confirm", headers=headers, json={"code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "code"
    ok = world.client.post("/v1/account/2fa/confirm", headers=headers,
                           json={"code": pyotp.TOTP(data["secret"]).now()})
    assert ok.status_code == 200 and ok.json() == {"two_factor": True, "stage": "full"}
    # the same sign-in is now a full one
    assert world.client.get(f"/v1/companies/{acme}/users", headers=headers).status_code == 200
    again = world.client.post("/v1/account/2fa/enrol", headers=headers)
    assert again.status_code == 409
    [entry] = world.audit(action="user.2fa_enable")
    assert entry["actor_id"] == admin.id


def test_a_buyer_is_not_forced_to_enrol(world: World) -> None:
    acme = world.company()
    buyer = world.user(company=acme, roles=("buyer",))
    assert _login(world, buyer.email)["stage"] == "full"


def test_sign_in_with_totp_code_and_recovery_codes(world: World) -> None:
    acme = world.company()
    approver = world.user(company=acme, roles=("approver",), two_factor=False)
    first = _login(world, approver.email)
    headers = {"Authorization": f"Bearer {first['token']}"}
    data = world.client.post("/v1/account/2fa/enrol", headers=headers).json()
    secret, codes = data["secret"], data["recovery_codes"]
    step = int(time.time() // 30)
    assert world.client.post("/v1/account/2fa/confirm", headers=headers, json={
        "code": pyotp.TOTP(secret).generate_otp(step)}).status_code == 200

    # password alone gives a sign-in that waits for the second factor
    pending = _login(world, approver.email)
    assert pending["stage"] == "totp"
    pheaders = {"Authorization": f"Bearer {pending['token']}"}
    assert world.client.get(f"/v1/companies/{acme}", headers=pheaders).status_code == 403
    # the code used at confirmation cannot be replayed
    replay = world.client.post("/v1/account/login/totp", headers=pheaders, json={
        "code": pyotp.TOTP(secret).generate_otp(step)})
    assert replay.status_code == 401 and replay.json()["error"] == "InvalidCredentials"
    ok = world.client.post("/v1/account/login/totp", headers=pheaders, json={
        "code": pyotp.TOTP(secret).generate_otp(step + 1)})
    assert ok.status_code == 200, ok.text
    assert world.client.get(f"/v1/companies/{acme}", headers=pheaders).status_code == 200

    # a recovery code works once
    pending = _login(world, approver.email)
    pheaders = {"Authorization": f"Bearer {pending['token']}"}
    used = world.client.post("/v1/account/login/totp", headers=pheaders,
                             json={"recovery_code": codes[0].upper()})
    assert used.status_code == 200 and used.json()["recovery_codes_left"] == 9
    pending = _login(world, approver.email)
    pheaders = {"Authorization": f"Bearer {pending['token']}"}
    reuse = world.client.post("/v1/account/login/totp", headers=pheaders,
                              json={"recovery_code": codes[0]})
    assert reuse.status_code == 401
    assert world.client.post("/v1/account/login/totp", headers=pheaders,
                             json={"recovery_code": codes[1]}).status_code == 200
    assert [e["details"]["left"] for e in world.audit(action="user.recovery_code_used")] == [8, 9]


def test_wrong_second_factors_count_towards_the_limit(world: World) -> None:
    acme = world.company()
    approver = world.user(company=acme, roles=("approver",))
    pending = _login(world, approver.email)
    headers = {"Authorization": f"Bearer {pending['token']}"}
    for _ in range(5):
        assert world.client.post("/v1/account/login/totp", headers=headers,
                                 json={"code": "123456"}).status_code == 401
    limited = world.client.post("/v1/account/login/totp", headers=headers,
                                json={"code": world.next_code(approver)})
    assert limited.status_code == 429 and "Retry-After" in limited.headers


@pytest.mark.parametrize(("unix_time", "expected"), [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_totp_matches_rfc_6238_sha1_vectors(unix_time: int, expected: str) -> None:
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert pyotp.TOTP(secret, digits=8).at(unix_time) == expected
    # our check uses the same arithmetic (6 digits: the last six of the 8-digit value)
    assert totp.matching_step(secret, expected[-6:], now=unix_time) == unix_time // 30
    assert totp.matching_step(secret, expected[-6:], now=unix_time + 90) is None
    assert totp.matching_step(secret, expected[-6:], now=unix_time,
                              after_step=unix_time // 30) is None


def test_roles_gained_during_a_sign_in_need_2fa_before_use(world: World) -> None:
    acme = world.company()
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    buyer = world.sign_in(world.user(company=acme, roles=("buyer",)))
    assert world.client.put(f"/v1/companies/{acme}/users/{buyer.id}/roles",
                            headers=admin.headers,
                            json={"roles": ["buyer", "approver"]}).status_code == 200
    refused = world.client.get(f"/v1/companies/{acme}", headers=buyer.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "TwoFactorRequired"
    # enrolling in the same sign-in lifts it
    data = world.client.post("/v1/account/2fa/enrol", headers=buyer.headers).json()
    assert world.client.post("/v1/account/2fa/confirm", headers=buyer.headers,
                             json={"code": pyotp.TOTP(data["secret"]).now()}).status_code == 200
    assert world.client.get(f"/v1/companies/{acme}", headers=buyer.headers).status_code == 200


def test_reset_2fa_makes_a_privileged_user_enrol_again(world: World) -> None:
    from commerce.users.models import User
    from commerce.users.service import reset_totp

    acme = world.company()
    admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    with world.uow() as tx:
        reset_totp(tx, "cli", tx.get(User, admin.id))
    assert world.client.get("/v1/account/me", headers=admin.headers).status_code == 401
    assert _login(world, admin.email)["stage"] == "enrol"
