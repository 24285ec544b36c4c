// The search state a page's widgets share: what was typed, the selected facet values and
// ranges, the category, sort and page. Every change runs one search; an older search still in
// flight is aborted, so a fast typist never sees results of an earlier keystroke last.

import { Api, ApiError, type SearchResponse } from "./api";
import { strings, type Strings } from "./i18n";

export interface Config {
  api: string;
  key: string | null;
  lang: string;
  defaultFilters: string[];
  pageSize: number;
  facets: string[] | null;
  urlSync: boolean;
  resultsUrl: string | null;
  suggestionLimit: number;
  /** camera and microphone buttons in the search box (data-capture="false" hides them) */
  capture: boolean;
}

export const DEFAULT_FACETS = [
  "category", "brand", "manufacturer", "material", "color", "availability", "order_type",
  "shipping_methods", "price_per_piece", "weight_kg", "length_mm", "width_mm", "height_mm",
  "delivery_days",
];

export interface ResultsDetail {
  response: SearchResponse;
  /** performance.now() when the change that caused this search happened */
  startedAt: number;
  /** what caused it: "type" for a keystroke, else "filter", "sort", "page", "load" */
  cause: string;
  /** no newer search was sent meanwhile: these are the results of the current state */
  final: boolean;
}

export interface Timing {
  q: string;
  cause: string;
  /** keystroke (or click) to results on screen */
  ms: number;
  /** the server's own time for the search */
  server_ms: number;
  /** when the results were on screen, in ms since the page started loading */
  at: number;
}

declare global {
  interface Window {
    discoveryTimings?: Timing[];
  }
}

type Range = [number | null, number | null];

export class Controller extends EventTarget {
  readonly api: Api;
  readonly t: Strings;
  q = "";
  sort = "relevance";
  page = 1;
  category: string | null = null;
  readonly selected = new Map<string, Set<string>>();
  readonly ranges = new Map<string, Range>();
  last: SearchResponse | null = null;
  private readonly inflight = new Map<number, AbortController>();
  private issued = 0; // searches sent
  private drawn = 0; // the newest search whose results were drawn
  private started = false;

  constructor(readonly config: Config) {
    super();
    this.api = new Api(config.api, config.key);
    this.t = strings(config.lang);
    if (config.urlSync) this.readUrl();
  }

  /** Runs the first search once the widgets are mounted (and listening). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.search("load");
  }

  filters(): string[] {
    const out = [...this.config.defaultFilters];
    for (const [field, values] of this.selected) for (const v of values) out.push(`${field}:${v}`);
    for (const [field, [lo, hi]] of this.ranges) {
      if (lo !== null || hi !== null) out.push(`${field}:${lo ?? ""}..${hi ?? ""}`);
    }
    if (this.category) out.push(`category:${this.category}`);
    return out;
  }

  /** How many filters the buyer chose (not the storefront's default filters). */
  activeFilterCount(): number {
    let n = this.category ? 1 : 0;
    for (const values of this.selected.values()) n += values.size;
    for (const [lo, hi] of this.ranges.values()) if (lo !== null || hi !== null) n += 1;
    return n;
  }

  setQuery(q: string): void {
    if (q === this.q) return;
    this.q = q;
    this.page = 1;
    this.dispatchEvent(new CustomEvent("query", { detail: q }));
    void this.search("type");
  }

  toggle(field: string, value: string): void {
    const values = this.selected.get(field) ?? new Set<string>();
    if (values.has(value)) values.delete(value);
    else values.add(value);
    if (values.size) this.selected.set(field, values);
    else this.selected.delete(field);
    this.page = 1;
    void this.search("filter");
  }

  setRange(field: string, lo: number | null, hi: number | null): void {
    if (lo === null && hi === null) this.ranges.delete(field);
    else this.ranges.set(field, [lo, hi]);
    this.page = 1;
    void this.search("filter");
  }

  setCategory(path: string | null): void {
    this.category = path;
    this.page = 1;
    void this.search("filter");
  }

  clearFilters(): void {
    this.selected.clear();
    this.ranges.clear();
    this.category = null;
    this.page = 1;
    void this.search("filter");
  }

