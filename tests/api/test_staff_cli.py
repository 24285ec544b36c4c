"""``discovery staff``: create, list, disable/enable, set-password, token; and the demo's
console user."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.settings import get_settings
from catalog.store import CatalogStore
from commerce.staff import InvalidCredentials, StaffAccounts
from tests.api.conftest import DISCOVERY


def _run(data_dir: Path, *args: str, stdin: str = "", **env: str
         ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DISCOVERY_DATABASE_URL", "DISCOVERY_STAFF_PASSWORD")}
    full_env.update(DISCOVERY_DATA_DIR=str(data_dir), **env)
    return subprocess.run([DISCOVERY, "staff", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=60)


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[StaffAccounts]:
    store = CatalogStore(f"sqlite:///{(tmp_path / 'catalog.db').resolve()}")
    store.migrate()
    yield StaffAccounts(store.engine)
    store.engine.dispose()


def test_staff_commands(tmp_path: Path, accounts: StaffAccounts) -> None:
    created = _run(tmp_path, "create", "Maria", "--role", "merchandiser", "--password-stdin",
                   stdin="maria's long password\n")
    assert created.returncode == 0, created.stderr
    assert "created merchandiser 'Maria'" in created.stderr
    from_env = _run(tmp_path, "create", "ann", "--role", "analyst",
                    DISCOVERY_STAFF_PASSWORD="ann's long password")
    assert from_env.returncode == 0, from_env.stderr
    assert accounts.authenticate("maria", "maria's long password").role == "merchandiser"
    assert accounts.authenticate("ann", "ann's long password").role == "analyst"

    again = _run(tmp_path, "create", "MARIA", "--role", "admin", "--password-stdin",
                 stdin="another long password\n")  # bad input in general: tests/commerce
    assert again.returncode == 2 and "already exists" in again.stderr
    no_password = _run(tmp_path, "create", "bob", "--role", "admin")  # stdin is not a terminal
    assert no_password.returncode == 2 and "--password-stdin" in no_password.stderr

    listed = _run(tmp_path, "list", "--json")
    assert [(u["username"], u["role"], u["disabled"]) for u in json.loads(listed.stdout)] == [
        ("ann", "analyst", False), ("Maria", "merchandiser", False)]

    token = _run(tmp_path, "token", "maria").stdout.strip()
    assert accounts.session_user(token) is not None

    assert _run(tmp_path, "disable", "maria").returncode == 0
    assert accounts.session_user(token) is None  # sessions end with the account
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("maria", "maria's long password")
    assert _run(tmp_path, "enable", "maria").returncode == 0

    changed = _run(tmp_path, "set-password", "maria", "--password-stdin",
                   stdin="a brand new password\n")
    assert changed.returncode == 0, changed.stderr
    assert accounts.authenticate("maria", "a brand new password").username == "Maria"


def test_demo_console_user_only_when_there_is_none(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli_staff import DEMO_PASSWORD, seed_demo_admin

    monkeypatch.setenv("DISCOVERY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DISCOVERY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert seed_demo_admin() is True
        assert seed_demo_admin() is False  # never a second time, never beside real users
    finally:
        get_settings.cache_clear()
    store = CatalogStore(f"sqlite:///{(tmp_path / 'catalog.db').resolve()}")
    try:
        user = StaffAccounts(store.engine).authenticate("admin", DEMO_PASSWORD)
        assert user.role == "admin" and DEMO_PASSWORD == "discovery-demo"
    finally:
        store.engine.dispose()
