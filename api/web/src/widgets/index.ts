// B2B Discovery search widgets. A storefront includes this one script and marks elements:
//
//   <script src="https://SEARCH-HOST/widgets.js" data-key="PUBLIC_KEY" defer></script>
//   <div data-discovery="searchbox"></div>   <div data-discovery="autocomplete"></div>
//   <div data-discovery="facets"></div>      <div data-discovery="results"></div>
//
// Configuration comes from data- attributes on the script tag, overridden by the same
// attributes on any widget element: data-api (API base URL; default: where the script came
// from), data-key (public search key), data-filters (default filters, ";"-separated, e.g.
// "availability:in_stock;brand:Acme"), data-lang (en, de), data-page-size, data-facets
// (comma-separated facet fields), data-url-sync (keep the search in the page URL),
// data-results-url (a search box on another page sends the buyer there), data-capture="false"
// (no camera and microphone buttons in the search box).

import { Controller, DEFAULT_FACETS, type Config } from "./controller";
import { mountFacets } from "./facets";
import { closeProduct, openProduct } from "./panel";
import { mountResults } from "./results";
import { Autocomplete, mountSearchbox } from "./searchbox";
import css from "./widgets.css?inline";

const script = document.currentScript as HTMLScriptElement | null;

function scriptOrigin(): string {
  if (script?.src) return new URL(script.src, window.location.href).origin;
  return window.location.origin;
}

function configFrom(elements: HTMLElement[]): Config {
  const data: Record<string, string | undefined> = { ...(script?.dataset ?? {}) };
  for (const el of elements) {
    for (const [name, value] of Object.entries(el.dataset)) if (name !== "discovery") data[name] = value;
  }
  const list = (s: string | undefined, sep: string) =>
    (s ?? "").split(sep).map((x) => x.trim()).filter(Boolean);
  const pageSize = Number(data.pageSize);
  return {
    api: (data.api || scriptOrigin()).replace(/\/+$/, ""),
    key: data.key || null,
    lang: data.lang || document.documentElement.lang || "en",
    defaultFilters: list(data.filters, ";"),
    pageSize: Number.isInteger(pageSize) && pageSize > 0 && pageSize <= 100 ? pageSize : 20,
    facets: data.facets ? list(data.facets, ",") : DEFAULT_FACETS,
    urlSync: data.urlSync !== undefined && data.urlSync !== "false",
    resultsUrl: data.resultsUrl || null,
    suggestionLimit: 5,
    capture: data.capture !== "false",
  };
}

function injectStyles(): void {
  if (document.getElementById("dsc-styles")) return;
  const style = document.createElement("style");
  style.id = "dsc-styles";
  style.textContent = css;
  document.head.prepend(style); // first: the storefront's own styles can override ours
}

/** Mounts every [data-discovery] element under `root` that is not mounted yet. */
export function mount(root: ParentNode = document): Controller | null {
  const elements = [...root.querySelectorAll<HTMLElement>("[data-discovery]")]
    .filter((el) => !el.dataset.discoveryMounted && el.dataset.discovery !== "panel");
  if (!elements.length) return null;
  injectStyles();
  const c = new Controller(configFrom(elements));
  let autocomplete: Autocomplete | null = null;
  const byKind = (kind: string) => elements.filter((el) => el.dataset.discovery === kind);
  for (const el of byKind("autocomplete")) {
    el.classList.add("dsc-root");
    autocomplete = new Autocomplete(c, el);
  }
  for (const el of byKind("searchbox")) mountSearchbox(c, el, () => autocomplete);
  if (!byKind("searchbox").length) {
    // an autocomplete on its own brings its own input
    for (const el of byKind("autocomplete")) {
      const box = document.createElement("div");
      el.prepend(box);
      mountSearchbox(c, box, () => autocomplete);
    }
  }
  for (const el of byKind("facets")) mountFacets(c, el);
  for (const el of byKind("results")) mountResults(c, el);
  for (const el of elements) {
    el.classList.add("dsc-root");
    el.dataset.discoveryMounted = "true";
    const known = ["searchbox", "autocomplete", "facets", "results"];
    if (!known.includes(el.dataset.discovery ?? "")) {
      console.warn(`B2B Discovery: unknown widget data-discovery="${el.dataset.discovery}"; ` +
        `known: ${known.join(", ")}`);
    }
  }
  if (byKind("results").length || byKind("facets").length) c.start();
  return c;
}

export { closeProduct, openProduct };

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => mount());
} else {
  mount();
}
