// The search box (results as you type) and its autocomplete list (completions, products,
// categories, brands), following the ARIA combobox pattern: arrow keys move through the
// suggestions, Enter takes one, Escape closes the list.

import type { Suggestions } from "./api";
import { mountCapture } from "./capture";
import type { Controller } from "./controller";
import { h, hideBroken, marked, money, uid } from "./dom";
import { openProduct } from "./panel";

interface Option {
  id: string;
  el: HTMLElement;
  take: () => void;
}

export class Autocomplete {
  readonly listbox: HTMLElement;
  private options: Option[] = [];
  private active = -1;
  private inflight: AbortController | null = null;
  private input: HTMLInputElement | null = null;
  private lastQuery = "";

  constructor(private readonly c: Controller, readonly host: HTMLElement) {
    this.listbox = h("div", { class: "dsc-ac", role: "listbox", id: uid("ac"), hidden: true,
      "aria-label": c.t.suggestions });
    host.classList.add("dsc-ac-host");
    host.append(this.listbox);
  }

  attach(input: HTMLInputElement): void {
    this.input = input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", this.listbox.id);
    input.setAttribute("aria-expanded", "false");
    input.addEventListener("keydown", (e) => this.key(e));
    input.addEventListener("blur", () => window.setTimeout(() => this.close(), 120));
    input.addEventListener("focus", () => { if (this.options.length && input.value) this.show(); });
  }

  async suggest(q: string): Promise<void> {
    this.lastQuery = q;
    this.inflight?.abort();
    if (!q.trim()) {
      this.close();
      this.options = [];
      return;
    }
    const inflight = new AbortController();
    this.inflight = inflight;
    try {
      const s = await this.c.api.autocomplete(q, this.c.config.suggestionLimit, inflight.signal);
      if (inflight.signal.aborted || q !== this.lastQuery) return;
      this.render(s);
    } catch {
      /* suggestions are optional: the results still update */
    }
  }

  private render(s: Suggestions): void {
    const t = this.c.t;
    this.options = [];
    this.active = -1;
    const groups: HTMLElement[] = [];
    const group = (label: string, items: HTMLElement[]) => {
      if (!items.length) return;
      const headingId = uid("acg");
      groups.push(h("div", { class: "dsc-ac-group", role: "group", "aria-labelledby": headingId },
        h("div", { class: "dsc-ac-heading", id: headingId, role: "presentation" }, label), items));
    };
    const option = (content: (Node | string)[], take: () => void, cls = ""): HTMLElement => {
      const id = uid("opt");
      const el = h("div", { class: `dsc-ac-option ${cls}`, role: "option", id, "aria-selected": "false" },
        ...content);
      el.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
      el.addEventListener("click", () => { this.close(); take(); });
      this.options.push({ id, el, take });
      return el;
    };
    group(t.suggestions, s.completions.map((c) => option([c.text], () => this.complete(c.text))));
    group(t.products, s.products.map((p) => option([
      p.image ? h("img", { src: p.image, alt: "", class: "dsc-ac-thumb", loading: "lazy", onerror: hideBroken }) : "",
      h("span", { class: "dsc-ac-name" }, marked(p.highlight)),
      h("span", { class: "dsc-ac-price" }, money(p.price_per_piece, p.currency, this.c.config.lang)),
    ], () => openProduct(this.c, p.sku, this.input), "dsc-ac-product")));
    group(t.categories, s.categories.map((cat) => option(
      [cat.value.split(" > ").pop() ?? cat.value, h("span", { class: "dsc-ac-path" }, cat.value)],
      () => this.c.setCategory(cat.value))));
    group(t.brands, s.brands.map((b) => option([b.value, h("span", { class: "dsc-count" }, String(b.count))],
      () => { if (!this.c.selected.get("brand")?.has(b.value)) this.c.toggle("brand", b.value); })));
    this.listbox.replaceChildren(...groups);
    if (this.options.length && this.input === document.activeElement) this.show();
    else this.close();
  }

  private complete(text: string): void {
    if (this.input) this.input.value = text;
    this.c.setQuery(text);
  }

  private show(): void {
    this.listbox.hidden = false;
    this.input?.setAttribute("aria-expanded", "true");
  }

  close(): void {
    this.listbox.hidden = true;
    this.input?.setAttribute("aria-expanded", "false");
    this.input?.removeAttribute("aria-activedescendant");
    this.setActive(-1);
  }

  private setActive(index: number): void {
    this.options[this.active]?.el.setAttribute("aria-selected", "false");
    this.options[this.active]?.el.classList.remove("dsc-active");
    this.active = index;
    const opt = this.options[index];
    if (opt) {
      opt.el.setAttribute("aria-selected", "true");
      opt.el.classList.add("dsc-active");
      opt.el.scrollIntoView({ block: "nearest" });
      this.input?.setAttribute("aria-activedescendant", opt.id);
    } else {
      this.input?.removeAttribute("aria-activedescendant");
    }
  }

  /** True when the key was used by the list. */
  private key(e: KeyboardEvent): boolean {
    const open = !this.listbox.hidden;
    const n = this.options.length;
    if (e.key === "ArrowDown" && n) {
      e.preventDefault();
      if (!open) this.show();
      this.setActive((this.active + 1) % n);
    } else if (e.key === "ArrowUp" && n) {
      e.preventDefault();
      if (!open) this.show();
      this.setActive(this.active <= 0 ? n - 1 : this.active - 1);
    } else if (e.key === "Enter" && open && this.active >= 0) {
      e.preventDefault();
      e.stopImmediatePropagation();
      const opt = this.options[this.active];
      this.close();
      opt.take();
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      e.stopImmediatePropagation();
      this.close();
    } else {
      return false;
    }
    return true;
  }
}

export function mountSearchbox(c: Controller, el: HTMLElement, shared: () => Autocomplete | null): void {
  const t = c.t;
  const id = uid("q");
  const input = h("input", {
    id, type: "search", class: "dsc-input", placeholder: el.dataset.placeholder || t.searchPlaceholder,
    autocomplete: "off", spellcheck: "false", enterkeyhint: "search", value: c.q,
  });
  const clear = h("button", { type: "button", class: "dsc-clear", "aria-label": t.clear, hidden: !c.q },
    "×");
  const form = h("form", { class: "dsc-searchbox", role: "search" },
    h("label", { for: id, class: "dsc-sr-only" }, t.searchLabel), input, clear);
  el.replaceChildren(form);
  if (c.config.capture) mountCapture(c, form, input, el); // camera and microphone buttons
  // suggestions go to the page's autocomplete widget, or to a list under this box
  const ac = shared() ?? new Autocomplete(c, form);
  ac.attach(input);

  const resultsUrl = c.config.resultsUrl;
  input.addEventListener("input", () => {
    clear.hidden = !input.value;
    if (!resultsUrl) c.setQuery(input.value);
    void ac.suggest(input.value);
  });
  clear.addEventListener("click", () => {
    input.value = "";
    clear.hidden = true;
    ac.close();
    c.setQuery("");
    input.focus();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ac.close();
    if (resultsUrl) {
      window.location.assign(`${resultsUrl}${resultsUrl.includes("?") ? "&" : "?"}q=${encodeURIComponent(input.value)}`);
    } else {
      c.setQuery(input.value);
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.defaultPrevented && input.value) {
      input.value = "";
      clear.hidden = true;
      c.setQuery("");
    }
  });
  c.addEventListener("query", (e) => {
    const q = (e as CustomEvent<string>).detail;
    if (input.value !== q) {
      input.value = q;
      clear.hidden = !q;
    }
  });
}
