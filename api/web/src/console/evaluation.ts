// "Evaluation": upload a judged set (query,sku,grade), compare two configurations (live vs
// draft by default), follow the progress, then read the summary, the paired comparison and
// the per-query differences. Earlier runs can be opened again (#/evaluation/<id>).

import { api, ApiError, type Evaluation } from "./api";
import { evaluationResult } from "./evaluation-result";
import { announce, badge, button, dataTable, h, notice, num, viewHeading, Slot, tableWrap, timeEl, uid } from "./ui";
import type { Context, Route, View } from "./view";

const CONFIGS = ["live", "draft", "default", "lexical", "hybrid", "strict"];
const DEFAULT_METRICS = "ndcg@10,recall@100,mrr@10";
const POLL_MS = 1000;
const EXAMPLE = "query,sku,grade\nhex bolt m8,FAS-000005,2\nhex bolt m8,FAS-000000,0\nsafety gloves,PPE-000006,1\n";

export function statusBadge(run: Evaluation): HTMLElement {
  if (run.status === "done") return badge("Done", "ok");
  if (run.status === "failed") return badge("Failed", "bad");
  if (run.status === "running") {
    const { done, total } = run.progress ?? { done: 0, total: 0 };
    return badge(total ? `Running ${Math.floor((100 * done) / total)} %` : "Running", "info");
  }
  return badge(run.status, "neutral");
}

