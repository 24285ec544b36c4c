"""Search by barcode and by voice over HTTP: a real `discovery serve` (no speech model here:
voice answers 503), and an in-process uvicorn server whose transcriber is a fake, for the
voice endpoint's decoding, limits and search; the command line's --barcode and --voice."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import DISCOVERY, _free_port, import_headers, seed_staff, serve
from tests.embeddings.barcode_scenes import photo
from tests.embeddings.speech_samples import opus, speak
from tests.embeddings.test_speech import FakeTranscriber

pytestmark = pytest.mark.integration

ROWS = [
    {"sku": "FAS-1", "name": "Hex bolt DIN 933 M8x40 stainless A2", "brand": "Fastek",
     "category": "Fasteners > Bolts", "mpn": "933-0840-A2", "gtin": "4006381333931",
     "availability": "in_stock"},
    {"sku": "FAS-2", "name": "Hex bolt DIN 933 M10x50 zinc", "brand": "Fastek",
     "category": "Fasteners > Bolts", "mpn": "933-1050-ZN", "gtin": "036000291452",
     "availability": "out_of_stock"},
    {"sku": "PPE-3", "name": "Nitrile gloves size L, box of 100", "brand": "SafeHands",
     "category": "Safety > Gloves", "mpn": "NG-100-L", "gtin": "96385074",
     "availability": "in_stock"},
]


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _load(url: str) -> None:
    resp = httpx.post(url + "/v1/catalog/imports", headers=import_headers(url),
                      files={"file": ("catalog.csv", _csv(ROWS), "text/csv")}, timeout=60)
    assert resp.status_code == 200 and resp.json()["counts"]["accepted"] == 3, resp.text


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("capture-data")


@pytest.fixture(scope="module")
def served(data_dir: Path) -> Iterator[str]:
    with serve(data_dir, DISCOVERY_INDEX_RELOAD_INTERVAL_S="0", DISCOVERY_SEARCH_CONFIG="lexical",
               DISCOVERY_SEMANTIC_SEARCH="false", DISCOVERY_MAX_IMAGE_MB="0.5") as url:
        _load(url)
        yield url


def _photo(codes: list[tuple[str, str]], seed: int = 3, **kw: object) -> bytes:
    data, _ = photo(codes, seed=seed, code_width=260, max_angle=12, **kw)  # type: ignore[arg-type]
    return data


def _post_image(url: str, data: bytes, params: list[tuple[str, str]] | None = None,
                ) -> httpx.Response:
    return httpx.post(url + "/v1/search/barcode", params=params,
                      files={"image": ("label.jpg", data, "image/jpeg")}, timeout=60)


# -- barcode ---------------------------------------------------------------------------------

def test_an_ean_photo_finds_its_product(served: str) -> None:
    resp = _post_image(served, _photo([("EAN-13", "400638133393")]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(c["format"], c["text"], c["skus"]) for c in body["codes"]] == [
        ("EAN-13", "4006381333931", ["FAS-1"])]
    assert len(body["codes"][0]["position"]) == 4
    assert [h["sku"] for h in body["hits"]] == ["FAS-1"]
    hit = body["hits"][0]
    assert hit["name"].startswith("Hex bolt") and hit["brand"] == "Fastek"
    assert hit["found_by"] == [{"format": "EAN-13", "text": "4006381333931"}]
    assert body["unknown_codes"] == [] and body["total"] == 1
    assert body["took_ms"] > 0 and body["search_id"]


def test_several_codes_several_products_and_unknown_codes(served: str) -> None:
    data = _photo([("UPC-A", "03600029145"),  # FAS-2, stored as 12-digit UPC-A
                   ("QR Code", "https://shop.example.com/en/products/PPE-3"),
                   ("Code 128", "933-0840-A2"),  # FAS-1's MPN
                   ("EAN-13", "590123412345")],  # valid, not in the catalog
                  seed=4, size=(1400, 1000))  # a photo whose four codes all read (about 95 %
    # of the codes in such photos do: bench_barcodes.py measures the reading, this the API)
    body = _post_image(served, data).json()
    assert {c["text"]: c["skus"] for c in body["codes"]} == {
        "0036000291452": ["FAS-2"], "https://shop.example.com/en/products/PPE-3": ["PPE-3"],
        "933-0840-A2": ["FAS-1"], "5901234123457": []}
    assert sorted(h["sku"] for h in body["hits"]) == ["FAS-1", "FAS-2", "PPE-3"]
    assert body["unknown_codes"] == [{"format": "EAN-13", "text": "5901234123457"}]


def test_filters_apply_to_codes(served: str) -> None:
    data = _photo([("EAN-13", "400638133393"), ("UPC-A", "03600029145")], size=(1400, 800))
    body = _post_image(served, data, [("filter", "availability:in_stock")]).json()
    assert [h["sku"] for h in body["hits"]] == ["FAS-1"]
    assert [c["text"] for c in body["unknown_codes"]] == ["0036000291452"]
    resp = _post_image(served, data, [("filters", "availability:in_stock")])
    assert resp.status_code == 400 and resp.json()["field"] == "filters"


def test_a_photo_without_a_code(served: str) -> None:
    body = _post_image(served, _photo([])).json()
    assert body["codes"] == [] and body["hits"] == [] and body["total"] == 0


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"", 400, "empty"),
    (b"GIF89a not really", 400, "image"),
    (b"%PDF-1.4\n" + b"x" * 600_000, 413, "0.5 MB"),
])
def test_bad_images(served: str, data: bytes, status: int, words: str) -> None:
    resp = _post_image(served, data)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["field"] == "image" and words in body["detail"], body
    assert set(body) == {"error", "detail", "field"}


def test_a_truncated_photo_and_a_missing_field(served: str) -> None:
    data = _photo([("EAN-13", "400638133393")])
    resp = _post_image(served, data[: len(data) // 2])
    assert resp.status_code == 400 and resp.json()["field"] == "image"
    assert "truncated" in resp.json()["detail"]
    resp = httpx.post(served + "/v1/search/barcode", files={"photo": ("a.jpg", data)})
    assert resp.status_code == 400 and resp.json()["field"] == "image"
    assert "missing" in resp.json()["detail"]


def test_cli_barcode(served: str, data_dir: Path, tmp_path: Path) -> None:
    picture = tmp_path / "label.jpg"
    picture.write_bytes(_photo([("EAN-13", "400638133393"), ("EAN-13", "590123412345")],
                               size=(1400, 800)))
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir), DISCOVERY_SEMANTIC_SEARCH="false")
    done = subprocess.run([DISCOVERY, "search", "--barcode", str(picture)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "EAN-13: 4006381333931 -> FAS-1" in done.stdout
    assert "EAN-13: 5901234123457 -> no product" in done.stdout
    assert "FAS-1" in done.stdout.splitlines()[-1] and "Hex bolt" in done.stdout
    nothing = tmp_path / "nothing.jpg"
    nothing.write_bytes(_photo([]))
    done = subprocess.run([DISCOVERY, "search", "--barcode", str(nothing)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "no barcode or QR code found" in done.stderr
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    done = subprocess.run([DISCOVERY, "search", "--barcode", str(bad)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "barcode" in done.stderr and "not an image" in done.stderr


# -- voice without a model ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("av", reason="the voice extra (PyAV) is not installed: `make install`")
    return speak("hex bolt", tmp_path_factory.mktemp("speech"))


def test_voice_without_a_model_is_503_saying_what_to_configure(served: str, speech: Path) -> None:
    for data in (speech.read_bytes(), b"not even audio"):
        resp = httpx.post(served + "/v1/search/voice",
                          files={"audio": ("q.wav", data, "audio/wav")}, timeout=60)
        assert resp.status_code == 503, resp.text
        body = resp.json()
        assert body["error"] == "TranscriberUnavailable"
        assert "DISCOVERY_VOSK_MODEL" in body["detail"] and "vosk" in body["detail"]
    assert httpx.get(served + "/v1/search", params={"q": "hex bolt"}).json()["total"] == 2
    assert httpx.get(served + "/v1/health").json()["voice"] == {"status": "not_configured"}


def test_cli_voice_without_a_model(data_dir: Path, speech: Path) -> None:
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir), DISCOVERY_SEMANTIC_SEARCH="false")
    env.pop("DISCOVERY_VOSK_MODEL", None)
    done = subprocess.run([DISCOVERY, "search", "--voice", str(speech)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "DISCOVERY_VOSK_MODEL" in done.stderr


# -- voice with a (fake) transcriber -----------------------------------------------------------

@pytest.fixture(scope="module")
def fake() -> FakeTranscriber:
    return FakeTranscriber("hex bolt m eight by forty")


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory: pytest.TempPathFactory, fake: FakeTranscriber
                 ) -> Iterator[str]:
    """The app in this process (uvicorn in a thread, real HTTP) with a fake transcriber."""
    import uvicorn

    from api.app import create_app
    from api.container import build_services
    from catalog.settings import Settings
    from embeddings.speech import VoiceSearch

    settings = Settings(data_dir=tmp_path_factory.mktemp("voice-data"), semantic_search=False,
                        search_config="lexical", index_reload_interval_s=0,
                        analytics_enabled=False, max_audio_mb=0.2, max_audio_seconds=4)
    seed_staff(settings.data_dir)  # the catalog import needs a console editor
    services = build_services(settings)
    services.voice = VoiceSearch(settings, services.store, transcriber=fake)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, services), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        _load(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


def _voice(url: str, data: bytes, name: str = "q.webm",
           params: list[tuple[str, str]] | None = None) -> httpx.Response:
    return httpx.post(url + "/v1/search/voice", params=params,
                      files={"audio": (name, data, "application/octet-stream")}, timeout=60)


def test_voice_search_in_every_browser_format(voice_server: str, speech: Path,
                                              fake: FakeTranscriber) -> None:
    for name, data in (("q.wav", speech.read_bytes()), ("q.ogg", opus(speech, "ogg")),
                       ("q.webm", opus(speech, "webm"))):
        resp = _voice(voice_server, data, name)
        assert resp.status_code == 200, (name, resp.text)
        body = resp.json()
        assert body["transcript"] == "hex bolt m eight by forty"
        assert body["query"] == "hex bolt m8x40"  # what was searched
        assert body["hits"][0]["sku"] == "FAS-1", name
        assert body["transcribe_ms"] > 0 and "facets" in body and body["page"] == 1
    phrases = fake.phrases[-1]
    assert phrases is not None and {"fastek", "bolt", "nitrile", "gloves"} <= set(phrases)
    assert httpx.get(voice_server + "/v1/health").json()["voice"] == {
        "status": "ready", "model": "fake", "phrase_list_words": len(phrases)}


def test_voice_search_takes_the_search_parameters(voice_server: str, speech: Path) -> None:
    body = _voice(voice_server, speech.read_bytes(), "q.wav",
                  [("filter", "brand:SafeHands"), ("page_size", "5")]).json()
    assert body["total"] == 0 and body["page_size"] == 5
    resp = _voice(voice_server, speech.read_bytes(), "q.wav", [("q", "typed")])
    assert resp.status_code == 400 and resp.json()["field"] == "q"


def test_silence_is_no_words(voice_server: str, tmp_path: Path) -> None:
    import av
    import numpy as np

    silent = tmp_path / "silence.wav"
    with av.open(str(silent), mode="w") as container:
        stream = container.add_stream("pcm_s16le", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.int16), format="s16",
                                           layout="mono")
        frame.rate = 16000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    resp = _voice(voice_server, silent.read_bytes(), "q.wav")
    assert resp.status_code == 400 and resp.json()["field"] == "audio"
    assert "no words were recognised" in resp.json()["detail"]


def test_bad_recordings(voice_server: str, speech: Path) -> None:
    wav = speech.read_bytes()
    cases = [
        (b"", 400, "empty"),
        (b"<html>not a recording</html>", 400, "not an audio file"),
        (wav[: len(wav) // 2], 400, "truncated"),
        (opus(speech, "webm")[:50], 400, "not a readable"),
        (wav + b"\x00" * 250_000, 413, "0.2 MB"),
    ]
    for data, status, words in cases:
        resp = _voice(voice_server, data)
        assert resp.status_code == status, (words, resp.text)
        body = resp.json()
        assert body["field"] == "audio" and words in body["detail"], body
    resp = httpx.post(voice_server + "/v1/search/voice", files={"file": ("a.wav", wav)})
    assert resp.status_code == 400 and resp.json()["field"] == "audio"


def test_a_recording_longer_than_the_limit(voice_server: str, tmp_path: Path) -> None:
    long = speak("hex bolt, " * 6, tmp_path, "long")
    resp = _voice(voice_server, opus(long, "webm"))
    assert resp.status_code == 413, resp.text
    assert resp.json()["field"] == "audio" and "4 s" in resp.json()["detail"]
