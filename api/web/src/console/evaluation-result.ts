// One finished (or failed) evaluation: what was compared, the means per metric with the paired
// comparison (delta, p-value, significance), and the per-query differences, sortable by delta
// and filterable to the queries whose results changed.

import type { Comparison, Evaluation, PerQuery } from "./api";
import { badge, h, notice, num, signed, tableWrap, timeEl, uid } from "./ui";

const PAGE = 100;

function significance(p: number | null | undefined): HTMLElement {
  if (p === null || p === undefined || !Number.isFinite(p)) return h("span", { class: "c-muted" }, "–");
  if (p < 0.01) return h("span", { class: "c-sig c-sig-strong", title: "p < 0.01" }, h("span", { "aria-hidden": "true" }, "★★ "), "p < 0.01");
  if (p < 0.05) return h("span", { class: "c-sig", title: "p < 0.05" }, h("span", { "aria-hidden": "true" }, "★ "), "p < 0.05");
  return h("span", { class: "c-muted" }, "not significant");
}

function deltaCell(delta: number | null | undefined, digits = 4): HTMLElement {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return h("span", { class: "c-muted" }, "–");
  const tone = delta > 0 ? "up" : delta < 0 ? "down" : "same";
  return h("span", { class: `c-delta c-delta-${tone}` },
    h("span", { "aria-hidden": "true" }, delta > 0 ? "▲ " : delta < 0 ? "▼ " : ""), signed(delta, digits),
    tone === "same" ? null : h("span", { class: "c-sr-only" }, delta > 0 ? " (B better)" : " (B worse)"));
}

function skuList(skus: string[], other: string[]): HTMLElement {
  if (!skus.length) return h("span", { class: "c-muted" }, "no results");
  const set = new Set(other);
  return h("ol", { class: "c-sku-list" }, skus.map((s) => h("li", { class: set.has(s) ? "" : "c-sku-diff" },
    s, set.has(s) ? null : h("span", { class: "c-sr-only" }, " (only here)"))));
}

export function evaluationResult(run: Evaluation): HTMLElement {
  const title = run.name || `Evaluation ${run.id}`;
  const head = h("div", { class: "c-run-head" },
    h("h2", { id: "c-run-title", class: "c-h2 c-run-title", tabindex: -1 }, title, " ",
      run.status === "done" ? badge("Done", "ok") : run.status === "failed" ? badge("Failed", "bad") : badge(run.status)),
    h("p", { class: "c-run-meta" },
      "A: ", h("strong", { class: "c-mono" }, run.config_a), " vs B: ", h("strong", { class: "c-mono" }, run.config_b),
      " · started ", timeEl(run.created_at), run.finished_at ? [" · finished ", timeEl(run.finished_at)] : null,
      run.created_by ? ` · by ${run.created_by}` : null));
  const root = h("section", { class: "c-card c-run", "aria-labelledby": "c-run-title", "data-status": run.status }, head);
  if (run.status === "failed") {
    root.append(notice("error", h("strong", {}, "The evaluation failed: "), run.error || "no reason given"));
    return root;
  }

  // what was judged, and what could not be
  const facts: (Node | string)[] = [];
  const j = run.judged;
  if (j) facts.push(h("li", {}, `${num(j.queries)} queries, ${num(j.judgements)} judgements` +
    (j.judged_queries !== undefined && j.judged_queries !== j.queries ? ` (${num(j.judged_queries)} queries judged)` : "")));
  if (run.zero_results) facts.push(h("li", {}, `Queries without results: A ${num(run.zero_results.a)}, B ${num(run.zero_results.b)}`));
  const unknown = run.unknown_skus;
  const unknownCount = Array.isArray(unknown) ? unknown.length : typeof unknown === "number" ? unknown : 0;
  const examples = Array.isArray(unknown) ? unknown : run.unknown_sku_examples ?? [];
  if (unknownCount) {
    facts.push(h("li", { class: "c-warn-text" }, `${num(unknownCount)} judged SKU${unknownCount === 1 ? " is" : "s are"} not in the catalog`,
      examples.length ? ` (${examples.slice(0, 5).join(", ")}${unknownCount > 5 ? ", …" : ""})` : "",
      "; they count as not found."));
  }
  for (const w of j?.warnings ?? []) facts.push(h("li", { class: "c-warn-text" }, w));
  if (facts.length) root.append(h("ul", { class: "c-facts" }, facts));

  // the comparison
  const comparison: Comparison[] = run.comparison ?? [];
  const metrics = run.metrics?.length ? run.metrics
    : comparison.length ? comparison.map((c) => c.metric) : Object.keys(run.summary?.a ?? {});
  if (comparison.length || run.summary) {
    const rows = comparison.length ? comparison : metrics.map((m) => ({
      metric: m, a: run.summary?.a?.[m] ?? null, b: run.summary?.b?.[m] ?? null,
      delta: null, p_value: null,
    } as Comparison));
    root.append(h("h3", { class: "c-h3" }, "Summary"),
      tableWrap(h("table", { class: "c-table c-compare" },
        h("caption", { class: "c-sr-only" }, `Mean of each metric, ${run.config_a} (A) vs ${run.config_b} (B)`),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "Metric"),
          h("th", { scope: "col", class: "c-num" }, `A (${run.config_a})`),
          h("th", { scope: "col", class: "c-num" }, `B (${run.config_b})`),
          h("th", { scope: "col", class: "c-num" }, "Δ (B − A)"),
          h("th", { scope: "col", class: "c-num" }, "p-value"),
          h("th", { scope: "col" }, "Significance"),
          h("th", { scope: "col", class: "c-num" }, h("abbr", { title: "queries where B is better / worse / equal" }, "B better / worse / tie")))),
        h("tbody", {}, rows.map((c) => h("tr", { "data-metric": c.metric },
          h("th", { scope: "row", class: "c-mono" }, c.metric),
          h("td", { class: "c-num" }, num(c.a, 4)),
          h("td", { class: "c-num" }, num(c.b, 4)),
          h("td", { class: "c-num" }, deltaCell(c.delta)),
          h("td", { class: "c-num" }, c.p_value === null || c.p_value === undefined ? "–" : c.p_value < 0.001 ? "< 0.001" : c.p_value.toFixed(3)),
          h("td", {}, significance(c.p_value)),
          h("td", { class: "c-num" }, c.wins === undefined ? "–" : `${c.wins} / ${c.losses} / ${c.ties}`))))),
      "Summary of the comparison"),
      h("p", { class: "c-muted c-small" }, "p-value: paired permutation test over the queries; ★ marks p < 0.05, ★★ p < 0.01."));
  }

  if (run.per_query) root.append(perQueryTable(run.per_query, metrics, run));
  return root;
}

