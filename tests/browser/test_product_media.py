"""The storefront's product panel shows the documents (pages, scans), drawings and the PDF
sheet of a sample product with files, and stored images load as thumbnails."""

from __future__ import annotations

from typing import Any

from tests.browser.test_storefront import HITS, _wait_results_for


def test_product_panel_lists_documents_media_and_the_sheet(web_server: str, page: Any) -> None:
    page.goto(web_server + "/?q=FAS-000000")
    _wait_results_for(page, "FAS-000000")
    hit = page.locator(HITS).first
    picture = hit.locator("img")
    assert "/thumbnail?size=200" in (picture.get_attribute("src") or "")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=picture.element_handle())
    hit.locator(".dsc-hit-open").click()
    panel = page.get_by_role("dialog")
    panel.get_by_role("heading", level=2).wait_for()
    documents = panel.locator(".dsc-docs li").all_inner_texts()
    assert any("datasheet, 2 pages" in d for d in documents), documents
    assert any("scan, not searchable" in d for d in documents), documents
    sheet = panel.get_by_role("link", name="Product sheet (PDF)")
    assert (sheet.get_attribute("href") or "").endswith("/v1/products/FAS-000000.pdf")
    drawing = panel.locator(".dsc-media img").first
    drawing.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=drawing.element_handle())
    assert "Dimension drawing" in panel.locator(".dsc-media").inner_text()
    assert page.errors == []
