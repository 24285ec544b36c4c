// The product's HTTP API as the widgets use it: search, autocomplete, the product card,
// click events, and search by photo, barcode and voice (uploads). Requests are "simple" cross-origin GETs (the public key travels as the `key`
// query parameter, no custom headers), so a storefront on another origin pays no preflight.

export interface FacetValue {
  value: string;
  count: number;
  selected?: boolean;
  level?: number;
}

export interface RangeBucket {
  from: number | null;
  to: number | null;
  count: number;
}

export interface Facet {
  field: string;
  label: string;
  kind: "terms" | "range" | "hierarchy";
  values?: FacetValue[];
  min?: number | null;
  max?: number | null;
  unit?: string;
  buckets?: RangeBucket[];
}

export interface Hit {
  sku: string;
  name?: string;
  brand?: string;
  category?: string;
  image?: string;
  price_per_piece?: number | null;
  price_per_package?: number | null;
  currency?: string;
  availability?: string;
  delivery_days?: number | null;
  pieces_per_package?: number | null;
  highlights?: { name?: string; description?: string };
  [field: string]: unknown;
}

export interface SearchResponse {
  query: string;
  total: number;
  page: number;
  page_size: number;
  pages: number;
  sort: string;
  relaxed: boolean;
  /** how many products match every word, when the facet counts describe only those */
  total_every_word?: number | null;
  hits: Hit[];
  facets: Facet[];
  took_ms: number;
  search_id?: string;
}

export interface Suggestions {
  query: string;
  completions: { text: string }[];
  products: { sku: string; name: string; highlight: string; price_per_piece?: number | null; currency?: string; image?: string }[];
  categories: { value: string }[];
  brands: { value: string; count: number }[];
  redirect: string | null;
}

export interface SearchParams {
  q: string;
  filters: string[];
  sort: string;
  page: number;
  pageSize: number;
  facets: string[] | null;
}

export class ApiError extends Error {
  /** the server's `detail` (for the shop's developers: what to configure, which field) */
  constructor(message: string, readonly status: number, readonly detail: string = "") {
    super(message);
  }
}

/** What /v1/search/voice answers: the search of the words spoken. */
export interface VoiceResponse extends SearchResponse {
  transcript: string;
}

export interface DecodedCode {
  format: string;
  text: string;
  skus: string[];
}

/** What /v1/search/barcode answers. */
export interface BarcodeResponse {
  codes: DecodedCode[];
  hits: (Hit & { found_by: { format: string; text: string }[] })[];
  unknown_codes: { format: string; text: string }[];
  total: number;
  took_ms: number;
  search_id?: string | null;
}

export class Api {
  constructor(readonly base: string, readonly key: string | null) {}

  private url(path: string, params: [string, string][]): string {
    const query = new URLSearchParams(params);
    if (this.key) query.append("key", this.key);
    return `${this.base}${path}?${query.toString()}`;
  }

  private async get<T>(url: string, signal?: AbortSignal, init: RequestInit = {}): Promise<T> {
    const response = await fetch(url, { signal, credentials: "omit", ...init });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      let detail = "";
      try {
        const body = await response.json();
        if (body && typeof body.error === "string") message = body.error;
        if (body && typeof body.detail === "string") detail = body.detail;
      } catch {
        /* not JSON: keep the status line */
      }
      throw new ApiError(message, response.status, detail);
    }
    return (await response.json()) as T;
  }

  /** A multipart POST of one file (a photo, a recording): a "simple" cross-origin request,
   * no preflight. `params` go in the query string, as for the searches. */
  upload<T>(path: string, field: string, file: Blob, name: string, params: [string, string][],
    signal?: AbortSignal): Promise<T> {
    const form = new FormData();
    form.append(field, file, name);
    return this.get<T>(this.url(path, params), signal, { method: "POST", body: form });
  }

  search(p: SearchParams, signal?: AbortSignal): Promise<SearchResponse> {
    const params: [string, string][] = [["q", p.q], ["sort", p.sort], ["page", String(p.page)],
      ["page_size", String(p.pageSize)]];
    for (const f of p.filters) params.push(["filter", f]);
    if (p.facets) params.push(["facets", p.facets.join(",")]);
    return this.get(this.url("/v1/search", params), signal);
  }

  autocomplete(q: string, limit: number, signal?: AbortSignal): Promise<Suggestions> {
    return this.get(this.url("/v1/autocomplete", [["q", q], ["limit", String(limit)]]), signal);
  }

  product(sku: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.get(this.url(`/v1/products/${encodeURIComponent(sku)}`, []), signal);
  }

  /** A click on a result, for click-through analytics; never blocks or fails the page. */
  click(sku: string, searchId: string | undefined, position: number): void {
    const body = JSON.stringify({ sku, kind: "click", search_id: searchId, position });
    try {
      void fetch(this.url("/v1/events", []), {
        method: "POST", body, keepalive: true, credentials: "omit",
        headers: { "content-type": "application/json" },
      }).catch(() => undefined);
    } catch {
      /* analytics is best effort */
    }
  }
}
