"""The sample catalog generator: determinism, realism checks and the three file formats."""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from python_calamine import CalamineWorkbook

from catalog.errors import InvalidInput
from catalog.fields import (
    AVAILABILITY,
    BY_NAME,
    CATEGORY_SEPARATOR,
    FIELD_NAMES,
    FIELDS,
    ORDER_TYPES,
)
from catalog.sample import FLAT_COLUMNS, SEGMENTS, generate_records, to_flat_row, write_catalog
from catalog.store import CatalogStore


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(generate_records(5_000, seed=42))


def gtin_is_valid(code: str) -> bool:
    """GS1 mod 10, written independently: weights 1,3,1,... from the right over all 13 digits
    (the check digit included) must sum to a multiple of 10."""
    digits = [int(c) for c in reversed(code)]
    total = sum(d * (1 if pos % 2 == 0 else 3) for pos, d in enumerate(digits))
    return total % 10 == 0


# -- determinism --------------------------------------------------------------------------
def test_same_seed_same_records(records: list[dict[str, Any]]) -> None:
    assert list(generate_records(700, seed=42)) == records[:700]
    assert list(generate_records(700, seed=43)) != records[:700]


@pytest.mark.parametrize("n", [1, 63, 64, 65, 130, 1000])
def test_a_record_does_not_depend_on_n(records: list[dict[str, Any]], n: int) -> None:
    assert list(generate_records(n)) == records[:n]


def test_zero_records_and_negative_n() -> None:
    assert list(generate_records(0)) == []
    with pytest.raises(InvalidInput):
        list(generate_records(-1))


# -- record shape -------------------------------------------------------------------------
def test_records_have_exactly_the_store_keys_and_types(records: list[dict[str, Any]]) -> None:
    expected = set(FIELD_NAMES) | {"attributes"}
    for r in records:
        assert set(r) == expected
        for spec in FIELDS:
            value = r[spec.name]
            if value is None:
                continue
            if spec.kind == "int":
                assert type(value) is int, spec.name
            elif spec.kind == "float":
                assert type(value) is float and math.isfinite(value) and value >= 0, spec.name
            elif spec.kind in ("keyword", "text", "path"):
                assert isinstance(value, str) and 0 < len(value) <= spec.max_length, spec.name
                assert value == value.strip() and "|" not in value, (spec.name, value)
        assert not r["name"].startswith(("=", "+", "-", "@"))
        attributes = r["attributes"] or {}
        assert set(attributes).isdisjoint(FIELD_NAMES)
        assert r["attributes"] is None or r["attributes"]  # never an empty dict, as from ingestion
        assert all(isinstance(v, str) and v for v in attributes.values())  # text, like ingestion


