// "Analytics": the four search reports as tables over the last 24 hours, 7 or 30 days.

import { api, type ReportName, type ReportRow } from "./api";
import { button, type Column, dataTable, h, num, pct, viewHeading, Slot, tableWrap, timeEl, uid } from "./ui";
import type { Context, Route, View } from "./view";

const RANGES = [
  { value: "24h", label: "Last 24 hours", hours: 24 },
  { value: "7d", label: "Last 7 days", hours: 24 * 7 },
  { value: "30d", label: "Last 30 days", hours: 24 * 30 },
];
const LIMITS = [10, 20, 50, 100];

const queryCell = (row: ReportRow): Node => {
  const q = String(row.query ?? "");
  return q ? h("a", { href: `#/preview?q=${encodeURIComponent(q)}`, title: "Preview this query" }, q)
    : h("span", { class: "c-muted" }, "(empty query)");
};

const REPORTS: { name: ReportName; title: string; about: string; columns: Column<ReportRow>[] }[] = [
  {
    name: "top-queries", title: "Top queries", about: "The most frequent searches.",
    columns: [
      { key: "query", label: "Query", cell: queryCell },
      { key: "searches", label: "Searches", numeric: true, cell: (r) => num(r.searches) },
      { key: "zero_results", label: "With no results", numeric: true, cell: (r) => num(r.zero_results) },
      { key: "mean_hits", label: "Mean results", numeric: true, cell: (r) => num(r.mean_hits, 1) },
    ],
  },
  {
    name: "zero-result-queries", title: "Queries without results",
    about: "What buyers looked for and did not find: candidates for synonyms.",
    columns: [
      { key: "query", label: "Query", cell: queryCell },
      { key: "searches", label: "Searches", numeric: true, cell: (r) => num(r.searches) },
      { key: "last_seen", label: "Last seen", cell: (r) => timeEl(r.last_seen as string | null) },
    ],
  },
  {
    name: "click-through", title: "Click-through", about: "How often a search led to a click on a result.",
    columns: [
      { key: "query", label: "Query", cell: queryCell },
      { key: "searches", label: "Searches", numeric: true, cell: (r) => num(r.searches) },
      { key: "ctr", label: "Click-through", numeric: true, cell: (r) => pct(r.ctr) },
      { key: "clicks", label: "Clicks", numeric: true, cell: (r) => num(r.clicks) },
      { key: "mean_click_position", label: "Mean click position", numeric: true, cell: (r) => num(r.mean_click_position, 1) },
      { key: "add_to_cart_searches", label: "Searches with add-to-cart", numeric: true, cell: (r) => num(r.add_to_cart_searches) },
    ],
  },
  {
    name: "slowest-queries", title: "Slowest queries", about: "By 95th-percentile response time.",
    columns: [
      { key: "query", label: "Query", cell: queryCell },
      { key: "searches", label: "Searches", numeric: true, cell: (r) => num(r.searches) },
      { key: "p95_ms", label: "p95 (ms)", numeric: true, cell: (r) => num(r.p95_ms, 1) },
      { key: "mean_ms", label: "Mean (ms)", numeric: true, cell: (r) => num(r.mean_ms, 1) },
      { key: "max_ms", label: "Max (ms)", numeric: true, cell: (r) => num(r.max_ms, 1) },
    ],
  },
];

export function analyticsView(ctx: Context): View {
  const heading = viewHeading("Analytics", "c-analytics-title");
  let range = "7d";
  let limit = 20;
  let controller: AbortController | null = null;

  const radios = RANGES.map((r) => {
    const id = uid(`range-${r.value}`);
    const radio = h("input", { type: "radio", name: "c-range", id, value: r.value, class: "c-seg-input" });
    radio.addEventListener("change", () => { if (radio.checked) go({ range: r.value }); });
    return { radio, el: h("span", { class: "c-seg-item" }, radio, h("label", { for: id, class: "c-seg-label" }, r.label)) };
  });
  const limitId = uid("limit");
  const limitSelect = h("select", { id: limitId, class: "c-select" },
    LIMITS.map((n) => h("option", { value: n }, String(n))));
  limitSelect.addEventListener("change", () => go({ limit: limitSelect.value }));
  const refresh = button("Refresh", () => load(), "secondary");
  const updated = h("span", { class: "c-muted c-small", "aria-live": "polite" });

  const controls = h("div", { class: "c-toolbar" },
    h("fieldset", { class: "c-seg" }, h("legend", { class: "c-seg-legend" }, "Period"), radios.map((r) => r.el)),
    h("div", { class: "c-field c-field-inline" }, h("label", { for: limitId }, "Rows"), limitSelect),
    refresh, updated);

  const cards = REPORTS.map((report) => {
    const slot = new Slot("c-report-body");
    const titleId = `c-report-${report.name}`;
    const card = h("section", { class: "c-card c-report", "aria-labelledby": titleId, "data-report": report.name },
      h("h2", { id: titleId, class: "c-h2" }, report.title),
      h("p", { class: "c-muted c-small" }, report.about),
      slot.el);
    return { report, slot, card };
  });

  function go(change: { range?: string; limit?: string }): void {
    const params = new URLSearchParams({ range: change.range ?? range, limit: change.limit ?? String(limit) });
    ctx.navigate(`#/analytics?${params}`);
  }

  function load(): void {
    controller?.abort();
    const c = new AbortController();
    controller = c;
    const hours = RANGES.find((r) => r.value === range)?.hours ?? 24 * 7;
    const since = new Date(Date.now() - hours * 3600_000).toISOString();
    const label = RANGES.find((r) => r.value === range)?.label.toLowerCase() ?? "";
    for (const { report, slot } of cards) {
      if (slot.el.querySelector("table")) slot.busy();
      else slot.loading();
      api.report(report.name, since, limit, c.signal).then((body) => {
        if (c.signal.aborted) return;
        if (!body.rows.length) slot.empty(`No searches in the ${label}.`);
        else slot.show(tableWrap(dataTable(report.columns, body.rows, `${report.title}, ${label}`), `${report.title} table`));
      }).catch((err: unknown) => {
        if (c.signal.aborted) return;
        slot.error(err instanceof Error ? err.message : String(err), load);
      });
    }
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  const el = h("section", { class: "c-view", "aria-labelledby": heading.id },
    h("div", { class: "c-view-head" }, heading,
      h("p", { class: "c-lead" }, "What buyers search for, what they do not find, and what they click.")),
    controls,
    h("div", { class: "c-reports" }, cards.map((c) => c.card)));

  return {
    el, heading,
    enter(route: Route) {
      const r = route.params.get("range");
      if (RANGES.some((x) => x.value === r)) range = r!; // else the last one (7 days at first)
      const l = Number(route.params.get("limit"));
      if (LIMITS.includes(l)) limit = l;
      for (const { radio } of radios) radio.checked = radio.value === range;
      limitSelect.value = String(limit);
      load();
    },
    leave() { controller?.abort(); },
  };
}
