// A small form that writes the common query rules (pin, hide, boost for a query) into the
// JSON of the draft rules, so nobody has to remember the keys.

import { h, uid } from "./ui";

type Action = "pin" | "hide" | "boost";

interface Options {
  existingIds(): Set<string>;
  /** Adds the rule to the editor; returns an error message or null. */
  add(rule: Record<string, unknown>): string | null;
}

function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const hintId = hint ? uid("hint") : undefined;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "c-field" },
    h("label", { for: input.id }, label), input,
    hint ? h("span", { id: hintId, class: "c-hint" }, hint) : null);
}

function slug(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "rule";
}

export function addRuleForm(options: Options): HTMLElement {
  const input = (name: string, attrs: Record<string, string | number | boolean> = {}) =>
    h("input", { id: uid(name), name, class: "c-input", autocomplete: "off", ...attrs });
  const query = input("query", { type: "text", required: true, placeholder: "e.g. hex bolt" });
  const match = h("select", { id: uid("match"), name: "match", class: "c-select" },
    h("option", { value: "query_equals" }, "is exactly"),
    h("option", { value: "query_contains" }, "contains the words"),
    h("option", { value: "query_prefix" }, "starts with"));
  const action = h("select", { id: uid("action"), name: "action", class: "c-select" },
    h("option", { value: "pin" }, "Pin a product at a position"),
    h("option", { value: "hide" }, "Hide products"),
    h("option", { value: "boost" }, "Boost products matching a filter"));
  const sku = input("sku", { type: "text", placeholder: "FAS-000123", spellcheck: "false" });
  const position = input("position", { type: "number", min: 1, max: 100, step: 1, value: 1, inputmode: "numeric" });
  const hide = input("hide", { type: "text", placeholder: "FAS-000999, FAS-001000", spellcheck: "false" });
  const filter = input("filter", { type: "text", placeholder: "brand:Fastek", spellcheck: "false" });
  const weight = input("weight", { type: "number", min: 1.01, step: 0.1, value: 2, inputmode: "decimal" });

  const groups: Record<Action, HTMLElement> = {
    pin: h("div", { class: "c-form-row" }, field("Product SKU", sku), field("Position", position, "1 to 100")),
    hide: h("div", { class: "c-form-row" }, field("SKUs to hide", hide, "Separate several with commas")),
    boost: h("div", { class: "c-form-row" },
      field("Filter", filter, "Search filter syntax, e.g. brand:Fastek or material:Stainless steel"),
      field("Weight", weight, "More than 1; 2 doubles the score")),
  };
  const message = h("div", { class: "c-form-msg", "aria-live": "polite" });

  const showGroup = () => {
    for (const [name, group] of Object.entries(groups)) {
      const on = name === action.value;
      group.hidden = !on;
      for (const el of group.querySelectorAll("input")) el.disabled = !on;
    }
  };
  action.addEventListener("change", showGroup);
  showGroup();

  const invalid = (el: HTMLInputElement, text: string): void => {
    el.setAttribute("aria-invalid", "true");
    message.replaceChildren(h("div", { class: "c-notice c-notice-error", role: "alert" }, text));
    el.focus();
  };

  const form = h("form", { class: "c-quick", novalidate: true },
    h("div", { class: "c-form-row" },
      field("When the query", match), field("Query", query)),
    h("div", { class: "c-form-row" }, field("Then", action)),
    ...Object.values(groups),
    message,
    h("div", { class: "c-actions" },
      h("button", { type: "submit", class: "c-btn c-btn-secondary" }, "Add to the draft rules")));

  form.addEventListener("input", (ev) => (ev.target as HTMLElement).removeAttribute("aria-invalid"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    message.replaceChildren();
    const text = query.value.trim();
    if (!text) return invalid(query, "Enter the query the rule is for.");
    const kind = action.value as Action;
    const rule: Record<string, unknown> = { id: "", [match.value]: text };
    if (kind === "pin") {
      if (!sku.value.trim()) return invalid(sku, "Enter the SKU of the product to pin.");
      const pos = Number(position.value);
      if (!Number.isInteger(pos) || pos < 1 || pos > 100) return invalid(position, "The position is a whole number from 1 to 100.");
      rule.pin = [{ sku: sku.value.trim(), position: pos }];
    } else if (kind === "hide") {
      const skus = hide.value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
      if (!skus.length) return invalid(hide, "Enter at least one SKU to hide.");
      rule.hide = skus;
    } else {
      if (!filter.value.trim()) return invalid(filter, "Enter a filter, e.g. brand:Fastek.");
      const w = Number(weight.value);
      if (!(w > 1)) return invalid(weight, "A boost's weight is more than 1.");
      rule.boost = [{ filter: filter.value.trim(), weight: w }];
    }
    const taken = options.existingIds();
    const base = `${kind}-${slug(text)}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    rule.id = id;
    const error = options.add(rule);
    if (error) {
      message.replaceChildren(h("div", { class: "c-notice c-notice-error", role: "alert" }, error));
      return;
    }
    message.replaceChildren(h("div", { class: "c-notice c-notice-ok", role: "status" },
      `Rule “${id}” added below. Save the rules draft to apply it.`));
    form.reset();
    showGroup();
    query.focus();
  });

  return h("details", { class: "c-quick-wrap" },
    h("summary", {}, "Add a pin, hide or boost rule"), form);
}
