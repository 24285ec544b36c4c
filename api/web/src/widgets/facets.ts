// Facets in a side panel: multi-select values with counts (the counts of a facet's other
// values stay as they were when one is selected), numeric ranges with min/max inputs, and
// the category tree. On a narrow screen the panel folds behind a "Filters" button.

import type { Facet, FacetValue } from "./api";
import type { Controller, ResultsDetail } from "./controller";
import { h, rerender, uid } from "./dom";

const VISIBLE = 8;

export function mountFacets(c: Controller, el: HTMLElement): void {
  const t = c.t;
  const bodyId = uid("facets");
  const toggle = h("button", { type: "button", class: "dsc-facets-toggle", "aria-expanded": "false",
    "aria-controls": bodyId }, t.showFilters);
  const body = h("div", { class: "dsc-facets-body", id: bodyId });
  const expanded = new Set<string>();
  el.replaceChildren(h("aside", { class: "dsc-facets", "aria-label": t.filters }, toggle, body));
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    el.classList.toggle("dsc-facets-open", open);
  });

  const render = (facets: Facet[]) => {
    const active = c.activeFilterCount();
    toggle.textContent = active ? `${t.showFilters} (${active})` : t.showFilters;
    rerender(body, () => [
      h("div", { class: "dsc-facets-head" },
        h("h2", { class: "dsc-facets-title" }, t.filters),
        active ? h("button", { type: "button", class: "dsc-link", "data-focus": "clear-all",
          onclick: () => c.clearFilters() }, t.clearFilters) : ""),
      ...facets.filter(visible).map((f) => {
        if (f.kind === "range") return rangeFacet(c, f);
        if (f.kind === "hierarchy") return categoryFacet(c, f);
        return termsFacet(c, f, expanded, () => render(facets));
      }),
    ]);
  };
  c.addEventListener("results", (e) => render((e as CustomEvent<ResultsDetail>).detail.response.facets));
}

function visible(f: Facet): boolean {
  if (f.kind === "range") return f.min !== null && f.min !== undefined && f.max !== f.min;
  return (f.values ?? []).length > 0;
}

function termsFacet(c: Controller, f: Facet, expanded: Set<string>, again: () => void): HTMLElement {
  const t = c.t;
  const chosen = c.selected.get(f.field) ?? new Set<string>();
  const values = [...(f.values ?? [])];
  // a chosen value stays listed even when the other filters leave it no products
  for (const v of chosen) if (!values.some((x) => x.value === v)) values.push({ value: v, count: 0, selected: true });
  const open = expanded.has(f.field);
  const shown = open ? values : values.slice(0, VISIBLE);
  const label = (v: FacetValue) => f.field === "availability" ? t.availability[v.value] ?? v.value : v.value;
  return h("fieldset", { class: "dsc-facet", "data-field": f.field },
    h("legend", {}, f.label),
    h("ul", {}, shown.map((v) => {
      const id = uid("fv");
      const box = h("input", { type: "checkbox", id, checked: chosen.has(v.value),
        "data-focus": `${f.field}=${v.value}`, "data-value": v.value });
      box.addEventListener("change", () => c.toggle(f.field, v.value));
      return h("li", {}, box, h("label", { for: id }, label(v), h("span", { class: "dsc-count" }, String(v.count))));
    })),
    values.length > VISIBLE ? h("button", { type: "button", class: "dsc-link", "data-focus": `${f.field}-more`,
      "aria-expanded": String(open), onclick: () => {
        if (open) expanded.delete(f.field);
        else expanded.add(f.field);
        again();
      } }, open ? t.showLess : t.showMore) : "");
}

function categoryFacet(c: Controller, f: Facet): HTMLElement {
  const t = c.t;
  const values = f.values ?? [];
  const item = (label: string, path: string | null, level: number, count: number | null, current: boolean) =>
    h("li", { style: `--level:${level}` }, h("button", {
      type: "button", class: `dsc-cat${current ? " dsc-cat-current" : ""}`, "aria-current": current ? "true" : null,
      "data-focus": `cat=${path ?? ""}`, onclick: () => c.setCategory(current && path ? parent(path) : path),
    }, label, count !== null ? h("span", { class: "dsc-count" }, String(count)) : ""));
  return h("fieldset", { class: "dsc-facet dsc-facet-tree", "data-field": f.field },
    h("legend", {}, f.label),
    h("ul", {},
      c.category ? item(t.allCategories, null, 0, null, false) : "",
      values.map((v) => item(v.value.split(" > ").pop() ?? v.value, v.value, v.level ?? 0, v.count,
        v.value === c.category))));
}

function parent(path: string): string | null {
  const cut = path.lastIndexOf(" > ");
  return cut > 0 ? path.slice(0, cut) : null;
}

function rangeFacet(c: Controller, f: Facet): HTMLElement {
  const t = c.t;
  const [lo, hi] = c.ranges.get(f.field) ?? [null, null];
  const unit = f.unit ? ` (${f.unit})` : "";
  const field = (which: "min" | "max", value: number | null, bound: number | null | undefined) => {
    const id = uid("rg");
    const input = h("input", { type: "number", id, inputmode: "decimal", step: "any", class: "dsc-range-input",
      value: value ?? "", placeholder: bound ?? "", "data-focus": `${f.field}-${which}` });
    return [h("label", { for: id, class: "dsc-range-label" }, which === "min" ? t.min : t.max), input] as const;
  };
  const [minLabel, minInput] = field("min", lo, f.min);
  const [maxLabel, maxInput] = field("max", hi, f.max);
  const apply = () => {
    const num = (s: string) => (s.trim() === "" || !Number.isFinite(Number(s)) ? null : Number(s));
    const a = num(minInput.value);
    const b = num(maxInput.value);
    if (a === lo && b === hi) return;
    c.setRange(f.field, a, b);
  };
  const form = h("form", { class: "dsc-range" }, h("div", {}, minLabel, minInput),
    h("div", {}, maxLabel, maxInput), h("button", { type: "submit", class: "dsc-apply" }, t.apply));
  form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  minInput.addEventListener("change", apply);
  maxInput.addEventListener("change", apply);
  return h("fieldset", { class: "dsc-facet", "data-field": f.field },
    h("legend", {}, `${f.label}${unit}`), form);
}
