// "Synonyms & rules": the draft synonyms (one rule per line) and query rules (JSON) with the
// server's validation messages, draft vs live versions, and publishing with a confirmation.

import { api, ApiError, type Merchandising, type MerchKind } from "./api";
import { addRuleForm } from "./ruleform";
import { announce, badge, button, confirmDialog, h, notice, viewHeading, Slot, timeEl, uid } from "./ui";
import type { Context, View } from "./view";

const RULE_KEYS = ["query_equals", "query_contains", "query_prefix", "active_from", "active_until",
  "customer_groups", "pin", "hide", "boost", "bury", "filter", "redirect", "description"];
const KIND_LABEL = { synonyms: "Synonyms", rules: "Query rules" } as const;
type Kind = keyof typeof KIND_LABEL;

/** One editor: a textarea with its saved text, messages and save/revert buttons. */
interface Editor {
  kind: Kind;
  textarea: HTMLTextAreaElement;
  saved: string;
  message: HTMLElement;
  state: HTMLElement;
  save: HTMLButtonElement;
  revert: HTMLButtonElement;
  form: HTMLFormElement;
  setText(text: string): void;
  refreshState(): void;
}

export function merchandisingView(ctx: Context): View {
  const heading = viewHeading("Synonyms & rules", "c-merch-title");
  const status = new Slot("c-merch-status", "Draft and live versions");
  let data: Merchandising | null = null;
  let loading: AbortController | null = null;

  // -- the editors ----------------------------------------------------------------------
  function makeEditor(kind: Kind, label: string, help: Node, rows: number, placeholder: string): Editor {
    const id = uid(`${kind}-text`);
    const helpId = uid(`${kind}-help`);
    const messageId = uid(`${kind}-msg`);
    const textarea = h("textarea", {
      id, class: "c-textarea c-mono", rows, spellcheck: "false", autocomplete: "off", placeholder,
      "aria-describedby": `${helpId} ${messageId}`, readonly: !ctx.editable, "data-kind": kind,
    });
    const message = h("div", { id: messageId, class: "c-editor-msg" });
    const state = h("span", { class: "c-editor-state", "aria-live": "polite" });
    const save = h("button", { type: "submit", class: "c-btn c-btn-primary" }, `Save ${kind} draft`);
    const revert = h("button", { type: "button", class: "c-btn c-btn-secondary" }, "Discard edits");
    const form = h("form", { class: "c-editor", novalidate: true, "data-editor": kind },
      h("label", { for: id, class: "c-label" }, label),
      h("div", { id: helpId, class: "c-help" }, help,
        ctx.editable ? h("span", { class: "c-kbd-hint" }, "Ctrl+S saves the draft.") : null),
      textarea,
      message,
      ctx.editable ? h("div", { class: "c-actions" }, save, revert, state) : null);
    const editor: Editor = {
      kind, textarea, saved: "", message, state, save, revert, form,
      setText(text: string) {
        textarea.value = text;
        editor.saved = text;
        editor.refreshState();
      },
      refreshState() {
        const dirty = textarea.value !== editor.saved;
        ctx.setDirty(`merch-${kind}`, dirty);
        state.textContent = dirty ? "Unsaved edits" : "";
        state.classList.toggle("c-dirty", dirty);
        revert.disabled = !dirty;
      },
    };
    textarea.addEventListener("input", () => editor.refreshState());
    revert.addEventListener("click", () => {
      textarea.value = editor.saved;
      clearMessage(editor);
      editor.refreshState();
      textarea.focus();
    });
    form.addEventListener("submit", (ev) => { ev.preventDefault(); void saveDraft(editor); });
    textarea.addEventListener("keydown", (ev) => { // Ctrl+S / Cmd+S saves the draft
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "s" && ctx.editable) {
        ev.preventDefault();
        if (!editor.save.disabled) void saveDraft(editor);
      }
    });
    return editor;
  }

  const synonymsHelp = h("details", { class: "c-syntax" },
    h("summary", {}, "Syntax: one rule per line"),
    h("ul", {},
      h("li", {}, h("code", {}, "stainless steel, inox, a2"), " — two-way: any of these finds all of them"),
      h("li", {}, h("code", {}, "gauntlets => gloves"), " — one-way: “gauntlets” also finds gloves, not the reverse"),
      h("li", {}, h("code", {}, "vest, waistcoat => gilet"), " — several words on the left, one-way"),
      h("li", {}, h("code", {}, "# a comment"), " — ignored, like blank lines")),
    h("p", {}, "Words are matched case- and accent-insensitively; plurals match their singular."));
  const synonyms = makeEditor("synonyms", "Draft synonyms", synonymsHelp, 12,
    "One rule per line, for example:\nstainless steel, inox, a2\ngauntlets => gloves");

  const rulesHelp = h("details", { class: "c-syntax" },
    h("summary", {}, "Syntax: a JSON list of rules"),
    h("p", {}, "Each rule has an ", h("code", {}, "id"), ", optional conditions (",
      h("code", {}, "query_equals"), ", ", h("code", {}, "query_contains"), ", ", h("code", {}, "query_prefix"), ", ",
      h("code", {}, "active_from"), ", ", h("code", {}, "active_until"), ", ", h("code", {}, "customer_groups"),
      ") and actions:"),
    h("pre", { class: "c-pre" }, formatRules([{
      id: "promo-bolts", query_equals: "hex bolt",
      pin: [{ sku: "FAS-000123", position: 1 }], hide: ["FAS-000999"],
      boost: [{ filter: "brand:Fastek", weight: 2 }], bury: [{ filter: "availability:out_of_stock", weight: 0.5 }],
      filter: ["availability:in_stock"], redirect: "https://example.com/bolts",
    }])));
  const rules = makeEditor("rules", "Draft query rules (JSON)", rulesHelp, 16, "[ { \"id\": \"…\", \"query_equals\": \"…\", \"pin\": [ … ] } ]");
  const jsonState = h("p", { class: "c-json-state c-muted", "aria-live": "polite" });
  let jsonTimer = 0;
  rules.textarea.addEventListener("input", () => {
    window.clearTimeout(jsonTimer);
    jsonTimer = window.setTimeout(() => checkJson(false), 300);
  });
  rules.textarea.after(jsonState);
  const format = button("Format JSON", () => {
    const parsed = checkJson(true);
    if (parsed) { rules.textarea.value = formatRules(parsed); rules.refreshState(); }
  }, "ghost");
  if (ctx.editable) rules.revert.after(format);

  /** The rules text as a list, or null with a message (shown when `show` or on save). */
  function checkJson(show: boolean): unknown[] | null {
    const text = rules.textarea.value.trim();
    if (!text) { jsonState.textContent = "No rules (an empty list)."; return []; }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new SyntaxError("the rules must be a JSON list: [ {…}, {…} ]");
      jsonState.textContent = `Valid JSON · ${parsed.length} rule${parsed.length === 1 ? "" : "s"}`;
      jsonState.classList.remove("c-bad-text");
      return parsed;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      jsonState.textContent = `Not valid JSON: ${why}`;
      jsonState.classList.add("c-bad-text");
      if (show) {
        const position = /position (\d+)/.exec(why);
        showError(rules, `The rules are not valid JSON: ${why}`,
          position ? lineRange(rules.textarea.value, lineAt(rules.textarea.value, Number(position[1]))) : null);
      }
      return null;
    }
  }

  async function saveDraft(editor: Editor): Promise<void> {
    if (!ctx.editable) return;
    clearMessage(editor);
    let promise: Promise<{ version: number }>;
    if (editor.kind === "synonyms") {
      const lines = editor.textarea.value.split(/\r?\n/).map((l) => l.trimEnd());
      while (lines.length && !lines[lines.length - 1]) lines.pop(); // line numbers stay the textarea's
      promise = api.putSynonyms(lines);
    } else {
      const parsed = checkJson(true);
      if (parsed === null) return;
      promise = api.putRules(parsed);
    }
    editor.save.disabled = true;
    editor.save.textContent = "Saving…";
    const sentText = editor.textarea.value;
    try {
      const saved = await promise;
      editor.saved = sentText;
      editor.refreshState();
      editor.message.replaceChildren(notice("ok", `${KIND_LABEL[editor.kind]} draft saved as version ${saved.version}. `,
        h("a", { href: "#/preview" }, "Preview it"), " or publish it."));
      announce(`${KIND_LABEL[editor.kind]} draft saved (version ${saved.version})`);
      void load(false);
    } catch (err) {
      if (err instanceof ApiError) showError(editor, err.message, locate(editor, err.message));
      else showError(editor, "Saving failed; try again.", null);
    } finally {
      editor.save.disabled = false;
      editor.save.textContent = `Save ${editor.kind} draft`;
    }
  }

  /** The text range the server's message points at: "synonyms:3: ..." or "rules[2].pin". */
  function locate(editor: Editor, message: string): [number, number] | null {
    const text = editor.textarea.value;
    if (editor.kind === "synonyms") {
      const m = /synonyms:(\d+)/.exec(message);
      return m ? lineRange(text, Number(m[1]) - 1) : null;
    }
    const m = /rules\[(\d+)\](?:\.(\w+))?/.exec(message);
    if (!m) return null;
    try {
      const list = JSON.parse(text) as { id?: unknown }[];
      const rule = list[Number(m[1])];
      if (rule && typeof rule.id === "string") {
        const at = text.indexOf(`"id": ${JSON.stringify(rule.id)}`);
        let found = at >= 0 ? at : text.indexOf(JSON.stringify(rule.id));
        // the key the message names ("rules[2].pin", or "... (rules[2]): pin position ...")
        const named = m[2] ?? RULE_KEYS.find((k) => new RegExp(`\\b${k}\\b`).test(message.slice(m.index + m[0].length)));
        if (found >= 0 && named) { // the key inside this rule, before the next rule's id
          const key = text.indexOf(`${JSON.stringify(named)}:`, found);
          const next = text.indexOf(`"id":`, found + 1);
          if (key >= 0 && (next < 0 || key < next)) found = key;
        }
        if (found >= 0) return lineRange(text, lineAt(text, found));
      }
    } catch { /* the text changed since */ }
    return null;
  }

  function showError(editor: Editor, message: string, range: [number, number] | null): void {
    const line = range ? lineAt(editor.textarea.value, range[0]) + 1 : null;
    editor.message.replaceChildren(notice("error", h("strong", {}, "Not saved. "), message,
      line ? h("span", {}, " ", button(`Go to line ${line}`, () => select(editor.textarea, range!), "ghost",
        { class: "c-btn c-btn-ghost c-btn-small" })) : null));
    editor.textarea.setAttribute("aria-invalid", "true");
    if (range) select(editor.textarea, range);
  }

  function clearMessage(editor: Editor): void {
    editor.message.replaceChildren();
    editor.textarea.removeAttribute("aria-invalid");
  }

  // -- the quick "add a rule" form --------------------------------------------------------
  const quick = addRuleForm({
    existingIds: () => {
      try {
        const list = JSON.parse(rules.textarea.value || "[]") as { id?: unknown }[];
        return new Set(list.map((r) => String(r?.id ?? "")));
      } catch { return new Set<string>(); }
    },
    add: (rule) => {
      const list = checkJson(true);
      if (list === null) return "Fix the JSON of the rules below first.";
      list.push(rule);
      rules.textarea.value = formatRules(list);
      rules.refreshState();
      checkJson(false);
      return null;
    },
  });

  // -- versions and publishing ------------------------------------------------------------
  const publishBtn = button("Publish drafts…", () => void publish(), "primary");
  const previewLink = h("a", { class: "c-btn c-btn-secondary", href: "#/preview" }, "Preview drafts");

  function versionCell(kind: MerchKind, state: "draft" | "live"): Node {
    const set = kind[state];
    if (!set) return h("span", { class: "c-muted" }, state === "draft" ? "no draft" : "never published");
    const at = state === "live" ? set.published_at ?? set.updated_at : set.updated_at;
    return h("span", {}, h("strong", {}, `v${set.version}`), " · ", `${set.rules.length} ${set.rules.length === 1 ? "entry" : "entries"}`,
      h("br", {}), h("span", { class: "c-muted c-small" }, state === "live" ? "published " : "saved ", timeEl(at)));
  }

  function renderStatus(m: Merchandising): void {
    const anyUnpublished = m.synonyms.unpublished || m.rules.unpublished;
    publishBtn.disabled = !anyUnpublished;
    publishBtn.title = anyUnpublished ? "" : "The drafts equal what is live";
    const table = h("table", { class: "c-table c-status-table" },
      h("caption", { class: "c-sr-only" }, "Draft and live versions"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Set"), h("th", { scope: "col" }, "Draft"),
        h("th", { scope: "col" }, "Live"), h("th", { scope: "col" }, "State"))),
      h("tbody", {}, (Object.keys(KIND_LABEL) as Kind[]).map((kind) => h("tr", { "data-kind": kind },
        h("th", { scope: "row" }, KIND_LABEL[kind]),
        h("td", { "data-label": "Draft" }, versionCell(m[kind], "draft")),
        h("td", { "data-label": "Live" }, versionCell(m[kind], "live")),
        h("td", { "data-label": "State" }, m[kind].unpublished ? badge("Unpublished changes", "warn")
          : m[kind].live ? badge("Published", "ok")
            : badge("Configuration's own", "neutral", "Nothing stored yet: searches use the configuration file's set"))))));
    status.show(h("div", { class: "c-status-row" }, table,
      h("div", { class: "c-status-actions" },
        anyUnpublished ? badge("Unpublished changes", "warn") : badge("Everything is published", "ok"),
        previewLink, ctx.editable ? publishBtn : null)));
  }

  async function publish(): Promise<void> {
    if (!data || !ctx.editable) return;
    const changes = (Object.keys(KIND_LABEL) as Kind[]).filter((k) => data![k].unpublished);
    const unsaved = [synonyms, rules].filter((e) => e.textarea.value !== e.saved);
    const ok = await confirmDialog("Publish the drafts?", [
      h("p", {}, "Every search will use them within about a second."),
      h("ul", {}, changes.map((k) => h("li", {}, `${KIND_LABEL[k]}: draft v${data![k].draft?.version} replaces `,
        data![k].live ? `live v${data![k].live!.version}` : "the configuration's own"))),
      unsaved.length ? h("p", { class: "c-notice c-notice-warn" },
        `Unsaved edits (${unsaved.map((e) => KIND_LABEL[e.kind].toLowerCase()).join(", ")}) are not published: save them first.`) : "",
    ], "Publish");
    if (!ok) { publishBtn.focus(); return; }
    publishBtn.disabled = true;
    publishBtn.textContent = "Publishing…";
    try {
      const result = await api.publish();
      const done = Object.entries(result).filter(([, v]) => v.published)
        .map(([k, v]) => `${KIND_LABEL[k as Kind] ?? k} v${v.version}`);
      announce(done.length ? `Published: ${done.join(", ")}` : "Nothing changed: the drafts were already live");
      await load(false);
      status.el.focus(); // the publish button is disabled now; the versions show the result
    } catch (err) {
      announce(err instanceof Error ? `Publishing failed: ${err.message}` : "Publishing failed", "error");
      status.el.prepend(notice("error", `Publishing failed: ${err instanceof Error ? err.message : err}`));
    } finally {
      publishBtn.textContent = "Publish drafts…";
      publishBtn.disabled = !(data?.synonyms.unpublished || data?.rules.unpublished);
      if (!publishBtn.disabled && document.activeElement === document.body) publishBtn.focus();
    }
  }

  async function load(first: boolean): Promise<void> {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    if (first) status.loading("Loading synonyms and rules…");
    else status.busy();
    try {
      const m = await api.merchandising(controller.signal);
      if (controller.signal.aborted) return;
      data = m;
      renderStatus(m);
      for (const editor of [synonyms, rules]) {
        if (editor.textarea.value !== editor.saved) continue; // keep the user's edits
        const set = m[editor.kind].draft ?? m[editor.kind].live;
        const list = set?.rules ?? [];
        editor.setText(editor.kind === "synonyms" ? (list as string[]).join("\n")
          : list.length ? formatRules(list) : "[]");
      }
      checkJson(false);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      status.error(err instanceof Error ? err.message : String(err), () => void load(true));
    }
  }

  const readOnly = ctx.editable ? null : notice("info",
    `Read-only: the ${ctx.me.role} role can look at synonyms and rules but not change or publish them.`);
  const el = h("section", { class: "c-view", "aria-labelledby": heading.id },
    h("div", { class: "c-view-head" }, heading,
      h("p", { class: "c-lead" }, "Edit the drafts, preview them, then publish. Buyers only see published (live) sets.")),
    readOnly,
    status.el,
    h("div", { class: "c-editors" },
      h("section", { class: "c-card", "aria-labelledby": "c-syn-title" },
        h("h2", { id: "c-syn-title", class: "c-h2" }, "Synonyms"),
        synonyms.form),
      h("section", { class: "c-card", "aria-labelledby": "c-rules-title" },
        h("h2", { id: "c-rules-title", class: "c-h2" }, "Query rules"),
        ctx.editable ? quick : null,
        rules.form)));

  let loaded = false;
  return {
    el, heading,
    enter() { void load(!loaded); loaded = true; },
    leave() { loading?.abort(); },
  };
}