def test_values_are_consistent(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert r["currency"] == "EUR"
        assert r["availability"] in AVAILABILITY and r["order_type"] in ORDER_TYPES
        assert r["price_per_package"] == round(r["price_per_piece"] * r["pieces_per_package"], 2)
        days = [m["days"] for m in r["shipping_methods"]]
        assert days and r["delivery_days"] == min(days)
        assert {m["method"] for m in r["shipping_methods"]} <= {"parcel", "freight", "express", "pickup", "same_day"}
        if r["order_type"] != "stock":
            assert r["availability"] == "on_request"
        else:
            stock = r["stock_level"]
            expected = "out_of_stock" if stock == 0 else "low_stock" if stock < 10 else "in_stock"
            assert r["availability"] == expected
        assert 0 <= r["popularity"] <= 100
        assert len(r["category"].split(CATEGORY_SEPARATOR)) == 3
        assert 1 <= len(r["images"]) <= 3 and all(u.startswith("https://cdn.example.com/") for u in r["images"])
        for d in r["documents"]:
            assert set(d) == {"kind", "url", "title", "document_id"} and d["url"].startswith("https://")
        for m in r["media"]:
            assert set(m) == {"kind", "url", "title"} and m["kind"] in ("video", "cad", "diagram")
        assert len(r["country_of_origin"]) == 2 and r["country_of_origin"].isupper()


def test_skus_and_gtins_are_unique_and_gtins_valid(records: list[dict[str, Any]]) -> None:
    skus = [r["sku"] for r in records]
    assert len(set(skus)) == len(skus)
    assert all(re.fullmatch(r"[A-Z]{3}-\d{6}", s) for s in skus)
    gtins = [r["gtin"] for r in records if r["gtin"]]
    assert 0.9 * len(records) <= len(gtins) < len(records)  # most, not all, products have one
    assert len(set(gtins)) == len(gtins)
    assert all(len(g) == 13 and g.isdigit() and gtin_is_valid(g) for g in gtins)


def test_check_digit_helper_rejects_a_wrong_digit() -> None:
    assert gtin_is_valid("4006381333931")
    assert not gtin_is_valid("4006381333932")


def test_every_facet_field_is_mostly_populated(records: list[dict[str, Any]]) -> None:
    for spec in FIELDS:
        if spec.facet is None:
            continue
        filled = sum(1 for r in records if r[spec.name] not in (None, "", [], {}))
        assert filled >= 0.9 * len(records), spec.name


def test_the_catalog_is_varied(records: list[dict[str, Any]]) -> None:
    leaves = [leaf for seg in SEGMENTS for leaf in seg.leaves]
    assert len(SEGMENTS) == 8 and 80 <= len(leaves) <= 150
    assert len({leaf.path for leaf in leaves}) == len(leaves)
    assert 40 <= len({b.name for seg in SEGMENTS for b in seg.brands}) <= 60
    assert len({r["category"] for r in records}) >= 100
    assert {r["category"].split(CATEGORY_SEPARATOR)[0] for r in records} == {s.name for s in SEGMENTS}
    assert len({r["name"] for r in records}) > 0.7 * len(records)  # generic titles recur across brands
    assert len({(r["brand"], r["name"]) for r in records}) > 0.85 * len(records)
    assert Counter(r["order_type"] for r in records).most_common(1)[0][0] == "stock"
    popular = sorted(r["popularity"] for r in records)
    assert popular[len(popular) // 2] < 20 < popular[-len(popular) // 50]  # few are very popular


def test_fastener_names_look_like_listings(records: list[dict[str, Any]]) -> None:
    fasteners = [r for r in records if r["category"].startswith("Fasteners > ")]
    assert len(fasteners) > 500
    sized = [r for r in fasteners if re.search(r"\bM\d+x\d+\b|\b\d+(\.\d)?x\d+(\.\d)? mm\b", r["name"])]
    assert len(sized) > 0.6 * len(fasteners)
    bolts = [r for r in fasteners if r["category"] == "Fasteners > Bolts > Hex bolts"]
    assert bolts
    for r in bolts:
        title = r["name"].removeprefix(f"{r['brand']} ")
        assert re.fullmatch(r"[Hh]ex bolt (DIN|ISO) \d+ M\d+x\d+ .+, \d+ pcs", title), r["name"]
        assert r["attributes"]["thread"] in r["name"] and r["attributes"]["standard"] in r["name"]
        assert re.fullmatch(r"\d+(\.\d+)?", r["attributes"]["thread_pitch_mm"])


def test_variant_groups(records: list[dict[str, Any]]) -> None:
    grouped = [r for r in records if r["parent_sku"]]
    assert 0.2 <= len(grouped) / len(records) <= 0.4
    by_parent = {p: list(g) for p, g in itertools.groupby(grouped, key=lambda r: r["parent_sku"])}
    assert len(by_parent) == len({r["parent_sku"] for r in grouped})  # members are consecutive
    for parent, members in by_parent.items():
        assert members[0]["sku"] == parent and len(members) >= 2
        axes = {tuple(m["variant_attributes"]) for m in members}
        assert len(axes) == 1 and axes.pop()[0] in ("size", "color")
        values = [next(iter(m["variant_attributes"].values())) for m in members]
        assert len(set(values)) == len(values)
        for m, value in zip(members, values, strict=True):
            assert value in m["name"]
        assert len({m["name"] for m in members}) == len(members)
        assert len({(m["brand"], m["category"], m["model"]) for m in members}) == 1
    assert all(r["variant_attributes"] is None for r in records if not r["parent_sku"])


# -- flat rows and files ------------------------------------------------------------------
def test_flat_row_format(records: list[dict[str, Any]]) -> None:
    assert FLAT_COLUMNS[: len(FIELD_NAMES)] == list(FIELD_NAMES)
    assert len(set(FLAT_COLUMNS)) == len(FLAT_COLUMNS)
    for r in records[:500]:
        row = to_flat_row(r)
        assert list(row) == FLAT_COLUMNS and all(isinstance(v, str) for v in row.values())
        assert re.fullmatch(r"[a-z_]+:\d+(\|[a-z_]+:\d+)*", row["shipping_methods"])
        assert row["images"] == "|".join(r["images"])
        if r["documents"]:
            assert re.fullmatch(r"[a-z_]+:https://\S+(\|[a-z_]+:https://\S+)*", row["documents"])
        if r["variant_attributes"]:
            assert re.fullmatch(r"(size|color)=[^|=]+", row["variant_attributes"])
        else:
            assert row["variant_attributes"] == ""
        assert row["gtin"] == (r["gtin"] or "")
        for name in ("weight_kg", "price_per_piece", "length_mm"):
            assert re.fullmatch(r"\d+(\.\d+)?", row[name]) and float(row[name]) == r[name]
        for key, value in (r["attributes"] or {}).items():
            assert row[key] == value


def test_write_csv_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "catalog.csv"
    calls: list[int] = []
    assert write_catalog(path, 300, seed=5, progress=calls.append) == 300
    assert calls == [300]
    assert [p.name for p in path.parent.iterdir()] == ["catalog.csv"]  # no partial file left
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == FLAT_COLUMNS
    assert rows == [to_flat_row(r) for r in generate_records(300, seed=5)]


def test_write_jsonl_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl"
    assert write_catalog(path, 200) == 200
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == list(generate_records(200))


def test_write_xlsx_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "catalog.XLSX"
    assert write_catalog(path, 150, seed=9) == 150
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0] == FLAT_COLUMNS and len(rows) == 151
    for cells, record in zip(rows[1:], generate_records(150, seed=9), strict=True):
        flat = to_flat_row(record)
        for column, cell in zip(FLAT_COLUMNS, cells, strict=True):
            if isinstance(cell, float | int) and not isinstance(cell, bool):
                assert cell == float(flat[column]), column
            else:
                assert cell == flat[column], column


@pytest.mark.parametrize("name", ["catalog.parquet", "catalog", "catalog.json"])
def test_unknown_suffix_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        write_catalog(tmp_path / name, 10)
    assert (Path(name).suffix or "without suffix") in str(excinfo.value)
    assert not (tmp_path / name).exists()


def test_progress_reports_every_ten_thousand_rows_once(tmp_path: Path) -> None:
    calls: list[int] = []
    write_catalog(tmp_path / "c.jsonl", 20_000, progress=calls.append)
    assert calls == [10_000, 20_000]


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import catalog.sample as sample

    def broken(*_: Any, **__: Any) -> list[Any]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(sample, "_cells", broken)
    with pytest.raises(RuntimeError):
        write_catalog(tmp_path / "c.csv", 10)
    assert list(tmp_path.iterdir()) == []


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="xlsx"):
        write_catalog(tmp_path / "big.xlsx", 2_000_000)


