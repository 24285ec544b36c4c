"""Quick order figures (issue 8, W2): a 5,000-row shopping list into a cart, as one JSON object.

    python benchmarks/bench_quick_order.py [--rows 5000] [--runs 5] [--products 20000]

The catalog: a copy of ``benchmarks/results/data-100000/catalog.db`` (100,000 products, made by
the other benchmarks with ``_common.ensure_catalog``) when it exists, never the shared file
itself; otherwise ``--products`` generated products in a temporary SQLite store (no search
index is needed). Each run imports the same list into a new cart of one buyer through
``QuickOrderService.upload`` in its own transaction, commit included: reading the file,
recognising the columns, matching (exact SKUs, customer part numbers, and for the rows that
need it a scan of the catalog's SKUs, MPNs and GTINs), merging, pack rounding and inserting
the lines. The HTTP layer (multipart upload) is not included.

The list: 85 % SKUs, 5 % MPNs written differently (lower case, no dashes), 5 % GTINs, 3 %
unknown references, 2 % bad quantities; 10 % of the rows repeat a SKU of another row.
Figures: median and p95 in milliseconds for .xlsx and .csv, with the rows added and reported.
Target: under 5,000 ms.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from benchmarks._common import RESULTS, summary  # noqa: E402
from catalog.models import Product  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from commerce.carts.models import Cart  # noqa: E402
from commerce.companies.models import Company  # noqa: E402
from commerce.db import session_factory, unit_of_work  # noqa: E402
from commerce.identity import Principal, now_utc  # noqa: E402
from commerce.quickorder.service import QuickOrderService  # noqa: E402
from commerce.users.models import User  # noqa: E402

SHARED = RESULTS / "data-100000" / "catalog.db"


def _store(tmp: Path, products: int) -> tuple[CatalogStore, str]:
    target = tmp / "catalog.db"
    if SHARED.exists():
        shutil.copyfile(SHARED, target)
        source = f"copy of {SHARED.relative_to(RESULTS.parents[1])}"
        store = CatalogStore(f"sqlite:///{target}")
    else:
        store = CatalogStore(f"sqlite:///{target}")
        store.migrate()
        rng = random.Random(3)
        store.upsert([{"sku": f"GEN-{i:06d}", "name": f"Generated {i}", "documents": [],
                       "images": [], "media": [], "mpn": f"MPN-{i:06d}-X",
                       "gtin": f"{rng.randrange(10**12, 10**13)}",
                       "pieces_per_package": rng.choice([1, 1, 5, 10, 25])}
                      for i in range(products)])
        source = f"{products} generated products"
    store.migrate()
    return store, source


def _list(store: CatalogStore, rows: int, seed: int = 11) -> list[list[Any]]:
    rng = random.Random(seed)
    with store.engine.connect() as conn:
        sample = conn.execute(select(Product.sku, Product.mpn, Product.gtin)
                              .order_by(Product.sku)).all()
    picked = rng.sample(sample, min(len(sample), rows))
    table: list[list[Any]] = [["Artikelnummer", "MPN", "EAN", "Menge"]]
    for i in range(rows):
        sku, mpn, gtin = picked[i % len(picked)] if rng.random() > 0.1 else rng.choice(picked)
        kind = rng.random()
        qty: Any = rng.randint(1, 40)
        if kind < 0.85 or not mpn:
            table.append([sku, None, None, qty])
        elif kind < 0.90:
            table.append([None, mpn.lower().replace("-", ""), None, qty])
        elif kind < 0.95 and gtin:
            table.append([None, None, gtin, qty])
        elif kind < 0.98:
            table.append([f"NOPE-{i}", None, None, qty])
        else:
            table.append([sku, None, None, "viele"])
    return table


def _xlsx(table: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(table: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for row in table:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--products", type=int, default=20_000,
                        help="generated products when the 100,000-product data is absent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-quick-order-") as tmp:
        started = time.perf_counter()
        store, source = _store(Path(tmp), args.products)
        sessions = session_factory(store.engine)
        with unit_of_work(sessions) as tx:
            company = Company(name="Bench", status="active", customer_group=None,
                              created_at=now_utc())
            user = User(email="bench@example.com", email_key="bench@example.com", name="bench",
                        password_hash="x", status="active", created_at=now_utc())
            tx.add_all([company, user])
            tx.flush()
            principal = Principal(user.id, user.email, user.name, None, company.id, "active",
                                  frozenset({"orders.place"}), "bearer", "full", "bench")
        table = _list(store, args.rows)
        files = {"xlsx": _xlsx(table), "csv": _csv(table)}
        setup_s = time.perf_counter() - started
        service = QuickOrderService()
        figures: dict[str, Any] = {}
        for fmt, data in files.items():
            samples = []
            result: dict[str, Any] = {}
            for run in range(args.runs):
                with unit_of_work(sessions) as tx:
                    cart = Cart(company_id=principal.company_id, owner_id=principal.user_id,
                                name=f"{fmt} {run}", created_at=now_utc(), updated_at=now_utc())
                    tx.add(cart)
                    tx.flush()
                    cart_id = cart.id
                t0 = time.perf_counter()
                with unit_of_work(sessions) as tx:
                    result = service.upload(tx, principal, cart_id, data, f"list.{fmt}")
                samples.append((time.perf_counter() - t0) * 1000)
            figures[fmt] = {**summary(samples), "bytes": len(data),
                            "lines_added": len(result["added"]),
                            "rows_reported": len(result["problems"])}
        store.engine.dispose()
    print(json.dumps({"benchmark": "quick_order", "rows": args.rows, "runs": args.runs,
                      "catalog": source, "setup_s": round(setup_s, 1), **figures,
                      "target_ms": 5000}, indent=2))


if __name__ == "__main__":
    main()
