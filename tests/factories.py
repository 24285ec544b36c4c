"""Small, fully controlled catalogs for tests (facts asserted in tests must not depend on the
sample generator's randomness)."""

from __future__ import annotations

import random
from typing import Any

BRANDS = ["Fastek", "Boltronic", "Voltix", "SafeHands", "Aquaflow"]
MATERIALS = ["steel", "stainless steel", "brass", "nylon", "nitrile"]
COLORS = ["black", "blue", "white", "red"]
CATEGORIES = [
    "Fasteners > Bolts > Hex bolts",
    "Fasteners > Bolts > Carriage bolts",
    "Fasteners > Nuts > Hex nuts",
    "Electrical > Cable management > Cable ties",
    "Safety & PPE > Hand protection > Disposable gloves",
]
SHIPPING = ["parcel", "freight", "express", "pickup"]
AVAILABILITY = ["in_stock", "low_stock", "on_request", "out_of_stock"]


def gtin13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def make_record(sku: str, name: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"sku": sku, "name": name, "documents": [], "images": [], "media": []}
    record.update(fields)
    return record


def random_catalog(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        methods = rng.sample(SHIPPING, rng.randint(1, 3))
        days = {m: rng.randint(0, 9) for m in methods}
        out.append(make_record(
            f"T-{i:05d}",
            f"{rng.choice(['Hex bolt', 'Cable tie', 'Glove', 'Washer'])} item {i}",
            brand=rng.choice(BRANDS),
            material=rng.choice(MATERIALS),
            color=rng.choice(COLORS + [None]),
            category=rng.choice(CATEGORIES),
            shipping_methods=[{"method": m, "days": d} for m, d in days.items()],
            delivery_days=min(days.values()),
            price_per_piece=round(rng.uniform(0.01, 800), 2),
            weight_kg=round(rng.uniform(0.01, 30), 3),
            pieces_per_package=rng.choice([1, 10, 50, 100, 200]),
            availability=rng.choice(AVAILABILITY),
            order_type=rng.choice(["stock", "stock", "MTO", "ETO"]),
            popularity=rng.uniform(0, 100),
            currency="EUR",
        ))
    return out
