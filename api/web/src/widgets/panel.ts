// The product detail panel: opens beside the results (the results stay where they were),
// Escape or the close button closes it and gives focus back to where the buyer was.

import type { Controller } from "./controller";
import { h, hideBroken, money, uid } from "./dom";

let panel: HTMLElement | null = null;
let body: HTMLElement | null = null;
let returnTo: HTMLElement | null = null;
let inflight: AbortController | null = null;

function ensurePanel(c: Controller): HTMLElement {
  if (panel) return panel;
  const titleId = uid("panel-title");
  const close = h("button", { type: "button", class: "dsc-panel-close", "aria-label": c.t.close }, "×");
  body = h("div", { class: "dsc-panel-body" });
  panel = h("aside", {
    class: "dsc-panel dsc-root", role: "dialog", "aria-modal": "false", "aria-labelledby": titleId,
    hidden: true, tabindex: "-1", "data-title-id": titleId,
  }, close, body);
  close.addEventListener("click", () => closeProduct());
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      closeProduct();
    }
  });
  const host = document.querySelector<HTMLElement>('[data-discovery="panel"]') ?? document.body;
  host.append(panel);
  return panel;
}

export function closeProduct(): void {
  if (!panel || panel.hidden) return;
  panel.hidden = true;
  inflight?.abort();
  document.documentElement.classList.remove("dsc-panel-open");
  returnTo?.focus();
  returnTo = null;
}

export async function openProduct(c: Controller, sku: string, from: HTMLElement | null): Promise<void> {
  const p = ensurePanel(c);
  const content = body as HTMLElement;
  if (p.hidden) returnTo = from;
  p.hidden = false;
  document.documentElement.classList.add("dsc-panel-open");
  const titleId = p.dataset.titleId as string;
  content.replaceChildren(h("p", { id: titleId, class: "dsc-muted" }, c.t.loading));
  p.focus();
  inflight?.abort();
  const mine = new AbortController();
  inflight = mine;
  try {
    const product = await c.api.product(sku, mine.signal);
    if (mine.signal.aborted) return;
    content.replaceChildren(...card(c, product, titleId));
    content.querySelector<HTMLElement>(`#${titleId}`)?.focus();
  } catch (err) {
    if (mine.signal.aborted) return;
    content.replaceChildren(h("p", { id: titleId, class: "dsc-error", role: "alert" },
      err instanceof Error ? err.message : c.t.error));
  }
}

function text(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

function card(c: Controller, p: Record<string, unknown>, titleId: string): Node[] {
  const t = c.t;
  const lang = c.config.lang;
  const images = [p.image, ...((p.images as string[] | undefined) ?? [])].filter(
    (x): x is string => typeof x === "string" && x !== "");
  const specs = (p.specifications as Record<string, { label: string; value: unknown; unit?: string }>) ?? {};
  const documents = (p.documents as {
    title?: string; url?: string; kind?: string; pages?: number | null; searchable?: boolean | null;
  }[]) ?? [];
  const media = (p.media as Record<string, { title?: string; url?: string; kind?: string; thumbnail_url?: string }[]>) ?? {};
  const variants = (p.variants as Record<string, unknown>[]) ?? [];
  const availability = text(p.availability);
  const out: Node[] = [
    h("h2", { id: titleId, class: "dsc-panel-title", tabindex: "-1" }, text(p.name)),
    h("p", { class: "dsc-muted" }, `${t.sku} ${text(p.sku)}`, p.brand ? ` · ${text(p.brand)}` : ""),
  ];
  if (images.length) {
    out.push(h("img", { class: "dsc-panel-image", src: images[0], alt: text(p.name), onerror: hideBroken }));
  }
  const price = money(p.price_per_piece as number | null, p.currency as string, lang);
  const pkg = money(p.price_per_package as number | null, p.currency as string, lang);
  out.push(h("p", { class: "dsc-panel-price" },
    price ? h("strong", {}, price) : "", price ? ` ${t.perPiece}` : "",
    pkg ? h("span", { class: "dsc-muted" }, ` · ${pkg} ${t.perPackage}`) : ""));
  const facts: string[] = [];
  if (availability) facts.push(t.availability[availability] ?? availability);
  if (typeof p.delivery_days === "number") facts.push(t.delivery(p.delivery_days));
  if (facts.length) out.push(h("p", { class: `dsc-avail dsc-avail-${availability}` }, facts.join(" · ")));
  if (typeof p.sheet_url === "string") {
    out.push(h("p", {}, h("a", { href: p.sheet_url, target: "_blank", rel: "noopener", class: "dsc-sheet" }, t.productSheet)));
  }
  if (p.description) {
    out.push(h("h3", {}, t.description), h("p", { class: "dsc-panel-desc" }, text(p.description)));
  }
  const rows = Object.values(specs);
  if (rows.length) {
    out.push(h("h3", {}, t.specifications), h("table", { class: "dsc-specs" },
      h("tbody", {}, rows.map((r) => h("tr", {}, h("th", { scope: "row" }, r.label),
        h("td", {}, `${text(r.value)}${r.unit ? ` ${r.unit}` : ""}`))))));
  }
  if (documents.length) {
    out.push(h("h3", {}, t.documents), h("ul", { class: "dsc-docs" }, documents.map((d) => {
      const about = [d.kind, typeof d.pages === "number" ? t.pages(d.pages) : "",
        d.searchable === false ? t.notSearchable : ""].filter(Boolean).join(", ");
      return h("li", {}, d.url ? h("a", { href: d.url, target: "_blank", rel: "noopener" }, d.title || d.url)
        : text(d.title), about ? h("span", { class: "dsc-muted" }, ` (${about})`) : "");
    })));
  }
  const files = ["video", "diagram", "cad", "other"].flatMap((kind) => (media[kind] ?? []).map((m) => ({ ...m, group: kind })));
  if (files.length) {
    out.push(h("h3", {}, t.media), h("ul", { class: "dsc-media" }, files.map((m) =>
      h("li", {}, h("a", { href: m.url ?? "#", target: "_blank", rel: "noopener" },
        m.thumbnail_url ? h("img", { src: m.thumbnail_url, alt: "", loading: "lazy", onerror: hideBroken }) : "",
        m.title || t.mediaKinds[m.group] || m.kind || ""),
      h("span", { class: "dsc-muted" }, ` (${t.mediaKinds[m.group] ?? m.group})`)))));
  }
  if (variants.length) {
    out.push(h("h3", {}, t.variants), h("ul", { class: "dsc-variants" }, variants.map((v) => {
      const current = v.sku === p.sku;
      const label = `${text(v.name)} (${text(v.sku)})`;
      return h("li", {}, current ? h("strong", { "aria-current": "true" }, label)
        : h("button", { type: "button", class: "dsc-link", onclick: () => void openProduct(c, text(v.sku), returnTo) }, label));
    })));
  }
  return out;
}
