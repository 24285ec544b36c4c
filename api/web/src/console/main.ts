// The merchandiser console: sign-in, then a shell with four views (synonyms & rules, preview,
// analytics, evaluation) addressed by the URL hash (#/preview?q=gloves, #/evaluation/12).

import "./console.css";
import { api, ApiError, canEdit, handleUnauthorized, type Me } from "./api";
import { analyticsView } from "./analytics";
import { evaluationView } from "./evaluation";
import { loginScreen } from "./login";
import { merchandisingView } from "./merchandising";
import { previewView } from "./preview";
import { badge, confirmDialog, h } from "./ui";
import type { Context, Route, View } from "./view";

const app = document.getElementById("app")!;

const NAV: { name: string; label: string; make: (ctx: Context) => View }[] = [
  { name: "merchandising", label: "Synonyms & rules", make: merchandisingView },
  { name: "preview", label: "Preview", make: previewView },
  { name: "analytics", label: "Analytics", make: analyticsView },
  { name: "evaluation", label: "Evaluation", make: evaluationView },
];
const DEFAULT_VIEW = "merchandising";

function parseHash(): Route {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search = ""] = raw.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const name = NAV.some((n) => n.name === parts[0]) ? parts[0] : DEFAULT_VIEW;
  return { name, rest: parts.slice(1), params: new URLSearchParams(search) };
}

let shell: Shell | null = null;

class Shell {
  readonly views = new Map<string, View>();
  readonly links = new Map<string, HTMLAnchorElement>();
  readonly main: HTMLElement;
  readonly dirty = new Set<string>();
  current: string | null = null;
  readonly ctx: Context;
  private readonly onHash = () => this.route(true);
  private readonly onUnload = (ev: BeforeUnloadEvent) => {
    if (this.dirty.size) { ev.preventDefault(); ev.returnValue = ""; }
  };

  constructor(readonly me: Me) {
    this.ctx = {
      me, editable: canEdit(me),
      navigate: (hash, options) => {
        if (options?.replace) { history.replaceState(null, "", hash); this.route(false); }
        else location.hash = hash;
      },
      setDirty: (view, isDirty) => { if (isDirty) this.dirty.add(view); else this.dirty.delete(view); },
    };
    this.main = h("main", { id: "main", class: "c-main", tabindex: -1 });
    const nav = h("nav", { class: "c-nav", "aria-label": "Console sections" },
      h("ul", {}, NAV.map((item) => {
        const link = h("a", { href: `#/${item.name}`, class: "c-nav-link" }, item.label);
        this.links.set(item.name, link);
        return h("li", {}, link);
      })));
    const logout = h("button", { type: "button", class: "c-btn c-btn-ghost c-btn-small" }, "Sign out");
    logout.addEventListener("click", async () => {
      if (this.dirty.size && !await confirmDialog("Sign out with unsaved edits?",
        [h("p", {}, "Your edits to the drafts are not saved and will be lost.")], "Sign out", "danger")) return;
      logout.disabled = true;
      try { await api.logout(); } catch { /* the session ends on our side anyway */ }
      this.destroy();
      showLogin("You are signed out.");
    });
    const header = h("header", { class: "c-header" },
      h("div", { class: "c-header-bar" },
        h("a", { class: "c-brand", href: "#/merchandising" }, "B2B ", h("span", {}, "Discovery"),
          h("span", { class: "c-brand-sub" }, " console")),
        nav,
        h("div", { class: "c-user" },
          h("span", { class: "c-user-name", title: "Signed in as" }, h("span", { class: "c-sr-only" }, "Signed in as "), me.username),
          badge(me.role, me.role === "analyst" ? "neutral" : "info", "Role"),
          logout)));
    const skip = h("a", { class: "c-skip", href: "#main" }, "Skip to content");
    skip.addEventListener("click", (ev) => { ev.preventDefault(); this.main.focus(); });
    app.replaceChildren(skip, header, this.main);
    window.addEventListener("hashchange", this.onHash);
    window.addEventListener("beforeunload", this.onUnload);
    this.route(false);
  }

  route(focus: boolean): void {
    const route = parseHash();
    if (this.current && this.current !== route.name) {
      this.views.get(this.current)?.leave?.();
    }
    let view = this.views.get(route.name);
    if (!view) {
      view = NAV.find((n) => n.name === route.name)!.make(this.ctx);
      this.views.set(route.name, view);
    }
    for (const [name, link] of this.links) {
      if (name === route.name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const label = NAV.find((n) => n.name === route.name)!.label;
    document.title = `${label} · Merchandiser console · B2B Discovery`;
    if (this.current !== route.name) this.main.replaceChildren(view.el);
    const changed = this.current !== route.name;
    this.current = route.name;
    view.enter(route);
    if (focus && changed) view.heading.focus({ preventScroll: false });
  }

  destroy(): void {
    window.removeEventListener("hashchange", this.onHash);
    window.removeEventListener("beforeunload", this.onUnload);
    for (const view of this.views.values()) view.leave?.();
    shell = null;
  }
}

function showLogin(reason?: string): void {
  shell?.destroy();
  document.title = "Sign in · Merchandiser console · B2B Discovery";
  app.replaceChildren(loginScreen((me) => start(me, true), reason));
}

function start(me: Me, focus: boolean): void {
  shell = new Shell(me);
  if (focus) shell.views.get(shell.current!)?.heading.focus();
}

handleUnauthorized((message) => {
  if (shell) showLogin(`Your session has ended: ${message}`);
});

async function boot(): Promise<void> {
  app.replaceChildren(h("p", { class: "c-boot", role: "status" }, "Loading the console…"));
  try {
    start(await api.me(), false);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) showLogin();
    else {
      const retry = h("button", { type: "button", class: "c-btn c-btn-primary" }, "Try again");
      retry.addEventListener("click", () => void boot());
      app.replaceChildren(h("main", { class: "c-login", id: "main" }, h("div", { class: "c-login-card" },
        h("h1", { class: "c-login-title" }, "Merchandiser console"),
        h("div", { class: "c-notice c-notice-error", role: "alert" },
          err instanceof Error ? err.message : "The console could not start."),
        retry)));
    }
  }
}

void boot();
