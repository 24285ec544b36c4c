"""The in-process rate limiter, company-scoped expiring public keys and resolve_buyer, and the
README's permission table."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from catalog.errors import DiscoveryError
from commerce.access import InvalidKey, PublicKeys
from commerce.buyer import BuyerContext, buyer_context, resolve_buyer
from commerce.identity import CompanyBlocked, now_utc
from commerce.ratelimit import RateLimited, RateLimiter
from commerce.roles.permissions import CUSTOMER_ROLES, PERMISSIONS, SELLER_ROLES
from tests.commerce.accounts_world import World


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("k").allowed for _ in range(4)] == [True, True, True, False]
    denied = limiter.acquire("k")
    assert not denied.allowed and denied.retry_after == pytest.approx(0.5)
    assert limiter.acquire("other").allowed  # keys are separate
    clock.t += 0.5
    assert limiter.acquire("k").allowed and not limiter.acquire("k").allowed
    clock.t += 100  # refills up to the burst, not beyond
    assert [limiter.acquire("k").allowed for _ in range(4)] == [True, True, True, False]


def test_check_raises_429_with_retry_after_and_zero_rate_is_off() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=0.1, burst=1, clock=clock)
    limiter.check("pk_1")
    with pytest.raises(RateLimited) as caught:
        limiter.check("pk_1", what="searches", field="key")
    assert caught.value.status_code == 429 and caught.value.headers == {"Retry-After": "10"}
    assert caught.value.field == "key" and "searches" in str(caught.value.detail)
    off = RateLimiter(rate=0, burst=1)
    assert all(off.acquire("x").allowed for _ in range(1000))


def test_limiter_forgets_the_least_recently_used_keys() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, max_keys=2, clock=clock)
    limiter.acquire("a")
    limiter.acquire("b")
    limiter.acquire("c")  # "a" is dropped and starts full again
    assert limiter.acquire("a").allowed
    assert not limiter.acquire("c").allowed


def test_rate_limited_reaches_the_client_as_429_with_retry_after() -> None:
    app = FastAPI()
    from api import errors

    errors.install(app)
    limiter = RateLimiter(rate=1.0, burst=1)

    @app.get("/s")
    def search() -> dict:
        limiter.check("pk", what="searches", field="key")
        return {}

    client = TestClient(app)
    assert client.get("/s").status_code == 200
    resp = client.get("/s")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert resp.json()["error"] == "RateLimited" and resp.json()["field"] == "key"


def test_company_scoped_keys_expire_and_resolve_to_the_buyer(world: World) -> None:
    acme = world.company("Acme", group="wholesale")
    seller = world.sign_in(world.user(seller_role="administrator"))
    resp = world.client.post(f"/v1/companies/{acme}/keys", headers=seller.headers, json={
        "name": "Acme shop", "origins": ["https://acme.example"],
        "expires_at": (now_utc() + timedelta(days=30)).isoformat()})
    assert resp.status_code == 201, resp.text
    key = resp.json()["token"]
    assert resp.json()["company_id"] == acme and resp.json()["active"] is True
    past = world.client.post(f"/v1/companies/{acme}/keys", headers=seller.headers, json={
        "name": "old", "expires_at": (now_utc() - timedelta(days=1)).isoformat()})
    assert past.status_code == 400 and past.json()["field"] == "expires_at"
    missing = world.client.post("/v1/companies/999/keys", headers=seller.headers,
                                json={"name": "x"})
    assert missing.status_code == 404
    listed = world.client.get(f"/v1/companies/{acme}/keys", headers=seller.headers).json()
    assert [k["token"] for k in listed["keys"]] == [key]

    keys = PublicKeys(world.store.engine, cache_s=0)
    with world.uow() as tx:
        assert resolve_buyer(tx, key=key, keys=keys) == BuyerContext(
            acme, "wholesale", None, "public_key")
        assert resolve_buyer(tx) is None  # anonymous
        with pytest.raises(InvalidKey):
            resolve_buyer(tx, key="pk_" + "0" * 32, keys=keys)
    # expiry: the key is refused with a clear message
    from sqlalchemy import update

    from catalog.models import PublicKey

    with world.uow() as tx:
        tx.execute(update(PublicKey).where(PublicKey.token == key)
                   .values(expires_at=now_utc() - timedelta(minutes=1)))
    with world.uow() as tx, pytest.raises(InvalidKey) as caught:
        resolve_buyer(tx, key=key, keys=keys)
    assert "expired on" in str(caught.value.detail) and caught.value.status_code == 401
    with pytest.raises(InvalidKey, match="expired"):
        keys.check(key, None)
    # the storefront's requests are refused before they reach search
    refused = world.client.get("/v1/search", params={"q": "bolt", "key": key},
                               headers={"Origin": "https://acme.example"})
    assert refused.status_code == 401 and "expired on" in refused.json()["detail"]


def test_resolve_buyer_from_a_sign_in(world: World) -> None:
    acme = world.company("Acme", group="retail")
    buyer = world.sign_in(world.user(company=acme, roles=("buyer",)))
    seller = world.sign_in(world.user(seller_role="administrator"))
    with world.uow() as tx:
        assert resolve_buyer(tx, authorization=f"Bearer {buyer.token}") == BuyerContext(
            acme, "retail", buyer.id, "bearer")
        assert resolve_buyer(tx, cookie=buyer.token) == BuyerContext(
            acme, "retail", buyer.id, "session")
        # a seller not acting as a company sees the anonymous catalog
        assert resolve_buyer(tx, authorization=f"Bearer {seller.token}") is None
        # a console staff token is not an account token: anonymous here
        assert resolve_buyer(tx, authorization="Bearer console-token") is None
    world.client.post("/v1/account/company", headers=seller.headers, json={"company_id": acme})
    with world.uow() as tx:
        assert resolve_buyer(tx, authorization=f"Bearer {seller.token}") == BuyerContext(
            acme, "retail", seller.id, "bearer")
    world.client.post("/v1/account/logout", headers=buyer.headers)
    with world.uow() as tx, pytest.raises(DiscoveryError) as caught:
        resolve_buyer(tx, authorization=f"Bearer {buyer.token}")
    assert caught.value.status_code == 401
    world.client.patch(f"/v1/companies/{acme}", headers=seller.headers,
                       json={"status": "blocked"})
    with world.uow() as tx, pytest.raises(CompanyBlocked):
        resolve_buyer(tx, authorization=f"Bearer {seller.token}")


def test_buyer_context_dependency(world: World) -> None:
    acme = world.company("Acme", group="retail")
    buyer = world.sign_in(world.user(company=acme, roles=("buyer",)))
    app = world.client.app

    @app.get("/test-buyer")  # type: ignore[attr-defined]
    def probe(ctx: BuyerContext | None = Depends(buyer_context)) -> dict:
        return {"company_id": ctx.company_id if ctx else None, "via": ctx.via if ctx else None}

    assert world.client.get("/test-buyer").json() == {"company_id": None, "via": None}
    assert world.client.get("/test-buyer", headers=buyer.headers).json() == {
        "company_id": acme, "via": "bearer"}
    assert world.client.get("/test-buyer?key=pk_unknown0000").status_code == 401


def test_readme_documents_every_permission_and_role() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Company accounts, roles and sign-in", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_.]+)` \| [^|]+ \|(.*)\|$",
                                                        section, re.M)}
    assert set(PERMISSIONS) <= set(rows)
    roles = list(SELLER_ROLES.values()) + list(CUSTOMER_ROLES.values())
    for permission in PERMISSIONS:
        marks = [cell.strip() == "x" for cell in rows[permission].split("|")]
        assert marks == [permission in perms for _, perms in roles], permission


def test_search_dependency_limits_per_public_key() -> None:
    from types import SimpleNamespace

    from api import errors
    from catalog.settings import Settings
    from commerce.ratelimit import limit_search_per_key

    app = FastAPI()
    errors.install(app)
    app.state.services = SimpleNamespace(settings=Settings(search_rate_per_key=0.5,
                                                           search_burst_per_key=2))

    @app.get("/v1/search", dependencies=[Depends(limit_search_per_key)])
    def search() -> dict:
        return {}

    client = TestClient(app)
    assert [client.get("/v1/search?key=pk_a").status_code for _ in range(3)] == [200, 200, 429]
    limited = client.get("/v1/search", headers={"x-algolia-api-key": "pk_a"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert client.get("/v1/search?key=pk_b").status_code == 200  # another key
    assert all(client.get("/v1/search").status_code == 200 for _ in range(5))  # no key
