// What the shell knows of a view: its element, its heading (focus goes there on navigation)
// and a hook called on every visit with the route's parameters.

import type { Me } from "./api";

export interface Route {
  name: string;
  /** The path after the view's name: "#/evaluation/12" -> ["12"]. */
  rest: string[];
  params: URLSearchParams;
}

export interface Context {
  me: Me;
  editable: boolean;
  navigate(hash: string, options?: { replace?: boolean }): void;
  /** A view with unsaved edits says so here (the shell warns before leaving the page). */
  setDirty(view: string, dirty: boolean): void;
}

export interface View {
  el: HTMLElement;
  heading: HTMLElement;
  enter(route: Route): void;
  leave?(): void;
}
