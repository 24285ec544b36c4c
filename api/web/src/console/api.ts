// The console's HTTP client: same-origin requests with the session cookie and the console's
// request header (the server's cross-site request guard wants it on every state change).
// Errors carry the server's message ({"error": type, "detail": message, "field"?}).

export type Role = "admin" | "merchandiser" | "analyst" | string;

export interface Me {
  username: string;
  role: Role;
  can_edit?: boolean;
}

export interface MerchSet {
  version: number;
  rules: unknown[];
  updated_at: string | null;
  published_at: string | null;
}

export interface MerchKind {
  draft: MerchSet | null;
  live: MerchSet | null;
  unpublished: boolean;
}

export interface Merchandising {
  synonyms: MerchKind;
  rules: MerchKind;
}

export interface SavedDraft {
  kind: string;
  state: "draft";
  version: number;
}

export type Published = Record<string, { version: number | null; published: boolean }>;

export interface Hit {
  sku: string;
  name?: string;
  brand?: string;
  score?: number;
  pinned?: boolean;
  highlights?: { name?: string; description?: string };
  [field: string]: unknown;
}

export interface SearchResult {
  query: string;
  total: number;
  hits: Hit[];
  rules?: string[];
  redirect?: string | null;
  relaxed?: boolean;
  config?: string;
  took_ms?: number;
}

export type ReportName = "top-queries" | "zero-result-queries" | "click-through" | "slowest-queries";
export type ReportRow = Record<string, string | number | null>;

export type Metrics = Record<string, number | null>;

export interface Comparison {
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
  p_value: number | null;
  wins?: number;
  losses?: number;
  ties?: number;
  queries?: number;
}

export interface PerQuery {
  query_id?: string;
  query: string;
  a: Metrics;
  b: Metrics;
  delta: number | null;
  top_a: string[];
  top_b: string[];
  judged?: number;
}

export interface Evaluation {
  id: number;
  name: string | null;
  status: "running" | "done" | "failed" | string;
  progress: { done: number; total: number };
  config_a: string;
  config_b: string;
  metrics?: string[] | null;
  created_by?: string | null;
  created_at: string | null;
  finished_at: string | null;
  error: string | null;
  summary: { a: Metrics; b: Metrics } | null;
  comparison: Comparison[] | null;
  per_query?: PerQuery[] | null;
  zero_results: { a: number; b: number } | null;
  unknown_skus: number | string[] | null;
  unknown_sku_examples?: string[] | null;
  judged?: { source?: string; queries?: number; judged_queries?: number; judgements?: number;
    warnings?: string[] } | null;
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly field?: string) {
    super(message);
  }
}

/** Called on a 401 from anything but the sign-in itself: the session ended. */
let onUnauthorized: ((message: string) => void) | null = null;
export function handleUnauthorized(callback: (message: string) => void): void {
  onUnauthorized = callback;
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText || "error"}`.trim();
  let field: string | undefined;
  try {
    const body = await response.json();
    if (body && typeof body === "object") {
      const text = typeof body.detail === "string" ? body.detail
        : typeof body.error === "string" ? body.error
          : typeof body.message === "string" ? body.message : null;
      if (text) message = text;
      if (typeof body.field === "string") field = body.field;
    }
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(message, response.status, field);
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  /** A 401 is an answer here (sign-in, "who am I"), not an ended session. */
  expect401?: boolean;
}

async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    "X-Requested-With": "discovery-console",
    Accept: "application/json",
  };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form; // the browser sets the multipart boundary
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET", headers, body, credentials: "same-origin",
      signal: options.signal, cache: "no-store",
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError("The server cannot be reached. Check your connection and try again.", 0);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !options.expect401 && onUnauthorized) onUnauthorized(error.message);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A query string; null and undefined leave a parameter out (an empty string is sent). */
function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const api = {
  me: (signal?: AbortSignal) => request<Me>("/v1/auth/me", { signal, expect401: true }),
  login: (username: string, password: string) =>
    request<Me>("/v1/auth/login", { method: "POST", json: { username, password }, expect401: true }),
  logout: () => request<void>("/v1/auth/logout", { method: "POST", expect401: true }),

  merchandising: (signal?: AbortSignal) => request<Merchandising>("/v1/merchandising", { signal }),
  putSynonyms: (rules: string[]) =>
    request<SavedDraft>("/v1/merchandising/synonyms", { method: "PUT", json: { rules } }),
  putRules: (rules: unknown[]) =>
    request<SavedDraft>("/v1/merchandising/rules", { method: "PUT", json: { rules } }),
  publish: () => request<Published>("/v1/merchandising/publish", { method: "POST" }),

  search: (q: string, draft: boolean, signal?: AbortSignal) =>
    // no facets: the preview shows hits only, and the search is cheaper without them
    request<SearchResult>(`/v1/search${query({ q, config: draft ? "draft" : null, page_size: 20, facets: "" })}`,
      { signal }),

  report: (name: ReportName, since: string, limit: number, signal?: AbortSignal) =>
    request<{ report: string; rows: ReportRow[] }>(`/v1/analytics/${name}${query({ since, limit })}`, { signal }),

  startEvaluation: (form: FormData) => request<Evaluation>("/v1/evaluations", { method: "POST", form }),
  evaluation: (id: number | string, signal?: AbortSignal) =>
    request<Evaluation>(`/v1/evaluations/${encodeURIComponent(String(id))}`, { signal }),
  evaluations: (signal?: AbortSignal) =>
    request<Evaluation[] | { runs?: Evaluation[]; evaluations?: Evaluation[]; items?: Evaluation[] }>(
      "/v1/evaluations", { signal }).then(listOf),
};

/** The runs list as a list, whether the server answers a bare list or wraps it. */
function listOf(body: unknown): Evaluation[] {
  if (Array.isArray(body)) return body as Evaluation[];
  if (body && typeof body === "object") {
    for (const key of ["runs", "evaluations", "items", "rows"]) {
      const value = (body as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value as Evaluation[];
    }
  }
  return [];
}

export function canEdit(me: Me): boolean {
  return typeof me.can_edit === "boolean" ? me.can_edit : me.role === "admin" || me.role === "merchandiser";
}