  setSort(sort: string): void {
    this.sort = sort;
    this.page = 1;
    void this.search("sort");
  }

  setPage(page: number): void {
    this.page = page;
    void this.search("page");
  }

  async search(cause: string): Promise<void> {
    // Searches are not aborted when the next keystroke comes: whichever answer arrives is
    // drawn unless a newer one is already on screen, so results keep up with a fast typist
    // even when the network is slower than the typing. Older searches still in flight are
    // aborted once a newer answer is drawn.
    const startedAt = performance.now();
    const seq = ++this.issued;
    const inflight = new AbortController();
    this.inflight.set(seq, inflight);
    if (this.config.urlSync) this.writeUrl();
    this.dispatchEvent(new CustomEvent("loading", { detail: cause }));
    try {
      const response = await this.api.search({
        q: this.q, filters: this.filters(), sort: this.sort, page: this.page,
        pageSize: this.config.pageSize, facets: this.config.facets,
      }, inflight.signal);
      if (seq < this.drawn) return;
      this.drawn = seq;
      for (const [older, ctl] of this.inflight) if (older < seq) ctl.abort();
      this.last = response;
      this.dispatchEvent(new CustomEvent<ResultsDetail>("results", {
        detail: { response, startedAt, cause, final: seq === this.issued },
      }));
    } catch (err) {
      if (seq < this.drawn || (err instanceof DOMException && err.name === "AbortError")) return;
      const message = err instanceof ApiError && err.status < 500 ? err.message : this.t.error;
      this.dispatchEvent(new CustomEvent("error", { detail: message }));
    } finally {
      this.inflight.delete(seq);
    }
  }

  /** Shows a response obtained elsewhere (a search by voice, photo or barcode) as the current
   * results: `q` goes into the search box without searching again, searches still in flight
   * are dropped, and the next change (a filter, the next page) searches `q` as usual. */
  show(response: SearchResponse, q: string, cause: string, startedAt: number): void {
    this.q = q;
    this.page = 1;
    this.dispatchEvent(new CustomEvent("query", { detail: q }));
    if (this.config.urlSync) this.writeUrl();
    const seq = ++this.issued;
    this.drawn = seq;
    for (const ctl of this.inflight.values()) ctl.abort();
    this.last = response;
    this.dispatchEvent(new CustomEvent<ResultsDetail>("results", {
      detail: { response, startedAt, cause, final: true },
    }));
  }

  /** Called by the results widget once the results of a search are on screen. */
  rendered(detail: ResultsDetail): void {
    const now = performance.now();
    const timing: Timing = {
      q: detail.response.query, cause: detail.cause,
      ms: Math.round((now - detail.startedAt) * 10) / 10,
      server_ms: detail.response.took_ms,
      at: Math.round(now),
    };
    (window.discoveryTimings ??= []).push(timing);
    document.dispatchEvent(new CustomEvent("discovery:results", { detail: timing }));
  }

  private readUrl(): void {
    const params = new URLSearchParams(window.location.search);
    this.q = params.get("q") ?? "";
    this.sort = params.get("sort") ?? "relevance";
    this.page = Math.max(1, Number(params.get("page")) || 1);
    for (const raw of params.getAll("filter")) {
      const cut = raw.indexOf(":");
      if (cut <= 0) continue;
      const field = raw.slice(0, cut);
      const value = raw.slice(cut + 1);
      if (field === "category") {
        this.category = value;
      } else if (value.includes("..")) {
        const [lo, hi] = value.split("..");
        this.ranges.set(field, [lo ? Number(lo) : null, hi ? Number(hi) : null]);
      } else {
        const values = this.selected.get(field) ?? new Set<string>();
        values.add(value);
        this.selected.set(field, values);
      }
    }
  }

  private writeUrl(): void {
    const params = new URLSearchParams();
    if (this.q) params.set("q", this.q);
    const defaults = new Set(this.config.defaultFilters);
    for (const f of this.filters()) if (!defaults.has(f)) params.append("filter", f);
    if (this.sort !== "relevance") params.set("sort", this.sort);
    if (this.page > 1) params.set("page", String(this.page));
    const query = params.toString();
    const url = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
    window.history.replaceState(null, "", url);
  }
}
