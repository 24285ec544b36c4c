// The sign-in screen: username and password, the server's message on failure (wrong
// credentials, too many attempts), focus on the first field.

import { api, ApiError, type Me } from "./api";
import { h, uid } from "./ui";

export function loginScreen(onSignedIn: (me: Me) => void, reason?: string): HTMLElement {
  const userId = uid("user");
  const passId = uid("pass");
  const errorId = uid("login-error");
  const username = h("input", {
    id: userId, name: "username", type: "text", autocomplete: "username", required: true,
    autocapitalize: "none", spellcheck: "false", class: "c-input",
  });
  const password = h("input", {
    id: passId, name: "password", type: "password", autocomplete: "current-password", required: true,
    class: "c-input",
  });
  const error = h("div", { id: errorId, class: "c-login-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "c-btn c-btn-primary c-btn-block" }, "Sign in");

  const showError = (message: string) => {
    error.replaceChildren(h("div", { class: "c-notice c-notice-error" }, message));
    for (const input of [username, password]) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", errorId);
    }
  };

  const form = h("form", { class: "c-login-form", novalidate: true, "aria-labelledby": "c-login-title" },
    h("div", { class: "c-field" }, h("label", { for: userId }, "Username"), username),
    h("div", { class: "c-field" }, h("label", { for: passId }, "Password"), password),
    error,
    submit);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = username.value.trim();
    if (!name || !password.value) {
      showError(!name ? "Enter your username." : "Enter your password.");
      (!name ? username : password).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Signing in…";
    form.setAttribute("aria-busy", "true");
    try {
      const me = await api.login(name, password.value);
      onSignedIn(me);
    } catch (err) {
      const message = err instanceof ApiError ? err.message : "Sign-in failed; try again.";
      showError(message);
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
      form.removeAttribute("aria-busy");
    }
  });

  const screen = h("main", { class: "c-login", id: "main" },
    h("div", { class: "c-login-card" },
      h("p", { class: "c-brand" }, "B2B ", h("span", {}, "Discovery")),
      h("h1", { id: "c-login-title", class: "c-login-title" }, "Merchandiser console"),
      h("p", { class: "c-muted" }, "Sign in with your staff account."),
      reason ? h("div", { class: "c-notice c-notice-warn", role: "status" }, reason) : null,
      form));
  queueMicrotask(() => username.focus());
  return screen;
}
