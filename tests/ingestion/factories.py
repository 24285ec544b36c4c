"""Flat catalog files for ingestion tests and the ingest benchmark: every registry field in
the flat-file formats (lists with "|", shipping "method:days", variants "axis=value")."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalog.fields import FIELD_NAMES

COLUMNS = [f for f in FIELD_NAMES] + ["thread_pitch"]
_WORDS = ["Hex bolt", "Cable tie", "Nitrile glove", "Washer", "Ball valve", "Wall plug"]
_CATEGORIES = ["Fasteners > Bolts > Hex bolts", "Electrical > Cable ties",
               "Safety > Gloves", "Plumbing > Valves"]


def gtin13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def flat_rows(n: int, seed: int = 1, start: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(start, start + n):
        word = rng.choice(_WORDS)
        yield {
            "sku": f"B-{i:07d}", "parent_sku": f"G-{i // 4:06d}" if i % 3 else "",
            "name": f"{word} M{rng.randint(3, 20)}x{rng.randint(10, 200)} item {i}",
            "description": f"{word} for industrial use, zinc plated, DIN 933. " * 3,
            "brand": rng.choice(["Fastek", "Boltronic", "Voltix"]),
            "manufacturer": "Acme Industrial", "mpn": f"MPN-{i}",
            "gtin": gtin13(f"400{i:09d}"), "country_of_origin": rng.choice(["DE", "cn", "IT"]),
            "category": rng.choice(_CATEGORIES), "color": rng.choice(["black", "blue", ""]),
            "model": f"X{i % 50}", "material": rng.choice(["steel", "brass", "nylon"]),
            "composition": "", "weight_kg": f"{rng.uniform(0.001, 20):.3f}",
            "length_mm": f"{rng.uniform(1, 900):.1f}", "width_mm": "", "height_mm": "12",
            "pieces_per_package": str(rng.choice([1, 10, 100])),
            "packages_per_pallet": str(rng.choice([20, 40])),
            "price_per_piece": f"{rng.uniform(0.01, 500):.2f}", "price_per_package": "",
            "currency": "EUR", "shipping_methods": "parcel:2|freight:5",
            "delivery_days": "", "fulfilment_days": "1",
            "stock_level": str(rng.randint(0, 5000)),
            "availability": rng.choice(["in_stock", "low_stock", "on_request"]),
            "order_type": rng.choice(["stock", "mto"]), "popularity": f"{rng.random():.4f}",
            "variant_attributes": "size=M8x40|color=black",
            "documents": f"datasheet:https://cdn.example.com/ds/{i}.pdf",
            "images": f"https://cdn.example.com/img/{i}.jpg",
            "media": "", "thread_pitch": "1.25",
        }


def write_csv(path: Path, rows: Any, columns: list[str] | None = None, *,
              delimiter: str = ",", encoding: str = "utf-8") -> Path:
    rows = list(rows) if columns is None else rows
    columns = columns or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


class FakeSink:
    """Records what the pipeline tells the index (the boundary of this package)."""

    def __init__(self) -> None:
        self.indexed: list[list[dict[str, Any]]] = []
        self.deleted: list[list[str]] = []
        self.commits = 0

    def index_changed(self, records: list[dict[str, Any]]) -> None:
        self.indexed.append(list(records))

    def delete(self, skus: list[str]) -> None:
        self.deleted.append(list(skus))

    def commit(self) -> None:
        self.commits += 1

    @property
    def indexed_skus(self) -> list[str]:
        return [r["sku"] for batch in self.indexed for r in batch]

    @property
    def deleted_skus(self) -> list[str]:
        return [s for batch in self.deleted for s in batch]
