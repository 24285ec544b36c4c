"""The catalog store on SQLite and on PostgreSQL (the same behaviour on both)."""

from __future__ import annotations

from pathlib import Path

from catalog.store import CatalogStore
from tests.factories import make_record


def _record(sku: str, **kw: object) -> dict:
    return make_record(
        sku, kw.pop("name", "Hex bolt M8x40"),  # type: ignore[arg-type]
        shipping_methods=[{"method": "parcel", "days": 2}],
        documents=[{"kind": "datasheet", "url": f"https://cdn.example.com/{sku}.pdf", "title": "DS"}],
        images=[f"https://cdn.example.com/{sku}.jpg"],
        media=[{"kind": "cad", "url": f"https://cdn.example.com/{sku}.step"}],
        attributes={"thread": "M8"}, variant_attributes={"size": "M8x40"}, **kw)


def test_upsert_detects_changes_and_round_trips(store: CatalogStore) -> None:
    store.migrate()
    store.migrate()  # idempotent
    first = store.upsert([_record("A-1"), _record("A-2")])
    assert (sorted(first.created), first.updated, first.unchanged) == (["A-1", "A-2"], [], 0)
    again = store.upsert([_record("A-1"), _record("A-2")])
    assert (again.created, again.updated, again.unchanged) == ([], [], 2)
    changed = store.upsert([_record("A-1", name="Hex bolt M8x45"), _record("A-2")])
    assert (changed.created, changed.updated, changed.unchanged) == ([], ["A-1"], 1)
    got = store.get("A-1")
    assert got is not None
    assert got["name"] == "Hex bolt M8x45"
    assert got["shipping_methods"] == [{"method": "parcel", "days": 2}]
    assert got["documents"] == [{"kind": "datasheet", "url": "https://cdn.example.com/A-1.pdf",
                                 "title": "DS", "document_id": None}]
    assert got["images"] == ["https://cdn.example.com/A-1.jpg"]
    assert got["media"] == [{"kind": "cad", "url": "https://cdn.example.com/A-1.step",
                             "title": None}]
    assert got["document_text"] == "DS"  # a remote document: its title only
    assert got["attributes"] == {"thread": "M8"}
    assert store.get("NOPE") is None


def test_variants_delete_and_iteration(store: CatalogStore) -> None:
    store.migrate()
    store.upsert([_record("P-1", parent_sku="P-1"), _record("P-2", parent_sku="P-1"),
                  _record("Q-1")])
    assert [v["sku"] for v in store.variants("P-1")] == ["P-1", "P-2"]
    assert [r["sku"] for batch in store.iter_records(batch_size=2) for r in batch] == [
        "P-1", "P-2", "Q-1"]
    assert store.delete(["P-2", "NOPE"]) == 1
    assert list(store.iter_skus()) == ["P-1", "Q-1"]
    assert store.count() == 2


def test_models_match_the_migrations(tmp_path: Path) -> None:
    """Every table, column and index of the models is what the Alembic migrations create."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import commerce.models  # noqa: F401 - the commerce tables share the metadata
    from catalog.models import Base

    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