export function evaluationView(ctx: Context): View {
  const heading = viewHeading("Evaluation", "c-eval-title");
  const runs = new Slot("c-runs");
  const detail = h("div", { class: "c-run-detail" });
  let openId: number | null = null;
  let pollTimer = 0;
  let pollController: AbortController | null = null;
  let listController: AbortController | null = null;
  let knownRuns: Evaluation[] = [];

  // -- the upload form ----------------------------------------------------------------------
  const ids = { file: uid("judgements"), name: uid("name"), a: uid("config-a"), b: uid("config-b"),
    metrics: uid("metrics"), list: uid("configs") };
  const file = h("input", { id: ids.file, name: "judgements", type: "file", class: "c-file", required: true,
    accept: ".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain" });
  const name = h("input", { id: ids.name, name: "name", type: "text", class: "c-input", autocomplete: "off",
    placeholder: "e.g. gloves synonyms" });
  const configA = h("input", { id: ids.a, name: "config_a", type: "text", class: "c-input", value: "live",
    list: ids.list, autocomplete: "off", spellcheck: "false" });
  const configB = h("input", { id: ids.b, name: "config_b", type: "text", class: "c-input", value: "draft",
    list: ids.list, autocomplete: "off", spellcheck: "false" });
  const metrics = h("input", { id: ids.metrics, name: "metrics", type: "text", class: "c-input c-mono",
    value: DEFAULT_METRICS, autocomplete: "off", spellcheck: "false" });
  const formMsg = h("div", { class: "c-form-msg", "aria-live": "polite" });
  const start = h("button", { type: "submit", class: "c-btn c-btn-primary" }, "Run evaluation");
  const fieldEls: Record<string, HTMLInputElement> = {
    judgements: file, name, config_a: configA, config_b: configB, metrics };

  const fld = (input: HTMLInputElement, label: string, hint?: Node | string) => {
    const hintId = hint ? uid("hint") : undefined;
    if (hintId) input.setAttribute("aria-describedby", hintId);
    return h("div", { class: "c-field" }, h("label", { for: input.id }, label), input,
      hint ? h("span", { class: "c-hint", id: hintId }, hint) : null);
  };
  const form = h("form", { class: "c-eval-form", novalidate: true, "aria-labelledby": "c-eval-new" },
    fld(file, "Judged queries (CSV or TSV)", h("span", {}, "Header ", h("code", {}, "query,sku,grade"),
      "; grade 0 is not relevant, higher is more relevant. ",
      h("a", { href: `data:text/csv;charset=utf-8,${encodeURIComponent(EXAMPLE)}`, download: "judgements-example.csv" },
        "Example file"))),
    fld(name, "Name (optional)"),
    h("div", { class: "c-form-row" },
      fld(configA, "Configuration A", "live, draft or a shipped one"),
      fld(configB, "Configuration B", "compared with A")),
    fld(metrics, "Metrics", "Comma-separated, e.g. ndcg@10, recall@100, mrr@10, precision@5"),
    h("datalist", { id: ids.list }, CONFIGS.map((c) => h("option", { value: c }))),
    formMsg,
    h("div", { class: "c-actions" }, start));

  form.addEventListener("input", (ev) => (ev.target as HTMLElement).removeAttribute("aria-invalid"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    formMsg.replaceChildren();
    for (const input of Object.values(fieldEls)) input.removeAttribute("aria-invalid");
    if (!file.files || !file.files.length) return fieldError("judgements", "Choose a CSV or TSV file of judged queries.");
    if (!configA.value.trim()) return fieldError("config_a", "Name configuration A (e.g. live).");
    if (!configB.value.trim()) return fieldError("config_b", "Name configuration B (e.g. draft).");
    const data = new FormData();
    data.append("judgements", file.files[0]);
    data.append("config_a", configA.value.trim());
    data.append("config_b", configB.value.trim());
    data.append("metrics", metrics.value.trim() || DEFAULT_METRICS);
    if (name.value.trim()) data.append("name", name.value.trim());
    start.disabled = true;
    start.textContent = "Starting…";
    try {
      const run = await api.startEvaluation(data);
      formMsg.replaceChildren(notice("ok", `Evaluation ${run.id} started.`));
      form.reset();
      configA.value = "live";
      configB.value = "draft";
      metrics.value = DEFAULT_METRICS;
      void loadRuns();
      ctx.navigate(`#/evaluation/${run.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const running = knownRuns.find((r) => r.status === "running");
        formMsg.replaceChildren(notice("warn", err.message,
          running ? h("span", {}, " ", h("a", { href: `#/evaluation/${running.id}` }, `Follow evaluation ${running.id}`)) : ""));
        void loadRuns();
      } else if (err instanceof ApiError) {
        const key = err.field && fieldEls[err.field] ? err.field
          : Object.keys(fieldEls).find((k) => err.message.startsWith(`${k}:`) || err.message.startsWith(`${k} `));
        if (key) fieldError(key, err.message);
        else formMsg.replaceChildren(notice("error", err.message));
      } else {
        formMsg.replaceChildren(notice("error", "The evaluation could not start; try again."));
      }
    } finally {
      start.disabled = false;
      start.textContent = "Run evaluation";
    }
  });

  function fieldError(key: string, message: string): void {
    const input = fieldEls[key];
    input.setAttribute("aria-invalid", "true");
    formMsg.replaceChildren(notice("error", message));
    input.focus();
  }

  // -- earlier runs -------------------------------------------------------------------------
  async function loadRuns(): Promise<void> {
    listController?.abort();
    const c = new AbortController();
    listController = c;
    if (!runs.el.querySelector("table")) runs.loading("Loading evaluations…");
    else runs.busy();
    try {
      const list = await api.evaluations(c.signal);
      if (c.signal.aborted) return;
      knownRuns = list;
      if (!list.length) { runs.empty("No evaluations yet."); return; }
      runs.show(tableWrap(dataTable<Evaluation>([
        { key: "name", label: "Evaluation", cell: (r) => h("a", {
          href: `#/evaluation/${r.id}`, "aria-current": r.id === openId ? "true" : undefined,
        }, r.name || `Evaluation ${r.id}`) },
        { key: "configs", label: "A vs B", cell: (r) => h("span", { class: "c-mono c-small" }, `${r.config_a} vs ${r.config_b}`) },
        { key: "status", label: "Status", cell: statusBadge },
        { key: "created", label: "Started", cell: (r) => timeEl(r.created_at) },
      ], list, "Earlier evaluations"), "Table of earlier evaluations"));
    } catch (err) {
      if (c.signal.aborted) return;
      runs.error(err instanceof Error ? err.message : String(err), () => void loadRuns());
    }
  }

  // -- one run: progress, then the result -------------------------------------------------
  function stopPolling(): void {
    window.clearTimeout(pollTimer);
    pollController?.abort();
    pollController = null;
  }

  function open(id: number | null, focus: boolean): void {
    if (id === openId && (pollController || detail.childElementCount)) return;
    stopPolling();
    openId = id;
    if (id === null) { detail.replaceChildren(); return; }
    detail.replaceChildren(h("p", { class: "c-loading", role: "status" },
      h("span", { class: "c-spinner", "aria-hidden": "true" }), `Loading evaluation ${id}…`));
    void poll(id, focus, null);
  }

  async function poll(id: number, focus: boolean, previous: Evaluation | null): Promise<void> {
    const c = new AbortController();
    pollController = c;
    let run: Evaluation;
    try {
      run = await api.evaluation(id, c.signal);
    } catch (err) {
      if (c.signal.aborted) return;
      if (previous && !(err instanceof ApiError && err.status === 404)) { // a blip: keep polling
        pollTimer = window.setTimeout(() => void poll(id, false, previous), POLL_MS * 2);
        return;
      }
      pollController = null;
      detail.replaceChildren(notice("error", err instanceof Error ? err.message : String(err)));
      return;
    }
    if (c.signal.aborted || openId !== id) return;
    if (run.status === "running") {
      renderProgress(run, focus);
      pollTimer = window.setTimeout(() => void poll(id, false, run), POLL_MS);
      return;
    }
    pollController = null;
    detail.replaceChildren(evaluationResult(run));
    if (previous) { // it just finished: the list shows its new state
      void loadRuns();
      announce(run.status === "done" ? `${run.name || `Evaluation ${run.id}`} finished`
        : `${run.name || `Evaluation ${run.id}`} failed`, run.status === "done" ? "ok" : "error");
    }
    const active = document.activeElement;
    if (focus || (previous && (!active || active === document.body || detail.contains(active)))) {
      detail.querySelector<HTMLElement>("h2")?.focus();
    }
  }

  let progressEl: { root: HTMLElement; bar: HTMLProgressElement; text: HTMLElement } | null = null;

  function renderProgress(run: Evaluation, focus: boolean): void {
    const { done, total } = run.progress ?? { done: 0, total: 0 };
    if (!progressEl || !detail.contains(progressEl.root)) {
      const labelId = uid("progress");
      const bar = h("progress", { class: "c-progress", max: Math.max(total, 1), value: done, "aria-labelledby": labelId });
      const text = h("span", { class: "c-muted" });
      const root = h("section", { class: "c-card c-run-progress", "aria-labelledby": "c-run-title", "data-status": "running" },
        h("h2", { id: "c-run-title", class: "c-h2", tabindex: -1 }, run.name || `Evaluation ${run.id}`),
        h("p", {}, h("span", { class: "c-mono" }, run.config_a), " (A) vs ", h("span", { class: "c-mono" }, run.config_b), " (B)"),
        h("p", { id: labelId, class: "c-progress-label" }, "Running the searches…"),
        bar, h("p", { role: "status", "aria-live": "polite" }, text));
      progressEl = { root, bar, text };
      detail.replaceChildren(root);
      if (focus) root.querySelector<HTMLElement>("h2")?.focus();
    }
    progressEl.bar.max = Math.max(total, 1);
    progressEl.bar.value = done;
    progressEl.text.textContent = total
      ? `${num(done)} of ${num(total)} searches (${Math.floor((100 * done) / total)} %)` : "Starting…";
  }

  const el = h("section", { class: "c-view", "aria-labelledby": heading.id },
    h("div", { class: "c-view-head" }, heading,
      h("p", { class: "c-lead" }, "Measure a change before buyers see it: compare two configurations on queries with judged products.")),
    h("div", { class: "c-eval-top" },
      h("section", { class: "c-card", "aria-labelledby": "c-eval-new" },
        h("h2", { id: "c-eval-new", class: "c-h2" }, "New evaluation"), form),
      h("section", { class: "c-card", "aria-labelledby": "c-eval-runs" },
        h("div", { class: "c-card-head" }, h("h2", { id: "c-eval-runs", class: "c-h2" }, "Earlier evaluations"),
          button("Refresh", () => void loadRuns(), "ghost", { class: "c-btn c-btn-ghost c-btn-small" })),
        runs.el)),
    detail);

  return {
    el, heading,
    enter(route: Route) {
      void loadRuns();
      const id = route.rest[0] ? Number(route.rest[0]) : null;
      open(id !== null && Number.isFinite(id) ? id : null, id !== null);
    },
    leave() { stopPolling(); listController?.abort(); openId = null; detail.replaceChildren(); },
  };
}
