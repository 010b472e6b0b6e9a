// The console's shell: the header (product, navigation, who is signed in, theme, sign-out),
// the <main> the pages render into, and the hash router that picks the page.
import "./locale.js";
import "./app.css";
import { h, confirmAction } from "./dom.js";
import { keepOnEnd, loadSession, session, signOut } from "./api.js";
import { initTheme, preference, setPreference } from "./theme.js";
import { parse, link } from "./router.js";
import * as signin from "./signin.js";
import * as buckets from "./buckets.js";
import * as objects from "./objects.js";
import * as details from "./details.js";
import * as cors from "./cors.js";
import * as monitor from "./monitor.js";
import { stopUploads } from "./upload.js";

const pages = {
  signin: { module: signin, title: "Sign in" },
  buckets: { module: buckets, title: "Buckets", nav: "buckets" },
  objects: { module: objects, title: (p) => p.bucket, nav: "buckets" },
  details: { module: details, title: (p) => p.key, nav: "buckets" },
  cors: { module: cors, title: (p) => `CORS: ${p.bucket}`, nav: "buckets" },
  monitor: { module: monitor, title: "CORS monitor", nav: "monitor" },
};

initTheme();

const themeSelect = h(
  "select",
  { id: "theme", onchange: (e) => setPreference(e.target.value) },
  h("option", { value: "system" }, "System"),
  h("option", { value: "light" }, "Light"),
  h("option", { value: "dark" }, "Dark"),
);
themeSelect.value = preference();

const navLinks = {
  buckets: h("a", { href: link.buckets(), id: "nav-buckets" }, "Buckets"),
  monitor: h("a", { href: link.monitor(), id: "nav-monitor" }, "Monitor"),
};
const nav = h("nav", { "aria-label": "Main" }, h("ul", {}, h("li", {}, navLinks.buckets), h("li", {}, navLinks.monitor)));
const whoami = h("span", { id: "whoami" });
const signOutButton = h("button", { id: "sign-out", type: "button", class: "secondary", onclick: doSignOut }, "Sign out");
const account = h("div", { class: "account" }, h("span", { class: "who" }, "Signed in as ", whoami), signOutButton);
const header = h(
  "header",
  { class: "top" },
  h("a", { class: "brand", href: link.buckets() }, "doorman", h("span", { class: "brand-sub" }, " console")),
  nav,
  h("div", { class: "header-tools" }, h("label", { for: "theme", class: "theme-label" }, "Theme"), themeSelect, account),
);
const main = h("main", { id: "main" });
const skip = h("a", { class: "skip", href: "#main", onclick: skipToMain }, "Skip to content");
document.getElementById("app").replaceWith(h("div", { id: "app" }, skip, header, main));

function skipToMain(e) {
  e.preventDefault();
  const h1 = main.querySelector("h1");
  if (h1) h1.focus();
}

// showSession puts the signed-in state into the header.
function showSession() {
  const s = session();
  whoami.textContent = s ? s.accessKey : "";
  account.hidden = !s;
  nav.hidden = !s;
}

async function doSignOut() {
  if (!(await mayLeave())) return;
  signOutButton.disabled = true;
  try {
    await stopUploads();
    await signOut();
  } catch {
    // the session is forgotten here whatever the server said
  } finally {
    signOutButton.disabled = false;
  }
  location.hash = "#/signin?out=1";
}

// The page shown: its hash, the AbortController whose signal its listeners and requests use
// (aborted when the person leaves it), and its canLeave(), which returns false while leaving
// would lose what the person typed.
let shown = { hash: "", ctrl: new AbortController(), canLeave: null };

// mayLeave asks, when the page holds unsaved work, whether to leave it; resolves true to go.
async function mayLeave() {
  if (!shown.canLeave || shown.canLeave()) return true;
  if (!(await confirmAction("This page has unsaved changes. Leave it and lose them?", "Leave page"))) return false;
  shown.canLeave = null;
  return true;
}

// onHashChange keeps the page when it holds unsaved work and the person chooses to stay: the
// address goes back to it (replaceState fires no hashchange) while the question is asked.
async function onHashChange() {
  if (location.hash === shown.hash) return;
  if (shown.canLeave && !shown.canLeave()) {
    const to = location.hash;
    history.replaceState(history.state, "", shown.hash || "#/");
    if (!(await mayLeave())) return;
    location.hash = to;
    return;
  }
  route();
}

// route renders the page the hash names into a fresh container: a page that is still loading
// when the person moves on writes into a detached element, never over the next page, and the
// previous page's signal is aborted, which ends its listeners and timers.
let rendering = 0;
async function route() {
  const { name, params } = parse(location.hash);
  if (name === null || name === "home") {
    location.replace(session() ? link.buckets() : "#/signin");
    return;
  }
  if (name !== "signin" && !session()) {
    const here = location.hash.slice(1);
    location.replace(`#/signin?next=${encodeURIComponent(here)}`);
    return;
  }
  if (name === "signin" && session()) {
    location.replace(link.buckets());
    return;
  }
  const page = pages[name];
  const n = ++rendering;
  shown.ctrl.abort();
  keepOnEnd(null);
  shown = { hash: location.hash, ctrl: new AbortController(), canLeave: null };
  const ctx = {
    signal: shown.ctrl.signal,
    // canLeave registers the page's answer to "may the person leave without losing work?".
    canLeave: (fn) => {
      if (n === rendering) shown.canLeave = fn;
    },
  };
  showSession();
  for (const [k, a] of Object.entries(navLinks)) {
    if (k === page.nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const title = typeof page.title === "function" ? page.title(params) : page.title;
  document.title = `${title} · doorman console`;
  const container = h("div", { class: `page page-${name}` });
  main.replaceChildren(container);
  const done = page.module.render(container, params, ctx);
  focusHeading(container);
  if (done && typeof done.then === "function") {
    await done.catch((e) => container.append(h("p", { role: "alert", class: "alert" }, String(e.message || e))));
    // The page may have drawn its heading anew; focus follows it only where the person has
    // not moved it meanwhile.
    const active = document.activeElement;
    if (n === rendering && (!active || active === document.body || (active.tagName === "H1" && container.contains(active)))) focusHeading(container);
  }
}

// focusHeading moves focus to the page's h1, so that a screen reader announces the new page
// and the keyboard starts from its top.
function focusHeading(container) {
  const h1 = container.querySelector("h1");
  if (!h1) return;
  if (!h1.hasAttribute("tabindex")) h1.setAttribute("tabindex", "-1");
  h1.focus({ preventScroll: false });
}

document.addEventListener("doorman-session", showSession);
window.addEventListener("hashchange", onHashChange);

(async () => {
  try {
    await loadSession();
  } catch (e) {
    main.replaceChildren(h("p", { role: "alert", class: "alert" }, `The console could not be reached: ${e.message}`));
    return;
  }
  showSession();
  route();
})();
