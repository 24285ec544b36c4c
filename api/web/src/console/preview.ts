// "Preview": one query against the draft and the live synonyms and rules, side by side, with
// what moved up or down, what is new in the draft and what it dropped.

import { marked } from "../widgets/dom";
import { api, type Hit, type SearchResult } from "./api";
import { badge, h, num, viewHeading, Slot, uid } from "./ui";
import type { Context, Route, View } from "./view";

type Side = "draft" | "live";

export function previewView(ctx: Context): View {
  const heading = viewHeading("Preview", "c-preview-title");
  const inputId = uid("preview-q");
  const input = h("input", {
    id: inputId, type: "search", name: "q", class: "c-input c-input-lg", autocomplete: "off",
    placeholder: "A buyer's query, e.g. hex bolt m8", enterkeyhint: "search", spellcheck: "false",
  });
  const submit = h("button", { type: "submit", class: "c-btn c-btn-primary" }, "Compare");
  const form = h("form", { class: "c-preview-form", role: "search", "aria-label": "Preview a query" },
    h("label", { for: inputId, class: "c-label" }, "Query"),
    h("div", { class: "c-inline" }, input, submit));
  const summary = h("div", { class: "c-preview-summary", "aria-live": "polite" });
  const slots: Record<Side, Slot> = { draft: new Slot("c-preview-list"), live: new Slot("c-preview-list") };
  const meta: Record<Side, HTMLElement> = {
    draft: h("div", { class: "c-side-meta" }), live: h("div", { class: "c-side-meta" }),
  };
  let controller: AbortController | null = null;
  let lastQuery: string | null = null;

  const column = (side: Side, title: string, sub: string) => h("section", {
    class: `c-side c-side-${side}`, "data-side": side, "aria-labelledby": `c-side-${side}`,
  },
  h("div", { class: "c-side-head" },
    h("h2", { id: `c-side-${side}`, class: "c-h2" }, title), h("span", { class: "c-muted c-small" }, sub)),
  meta[side], slots[side].el);

  for (const side of ["draft", "live"] as Side[]) slots[side].empty("Enter a query to compare the draft with what buyers see.");

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    const target = `#/preview${q ? `?q=${encodeURIComponent(q)}` : ""}`;
    if (location.hash === target) void run(q); // the same query again: the drafts may have changed
    else ctx.navigate(target);
  });

  async function run(q: string): Promise<void> {
    controller?.abort();
    lastQuery = q;
    summary.replaceChildren();
    if (!q) {
      for (const side of ["draft", "live"] as Side[]) {
        meta[side].replaceChildren();
        slots[side].empty("Enter a query to compare the draft with what buyers see.");
      }
      return;
    }
    const c = new AbortController();
    controller = c;
    for (const side of ["draft", "live"] as Side[]) slots[side].loading("Searching…");
    submit.disabled = true;
    const [draft, live] = await Promise.allSettled([api.search(q, true, c.signal), api.search(q, false, c.signal)]);
    if (c.signal.aborted) return;
    submit.disabled = false;
    const ok = (r: PromiseSettledResult<SearchResult>) => (r.status === "fulfilled" ? r.value : null);
    const d = ok(draft);
    const l = ok(live);
    const liveRanks = new Map((l?.hits ?? []).map((hit, i) => [hit.sku, i + 1]));
    const draftRanks = new Map((d?.hits ?? []).map((hit, i) => [hit.sku, i + 1]));
    render("draft", draft, liveRanks, l !== null);
    render("live", live, draftRanks, d !== null);
    if (d && l) summary.replaceChildren(diffSummary(d, l, liveRanks, draftRanks));
  }

  function render(side: Side, result: PromiseSettledResult<SearchResult>, other: Map<string, number>,
    compare: boolean): void {
    if (result.status === "rejected") {
      meta[side].replaceChildren();
      const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
      slots[side].error(message, () => void run(lastQuery ?? ""));
      return;
    }
    const r = result.value;
    meta[side].replaceChildren(...[
      h("p", { class: "c-total" }, h("strong", { "data-total": r.total }, num(r.total)), r.total === 1 ? " result" : " results",
        r.took_ms !== undefined ? h("span", { class: "c-muted" }, ` · ${num(r.took_ms, 0)} ms`) : null),
      h("p", { class: "c-rules-fired" }, "Rules fired: ",
        r.rules && r.rules.length ? r.rules.map((id) => badge(id, "info")) : h("span", { class: "c-muted" }, "none")),
      r.relaxed ? h("p", { class: "c-small c-warn-text" }, "Nothing matched every word: these results match fewer words (relaxed).") : null,
      r.redirect ? h("p", { class: "c-small" }, "Redirects to ", h("a", { href: r.redirect, rel: "noopener noreferrer", target: "_blank" }, r.redirect)) : null,
    ].filter((x): x is HTMLParagraphElement => x !== null));
    if (!r.hits.length) {
      slots[side].empty(side === "draft" ? "No results with the draft." : "No results live.");
      return;
    }
    slots[side].show(h("ol", { class: "c-hits", "aria-label": `${side === "draft" ? "Draft" : "Live"} results` },
      r.hits.map((hit, i) => hitRow(side, hit, i + 1, other, compare))));
  }

  function hitRow(side: Side, hit: Hit, rank: number, other: Map<string, number>, compare: boolean): HTMLElement {
    const otherRank = other.get(hit.sku);
    let change: HTMLElement | null = null;
    let kind = "same";
    if (compare) {
      if (otherRank === undefined) {
        kind = side === "draft" ? "new" : "dropped";
        change = side === "draft" ? badge("New", "ok", "Not in the live top 20")
          : badge("Dropped", "bad", "Not in the draft top 20");
      } else if (side === "draft" && otherRank !== rank) {
        const up = otherRank > rank;
        kind = up ? "up" : "down";
        const by = Math.abs(otherRank - rank);
        change = h("span", { class: `c-move c-move-${kind}`, title: `Live rank ${otherRank}` },
          h("span", { "aria-hidden": "true" }, up ? "▲" : "▼"), ` ${by}`,
          h("span", { class: "c-sr-only" }, up ? ` up from ${otherRank}` : ` down from ${otherRank}`));
      } else if (side === "draft") {
        change = h("span", { class: "c-move c-move-same", title: "Same rank live" },
          h("span", { "aria-hidden": "true" }, "="), h("span", { class: "c-sr-only" }, "same rank"));
      }
    }
    const name = hit.highlights?.name ? marked(hit.highlights.name) : document.createTextNode(hit.name ?? hit.sku);
    return h("li", { class: `c-hit c-hit-${kind}`, "data-sku": hit.sku, "data-change": kind },
      h("span", { class: "c-rank", "aria-hidden": "true" }, String(rank)),
      h("div", { class: "c-hit-body" },
        h("span", { class: "c-hit-name" }, name),
        h("span", { class: "c-hit-sku c-mono" }, hit.sku),
        hit.pinned ? badge("Pinned", "info") : null),
      h("span", { class: "c-hit-change" }, change));
  }

  function diffSummary(d: SearchResult, l: SearchResult, liveRanks: Map<string, number>,
    draftRanks: Map<string, number>): HTMLElement {
    const added = d.hits.filter((x) => !liveRanks.has(x.sku)).length;
    const dropped = l.hits.filter((x) => !draftRanks.has(x.sku)).length;
    const moved = d.hits.filter((x, i) => liveRanks.has(x.sku) && liveRanks.get(x.sku) !== i + 1).length;
    const same = !added && !dropped && !moved && d.total === l.total;
    return h("p", { class: "c-diff" }, same
      ? badge("No difference", "neutral")
      : [badge(`${added} new`, added ? "ok" : "neutral"), " ", badge(`${dropped} dropped`, dropped ? "bad" : "neutral"), " ",
        badge(`${moved} moved`, moved ? "warn" : "neutral"), " ",
        h("span", { class: "c-muted" }, `Total: ${num(l.total)} live → ${num(d.total)} draft (top 20 compared)`)]);
  }

  const el = h("section", { class: "c-view", "aria-labelledby": heading.id },
    h("div", { class: "c-view-head" }, heading,
      h("p", { class: "c-lead" }, "See what a query finds with the draft synonyms and rules next to what buyers get now.")),
    form, summary,
    h("div", { class: "c-sides" },
      column("draft", "Draft", "unpublished synonyms and rules"),
      column("live", "Live", "what buyers see")));

  return {
    el, heading,
    enter(route: Route) {
      // without a query in the address (the tab link), the last query runs again
      const q = (route.params.has("q") ? route.params.get("q") ?? "" : input.value).trim();
      if (input.value.trim() !== q) input.value = q;
      // always re-run: the drafts may have changed since
      void run(q);
    },
    leave() { controller?.abort(); },
  };
}
