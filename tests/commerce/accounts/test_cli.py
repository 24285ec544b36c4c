"""``discovery users`` and ``discovery companies``: a fresh install creates its first seller
administrator, a company and an invited employee; block; bad input names the option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

DISCOVERY = str(Path(sys.executable).parent / "discovery")


def _run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir))
    env.pop("DISCOVERY_DATABASE_URL", None)
    env.pop("DISCOVERY_USER_PASSWORD", None)
    return subprocess.run([DISCOVERY, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_first_administrator_company_and_employee(tmp_path: Path) -> None:
    made = _run(tmp_path, "users", "create", "--email", "admin@seller.example", "--name",
                "Admin", "--seller-role", "administrator", "--password-stdin",
                stdin="admin password 1\n")
    assert made.returncode == 0, made.stderr
    company = _run(tmp_path, "companies", "create", "--name", "Acme GmbH", "--customer-group",
                   "retail", "--sales-rep", "admin@seller.example")
    assert company.returncode == 0, company.stderr
    company_id = company.stdout.strip()
    invited = _run(tmp_path, "users", "create", "--email", "anna@acme.example", "--name", "Anna",
                   "--company", company_id, "--role", "buyer", "--invite")
    assert invited.returncode == 0 and invited.stdout.startswith("pr_")
    listed = json.loads(_run(tmp_path, "users", "list", "--json").stdout)
    assert [(u["email"], u["seller_role"], u["roles"]) for u in listed] == [
        ("admin@seller.example", "administrator", ""),
        ("anna@acme.example", None, f"buyer@{company_id}")]
    companies = json.loads(_run(tmp_path, "companies", "list", "--json").stdout)
    assert companies[0]["name"] == "Acme GmbH" and companies[0]["sales_rep_id"] == 1
    reset = _run(tmp_path, "users", "reset-2fa", "admin@seller.example")
    assert reset.returncode == 0 and "enrols again" in reset.stderr
    blocked = _run(tmp_path, "users", "block", "anna@acme.example", "--reason", "left")
    assert blocked.returncode == 0
    assert json.loads(_run(tmp_path, "users", "list", "--json").stdout)[1]["status"] == "blocked"

    # the stored argon2 hash is the password given on standard input; the CLI is audited
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from commerce.audit.models import AuditEntry
    from commerce.users.models import User
    from commerce.users.passwords import verify_password

    store = CatalogStore(Settings(data_dir=tmp_path).resolved_database_url())
    with store.engine.connect() as conn:
        admin_hash = conn.execute(select(User.password_hash).where(
            User.email_key == "admin@seller.example")).scalar_one()
        actions = conn.execute(select(AuditEntry.actor, AuditEntry.action)
                               .order_by(AuditEntry.id)).all()
    store.engine.dispose()
    assert verify_password("admin password 1", admin_hash)
    assert [tuple(a) for a in actions] == [("cli", "user.create"), ("cli", "company.create"),
                                           ("cli", "user.create"), ("cli", "user.2fa_reset"),
                                           ("cli", "user.block")]


def test_bad_input_names_the_option(tmp_path: Path) -> None:
    both = _run(tmp_path, "users", "create", "--email", "a@b.example", "--name", "A",
                "--invite")
    assert both.returncode == 2 and "seller_role" in both.stderr
    role = _run(tmp_path, "users", "create", "--email", "a@b.example", "--name", "A",
                "--seller-role", "king", "--invite")
    assert role.returncode == 2 and "unknown seller role" in role.stderr
    no_company = _run(tmp_path, "users", "create", "--email", "a@b.example", "--name", "A",
                      "--company", "9", "--role", "buyer", "--invite")
    assert no_company.returncode == 2 and "no company 9" in no_company.stderr
    status = _run(tmp_path, "companies", "create", "--name", "X", "--status", "sleeping")
    assert status.returncode == 2 and "(status)" in status.stderr
    password = _run(tmp_path, "users", "create", "--email", "a@b.example", "--name", "A",
                    "--seller-role", "administrator", "--password-stdin", stdin="short\n")
    assert password.returncode == 2 and "(password)" in password.stderr


def test_company_scoped_expiring_keys_from_the_cli(tmp_path: Path) -> None:
    assert _run(tmp_path, "companies", "create", "--name", "Acme").stdout.strip() == "1"
    made = _run(tmp_path, "keys", "create", "--name", "Acme shop", "--origin",
                "https://acme.example", "--company", "1", "--expires", "2099-01-01", "--json")
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["company_id"] == 1 and info["expires_at"] == "2099-01-01T00:00:00"
    missing = _run(tmp_path, "keys", "create", "--name", "x", "--company", "5")
    assert missing.returncode == 2 and "no company 5" in missing.stderr
    past = _run(tmp_path, "keys", "create", "--name", "x", "--expires", "2001-01-01")
    assert past.returncode == 2 and "in the future" in past.stderr
    from sqlalchemy import update

    from catalog.models import PublicKey
    from catalog.settings import Settings
    from catalog.store import CatalogStore

    store = CatalogStore(Settings(data_dir=tmp_path).resolved_database_url())
    with store.engine.begin() as conn:
        conn.execute(update(PublicKey).values(expires_at=datetime(2001, 1, 1)))
    store.engine.dispose()
    listed = _run(tmp_path, "keys", "list")
    assert listed.returncode == 0 and "company 1  expired 2001-01-01 00:00" in listed.stdout
