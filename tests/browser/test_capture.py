"""The search box's camera and microphone buttons on the storefront page, in Chromium: a
photo of a product's EAN-13 finds the product; a photo without a code says so (this server
has no search by photo); the microphone records (Chromium's fake microphone playing speech
synthesised here), reaches /v1/search/voice and shows the message of the 503 (no speech model
on this server); without MediaRecorder there is no microphone button."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.embeddings.barcode_scenes import photo
from tests.embeddings.speech_samples import speak

STATUS = ".dsc-capture-status"
HITS = "ol.dsc-hits > li.dsc-hit"


def _wait_results(page: Any, cause: str) -> None:
    page.wait_for_function("c => (window.discoveryTimings || []).some(t => t.cause === c)",
                           arg=cause)


def _product_with_gtin(web_server: str) -> dict[str, Any]:
    hits = httpx.get(web_server + "/v1/search", params={"q": "", "page_size": 100}).json()["hits"]
    return next(h for h in hits if h.get("gtin") and len(h["gtin"]) == 13)


def test_photo_of_an_ean_finds_the_product(web_server: str, page: Any, tmp_path: Path) -> None:
    product = _product_with_gtin(web_server)
    picture = tmp_path / "label.jpg"
    data, placed = photo([("EAN-13", product["gtin"][:12])], seed=11, code_width=300)
    assert placed[0].text == product["gtin"]
    picture.write_bytes(data)
    page.goto(web_server + "/")
    _wait_results(page, "load")
    camera = page.get_by_role("button", name="Search by photo or barcode")
    assert camera.is_visible()
    with page.expect_response(re.compile(r"/v1/search/barcode")) as answer:
        page.set_input_files("input.dsc-capture-file", str(picture))
    assert answer.value.status == 200
    _wait_results(page, "barcode")
    assert page.locator(f"{HITS} .dsc-hit-open").first.get_attribute("data-sku") == product["sku"]
    assert page.locator(HITS).count() == 1
    assert page.locator("input[type=search]").input_value() == product["sku"]
    assert product["gtin"] in page.locator(STATUS).inner_text()
    assert "1 result" in page.locator(".dsc-status").inner_text()
    assert page.errors == []
    # the next change searches the SKU as typed text: the product stays
    page.locator("input[type=search]").press("End")
    page.locator("input[type=search]").type(" ")
    _wait_results(page, "type")
    assert page.locator(f"{HITS} .dsc-hit-open").first.get_attribute("data-sku") == product["sku"]


def test_photo_without_a_code(web_server: str, page: Any, tmp_path: Path) -> None:
    picture = tmp_path / "nothing.jpg"
    picture.write_bytes(photo([], seed=4)[0])
    page.goto(web_server + "/")
    _wait_results(page, "load")
    with page.expect_response(re.compile(r"/v1/search/image")) as answer:  # tried second
        page.set_input_files("input.dsc-capture-file", str(picture))
    assert answer.value.status == 503  # no image-encoder weights on this server
    status = page.locator(STATUS)
    status.filter(has_text="No barcode or QR code").wait_for()
    assert "dsc-error" in (status.get_attribute("class") or "")


_RECORD_UPLOADS = """
window.__uploads = [];
const send = window.fetch;
window.fetch = (input, init) => {
  if (init && init.body instanceof FormData) {
    for (const [field, value] of init.body.entries()) {
      if (value instanceof Blob) window.__uploads.push({field, size: value.size, type: value.type});
    }
  }
  return send(input, init);
};
"""  # Playwright does not show multipart bodies made of Blobs: the page notes what it sends


@pytest.fixture(scope="module")
def media_browser(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fake microphone that plays speech and grants access without asking."""
    wav = speak("hex bolt", tmp_path_factory.mktemp("mic"))
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-audio-capture={wav}"])
    yield chromium
    chromium.close()


def test_microphone_reaches_the_voice_endpoint_and_shows_the_503(web_server: str,
                                                               media_browser: Any,
                                                               request: pytest.FixtureRequest
                                                               ) -> None:
    context = media_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(_RECORD_UPLOADS)
    try:
        page.goto(web_server + "/")
        _wait_results(page, "load")
        mic = page.get_by_role("button", name="Search by voice")
        mic.click()
        page.locator(STATUS).filter(has_text="Listening").wait_for()
        assert mic.get_attribute("aria-pressed") == "true"
        page.wait_for_timeout(1200)  # a second of (fake) speech
        with page.expect_request(re.compile(r"/v1/search/voice")) as sent, \
                page.expect_response(re.compile(r"/v1/search/voice")) as answer:
            mic.click()
        assert sent.value.method == "POST"
        assert sent.value.headers["content-type"].startswith("multipart/form-data")
        uploads = page.evaluate("window.__uploads")
        assert [u["field"] for u in uploads] == ["audio"]
        assert uploads[0]["size"] > 1000 and "audio/webm" in uploads[0]["type"]  # recorded
        assert answer.value.status == 503
        assert "DISCOVERY_VOSK_MODEL" in answer.value.json()["detail"]
        status = page.locator(STATUS)
        status.filter(has_text="Voice search is not available").wait_for()
        assert mic.get_attribute("aria-pressed") == "false"
        # the shop knows now: the next click says so without recording
        mic.click()
        assert "not available" in status.inner_text()
        assert mic.get_attribute("aria-pressed") == "false"
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_microphone.png"), full_page=True)
        raise
    finally:
        context.close()


def test_no_microphone_button_without_media_recorder(web_server: str, page: Any) -> None:
    page.add_init_script("delete window.MediaRecorder")
    page.goto(web_server + "/")
    _wait_results(page, "load")
    assert page.get_by_role("button", name="Search by photo or barcode").is_visible()
    assert page.get_by_role("button", name="Search by voice").count() == 0
