// The sign-in page: an access key and secret key the S3 server knows. The secret goes to the
// server once and is not kept anywhere in the page afterwards.
import { h, alertBox, statusBox } from "./dom.js";
import { signIn, takeNotice } from "./api.js";
import { link } from "./router.js";

// messages turns the sign-in refusals into what a person should do next.
function message(err) {
  switch (err.code) {
    case "InvalidCredentials":
      return "The access key or secret key is wrong. Check both and try again.";
    case "SlowDown":
      return "Too many sign-in attempts from this address. Wait a few seconds, then try again.";
    default:
      return `${err.code ? `${err.code}: ` : ""}${err.message}`;
  }
}

// safeNext keeps a return address only when it is one of the console's own routes.
function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("/signin") ? `#${next}` : link.buckets();
}

export function render(main, { next }) {
  const error = alertBox("signin-error");
  const notice = statusBox("signin-notice");
  const out = new URLSearchParams(location.hash.split("?")[1] || "").get("out");
  notice.textContent = takeNotice() || (out ? "You have signed out." : "");
  const access = h("input", {
    id: "access-key",
    name: "access-key",
    autocomplete: "username",
    spellcheck: "false",
    autocapitalize: "off",
    required: true,
  });
  const secret = h("input", {
    id: "secret-key",
    name: "secret-key",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { id: "signin", class: "stack", "aria-describedby": "signin-error", onsubmit },
    h("div", { class: "field" }, h("label", { for: "access-key" }, "Access key"), access),
    h("div", { class: "field" }, h("label", { for: "secret-key" }, "Secret key"), secret),
    error,
    h("div", { class: "actions" }, submit),
  );

  async function onsubmit(e) {
    e.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      await signIn(access.value.trim(), secret.value);
      secret.value = "";
      if (main.isConnected) location.hash = safeNext(next);
    } catch (err) {
      error.textContent = message(err);
      if (err.code === "InvalidCredentials") secret.select();
      secret.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  }

  main.append(
    h(
      "div",
      { class: "signin-card" },
      h("h1", { tabindex: "-1" }, "Sign in to doorman"),
      h("p", { class: "muted" }, "Use an access key and secret key of this server's S3 users. Everything you do here is signed as that user."),
      notice,
      form,
    ),
  );
  // The heading takes focus for the announcement; the first field is where typing starts.
  queueMicrotask(() => access.focus());
}
