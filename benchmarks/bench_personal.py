"""Search with a buyer's own prices and assortment (issue 7: S13, P3) next to anonymous search,
through HTTP on the 100,000-product sample catalog with 1,000 customer companies.

    python benchmarks/bench_personal.py [--products 100000] [--customers 1000] [--runs 3]
                                        [--queries 200]

Target: search p95 with personalised prices within 1.5x of anonymous search.

The commerce side is written once into the benchmark's catalog database (marker file
``.personal-<customers>``): 1,000 active companies in 5 customer groups, each with a contract
price list of 500 random products and a signed-in buyer (an API token); one group price list
of 20,000 products per group; 20 discounts (by category and brand, for groups and for single
companies); an assortment that leaves one brand out for every tenth company.

The workload is bench_search's (a buyer's 1-3 words of a product name, two attribute filters,
six facets including the price range, ``config=lexical``), so every personalised search
computes the buyer's price facet: the personal path. Each query is sent anonymously and by a
random customer's buyer, one right after the other, so both see the same machine. A second
pair of series sorts by price. Every customer searches once before the runs (its price view
is built); the server keeps the price arrays of the last 64 buyers, so most measured searches
also pay for recomputing one (~1-2 ms), as a busy shop would.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import RESULTS, Server, ensure_catalog, summary  # noqa: E402
from benchmarks.bench_search import FACETS, Client, workload  # noqa: E402
from catalog.settings import Settings  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402

GROUPS = [f"group-{i}" for i in range(1, 6)]


def setup_commerce(store: CatalogStore, data_dir: Path, customers: int, seed: int = 11
                   ) -> list[str]:
    """The companies, lists, discounts, assortments and buyers' tokens (once per data dir)."""
    from sqlalchemy import insert, select

    from catalog.models import Product
    from commerce.assortments.models import AssortmentRule
    from commerce.companies.models import Company
    from commerce.prices.models import Discount, PriceList, PriceListLine
    from commerce.users.models import AuthSession, User
    from commerce.users.passwords import new_token, token_hash

    tokens_file = data_dir / f"personal-tokens-{customers}.json"
    marker = data_dir / f".personal-{customers}"
    if marker.exists() and tokens_file.exists():
        return list(json.loads(tokens_file.read_text()))
    store.migrate()
    rng = random.Random(seed)
    now = datetime.now().replace(microsecond=0)
    with store.engine.connect() as conn:
        products = conn.execute(select(Product.sku, Product.price_per_piece, Product.brand,
                                       Product.category)).all()
    priced = [(sku, price) for sku, price, _, _ in products if price]
    brands = sorted({b for _, _, b, _ in products if b})
    categories = sorted({c.split(" > ")[0] for _, _, _, c in products if c})
    tokens: list[str] = []
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for group in GROUPS:
            list_id = conn.execute(insert(PriceList).values(
                name=f"{group} prices", kind="group", customer_group=group, currency="EUR",
                priority=0, created_at=now, updated_at=now).returning(PriceList.id)).scalar_one()
            conn.execute(insert(PriceListLine), [
                {"price_list_id": list_id, "sku": sku, "min_qty": 1,
                 "unit_price": Decimal(str(round(price * rng.uniform(0.8, 0.95), 4)))}
                for sku, price in rng.sample(priced, 20_000)])
        for i in range(customers):
            group = GROUPS[i % len(GROUPS)]
            company = conn.execute(insert(Company).values(
                name=f"Customer {i + 1}", status="active", customer_group=group,
                created_at=now).returning(Company.id)).scalar_one()
            user = conn.execute(insert(User).values(
                email=f"buyer{i + 1}@customer.example", email_key=f"buyer{i + 1}@customer.example",
                name=f"Buyer {i + 1}", password_hash="!", status="active",
                created_at=now).returning(User.id)).scalar_one()
            token = new_token("da_")
            conn.execute(insert(AuthSession).values(
                token_hash=token_hash(token), user_id=user, kind="token", stage="full",
                name="benchmark", company_id=company, created_at=now,
                expires_at=now + timedelta(days=365), last_seen=now))
            tokens.append(token)
            list_id = conn.execute(insert(PriceList).values(
                name=f"Contract {i + 1}", kind="customer", company_id=company, currency="EUR",
                priority=0, created_at=now, updated_at=now).returning(PriceList.id)).scalar_one()
            conn.execute(insert(PriceListLine), [
                {"price_list_id": list_id, "sku": sku, "min_qty": 1,
                 "unit_price": Decimal(str(round(price * rng.uniform(0.5, 0.9), 4)))}
                for sku, price in rng.sample(priced, 500)])
            if i % 10 == 0:
                conn.execute(insert(AssortmentRule).values(
                    company_id=company, effect="exclude", kind="brand",
                    value=rng.choice(brands), created_at=now))
            if i < 10:  # a few companies with a discount of their own
                conn.execute(insert(Discount).values(
                    name=f"Customer {i + 1} brand deal", kind="percent",
                    value=Decimal("7.5"), target_kind="brand", target=rng.choice(brands),
                    company_id=company, created_at=now, updated_at=now))
        for k in range(10):
            conn.execute(insert(Discount).values(
                name=f"Group discount {k}", kind="percent", value=Decimal(rng.choice([3, 5, 10])),
                target_kind=rng.choice(["category", "brand"]),
                target=rng.choice(categories) if k % 2 == 0 else rng.choice(brands),
                customer_group=GROUPS[k % len(GROUPS)], created_at=now, updated_at=now))
    print(f"  commerce data written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    tokens_file.write_text(json.dumps(tokens))
    marker.touch()
    return tokens


def timed(client: Client, params: list[tuple[str, str]], token: str | None) -> tuple[float, dict]:
    """One search on the client's keep-alive connection, as the buyer of ``token`` (None:
    anonymous)."""
    url = "/v1/search?" + urlencode(params)
    t0 = time.perf_counter()
    client.conn.request("GET", url,
                        headers={"Authorization": f"Bearer {token}"} if token else {})
    resp = client.conn.getresponse()
    body = resp.read()
    elapsed = (time.perf_counter() - t0) * 1000
    if resp.status != 200:
        raise RuntimeError(f"GET {url}: {resp.status} {body[:300]!r}")
    return elapsed, json.loads(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    data_dir = RESULTS / f"data-{args.products}"
    ensure_catalog(args.products, data_dir)
    settings = Settings(data_dir=data_dir)
    store = CatalogStore(settings.resolved_database_url())
    tokens = setup_commerce(store, data_dir, args.customers)
    searches, _, _ = workload(store, args.queries, seed=1)
    rng = random.Random(5)
    server = Server(data_dir, env={"DISCOVERY_SEARCH_CONFIG": "lexical"})
    runs: list[dict[str, Any]] = []
    try:
        client = Client(server.url)
        client.conn.timeout = 300
        for q, f in searches[:20]:
            timed(client, [("q", q)] + [("filter", x) for x in f], None)
        warm = time.perf_counter()
        for token in tokens:  # every buyer's view is built once
            timed(client, [("q", "screw"), ("facets", FACETS)], token)
        warm_s = time.perf_counter() - warm
        for _ in range(args.runs):
            series: dict[str, list[float]] = {"anonymous": [], "personal": [],
                                              "anonymous_price_sort": [],
                                              "personal_price_sort": []}
            personal_hits = 0
            for q, f in searches:
                params = [("q", q), ("facets", FACETS)] + [("filter", x) for x in f]
                token = rng.choice(tokens)
                ms, _ = timed(client, params, None)
                series["anonymous"].append(ms)
                ms, body = timed(client, params, token)
                series["personal"].append(ms)
                personal_hits += sum(h.get("list_price_per_piece") is not None
                                     for h in body["hits"])
                sorted_params = params + [("sort", "price_asc")]
                ms, _ = timed(client, sorted_params, None)
                series["anonymous_price_sort"].append(ms)
                ms, _ = timed(client, sorted_params, token)
                series["personal_price_sort"].append(ms)
            run: dict[str, Any] = {k: summary(v) for k, v in series.items()}
            run["p95_ratio"] = round(run["personal"]["p95_ms"] / run["anonymous"]["p95_ms"], 3)
            run["p95_ratio_price_sort"] = round(run["personal_price_sort"]["p95_ms"]
                                                / run["anonymous_price_sort"]["p95_ms"], 3)
            run["personal_hits_with_own_price"] = personal_hits
            runs.append(run)
        client.close()
    finally:
        server.stop()

    def across(name: str) -> dict[str, float]:
        return {"median_ms": round(statistics.median(r[name]["median_ms"] for r in runs), 3),
                "p95_ms": round(statistics.median(r[name]["p95_ms"] for r in runs), 3),
                "p95_ms_worst_run": round(max(r[name]["p95_ms"] for r in runs), 3)}

    print(json.dumps({
        "benchmark": "personal_search_http",
        "products": args.products, "customers": args.customers, "runs": args.runs,
        "queries_per_run": len(searches),
        "warm_up_every_customer_s": round(warm_s, 1),
        **{name: across(name) for name in ("anonymous", "personal", "anonymous_price_sort",
                                           "personal_price_sort")},
        "p95_ratio_median": statistics.median(r["p95_ratio"] for r in runs),
        "p95_ratio_price_sort_median": statistics.median(r["p95_ratio_price_sort"] for r in runs),
        "target_p95_ratio": 1.5,
        "runs_detail": runs,
    }, indent=1))


if __name__ == "__main__":
    main()
