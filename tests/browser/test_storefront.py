"""The storefront page at / and the embeddable widgets, in a real browser."""

from __future__ import annotations

import json
import re
import statistics
from typing import Any

import httpx

from tests.browser.conftest import ARTIFACTS

HITS = "ol.dsc-hits > li.dsc-hit"
STATUS = ".dsc-status"


def _total(page: Any) -> int:
    text = page.locator(STATUS).inner_text()
    match = re.match(r"([\d,.]+) result", text)
    assert match, text
    return int(match.group(1).replace(",", "").replace(".", ""))


def _wait_results_for(page: Any, q: str) -> None:
    page.wait_for_function("q => (window.discoveryTimings || []).some(t => t.q === q)", arg=q)


def _facet_counts(page: Any, field: str) -> dict[str, int]:
    """{value: count} as the facet shows them (value label, then the count beside it)."""
    rows = page.locator(f'fieldset[data-field="{field}"] li').evaluate_all(
        """els => els.map(li => {
             const count = li.querySelector('.dsc-count');
             const label = li.querySelector('label, button');
             return [label.firstChild.textContent.trim(), Number(count.textContent)];
           })""")
    return dict(rows)


def test_misspelled_query_shows_autocomplete_and_results_as_you_type(web_server: str,
                                                                      page: Any) -> None:
    page.goto(web_server + "/")
    _wait_results_for(page, "")  # the page opens on the whole catalog with facets
    box = page.locator("input[type=search]")
    box.press_sequentially("hex blot", delay=80)  # 'blot': a typo for 'bolt'
    _wait_results_for(page, "hex blot")
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    suggestions = listbox.inner_text().lower()
    assert "bolt" in suggestions
    assert "results for “hex blot”" in page.locator(STATUS).inner_text()
    names = page.locator(f"{HITS} .dsc-hit-name").all_inner_texts()[:5]
    assert sum("hex bolt" in n.lower() for n in names) >= 3, names  # what the buyer meant
    assert page.locator(f"{HITS} .dsc-hit-name em").count() > 0  # highlights reach the page
    # keyboard: the first suggestion is a completion; Enter takes it
    box.press("ArrowDown")
    active = page.locator(".dsc-ac-option[aria-selected=true]")
    completion = active.inner_text()
    assert box.get_attribute("aria-activedescendant") == active.get_attribute("id")
    box.press("Enter")
    _wait_results_for(page, completion)
    assert box.input_value() == completion
    assert page.get_by_role("listbox").is_hidden()
    assert "q=" in page.url  # the search is in the page address (shareable, back-button safe)

    # time to first results per keystroke, measured in the page: keystroke -> results drawn
    timings = page.evaluate("window.discoveryTimings.filter(t => t.cause === 'type')")
    ms = sorted(t["ms"] for t in timings)
    figures = {"keystrokes": len(ms), "median_ms": statistics.median(ms),
               "p95_ms": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))],
               "server_median_ms": statistics.median(t["server_ms"] for t in timings)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "storefront-timings.json").write_text(json.dumps(figures, indent=1))
    print("time to first results per keystroke:", figures)
    assert len(ms) >= 2  # results reached the screen while typing, not only at the end
    assert page.errors == []


def test_two_facet_values_narrow_results_and_keep_sibling_counts(web_server: str,
                                                                  page: Any) -> None:
    page.goto(web_server + "/?q=bolt")
    _wait_results_for(page, "bolt")
    before_total = _total(page)
    brands = _facet_counts(page, "brand")
    (first, n1), (second, n2) = list(brands.items())[:2]
    assert n1 + n2 < before_total

    page.locator('fieldset[data-field="brand"] li', has_text=first).get_by_role("checkbox").check()
    page.wait_for_function(f"document.querySelector('.dsc-status').textContent.startsWith('{n1} ')")
    assert _total(page) == n1
    # the other brands keep the counts they had: choosing one brand does not hide the others
    assert _facet_counts(page, "brand") == brands
    page.locator('fieldset[data-field="brand"] li', has_text=second).get_by_role("checkbox").check()
    page.wait_for_function(
        f"document.querySelector('.dsc-status').textContent.startsWith('{n1 + n2} ')")
    assert _total(page) == n1 + n2  # two values of one facet: either brand
    assert _facet_counts(page, "brand") == brands
    checked = page.locator('fieldset[data-field="brand"] input:checked')
    assert checked.count() == 2
    brands_on_page = page.locator(f"{HITS} .dsc-hit-main > .dsc-muted").all_inner_texts()
    assert all(first in b or second in b for b in brands_on_page), brands_on_page
    assert page.url.count("filter=brand") == 2
    # a price range narrows further; the inputs show the facet's bounds
    price = page.locator('fieldset[data-field="price_per_piece"]')
    low = price.get_by_label("Min")
    assert low.get_attribute("placeholder")
    low.fill("0.5")
    price.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        f"!document.querySelector('.dsc-status').textContent.startsWith('{n1 + n2} ')")
    assert _total(page) < n1 + n2
    prices = page.locator(f"{HITS} .dsc-price").all_inner_texts()
    assert all(float(re.sub(r"[^\d.]", "", p.split(" ")[0])) >= 0.5 for p in prices), prices
    page.get_by_role("button", name="Clear all filters").click()
    page.wait_for_function(
        f"document.querySelector('.dsc-status').textContent.startsWith('{before_total:,} ')")
    assert page.errors == []


