"""Company accounts in tests: an in-process app (the real routers, ``Tx`` and error handler)
over the ``store`` fixture's database, and factories for companies, users and sign-ins.

The app is created by ``api.app.create_app`` without running its lifespan (no search index is
needed for accounts): ``app.state`` gets the commerce session factory and a stand-in of the
services that carries the settings and the store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.settings import Settings
from catalog.store import CatalogStore
from commerce.companies.models import Company
from commerce.db import session_factory, unit_of_work
from commerce.identity import now_utc
from commerce.roles.repository import RoleRepository
from commerce.users.models import User
from commerce.users.passwords import hash_password

PASSWORD = "correct horse battery"
BEARER = "Authorization"
_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing costs ~50 ms each)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@dataclass
class Account:
    id: int
    email: str
    password: str = PASSWORD
    totp_secret: str | None = None
    token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        assert self.token, "not signed in"
        return {BEARER: f"Bearer {self.token}"}


@dataclass
class World:
    client: TestClient
    store: CatalogStore
    settings: Settings
    _n: list[int] = field(default_factory=lambda: [0])

    def uow(self) -> Any:
        return unit_of_work(session_factory(self.store.engine))

    def company(self, name: str = "Acme", status: str = "active", group: str | None = "retail",
                sales_rep: Account | None = None) -> int:
        with self.uow() as tx:
            row = Company(name=name, status=status, customer_group=group,
                          sales_rep_id=sales_rep.id if sales_rep else None,
                          created_at=now_utc())
            tx.add(row)
            tx.flush()
            return int(row.id)

    def user(self, *, seller_role: str | None = None, company: int | None = None,
             roles: tuple[str, ...] = (), two_factor: bool | None = None,
             email: str | None = None) -> Account:
        """A user; ``two_factor`` None: enrolled when the roles require it."""
        self._n[0] += 1
        email = email or f"user{self._n[0]}@example.com"
        if two_factor is None:
            two_factor = seller_role is not None or bool(
                set(roles) & {"company_admin", "approver"})
        secret = pyotp.random_base32() if two_factor else None
        with self.uow() as tx:
            row = User(email=email, email_key=email.lower(), name=email.split("@")[0],
                       password_hash=password_hash(), seller_role=seller_role,
                       status="active", created_at=now_utc(), totp_secret=secret,
                       totp_enabled_at=now_utc() if secret else None)
            tx.add(row)
            tx.flush()
            if company is not None and roles:
                repo = RoleRepository(tx)
                found = [repo.by_key(r, now_utc()) for r in roles]
                repo.set_roles(row.id, company, [r for r in found if r is not None], now_utc())
            return Account(int(row.id), email, totp_secret=secret)

    def next_code(self, account: Account) -> str:
        """A TOTP code the server has not seen used yet (codes are single use per step)."""
        assert account.totp_secret
        with self.uow() as tx:
            last = tx.scalar(select(User.totp_last_step).where(User.id == account.id))
        totp = pyotp.TOTP(account.totp_secret)
        step = int(time.time() // 30)
        if last is not None and last >= step:
            step = last + 1
        return totp.generate_otp(step)

    def sign_in(self, account: Account, *, company: int | None = None) -> Account:
        resp = self.client.post("/v1/account/login",
                                json={"email": account.email, "password": account.password})
        assert resp.status_code == 200, resp.text
        account.token = resp.json()["token"]
        if resp.json()["stage"] == "totp":
            resp = self.client.post("/v1/account/login/totp", headers=account.headers,
                                    json={"code": self.next_code(account)})
            assert resp.status_code == 200, resp.text
        self.client.cookies.clear()  # tests authenticate with the bearer token
        if company is not None:
            resp = self.client.post("/v1/account/company", headers=account.headers,
                                    json={"company_id": company})
            assert resp.status_code == 200, resp.text
        return account

    def session(self, account: Account, company: int | None = None) -> Account:
        """A full sign-in written straight to the store (no password or TOTP round trip): for
        tests about what a signed-in user may do, not about signing in."""
        from datetime import timedelta

        from commerce.identity import TOKEN_PREFIX
        from commerce.users.models import AuthSession
        from commerce.users.passwords import new_token, token_hash

        token = new_token(TOKEN_PREFIX)
        now = now_utc()
        with self.uow() as tx:
            tx.add(AuthSession(token_hash=token_hash(token), user_id=account.id,
                               kind="session", stage="full", company_id=company,
                               created_at=now, expires_at=now + timedelta(hours=1),
                               last_seen=now))
        account.token = token
        return account

    def audit(self, **filters: Any) -> list[dict[str, Any]]:
        from commerce.audit.repository import AuditRepository
        from commerce.audit.service import to_dict

        with self.uow() as tx:
            return [to_dict(e) for e in AuditRepository(tx).search(limit=1000, **filters)]


def make_world(store: CatalogStore, tmp_path: Path, **settings: Any) -> Iterator[World]:
    store.migrate()
    from api.app import create_app

    config = Settings(data_dir=tmp_path / "data", **settings)
    app = create_app(config)
    app.state.commerce_sessions = session_factory(store.engine)
    app.state.services = SimpleNamespace(settings=config, store=store, staff=None)
    client = TestClient(app, raise_server_exceptions=False)  # no `with`: the lifespan is not run
    try:
        yield World(client, store, config)
    finally:
        client.close()


@pytest.fixture
def world(store: CatalogStore, tmp_path: Path) -> Iterator[World]:
    yield from make_world(store, tmp_path)


def iso(value: datetime) -> str:
    return value.isoformat()
