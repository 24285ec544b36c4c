// The result list: count, sort, hits with highlights, paging; a hit opens the product panel.

import type { Hit, SearchResponse } from "./api";
import type { Controller, ResultsDetail } from "./controller";
import { h, hideBroken, marked, money, rerender } from "./dom";
import { openProduct } from "./panel";

const SORTS = ["relevance", "price_asc", "price_desc", "delivery", "availability", "popularity"];

export function mountResults(c: Controller, el: HTMLElement): void {
  const t = c.t;
  const status = h("p", { class: "dsc-status", role: "status", "aria-live": "polite" });
  const sort = h("select", { class: "dsc-sort", "aria-label": t.sortBy },
    SORTS.map((s) => h("option", { value: s }, t.sorts[s] ?? s)));
  sort.value = c.sort;
  sort.addEventListener("change", () => c.setSort(sort.value));
  const notice = h("p", { class: "dsc-relaxed", hidden: true });
  const list = h("ol", { class: "dsc-hits", "aria-label": t.products });
  const pager = h("nav", { class: "dsc-pager", "aria-label": t.pagination });
  const errorBox = h("p", { class: "dsc-error", role: "alert", hidden: true });
  el.replaceChildren(h("section", { class: "dsc-results" },
    h("div", { class: "dsc-results-head" }, status,
      h("label", { class: "dsc-sort-label" }, h("span", {}, t.sortBy), sort)),
    errorBox, notice, list, pager));
  el.setAttribute("aria-busy", "false");

  c.addEventListener("loading", () => el.setAttribute("aria-busy", "true"));
  c.addEventListener("error", (e) => {
    el.setAttribute("aria-busy", "false");
    errorBox.textContent = (e as CustomEvent<string>).detail;
    errorBox.hidden = false;
  });
  c.addEventListener("results", (e) => {
    const detail = (e as CustomEvent<ResultsDetail>).detail;
    const r = detail.response;
    errorBox.hidden = true;
    sort.value = r.sort;
    status.textContent = r.query ? t.resultsFor(r.total, r.query) : t.results(r.total);
    if (r.total_every_word !== null && r.total_every_word !== undefined && r.total_every_word < r.total) {
      status.textContent += t.everyWord(r.total_every_word);
    }
    notice.hidden = !r.relaxed;
    notice.textContent = r.relaxed ? t.relaxed : "";
    list.replaceChildren(...(r.hits.length
      ? r.hits.map((hit, i) => hitItem(c, r, hit, (r.page - 1) * r.page_size + i + 1))
      : [h("li", { class: "dsc-empty" }, t.noResults(r.query))]));
    renderPager(c, pager, r);
    el.setAttribute("aria-busy", String(!detail.final));
    c.rendered(detail);
  });
}

function hitItem(c: Controller, r: SearchResponse, hit: Hit, position: number): HTMLElement {
  const t = c.t;
  const lang = c.config.lang;
  const images = (hit.images as string[] | undefined) ?? [];
  const image = hit.image ?? images[0];
  const name = hit.highlights?.name ? marked(hit.highlights.name) : document.createTextNode(hit.name ?? hit.sku);
  const open = h("button", { type: "button", class: "dsc-hit-open", "data-sku": hit.sku }, name);
  open.addEventListener("click", () => {
    c.api.click(hit.sku, r.search_id, position);
    void openProduct(c, hit.sku, open);
  });
  const price = money(hit.price_per_piece, hit.currency, lang);
  const availability = hit.availability ?? "";
  return h("li", { class: "dsc-hit" },
    h("div", { class: "dsc-hit-media" }, image ? h("img", { src: image, alt: "", loading: "lazy", onerror: hideBroken }) : ""),
    h("div", { class: "dsc-hit-main" },
      h("h3", { class: "dsc-hit-name" }, open),
      h("p", { class: "dsc-muted" }, `${t.sku} ${hit.sku}`, hit.brand ? ` · ${hit.brand}` : ""),
      hit.highlights?.description
        ? h("p", { class: "dsc-hit-desc" }, marked(hit.highlights.description)) : ""),
    h("div", { class: "dsc-hit-side" },
      price ? h("p", { class: "dsc-price" }, price, h("span", { class: "dsc-muted" }, ` ${t.perPiece}`)) : "",
      availability ? h("p", { class: `dsc-avail dsc-avail-${availability}` },
        t.availability[availability] ?? availability) : "",
      typeof hit.delivery_days === "number" ? h("p", { class: "dsc-muted" }, t.delivery(hit.delivery_days)) : ""));
}

function renderPager(c: Controller, pager: HTMLElement, r: SearchResponse): void {
  const t = c.t;
  if (r.pages <= 1) {
    pager.replaceChildren();
    return;
  }
  const button = (label: string, page: number, disabled: boolean, rel: string) =>
    h("button", { type: "button", class: "dsc-page", disabled, rel, "data-focus": `page-${rel}`,
      onclick: () => { c.setPage(page); pager.closest(".dsc-results")?.scrollIntoView({ block: "start" }); } }, label);
  rerender(pager, () => [
    button(t.previous, r.page - 1, r.page <= 1, "prev"),
    h("span", { class: "dsc-page-of" }, t.page(r.page, r.pages)),
    button(t.next, r.page + 1, r.page >= r.pages, "next"),
  ]);
}
