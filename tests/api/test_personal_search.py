"""A buyer's own assortment and prices in search, autocomplete and product cards (S13, P3),
through the HTTP API of a full app (search index and all) on SQLite and PostgreSQL: what a
signed-in buyer and a company-scoped storefront key see, next to anonymous visitors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.settings import Settings
from catalog.store import CatalogStore
from commerce.access import PublicKeys
from tests.commerce.accounts_world import World
from tests.factories import make_record

PRODUCTS = [("B-1", "Hex bolt M8 zinc", "Acme", "Fasteners > Bolts", 1.0),
            ("B-2", "Hex bolt M10 zinc", "Acme", "Fasteners > Bolts", 2.0),
            ("N-1", "Hex nut M8 zinc", "Bolto", "Fasteners > Nuts", 0.2),
            ("G-1", "Nitrile gloves", "Safe", "Safety > Gloves", 5.0)]


@pytest.fixture
def shop(store: CatalogStore, tmp_path: Path) -> Iterator[dict[str, Any]]:
    from api.app import create_app

    store.migrate()
    settings = Settings(data_dir=tmp_path / "data", database_url=str(store.engine.url
                                                                        .render_as_string(False)),
                        search_config="lexical")
    records = [make_record(sku, name, brand=brand, category=cat, price_per_piece=price,
                           currency="EUR") for sku, name, brand, cat, price in PRODUCTS]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        services.store.upsert(records)
        services.backend.rebuild(services.store.iter_records())
        world = World(client, services.store, settings)
        admin = world.session(world.user(seller_role="administrator"))
        a, b = world.company("A", group="wholesale"), world.company("B", group="wholesale")
        buyer = world.session(world.user(company=a, roles=("buyer",)), company=a)
        other = world.session(world.user(company=b, roles=("buyer",)), company=b)
        r = client.post("/v1/price-lists", headers=admin.headers, json={
            "name": "A contract", "kind": "customer", "company_id": a, "currency": "EUR",
            "lines": [{"sku": "B-2", "unit_price": "0.50"}]})
        assert r.status_code == 201, r.text
        r = client.put(f"/v1/assortments/companies/{a}", headers=admin.headers,
                       json={"exclude_brands": ["Safe"]})
        assert r.status_code == 200, r.text
        key = PublicKeys(services.store.engine).create("shop A", ["https://shop.example"],
                                                      company_id=a)
        yield {"client": client, "buyer": buyer.headers, "other": other.headers,
               "key": key.token}


def search(shop: dict[str, Any], headers: dict[str, str] | None = None, **params: Any
           ) -> dict[str, Any]:
    r = shop["client"].get("/v1/search", params={"facets": "brand,price_per_piece", **params},
                           headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def test_anonymous_visitors_see_the_catalog(shop: dict[str, Any]) -> None:
    body = search(shop, sort="price_asc")
    assert [(h["sku"], h["price_per_piece"]) for h in body["hits"]] == [
        ("N-1", 0.2), ("B-1", 1.0), ("B-2", 2.0), ("G-1", 5.0)]
    assert "list_price_per_piece" not in body["hits"][0]


def test_a_buyer_sees_its_assortment_and_contract_prices(shop: dict[str, Any]) -> None:
    body = search(shop, shop["buyer"], sort="price_asc")
    assert [(h["sku"], h["price_per_piece"], h["list_price_per_piece"]) for h in body["hits"]] == [
        ("N-1", 0.2, 0.2), ("B-2", 0.5, 2.0), ("B-1", 1.0, 1.0)]
    facets = {f["field"]: f for f in body["facets"]}
    assert {v["value"] for v in facets["brand"]["values"]} == {"Acme", "Bolto"}
    assert (facets["price_per_piece"]["min"], facets["price_per_piece"]["max"]) == (0.2, 1.0)
    cheap = search(shop, shop["buyer"], filter="price_per_piece:0.3..0.6")
    assert [h["sku"] for h in cheap["hits"]] == ["B-2"] and cheap["total"] == 1
    # another company of the same group: no contract, full catalog
    other = search(shop, shop["other"], sort="price_desc")
    assert [h["sku"] for h in other["hits"]] == ["G-1", "B-2", "B-1", "N-1"]


def test_autocomplete_and_product_cards_follow_the_buyer(shop: dict[str, Any]) -> None:
    c = shop["client"]
    suggested = c.get("/v1/autocomplete", params={"q": "hex bolt m1"}, headers=shop["buyer"])
    assert [(p["sku"], p["price_per_piece"]) for p in suggested.json()["products"]] == [
        ("B-2", 0.5)]
    assert c.get("/v1/autocomplete", params={"q": "nitrile"}, headers=shop["buyer"]
                 ).json()["products"] == []
    card = c.get("/v1/products/B-2", headers=shop["buyer"]).json()
    assert (card["price_per_piece"], card["list_price_per_piece"]) == (0.5, 2.0)
    r = c.get("/v1/products/G-1", headers=shop["buyer"])
    assert r.status_code == 404 and r.json()["field"] == "sku"
    assert c.get("/v1/products/G-1").status_code == 200  # anonymous: the whole catalog


def test_a_company_scoped_storefront_key_gives_the_same_view(shop: dict[str, Any]) -> None:
    body = search(shop, sort="price_asc", key=shop["key"])
    assert [(h["sku"], h["price_per_piece"]) for h in body["hits"]] == [
        ("N-1", 0.2), ("B-2", 0.5), ("B-1", 1.0)]
    r = shop["client"].get("/v1/search", params={"key": "pk_unknown"})
    assert r.status_code == 401 and r.json()["field"] == "key"