def test_a_chosen_value_of_a_broad_query_finds_as_many_products_as_its_count(
        web_server: str, page: Any) -> None:
    """Two words: the facets count the products with both; the page says how many those are,
    so the count beside a value is what choosing it gives."""
    page.goto(web_server + "/?q=hex%20bolt")
    _wait_results_for(page, "hex bolt")
    brand, count = list(_facet_counts(page, "brand").items())[0]
    status = page.locator(STATUS).inner_text()
    page.locator('fieldset[data-field="brand"] li', has_text=brand).get_by_role("checkbox").check()
    page.wait_for_function("s => document.querySelector('.dsc-status').textContent !== s",
                           arg=status)
    status = page.locator(STATUS).inner_text()
    assert (_total(page) == count or f"· {count:,} match every word" in status), (brand, count,
                                                                                   status)


def test_category_tree_selects_a_subtree(web_server: str, page: Any) -> None:
    page.goto(web_server + "/")
    _wait_results_for(page, "")
    tree = page.locator('fieldset[data-field="category"]')
    top = tree.locator("button.dsc-cat").first
    name, count = list(_facet_counts(page, "category").items())[0]
    top.click()
    page.wait_for_function(f"document.querySelector('.dsc-status').textContent.startsWith('{int(count):,} ')")
    assert tree.locator("[aria-current=true]").inner_text().startswith(name)
    assert tree.locator("li").count() > 2  # the children of the chosen category appear
    assert "filter=category" in page.url


def test_product_opens_in_a_side_panel_beside_the_results(web_server: str, page: Any) -> None:
    page.goto(web_server + "/?q=drill")
    _wait_results_for(page, "drill")
    first = page.locator(f"{HITS} .dsc-hit-open").first
    name = first.inner_text()
    first.click()
    panel = page.get_by_role("dialog")
    panel.get_by_role("heading", level=2).wait_for()
    assert panel.get_by_role("heading", level=2).inner_text() == name
    assert panel.locator(".dsc-specs tr").count() > 0
    assert "SKU" in panel.inner_text()
    # the results stay where they were, beside the panel, not under it
    results_box = page.locator("ol.dsc-hits").bounding_box()
    panel_box = panel.bounding_box()
    assert results_box and panel_box
    assert results_box["x"] + results_box["width"] <= panel_box["x"] + 1
    assert page.locator(HITS).first.is_visible()
    assert page.url.endswith("?q=drill")  # no navigation
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.textContent") == name  # focus returns
    assert page.errors == []


def test_phone_layout_folds_facets_behind_a_button(web_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(web_server + "/?q=glove")
        _wait_results_for(page, "glove")
        toggle = page.locator(".dsc-facets-toggle")
        assert toggle.is_visible()
        assert page.locator('fieldset[data-field="brand"]').is_hidden()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator('fieldset[data-field="brand"]').is_visible()
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_widgets_demo_page_embeds_the_search_in_a_foreign_page(web_server: str,
                                                              page: Any) -> None:
    page.goto(web_server + "/widgets/demo")
    page.wait_for_function("(window.discoveryTimings || []).length > 0")
    assert "Werkzeughandel" in page.title()
    box = page.locator("input[type=search]")
    assert box.get_attribute("placeholder") == "Suche nach Name, Artikelnummer oder EAN"
    box.press_sequentially("schraube", delay=50)  # no such word: German stays German
    box.fill("")
    box.press_sequentially("safety glove", delay=50)
    _wait_results_for(page, "safety glove")
    page.get_by_role("listbox").get_by_role("option").first.wait_for()
    assert "Treffer" in page.locator(STATUS).inner_text()
    assert page.locator(HITS).count() == 10  # data-page-size="10" on the script tag
    shown = page.locator("fieldset[data-field]").evaluate_all(
        "els => els.map(e => e.dataset.field)")
    assert set(shown) <= {"category", "brand", "material", "availability", "price_per_piece",
                          "delivery_days"}  # data-facets on the element
    # the storefront's own colours reach the widgets through the custom properties
    accent = page.locator(".dsc-root").first.evaluate(
        "el => getComputedStyle(el).getPropertyValue('--dsc-accent').trim()")
    assert accent == "#8a3b12"
    assert page.errors == []


def test_widgets_script_is_small_and_revalidated(web_server: str) -> None:
    import gzip

    response = httpx.get(web_server + "/widgets.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "must-revalidate" in response.headers["cache-control"]
    size = len(gzip.compress(response.content, 9))
    assert size <= 60 * 1024, f"widgets.js is {size} bytes gzipped"
    again = httpx.get(web_server + "/widgets.js",
                      headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_pages_pass_accessibility_checks(web_server: str, page: Any) -> None:
    """axe-core (the engine behind Lighthouse's accessibility audit), run offline in the
    page: no serious or critical violations on the storefront, the demo and the console."""
    from tests.browser.conftest import WEB_DIST

    axe = WEB_DIST.parent / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.is_file(), "axe-core missing: run `make web`"
    failures = {}
    for path, ready in (("/?q=bolt", "bolt"), ("/widgets/demo", None), ("/console", None)):
        page.goto(web_server + path)
        if ready is not None:
            _wait_results_for(page, ready)
        else:
            page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(axe))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
              .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target)}));
        }""")
        if result:
            failures[path] = result
        assert page.evaluate("document.documentElement.lang")
        assert page.evaluate("!!document.querySelector('meta[name=viewport]')")
    assert failures == {}