type SortKey = "impact" | "query" | "a" | "b" | "delta";

function perQueryTable(rows: PerQuery[], metrics: string[], run: Evaluation): HTMLElement {
  let metric = metrics[0] ?? "";
  let sort: SortKey = "impact";
  let dir: 1 | -1 = 1;
  let onlyChanged = false;
  let text = "";
  let shown = PAGE;

  const metricId = uid("pq-metric");
  const changedId = uid("pq-changed");
  const filterId = uid("pq-filter");
  const metricSelect = h("select", { id: metricId, class: "c-select" }, metrics.map((m) => h("option", { value: m }, m)));
  const changed = h("input", { id: changedId, type: "checkbox", class: "c-check" });
  const filter = h("input", { id: filterId, type: "search", class: "c-input", placeholder: "Find a query", autocomplete: "off" });
  const count = h("p", { class: "c-muted c-small", "aria-live": "polite" });
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "c-btn c-btn-secondary" }, "Show more");
  more.addEventListener("click", () => { shown += PAGE; draw(); });

  const valueOf = (r: PerQuery, side: "a" | "b"): number | null => {
    const v = r[side]?.[metric];
    return v === null || v === undefined ? null : v;
  };
  const deltaOf = (r: PerQuery): number | null => {
    if (metric === metrics[0] && r.delta !== undefined) return r.delta;
    const a = valueOf(r, "a");
    const b = valueOf(r, "b");
    return a === null || b === null ? null : b - a;
  };
  const topsDiffer = (r: PerQuery) => r.top_a.length !== r.top_b.length || r.top_a.some((s, i) => s !== r.top_b[i]);
  const isChanged = (r: PerQuery) => { const d = deltaOf(r); return (d !== null && Math.abs(d) > 1e-9) || topsDiffer(r); };

  const headers: { key: SortKey; label: () => string; numeric: boolean }[] = [
    { key: "query", label: () => "Query", numeric: false },
    { key: "a", label: () => `A ${metric}`, numeric: true },
    { key: "b", label: () => `B ${metric}`, numeric: true },
    { key: "delta", label: () => "Δ", numeric: true },
  ];
  const headRow = h("tr", {});

  function drawHead(): void {
    headRow.replaceChildren(
      ...headers.map((col) => {
        const active = sort === col.key;
        const ariaSort = active ? (dir === 1 ? "ascending" : "descending") : undefined;
        const arrow = active ? (dir === 1 ? "↑" : "↓") : "↕";
        const btn = h("button", { type: "button", class: "c-sort", "data-sort": col.key },
          col.label(), h("span", { class: "c-sort-arrow", "aria-hidden": "true" }, arrow));
        btn.addEventListener("click", () => {
          if (sort === col.key) dir = dir === 1 ? -1 : 1;
          else { sort = col.key; dir = col.key === "query" ? 1 : col.key === "delta" ? 1 : -1; }
          shown = PAGE;
          draw();
          headRow.querySelector<HTMLElement>(`[data-sort="${col.key}"]`)?.focus();
        });
        return h("th", { scope: "col", class: col.numeric ? "c-num" : undefined, "aria-sort": ariaSort }, btn);
      }),
      h("th", { scope: "col" }, `Top A (${run.config_a})`),
      h("th", { scope: "col" }, `Top B (${run.config_b})`));
  }

  function draw(): void {
    drawHead();
    const needle = text.trim().toLowerCase();
    let list = rows.filter((r) => (!onlyChanged || isChanged(r)) && (!needle || r.query.toLowerCase().includes(needle)));
    if (sort !== "impact") {
      const key = (r: PerQuery): number | string | null =>
        sort === "query" ? r.query.toLowerCase() : sort === "a" ? valueOf(r, "a") : sort === "b" ? valueOf(r, "b") : deltaOf(r);
      list = [...list].sort((x, y) => {
        const kx = key(x);
        const ky = key(y);
        if (kx === null && ky === null) return 0;
        if (kx === null) return 1; // undefined values last in either direction
        if (ky === null) return -1;
        return (kx < ky ? -1 : kx > ky ? 1 : 0) * dir;
      });
    }
    count.textContent = `Showing ${num(Math.min(shown, list.length))} of ${num(list.length)} queries` +
      (list.length !== rows.length ? ` (${num(rows.length)} in all)` : "");
    body.replaceChildren(...list.slice(0, shown).map((r) => {
      const d = deltaOf(r);
      return h("tr", { "data-query": r.query, class: d !== null && d < 0 ? "c-row-worse" : d !== null && d > 0 ? "c-row-better" : undefined },
        h("th", { scope: "row", class: "c-pq-query" }, r.query),
        h("td", { class: "c-num" }, num(valueOf(r, "a"), 3)),
        h("td", { class: "c-num" }, num(valueOf(r, "b"), 3)),
        h("td", { class: "c-num" }, deltaCell(d, 3)),
        h("td", {}, skuList(r.top_a, r.top_b)),
        h("td", {}, skuList(r.top_b, r.top_a)));
    }));
    if (!list.length) {
      body.append(h("tr", {}, h("td", { colspan: 6, class: "c-empty" },
        onlyChanged ? "No query changed between A and B." : "No query matches the filter.")));
    }
    more.hidden = list.length <= shown;
  }

  metricSelect.addEventListener("change", () => { metric = metricSelect.value; draw(); });
  changed.addEventListener("change", () => { onlyChanged = changed.checked; shown = PAGE; draw(); });
  let timer = 0;
  filter.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => { text = filter.value; shown = PAGE; draw(); }, 150);
  });
  draw();

  return h("section", { class: "c-per-query", "aria-labelledby": "c-pq-title" },
    h("h3", { id: "c-pq-title", class: "c-h3" }, "Per query"),
    h("div", { class: "c-toolbar" },
      metrics.length > 1 ? h("div", { class: "c-field c-field-inline" }, h("label", { for: metricId }, "Metric"), metricSelect) : null,
      h("div", { class: "c-check-field" }, changed, h("label", { for: changedId }, "Only changed queries")),
      h("div", { class: "c-field c-field-inline" }, h("label", { for: filterId }, "Find"), filter)),
    count,
    tableWrap(h("table", { class: "c-table c-pq-table" },
      h("caption", { class: "c-sr-only" }, "Per-query differences; the column buttons sort"),
      h("thead", {}, headRow), body), "Per-query differences"),
    h("div", { class: "c-actions" }, more));
}
