// Small building blocks of the console's views: notices, badges, tables, formatting, and a
// confirmation dialog. Everything is plain DOM through the widgets' h() helper.

import { h, uid } from "../widgets/dom";

export { h, uid };

type Tone = "info" | "ok" | "warn" | "error";

/** A message box. Errors are alerts (read out at once); the rest are polite status updates. */
export function notice(tone: Tone, ...content: (Node | string | null | undefined | false)[]): HTMLElement {
  return h("div", { class: `c-notice c-notice-${tone}`, role: tone === "error" ? "alert" : "status" },
    ...content);
}

/** A region whose content is a loading line, an error, an empty state or the real thing. */
export class Slot {
  readonly el: HTMLElement;

  constructor(className = "", label?: string) {
    this.el = h("div", { class: `c-slot ${className}`.trim(), role: label ? "region" : undefined, "aria-label": label, tabindex: -1 });
  }

  loading(text = "Loading…"): void {
    this.el.setAttribute("aria-busy", "true");
    this.el.replaceChildren(h("p", { class: "c-loading" }, h("span", { class: "c-spinner", "aria-hidden": "true" }), text));
  }

  /** Keeps what is shown, dimmed, while new data loads (no layout jump). */
  busy(): void {
    this.el.setAttribute("aria-busy", "true");
  }

  error(message: string, retry?: () => void): void {
    this.el.removeAttribute("aria-busy");
    this.el.replaceChildren(notice("error", h("span", {}, message),
      retry ? h("button", { type: "button", class: "c-btn c-btn-small", onclick: () => retry() }, "Try again") : null));
  }

  empty(text: string | Node): void {
    this.el.removeAttribute("aria-busy");
    this.el.replaceChildren(h("p", { class: "c-empty" }, text));
  }

  show(...nodes: Node[]): void {
    this.el.removeAttribute("aria-busy");
    this.el.replaceChildren(...nodes);
  }
}

export function badge(text: string, tone: "neutral" | "ok" | "warn" | "bad" | "info" = "neutral",
  title?: string): HTMLElement {
  return h("span", { class: `c-badge c-badge-${tone}`, title }, text);
}

export function button(label: string | Node, onclick: (ev: MouseEvent) => void,
  variant: "primary" | "secondary" | "danger" | "ghost" = "secondary", extra: Record<string, string | boolean> = {}
): HTMLButtonElement {
  return h("button", { type: "button", class: `c-btn c-btn-${variant}`, onclick: onclick as EventListener, ...extra },
    label);
}

/** A table in a horizontally scrollable, keyboard-focusable region (narrow screens). */
export function tableWrap(table: HTMLTableElement, label: string): HTMLElement {
  return h("div", { class: "c-table-wrap", role: "region", "aria-label": label, tabindex: 0 }, table);
}

export interface Column<T> {
  key: string;
  label: string;
  numeric?: boolean;
  cell: (row: T) => Node | string;
}

export function dataTable<T>(columns: Column<T>[], rows: T[], caption?: string): HTMLTableElement {
  return h("table", { class: "c-table" },
    caption ? h("caption", { class: "c-sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) =>
      h("th", { scope: "col", class: c.numeric ? "c-num" : undefined }, c.label)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) =>
      h("td", { class: c.numeric ? "c-num" : undefined }, c.cell(row)))))));
}

// -- formatting ----------------------------------------------------------------------------

const numberFmt = new Intl.NumberFormat("en-US");

export function num(value: unknown, digits?: number): string {
  if (value === null || value === undefined || value === "") return "–";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (digits === undefined) return numberFmt.format(n);
  return n.toFixed(digits);
}

export function pct(value: unknown): string {
  if (value === null || value === undefined) return "–";
  const n = Number(value);
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : "–";
}

export function signed(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return (0).toFixed(digits);
  return `${value > 0 ? "+" : "−"}${Math.abs(value).toFixed(digits)}`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function timeEl(iso: string | null | undefined): Node {
  if (!iso) return document.createTextNode("–");
  return h("time", { datetime: iso }, when(iso));
}

/** A confirmation in a modal <dialog> (focus is trapped and returned by the browser).
 * Resolves true when confirmed. */
export function confirmDialog(title: string, body: (Node | string)[], confirmLabel: string,
  variant: "primary" | "danger" = "primary"): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid("dlg-title");
    const descId = uid("dlg-desc");
    const cancel = h("button", { type: "button", class: "c-btn c-btn-secondary", value: "cancel" }, "Cancel");
    const ok = h("button", { type: "button", class: `c-btn c-btn-${variant}`, value: "ok" }, confirmLabel);
    const dialog = h("dialog", { class: "c-dialog", "aria-labelledby": titleId, "aria-describedby": descId },
      h("h2", { id: titleId, class: "c-dialog-title" }, title),
      h("div", { id: descId, class: "c-dialog-body" }, ...body),
      h("div", { class: "c-dialog-actions" }, cancel, ok));
    let result = false;
    cancel.addEventListener("click", () => dialog.close());
    ok.addEventListener("click", () => { result = true; dialog.close(); });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
    ok.focus();
  });
}

/** Announces a short message to screen readers (and shows it as a toast). */
export function announce(message: string, tone: "ok" | "error" | "info" = "ok"): void {
  let region = document.getElementById("c-toasts");
  if (!region) {
    region = h("div", { id: "c-toasts", class: "c-toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const toast = h("div", { class: `c-toast c-toast-${tone}` }, message);
  region.append(toast);
  window.setTimeout(() => toast.remove(), 5000);
}

/** A view's title: the page's one h1, focused (programmatically) when the view opens. */
export function viewHeading(text: string, id: string): HTMLHeadingElement {
  return h("h1", { id, class: "c-h1", tabindex: -1 }, text);
}
