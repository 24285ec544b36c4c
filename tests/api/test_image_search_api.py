"""``POST /v1/search/image`` through a real ``discovery serve`` process: the server embeds the
catalog's product images in the background at start (random ViT-S-32-alt weights, the
test-only ``DISCOVERY_CLIP_WEIGHTS=random``), then answers photos; bad uploads get 4xx
errors that name the field; a server without weights answers 503 and works otherwise."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog.store import CatalogStore
from tests.api.conftest import DISCOVERY, serve
from tests.embeddings.clip import SERVER_ENV
from tests.embeddings.image_factory import cropped, encode, jpeg, product_photo, write_photos
from tests.factories import make_record

pytestmark = pytest.mark.integration

N = 24


def _wait_for_images(url: str, count: int, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = httpx.get(url + "/v1/health", timeout=10).json()["image_search"]
        if status.get("status") == "ready" and status.get("images") == count:
            return status
        if status.get("status") == "unavailable" or time.monotonic() > deadline:
            raise AssertionError(f"image search did not get ready: {status}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def image_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("image-server-data")


@pytest.fixture(scope="module")
def image_server(image_data_dir: Path) -> Iterator[str]:
    data_dir = image_data_dir
    photos = write_photos(data_dir / "photos", range(N))
    store = CatalogStore(f"sqlite:///{(data_dir / 'catalog.db').resolve()}")
    store.migrate()
    store.upsert([make_record(f"IMG-{i:02d}", f"{('Hex bolt', 'Glove')[i % 2]} {i}",
                              brand=("Fastek", "SafeHands")[i % 2], images=[str(photo)])
                  for i, photo in enumerate(photos)]
                 + [make_record("REMOTE-1", "Remote image only",
                                images=["https://cdn.example/remote.jpg"])])
    store.engine.dispose()
    with serve(data_dir, **SERVER_ENV, DISCOVERY_SEARCH_CONFIG="lexical",
               DISCOVERY_SEMANTIC_SEARCH="false", DISCOVERY_INDEX_RELOAD_INTERVAL_S="0") as url:
        _wait_for_images(url, N)
        yield url


def _post(url: str, data: bytes, name: str = "photo.png", **params: Any) -> httpx.Response:
    return httpx.post(url + "/v1/search/image", params=params,
                      files={"image": (name, data, "application/octet-stream")}, timeout=120)


def test_a_photo_finds_its_product(image_server: str) -> None:
    health = httpx.get(image_server + "/v1/health").json()["image_search"]
    assert health["model"] == "ViT-S-32-alt" and "tests only" in health["weights"]
    assert health["last_embed"]["skipped"] == {"remote": 1}
    resp = _post(image_server, encode(product_photo(5)))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["hits"][0]["sku"] == "IMG-05" and body["hits"][0]["score"] > 0.999
    assert body["total"] == N and body["retrieval"] == "image"
    assert body["hits"][0]["name"] == "Glove 5"
    copy = _post(image_server, jpeg(cropped(product_photo(8), 0.85), 60), "photo.jpg").json()
    assert "IMG-08" in [h["sku"] for h in copy["hits"][:3]]


def test_words_and_filters_narrow_a_photo_search(image_server: str) -> None:
    body = _post(image_server, encode(product_photo(5)), q="hex bolt", page_size=5).json()
    assert body["total"] == N // 2 and all(h["name"].startswith("Hex bolt") for h in body["hits"])
    body = _post(image_server, encode(product_photo(5)), filter="brand:SafeHands").json()
    assert body["hits"][0]["sku"] == "IMG-05"
    assert {h["brand"] for h in body["hits"]} == {"SafeHands"}


def _png_bomb(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, status, error, words", [
    (b"name,price\nbolt,1\n", 400, "InvalidImage", "not an image"),
    (encode(product_photo(1), "JPEG")[:3000], 400, "InvalidImage", "truncated"),
    (_png_bomb(80_000, 80_000), 400, "InvalidImage", "megapixels"),
    (b"", 400, "InvalidInput", "empty"),
    (b"\xff\xd8" + b"\x00" * 50_000_000, 413, "PayloadTooLarge", "MB"),
], ids=["not an image", "truncated", "decompression bomb", "empty", "50 MB"])
def test_bad_uploads_are_4xx_naming_the_field(image_server: str, data: bytes, status: int,
                                              error: str, words: str) -> None:
    resp = _post(image_server, data)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error and body["field"] == "image"
    assert words in body["detail"]


def test_a_request_without_the_image_or_with_bad_parameters_is_a_400(image_server: str) -> None:
    resp = httpx.post(image_server + "/v1/search/image", files={"photo": ("a.png", b"x")})
    assert resp.status_code == 400 and resp.json()["field"] == "image"
    resp = _post(image_server, encode(product_photo(1)), filters="brand:Fastek")
    assert resp.status_code == 400 and resp.json()["field"] == "filters"
    resp = _post(image_server, encode(product_photo(1)), page_size=0)
    assert resp.status_code == 400 and resp.json()["field"] == "page_size"


def test_without_weights_the_endpoint_says_how_to_configure_and_the_rest_works(
        server: str) -> None:
    resp = _post(server, encode(product_photo(1)))
    assert resp.status_code == 503
    body = resp.json()
    assert body["error"] == "ClipUnavailable"
    assert "DISCOVERY_CLIP_WEIGHTS" in body["detail"] and "DISCOVERY_CLIP_MODEL" in body["detail"]
    health = httpx.get(server + "/v1/health")
    assert health.status_code == 200
    assert health.json()["image_search"]["status"] == "not_configured"
    assert httpx.get(server + "/v1/search", params={"q": "bolt"}).status_code == 200


def test_a_catalog_ingested_beside_the_server_is_found_by_photo(
        image_server: str, image_data_dir: Path, tmp_path: Path) -> None:
    """`discovery ingest` of a catalog naming local image files (relative to it): ingestion
    stores them, the command embeds them, the running server picks the vectors up."""
    write_photos(tmp_path / "img", [77])
    (tmp_path / "more.csv").write_text("sku,name,images\nIMG-77,Washer 77,img/photo-77.png\n")
    done = subprocess.run([DISCOVERY, "ingest", str(tmp_path / "more.csv")], capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, DISCOVERY_DATA_DIR=str(image_data_dir),
                                   **SERVER_ENV,
                                   DISCOVERY_SEMANTIC_SEARCH="false"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "embedded 1 product images" in done.stderr
    deadline = time.monotonic() + 60
    while True:  # a search starts the server's sync when DISCOVERY_VECTOR_SYNC_INTERVAL_S passed
        hits = _post(image_server, encode(product_photo(77))).json()["hits"]
        if hits[0]["sku"] == "IMG-77":
            break
        assert time.monotonic() < deadline, hits[:2]
        time.sleep(1)
    assert hits[0]["score"] > 0.999
    assert httpx.get(image_server + "/v1/health").json()["image_search"]["images"] == N + 1


def test_discovery_embed_without_weights_says_how_to_configure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCOVERY_CLIP")}
    done = subprocess.run([DISCOVERY, "embed", "--no-text", "--json"], capture_output=True,
                          text=True, timeout=120, env=env | {"DISCOVERY_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DISCOVERY_CLIP_WEIGHTS" in done.stderr and "DISCOVERY_CLIP_MODEL" in done.stderr
    assert json.loads(done.stdout) == {"images": None}
