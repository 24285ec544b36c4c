"""Cross-origin access for storefronts (S12): origins from the settings and from public keys,
preflights, revoked keys, and the ``discovery keys`` commands. The app runs in-process on the
real ASGI stack (middleware, routers, SQLite store); the keys are managed by the real CLI on
the same database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from catalog.errors import InvalidInput, NotFound
from catalog.settings import Settings
from catalog.store import CatalogStore
from commerce.access import InvalidKey, OriginNotAllowed, PublicKeys, normalize_origin

DISCOVERY = str(Path(sys.executable).parent / "discovery")
SHOP = "https://shop.example"
OTHER = "https://other.example"
QUERIES = "/1/indexes/*/queries"
ALGOLIA_BODY = json.dumps({"requests": [{"indexName": "products", "params": "query=bolt"}]})


def _settings(data_dir: Path, **kw: Any) -> Settings:
    return Settings(data_dir=data_dir, semantic_search=False, search_config="lexical",
                    index_reload_interval_s=0, public_key_cache_s=0, **kw)


def _client(data_dir: Path, **kw: Any) -> TestClient:
    return TestClient(create_app(_settings(data_dir, **kw)))


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir))
    env.pop("DISCOVERY_DATABASE_URL", None)
    return subprocess.run([DISCOVERY, "keys", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _preflight(client: TestClient, path: str, origin: str, **params: str) -> Any:
    return client.options(path, params=params, headers={
        "origin": origin, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-algolia-api-key"})


def _post_algolia(client: TestClient, origin: str | None, **params: str) -> Any:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if origin:
        headers["origin"] = origin
    return client.post(QUERIES, params=params, content=ALGOLIA_BODY, headers=headers)


# -- origins from the settings ---------------------------------------------------------------


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path, cors_origins=f"{SHOP}, http://localhost:3000/") as client:
        yield client


def test_configured_origins_are_allowed_others_refused(configured: TestClient) -> None:
    for origin in (SHOP, "http://localhost:3000"):
        resp = configured.get("/v1/search", params={"q": "bolt"}, headers={"origin": origin})
        assert resp.status_code == 200, resp.text
        assert resp.headers["access-control-allow-origin"] == origin
        assert "Origin" in resp.headers["vary"]
    algolia = _post_algolia(configured, SHOP, **{"x-algolia-api-key": "search-only"})
    assert algolia.status_code == 200 and algolia.headers["access-control-allow-origin"] == SHOP
    refused = configured.get("/v1/search", params={"q": "bolt"}, headers={"origin": OTHER})
    assert refused.status_code == 403
    assert refused.json()["error"] == "OriginNotAllowed" and refused.json()["field"] == "origin"
    assert OTHER in refused.json()["detail"]
    bad_key = configured.get("/v1/search", params={"q": "bolt", "key": "pk_nope"},
                             headers={"origin": SHOP})
    assert bad_key.status_code == 401  # an allowed site may read why its key was refused
    assert bad_key.headers["access-control-allow-origin"] == SHOP
    assert "access-control-allow-origin" not in refused.headers
    algolia_refused = _post_algolia(configured, OTHER)
    assert algolia_refused.status_code == 403
    assert algolia_refused.json()["status"] == 403 and OTHER in algolia_refused.json()["message"]


def test_no_origin_and_same_origin_are_not_restricted(configured: TestClient) -> None:
    server = configured.get("/v1/search", params={"q": "bolt"})
    assert server.status_code == 200 and "access-control-allow-origin" not in server.headers
    assert "Origin" in server.headers["vary"]  # caches keep answers per origin apart
    own = configured.get("/v1/search", params={"q": "bolt"},
                         headers={"origin": "http://testserver"})
    assert own.status_code == 200 and "access-control-allow-origin" not in own.headers


def test_preflight(configured: TestClient) -> None:
    resp = _preflight(configured, QUERIES, SHOP)
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == SHOP
    assert set(resp.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {
        "GET", "POST"}
    allowed = resp.headers["access-control-allow-headers"]
    for header in ("content-type", "x-algolia-api-key", "x-algolia-application-id",
                   "x-algolia-agent"):
        assert header in allowed
    assert resp.headers["access-control-max-age"] == "600"
    assert _preflight(configured, "/v1/search", SHOP).status_code == 204
    refused = _preflight(configured, QUERIES, OTHER)
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_non_public_endpoints_never_get_cors_headers(configured: TestClient) -> None:
    for method, path in (("GET", "/v1/health"), ("GET", "/v1/analytics/top-queries"),
                         ("GET", "/v1/merchandising/synonyms"), ("POST", "/v1/catalog/imports")):
        resp = configured.request(method, path, headers={"origin": SHOP})
        assert "access-control-allow-origin" not in resp.headers, path
        preflight = _preflight(configured, path, SHOP)
        assert preflight.status_code != 204, path
        assert "access-control-allow-origin" not in preflight.headers, path


def test_public_endpoints_answer_cross_origin(configured: TestClient) -> None:
    for method, path, body in (
            ("GET", "/v1/autocomplete?q=bo", None),
            ("GET", "/v1/products/NOPE-1", None),  # a 404 the shop's script may read
            ("POST", "/v1/events", {"sku": "X-1", "kind": "click"}),
            ("POST", "/1/indexes/products/query", {"params": "query=bolt"})):
        resp = configured.request(method, path, json=body, headers={"origin": SHOP})
        assert resp.status_code in (200, 202, 404), (path, resp.text)
        assert resp.headers["access-control-allow-origin"] == SHOP, path


def test_any_origin(tmp_path: Path) -> None:
    with _client(tmp_path, cors_origins="*") as client:
        resp = client.get("/v1/search", params={"q": "x"}, headers={"origin": OTHER})
        assert resp.status_code == 200 and resp.headers["access-control-allow-origin"] == OTHER
        assert _preflight(client, QUERIES, OTHER).status_code == 204


def test_a_bad_configured_origin_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_app(_settings(tmp_path, cors_origins="shop.example"))
    assert caught.value.field == "DISCOVERY_CORS_ORIGINS"


# -- origins from public keys (managed by the CLI) -------------------------------------------


def test_keys_from_the_cli_allow_their_origins(tmp_path: Path) -> None:
    created = _cli(tmp_path, "create", "--name", "Shop", "--origin", SHOP,
                   "--origin", "HTTPS://www.shop.example:443/", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    token = key["token"]
    assert token.startswith("pk_") and key["origins"] == [SHOP, "https://www.shop.example"]
    plain = _cli(tmp_path, "create", "--name", "Server")
    assert plain.returncode == 0 and plain.stdout.strip().startswith("pk_")

    with _client(tmp_path) as client:  # DISCOVERY_CORS_ORIGINS empty: keys decide
        ok = client.get("/v1/search", params={"q": "bolt", "key": token},
                        headers={"origin": SHOP})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == SHOP
        assert client.get("/v1/autocomplete", params={"q": "bo", "key": token},
                          headers={"origin": SHOP}).status_code == 200
        for where in ("query", "header"):  # the Algolia clients send it one way or the other
            resp = client.post(
                QUERIES, content=ALGOLIA_BODY,
                params={"x-algolia-api-key": token} if where == "query" else {},
                headers={"origin": "https://www.shop.example", "content-type": "text/plain",
                         **({"x-algolia-api-key": token} if where == "header" else {})})
            assert resp.status_code == 200, (where, resp.text)
            assert resp.headers["access-control-allow-origin"] == "https://www.shop.example"

        wrong = client.get("/v1/search", params={"q": "bolt", "key": token},
                           headers={"origin": OTHER})
        assert wrong.status_code == 403
        assert OTHER in wrong.json()["detail"] and "'Shop'" in wrong.json()["detail"]
        no_key = client.get("/v1/search", params={"q": "bolt"}, headers={"origin": SHOP})
        assert no_key.status_code == 403
        # preflights carry no headers: a key in the query string, else any active key's origins
        assert _preflight(client, QUERIES, SHOP).status_code == 204
        assert _preflight(client, QUERIES, OTHER).status_code == 403
        assert _preflight(client, QUERIES, OTHER, **{"x-algolia-api-key": token}
                          ).status_code == 403
        assert _preflight(client, QUERIES, SHOP, key=token).status_code == 204
        # servers (no Origin) may present a key; it must be valid
        assert client.get("/v1/search", params={"q": "bolt", "key": token}).status_code == 200
        unknown = client.get("/v1/search", params={"q": "bolt", "key": "pk_nope"})
        assert unknown.status_code == 401 and unknown.json()["field"] == "key"
        assert _post_algolia(client, None, **{"x-algolia-api-key": "pk_nope"}
                             ).json()["status"] == 401
        # a placeholder Algolia key (the clients require one) is no key at all
        assert _post_algolia(client, None, **{"x-algolia-api-key": "public"}).status_code == 200

        revoked = _cli(tmp_path, "revoke", token)
        assert revoked.returncode == 0, revoked.stderr
        after = client.get("/v1/search", params={"q": "bolt", "key": token},
                           headers={"origin": SHOP})
        assert after.status_code == 401 and "revoked" in after.json()["detail"]
        assert _preflight(client, QUERIES, SHOP).status_code == 403  # no active key lists it

    listed = _cli(tmp_path, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    keys = {k["name"]: k for k in json.loads(listed.stdout)}
    assert keys["Shop"]["active"] is False and keys["Shop"]["revoked_at"]
    assert keys["Server"]["active"] is True and keys["Server"]["origins"] == []
    text_list = _cli(tmp_path, "list")
    assert token in text_list.stdout and "revoked" in text_list.stdout
    assert _cli(tmp_path, "revoke", "pk_nope").returncode == 2
    bad = _cli(tmp_path, "create", "--name", "Bad", "--origin", "shop.example/path")
    assert bad.returncode == 2 and "origin" in bad.stderr


# -- the repository ------------------------------------------------------------------------


@pytest.mark.parametrize("raw, origin", [
    ("https://Shop.Example", "https://shop.example"),
    ("https://shop.example:443/", "https://shop.example"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://shop.example:80", "http://shop.example"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_origins_are_normalised_as_browsers_send_them(raw: str, origin: str) -> None:
    assert normalize_origin(raw) == origin


@pytest.mark.parametrize("raw", ["shop.example", "ftp://shop.example", "https://shop.example/x",
                                 "https://u:p@shop.example", "https://shop.example?a=1", "*"])
def test_what_is_no_origin(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_origin(raw)


def test_checks_read_the_database_once_per_cache_period(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    now = [0.0]
    served = PublicKeys(store.engine, cache_s=5.0, clock=lambda: now[0])
    admin = PublicKeys(store.engine)  # another process: the CLI
    key = admin.create("Shop", [SHOP])
    assert served.check(key.token, SHOP).name == "Shop"
    assert served.any_allows(SHOP) and not served.any_allows(OTHER)
    with pytest.raises(OriginNotAllowed):
        served.check(key.token, OTHER)
    with pytest.raises(InvalidKey):
        served.check("pk_nope", None)
    admin.revoke(key.token)
    assert served.check(key.token, SHOP).active  # the copy in memory is still fresh
    now[0] = 5.1
    with pytest.raises(InvalidKey, match="revoked"):
        served.check(key.token, SHOP)
    assert not served.any_allows(SHOP)
    again = admin.revoke(key.token)  # revoking twice keeps the first time
    assert isinstance(again.revoked_at, datetime)
    with pytest.raises(NotFound):
        admin.revoke("pk_nope")
    with pytest.raises(InvalidInput):
        admin.create(" ", [SHOP])
    assert [k.name for k in admin.list()] == ["Shop"]
    store.engine.dispose()
