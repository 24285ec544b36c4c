"""The merchandiser console at /console, in a real browser: sign-in, a draft synonym seen in
the preview, published and then found on the storefront, and an evaluation upload."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, STAFF_USER

CONSOLE_HEADER = {"X-Requested-With": "discovery-console"}


def _sign_in(page: Any, base: str, hash_: str = "") -> None:
    page.goto(f"{base}/console{hash_}")
    page.get_by_label("Username").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Console sections")).to_be_visible()
    expect(page.locator(".c-user")).to_contain_text(STAFF_USER)
    expect(page.locator(".c-user")).to_contain_text("admin")


def _api_session(base: str) -> httpx.Client:
    """An API client signed in as the staff user (cookie session, console header)."""
    client = httpx.Client(base_url=base, headers=CONSOLE_HEADER, timeout=10)
    response = client.post("/v1/auth/login",
                           json={"username": STAFF_USER, "password": STAFF_PASSWORD})
    assert response.status_code == 200, response.text
    return client


def _total(base: str, q: str) -> int:
    response = httpx.get(f"{base}/v1/search", params={"q": q, "facets": ""}, timeout=10)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_sign_in_failure_shows_the_servers_message(web_server: str, page: Any) -> None:
    # a made-up username: failures count per username, and the staff user must not lock out
    username = "no-such-merchandiser"
    expected = httpx.post(f"{web_server}/v1/auth/login", timeout=10,
                          json={"username": username, "password": "wrong-password"})
    assert expected.status_code == 401
    message = expected.json()["detail"]

    page.goto(web_server + "/console")
    username_box = page.get_by_label("Username")
    expect(username_box).to_be_focused()
    username_box.fill(username)
    page.get_by_label("Password").fill("still-the-wrong-password")
    page.get_by_label("Password").press("Enter")  # the keyboard submits the form

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(message)
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("navigation", name="Console sections")).to_have_count(0)
    assert page.errors == []


def test_draft_synonym_preview_publish_then_storefront(web_server: str, page: Any) -> None:
    # "zorblax" is a made-up buyer word: nothing live finds it; the catalog has hammers
    word = "zorblax"
    assert _total(web_server, word) == 0
    assert _total(web_server, "hammer") > 0

    _sign_in(page, web_server, "#/merchandising")
    synonyms = page.get_by_label("Draft synonyms")
    expect(synonyms).to_be_editable()
    current = synonyms.input_value().rstrip("\n")
    synonyms.fill((current + "\n" if current else "") + f"{word} => hammer")
    expect(page.locator(".c-editor-state").first).to_have_text("Unsaved edits")
    page.get_by_role("button", name="Save synonyms draft").click()
    expect(page.locator('[data-editor="synonyms"] .c-notice-ok')).to_contain_text("draft saved")
    expect(page.locator('tr[data-kind="synonyms"]')).to_contain_text("Unpublished changes")
    assert _total(web_server, word) == 0  # a draft changes nothing for buyers

    # the preview: draft results beside an empty live column
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", name="Preview", level=1)).to_be_focused()
    page.get_by_role("searchbox", name="Query").fill(word)
    page.get_by_role("button", name="Compare").click()
    draft_hits = page.locator('[data-side="draft"] li.c-hit')
    expect(draft_hits.first).to_be_visible()
    expect(draft_hits.first).to_contain_text(re.compile("hammer", re.I))
    expect(page.locator('[data-side="draft"] [data-total]')).not_to_have_attribute("data-total", "0")
    expect(page.locator('[data-side="live"] [data-total]')).to_have_attribute("data-total", "0")
    expect(page.locator('[data-side="live"]')).to_contain_text("No results live")
    expect(page.locator('[data-side="draft"] li.c-hit[data-change="new"]').first).to_be_visible()
    assert "q=zorblax" in page.url

    # publish, with a confirmation
    page.get_by_role("link", name="Synonyms & rules").click()
    page.get_by_role("button", name="Publish drafts…").click()
    dialog = page.get_by_role("dialog", name="Publish the drafts?")
    expect(dialog).to_contain_text("Synonyms: draft")
    dialog.get_by_role("button", name="Publish").click()
    expect(dialog).to_have_count(0)
    expect(page.locator('tr[data-kind="synonyms"]')).to_contain_text("Published")
    expect(page.locator(".c-status-actions")).to_contain_text("Everything is published")
    assert _total(web_server, word) > 0

    # the storefront finds hammers for the buyer's word
    page.goto(web_server + "/")
    box = page.locator("input[type=search]")
    box.fill(word)
    box.press("Enter")
    page.wait_for_function("q => (window.discoveryTimings || []).some(t => t.q === q)", arg=word)
    names = page.locator("ol.dsc-hits > li.dsc-hit .dsc-hit-name")
    expect(names.first).to_contain_text(re.compile("hammer", re.I))
    assert page.errors == []


def test_evaluation_upload_runs_and_shows_per_query_differences(web_server: str,
                                                                page: Any) -> None:
    word = "quibblet"  # made up; a draft synonym maps it to gloves
    api = _api_session(web_server)
    try:
        draft = api.get("/v1/merchandising").json()["synonyms"]
        lines = list((draft["draft"] or draft["live"] or {"rules": []})["rules"])
        saved = api.put("/v1/merchandising/synonyms",
                        json={"rules": [*lines, f"{word} => gloves"]})
        assert saved.status_code == 200, saved.text
        rows = ["query,sku,grade"]
        for q in ("hex bolt", "safety gloves", "hammer"):
            hits = api.get("/v1/search", params={"q": q, "page_size": 3, "facets": ""}
                           ).json()["hits"]
            assert hits, q
            rows += [f"{q},{hit['sku']},{2 if i == 0 else 1}" for i, hit in enumerate(hits)]
        gloves = api.get("/v1/search", params={"q": "gloves", "page_size": 3, "facets": "",
                                               "config": "draft"}).json()["hits"]
        rows += [f"{word},{hit['sku']},2" for hit in gloves]
    finally:
        api.close()
    csv = ("\n".join(rows) + "\n").encode()

    _sign_in(page, web_server, "#/evaluation")
    page.get_by_label("Judged queries (CSV or TSV)").set_input_files(
        files=[{"name": "judged.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_label("Name (optional)").fill("browser test: gloves word")
    expect(page.get_by_label("Configuration A")).to_have_value("live")
    expect(page.get_by_label("Configuration B")).to_have_value("draft")
    page.get_by_role("button", name="Run evaluation").click()

    run = page.locator('.c-run[data-status="done"]')
    expect(run).to_be_visible(timeout=20_000)
    expect(run.get_by_role("heading", name=re.compile("browser test: gloves word"))).to_be_focused()
    assert re.search(r"#/evaluation/\d+$", page.url), page.url

    summary = run.locator("table.c-compare")
    expect(summary.locator('tr[data-metric="ndcg@10"]')).to_be_visible()
    expect(summary.locator("tbody tr")).to_have_count(3)
    rows_ = run.locator("table.c-pq-table tbody tr[data-query]")
    expect(rows_).to_have_count(4)
    changed = run.locator(f'table.c-pq-table tr[data-query="{word}"]')
    expect(changed).to_contain_text("+")  # B (draft) finds the judged gloves; A finds nothing

    # sort by delta: ascending puts the improvement last, descending first
    sort = run.get_by_role("button", name="Δ")
    sort.click()
    expect(run.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    sort.click()
    expect(run.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(rows_.first).to_have_attribute("data-query", word)

    # only changed queries: the made-up word is among them
    run.get_by_label("Only changed queries").check()
    expect(changed).to_be_visible()
    expect(run.locator(".c-per-query > p")).to_contain_text(re.compile(r"of \d+ queries \(4 in all\)"))

    # the run is listed among the earlier evaluations
    expect(page.locator(".c-runs")).to_contain_text("browser test: gloves word")
    assert page.errors == []
