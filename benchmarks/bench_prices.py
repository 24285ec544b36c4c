"""Per-customer price figures (issue 7, S13), as one JSON object.

    python benchmarks/bench_prices.py [--products 100000] [--contract-lines 1000]
                                      [--group-lines 20000] [--base-lines 50000]
                                      [--discounts 20] [--runs 15]

A SQLite store in a temporary folder with ``--products`` products, a base list, a customer
group list, one company's contract list and ``--discounts`` discount rules (category, brand and
product targets, for the group and the company). Median and p95 in milliseconds of:

* ``unit_prices_ms``: ``CustomerPrices.unit_prices(catalog)`` for the company, computed anew
  (the price book's lines and their catalog positions loaded): what a search pays for a buyer
  whose array is not cached;
* ``unit_prices_new_positions_ms``: the same, mapping the lists' SKUs to catalog positions too;
* ``unit_prices_new_catalog_ms``: the same on a catalog that has not yet built its category and
  brand masks (the first buyer after a catalog change);
* ``for_company_cold_ms``: a new ``PriceBook``: database reads (headers, the three lists'
  lines) plus the computation;
* ``cached_ms``: ``for_company(...).unit_prices(catalog)`` when cached (every search after the
  first of a buyer);
* ``anonymous_ms``: the anonymous (base prices) array, computed anew;
* ``quote_ms`` / ``quote_many_100_ms``: ``PriceService.quote`` of one SKU, and ``quote_many``
  of 100 SKUs, each in its own transaction.

Target: unit_prices well under 50 ms for 100,000 products.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from catalog.models import Product  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from commerce.companies.models import Company  # noqa: E402
from commerce.db import session_factory, unit_of_work  # noqa: E402
from commerce.prices.book import PriceBook, PricingCatalog  # noqa: E402
from commerce.prices.models import Discount, PriceList, PriceListLine  # noqa: E402
from commerce.prices.service import PriceService  # noqa: E402

CATEGORIES = [f"Dept {a} > Family {b} > Line {c}" for a in range(8) for b in range(10)
              for c in range(12)]
BRANDS = [f"Brand {i}" for i in range(300)]
NOW = datetime(2026, 6, 1)


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median": round(statistics.median(times), 3),
            "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3)}


def build(store: CatalogStore, args: argparse.Namespace) -> tuple[int, list[str]]:
    rng = random.Random(5)
    skus = [f"SKU-{i:06d}" for i in range(args.products)]
    with store.engine.begin() as conn:
        rows = [{"sku": s, "name": s, "brand": rng.choice(BRANDS),
                 "category": rng.choice(CATEGORIES), "price_per_piece": round(rng.uniform(0.1, 900), 2),
                 "currency": "EUR", "content_hash": "x"} for s in skus]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Product.__table__), rows[start:start + 5000])
        company = conn.execute(insert(Company.__table__).values(
            name="Bench", status="active", customer_group="wholesale", created_at=NOW)
            .returning(Company.__table__.c.id)).scalar_one()

        def price_list(kind: str, n: int, **audience: Any) -> None:
            list_id = conn.execute(insert(PriceList.__table__).values(
                name=kind, kind=kind, currency="EUR", priority=0, created_at=NOW,
                updated_at=NOW, **audience).returning(PriceList.__table__.c.id)).scalar_one()
            lines = [{"price_list_id": list_id, "sku": s, "min_qty": 1,
                      "unit_price": Decimal(f"{rng.uniform(0.1, 900):.4f}")}
                     for s in rng.sample(skus, n)]
            lines += [{**line, "min_qty": 10} for line in lines[: n // 4]]
            for start in range(0, len(lines), 5000):
                conn.execute(insert(PriceListLine.__table__), lines[start:start + 5000])

        price_list("base", args.base_lines)
        price_list("group", args.group_lines, customer_group="wholesale")
        price_list("customer", args.contract_lines, company_id=company)
        for k in range(args.discounts):
            target_kind = ["category", "brand", "product"][k % 3]
            target = {"category": lambda: " > ".join(rng.choice(CATEGORIES).split(" > ")[:2]),
                      "brand": lambda: rng.choice(BRANDS),
                      "product": lambda: rng.choice(skus)}[target_kind]()
            audience = {"company_id": company} if k % 2 else {"customer_group": "wholesale"}
            conn.execute(insert(Discount.__table__).values(
                name=f"D{k}", kind="percent", value=Decimal(rng.randint(1, 30)),
                target_kind=target_kind, target=target, created_at=NOW, updated_at=NOW,
                **audience))
    return company, skus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--contract-lines", type=int, default=1_000)
    parser.add_argument("--group-lines", type=int, default=20_000)
    parser.add_argument("--base-lines", type=int, default=50_000)
    parser.add_argument("--discounts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = CatalogStore(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.migrate()
        company, skus = build(store, args)
        start = time.perf_counter()
        catalog = PricingCatalog.from_engine(store.engine)
        catalog_ms = (time.perf_counter() - start) * 1000
        book = PriceBook(store.engine)
        view = book.for_company(company, "EUR", NOW)
        view.unit_prices(catalog)
        anon = book.for_company(None, "EUR", NOW)

        def fresh() -> None:
            view._arrays.clear()
            view.unit_prices(catalog)

        def fresh_positions() -> None:
            book._pos.clear()
            fresh()

        def fresh_catalog() -> None:
            catalog._cache.clear()  # category/brand masks and currency arrays too
            fresh_positions()

        def cold() -> None:
            PriceBook(store.engine).for_company(company, "EUR", NOW).unit_prices(catalog)

        def anonymous() -> None:
            anon._arrays.clear()
            anon.unit_prices(catalog)

        sessions = session_factory(store.engine)
        prices = PriceService()
        rng = random.Random(3)

        def quote() -> None:
            with unit_of_work(sessions) as tx:
                prices.quote(tx, company, rng.choice(skus), 12, "EUR", None, NOW)

        def quote_many() -> None:
            with unit_of_work(sessions) as tx:
                prices.quote_many(tx, company, [(s, 1) for s in rng.sample(skus, 100)], "EUR",
                                  None, NOW)

        out = {
            "products": args.products, "contract_lines": args.contract_lines,
            "group_lines": args.group_lines, "base_lines": args.base_lines,
            "discounts": args.discounts, "runs": args.runs,
            "pricing_catalog_build_ms": round(catalog_ms, 1),
            "unit_prices_ms": timed(fresh, args.runs),
            "unit_prices_new_positions_ms": timed(fresh_positions, args.runs),
            "unit_prices_new_catalog_ms": timed(fresh_catalog, args.runs),
            "for_company_cold_ms": timed(cold, max(3, args.runs // 3)),
            "cached_ms": timed(lambda: book.for_company(company, "EUR", NOW)
                               .unit_prices(catalog), args.runs),
            "anonymous_ms": timed(anonymous, args.runs),
            "quote_ms": timed(quote, args.runs * 4),
            "quote_many_100_ms": timed(quote_many, args.runs),
        }
        store.engine.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
