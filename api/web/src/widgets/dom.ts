// A few DOM helpers: elements from a tag, attributes and children; safe highlight markup.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child === null || child === undefined || child === false) continue;
    else el.append(child);
  }
}

/** Highlighted text from the API: HTML-escaped text with matched words in <em>. Anything else
 * that looks like a tag is escaped again, so only <em> can ever reach the page. */
export function marked(html: string): HTMLSpanElement {
  const span = document.createElement("span");
  span.innerHTML = html.replace(/<(?!\/?em>)/g, "&lt;");
  return span;
}

let counter = 0;
export function uid(prefix: string): string {
  counter += 1;
  return `dsc-${prefix}-${counter}`;
}

/** An image that did not load leaves no empty frame (its container collapses). */
export function hideBroken(e: Event): void {
  const img = e.target as HTMLImageElement;
  img.hidden = true;
  img.parentElement?.classList.add("dsc-no-image");
}

/** A price as buyers read it; unit prices of small parts keep up to 4 decimals (0.0113 EUR). */
export function money(value: number | null | undefined, currency: string | undefined,
  lang: string): string {
  if (value === null || value === undefined) return "";
  try {
    const small = Math.abs(value) < 1 && value !== 0;
    return new Intl.NumberFormat(lang, {
      style: "currency", currency: currency || "EUR",
      minimumFractionDigits: 2, maximumFractionDigits: small ? 4 : 2,
    }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency ?? ""}`.trim();
  }
}

/** Keeps keyboard focus on "the same" control across a re-render (by its data-focus key). */
export function rerender(root: HTMLElement, build: () => Node[]): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && root.contains(active) ? active.dataset.focus : undefined;
  root.replaceChildren(...build());
  if (key) {
    const again = root.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`);
    again?.focus();
  }
}