# -- the store accepts the records --------------------------------------------------------
def test_records_round_trip_through_the_store(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.create_all()
    batch = records[:500]
    result = store.upsert(batch)
    assert len(result.created) == 500 and store.count() == 500
    assert store.upsert(batch).unchanged == 500
    rich = next(r for r in batch if r["parent_sku"] and r["documents"] and r["media"] and r["gtin"])

    def stored(record: dict[str, Any] | None) -> dict[str, Any] | None:
        """What the store holds, without what it derives (the documents' text for search)."""
        assert record is not None
        return {k: v for k, v in record.items() if k != "document_text"}

    assert stored(store.get(rich["sku"])) == rich
    assert [stored(r) for r in store.get_many([r["sku"] for r in batch[:50]])] == batch[:50]
    members = [r["sku"] for r in batch if r["parent_sku"] == rich["parent_sku"]]
    assert [v["sku"] for v in store.variants(rich["parent_sku"])] == sorted(members)


def test_field_specs_are_respected_by_max_length(records: list[dict[str, Any]]) -> None:
    for r in records:
        for url in r["images"] + [d["url"] for d in r["documents"]] + [m["url"] for m in r["media"]]:
            assert len(url) <= 1000 and " " not in url
        assert len("|".join(r["images"])) <= BY_NAME["images"].max_length
