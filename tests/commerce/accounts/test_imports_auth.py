"""Catalog imports over HTTP need a seller administrator's account (``catalog.import``) or a
console admin/merchandiser: the real app with its services, in-process, on SQLite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from commerce.identity import now_utc

CSV = b"sku,name,brand\nIMP-1,Hex bolt M8,Fastek\nIMP-2,Hex nut M8,Fastek\n"
PASSWORD = "correct horse battery"


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    from api.app import create_app
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from commerce.db import session_factory, unit_of_work
    from commerce.roles.repository import RoleRepository
    from commerce.staff import StaffAccounts
    from commerce.users.models import User
    from commerce.users.passwords import hash_password

    settings = Settings(data_dir=tmp_path, semantic_search=False, search_config="lexical",
                        index_reload_interval_s=0, analytics_enabled=False)
    store = CatalogStore(settings.resolved_database_url())
    store.migrate()
    staff = StaffAccounts(store.engine)
    staff.create_user("merch", "merchandiser password", "merchandiser")
    staff.create_user("analyst", "analyst password 1", "analyst")
    with unit_of_work(session_factory(store.engine)) as tx:
        from commerce.companies.models import Company

        company = Company(name="Acme", status="active", created_at=now_utc())
        tx.add(company)
        tx.flush()
        for email, role in (("admin@seller.example", "administrator"),
                            ("rep@seller.example", "sales_representative"),
                            ("boss@acme.example", None)):
            user = User(email=email, email_key=email, name=email, seller_role=role,
                        password_hash=hash_password(PASSWORD), status="active",
                        created_at=now_utc(), totp_secret=pyotp.random_base32(),
                        totp_enabled_at=now_utc())
            tx.add(user)
            tx.flush()
            if role is None:
                admin_role = RoleRepository(tx).by_key("company_admin", now_utc())
                assert admin_role is not None
                RoleRepository(tx).set_roles(user.id, company.id, [admin_role], now_utc())
        secrets = {u.email: u.totp_secret for u in tx.query(User).all()}
    store.engine.dispose()
    with TestClient(create_app(settings)) as client:
        client.secrets = secrets  # type: ignore[attr-defined]
        client.used = {}  # type: ignore[attr-defined]
        yield client


def _account(client: TestClient, email: str) -> dict[str, str]:
    token = client.post("/v1/account/login", json={"email": email, "password": PASSWORD}
                        ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # a code works once per 30-second step: a second sign-in in the same step uses the next
    used = client.used.setdefault(email, 0)  # type: ignore[attr-defined]
    client.used[email] = used + 1  # type: ignore[attr-defined]
    totp = pyotp.TOTP(client.secrets[email])  # type: ignore[attr-defined]
    code = totp.at(int(time.time()) + 30 * used)
    assert client.post("/v1/account/login/totp", headers=headers,
                       json={"code": code}).status_code == 200
    client.cookies.clear()
    return headers


def _staff(client: TestClient, username: str, password: str) -> dict[str, str]:
    resp = client.post("/v1/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    return {"Authorization": f"Bearer {resp.cookies['discovery_session']}"}


def _post(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    return client.post("/v1/catalog/imports", headers=headers or {},
                       files={"file": ("c.csv", CSV, "text/csv")})


def test_imports_need_a_seller_administrator_or_a_console_editor(app_client: TestClient
                                                                 ) -> None:
    anonymous = _post(app_client)
    assert anonymous.status_code == 401, anonymous.text
    assert "seller administrator" in anonymous.json()["detail"]
    assert _post(app_client, _staff(app_client, "analyst", "analyst password 1")
                 ).status_code == 403
    assert _post(app_client, _account(app_client, "rep@seller.example")
                 ).status_code == 403
    assert _post(app_client, _account(app_client, "boss@acme.example")
                 ).status_code == 403
    assert app_client.get("/v1/search", params={"q": "hex"}).json()["total"] == 0
    by_admin = _post(app_client, _account(app_client, "admin@seller.example"))
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["counts"]["accepted"] == 2
    by_merch = _post(app_client, _staff(app_client, "merch", "merchandiser password"))
    assert by_merch.status_code == 200
    assert app_client.get("/v1/search", params={"q": "hex"}).json()["total"] == 2
    # one browser signed in to the console as a merchandiser and to a company admin's
    # account: the console's sign-in counts
    boss = _account(app_client, "boss@acme.example")["Authorization"].removeprefix("Bearer ")
    merch = _staff(app_client, "merch", "merchandiser password")["Authorization"]
    app_client.cookies.set("discovery_account", boss)
    app_client.cookies.set("discovery_session", merch.removeprefix("Bearer "))
    assert _post(app_client, {"X-Requested-With": "discovery-console"}).status_code == 200
    app_client.cookies.set("discovery_session", "ended")
    alone = _post(app_client, {"X-Requested-With": "discovery"})
    assert alone.status_code == 403 and "catalog.import" in alone.json()["detail"]
    app_client.cookies.clear()