/** The rules as JSON a person reads: one key per line, each value compact. */
export function formatRules(list: unknown[]): string {
  if (!list.length) return "[]";
  const rule = (r: unknown): string => {
    if (!r || typeof r !== "object" || Array.isArray(r)) return `  ${JSON.stringify(r)}`;
    const entries = Object.entries(r as Record<string, unknown>);
    if (!entries.length) return "  {}";
    return `  {\n${entries.map(([k, v]) => `    ${JSON.stringify(k)}: ${compact(v)}`).join(",\n")}\n  }`;
  };
  return `[\n${list.map(rule).join(",\n")}\n]`;
}

function compact(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compact).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${compact(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function lineAt(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

function lineRange(text: string, line: number): [number, number] {
  const lines = text.split("\n");
  const index = Math.max(0, Math.min(line, lines.length - 1));
  let start = 0;
  for (let i = 0; i < index; i++) start += lines[i].length + 1;
  return [start, start + lines[index].length];
}

function select(textarea: HTMLTextAreaElement, [start, end]: [number, number]): void {
  textarea.focus();
  textarea.setSelectionRange(start, end);
  // scroll the line into view: roughly its line number times the line height
  const line = lineAt(textarea.value, start);
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
  textarea.scrollTop = Math.max(0, line * lineHeight - textarea.clientHeight / 2);
}
