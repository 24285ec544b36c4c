"""Orders and approvals (issue 8): submitting a 50-line order through the HTTP API, and the
approval preview of a 50-line cart, against a real uvicorn server (``discovery serve`` via
``benchmarks._common.Server``) on the default SQLite database.

    python benchmarks/bench_orders.py [--orders 40] [--lines 50] [--products 2000]

Set-up (a fresh data folder each run): ``--products`` priced products in 10 categories and
8 brands; one company with trade credit, a buyer signed in with an API token, two approvers
and three approval rules (a brand, a category with at least 20 lines, a net total far above
the benchmark's orders). Each submitted order has ``--lines`` random lines of other brands and
categories than the rules name, so no rule matches: the request quotes and freezes the prices,
evaluates the rules, is approved at once, placed, and reserves credit — the longest path of a
submission. The preview's carts are drawn from every product, so rules match and the approvers
of each tier are looked up.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import Server, summary  # noqa: E402
from catalog.settings import Settings  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402

CATEGORIES = [f"Category {i} > Sub {i}" for i in range(10)]
BRANDS = [f"Brand{i}" for i in range(8)]


def setup(data_dir: Path, products: int) -> tuple[str, list[str], list[str]]:
    """(the buyer's token, SKUs no rule looks at, all SKUs)."""
    from commerce.approvals.service import ApprovalService
    from commerce.companies.models import Company
    from commerce.credit.service import CreditService
    from commerce.db import session_factory, unit_of_work
    from commerce.roles.repository import RoleRepository
    from commerce.users.models import AuthSession, User
    from commerce.users.passwords import new_token, token_hash

    store = CatalogStore(Settings(data_dir=data_dir).resolved_database_url())
    store.migrate()
    rng = random.Random(3)
    rows = []
    for i in range(products):
        rows.append({"sku": f"B-{i:05d}", "name": f"Part {i}", "documents": [], "images": [],
                     "media": [], "category": CATEGORIES[i % len(CATEGORIES)],
                     "brand": BRANDS[(i // 10) % len(BRANDS)],
                     "price_per_piece": round(rng.uniform(0.5, 90), 2), "currency": "EUR"})
    store.upsert(rows)
    now = datetime.now().replace(microsecond=0)
    token = new_token("da_")
    with unit_of_work(session_factory(store.engine)) as tx:
        company = Company(name="Bench Co", status="active", customer_group="retail",
                          created_at=now)
        tx.add(company)
        tx.flush()
        roles = RoleRepository(tx)
        users = []
        for name, role in (("buyer", "buyer"), ("appr1", "approver"), ("appr2", "approver")):
            user = User(email=f"{name}@bench.example", email_key=f"{name}@bench.example",
                        name=name, password_hash="!", status="active", created_at=now)
            tx.add(user)
            tx.flush()
            found = roles.by_key(role, now)
            assert found is not None
            roles.set_roles(user.id, company.id, [found], now)
            users.append(user)
        tx.add(AuthSession(token_hash=token_hash(token), user_id=users[0].id, kind="token",
                           stage="full", name="bench", company_id=company.id, created_at=now,
                           expires_at=now + timedelta(days=1), last_seen=now))
        CreditService().set_terms(tx, "bench", company.id, {
            "mode": "trade_credit", "currency": "EUR", "limit": "100000000", "term_days": 30,
            "limit_scope": "outstanding"})
        rules = ApprovalService()
        for data in ({"name": "brand", "brands": [BRANDS[0]], "tiers": [{"roles": ["approver"]}]},
                     {"name": "category", "categories": [CATEGORIES[0].split(" > ")[0]],
                      "min_lines": 20, "tiers": [{"roles": ["approver"]},
                                                 {"users": [users[2].id]}]},
                     {"name": "huge", "currency": "EUR", "min_net_total": "10000000",
                      "tiers": [{"users": [users[1].id]}]}):
            rules.create_rule(tx, "bench", company.id, data)  # type: ignore[arg-type]
    skus = [r["sku"] for r in rows]
    quiet = [r["sku"] for r in rows
             if r["brand"] != BRANDS[0] and r["category"] != CATEGORIES[0]]
    store.engine.dispose()
    return token, quiet, skus


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=40)
    ap.add_argument("--lines", type=int, default=50)
    ap.add_argument("--products", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(9)
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        token, quiet, skus = setup(data_dir, args.products)
        setup_s = time.perf_counter() - t0
        server = Server(data_dir)
        headers = {"Authorization": f"Bearer {token}"}
        submit_ms: list[float] = []
        preview_ms: list[float] = []
        statuses: dict[str, int] = {}
        needs = 0
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                for i in range(args.orders + 3):  # the first three warm up
                    lines = [{"sku": s, "qty": rng.randint(1, 20)}
                             for s in rng.sample(quiet, args.lines)]
                    start = time.perf_counter()
                    resp = client.post("/v1/orders", json={"lines": lines},
                                       headers={"Idempotency-Key": f"bench-{i}"})
                    elapsed = (time.perf_counter() - start) * 1000
                    if resp.status_code != 201:
                        raise RuntimeError(f"POST /v1/orders: {resp.status_code} {resp.text}")
                    if i >= 3:
                        submit_ms.append(elapsed)
                        status = resp.json()["status"]
                        statuses[status] = statuses.get(status, 0) + 1
                for i in range(args.orders + 3):
                    lines = [{"sku": s, "qty": rng.randint(1, 20)}
                             for s in rng.sample(skus, args.lines)]
                    start = time.perf_counter()
                    resp = client.post("/v1/approvals/preview", json={"lines": lines})
                    elapsed = (time.perf_counter() - start) * 1000
                    if resp.status_code != 200:
                        raise RuntimeError(f"preview: {resp.status_code} {resp.text}")
                    if i >= 3:
                        preview_ms.append(elapsed)
                        needs += bool(resp.json()["needs_approval"])
        finally:
            server.stop()
    out: dict[str, Any] = {
        "benchmark": "orders", "server": "uvicorn (discovery serve, benchmarks._common.Server)",
        "database": "sqlite", "products": args.products, "lines_per_order": args.lines,
        "setup_s": round(setup_s, 1),
        "submit_50_lines": {**summary(submit_ms), "statuses": statuses},
        "approval_preview_50_lines": {**summary(preview_ms), "needing_approval": needs},
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
