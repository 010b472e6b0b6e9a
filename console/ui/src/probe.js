// The probe page: served by doorman on an origin of its own and framed by the console's CORS
// page, it makes one real cross-origin request per message and says what the browser decided.
// It trusts nothing but its parent on the console's origin, named by its ?console= parameter
// (https://html.spec.whatwg.org/multipage/web-messaging.html#authors), and shows in plain
// text everything it did.
import "./probe.css";

const params = new URLSearchParams(location.search);
const consoleOrigin = params.get("console") || "";

// The console's theme (light or dark), so that the frame looks like the page around it.
const theme = params.get("theme");
if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
const log = document.getElementById("probe-log");
const methods = new Set(["GET", "HEAD", "PUT", "POST", "DELETE"]);
const modes = new Set(["omit", "include", "same-origin"]);

// maxLines bounds the log the page keeps: the frame shows a few lines, and a long session of
// probes must not grow the page without end.
const maxLines = 20;

function note(text) {
  const li = document.createElement("li");
  li.textContent = text;
  log.prepend(li); // the newest first, in view in the small frame
  while (log.children.length > maxLines) log.lastElementChild.remove();
}

document.getElementById("probe-origin-line").textContent =
  `This page is ${location.origin}; it takes requests from ${consoleOrigin || "no console (no ?console= parameter)"}.`;

// valid tells whether a message is a probe request of the expected shape.
function valid(m) {
  return (
    m && m.type === "probe" && typeof m.id === "string" && typeof m.url === "string" && /^https?:\/\//.test(m.url) &&
    methods.has(m.method) && modes.has(m.credentials) && m.headers && typeof m.headers === "object" &&
    Object.values(m.headers).every((v) => typeof v === "string") && (m.body === undefined || typeof m.body === "string")
  );
}

async function run(m) {
  note(`${m.method} ${m.url.split("?")[0]} (credentials: ${m.credentials}${Object.keys(m.headers).length ? `; headers: ${Object.keys(m.headers).join(", ")}` : ""})`);
  let answer;
  try {
    const res = await fetch(m.url, { method: m.method, headers: m.headers, credentials: m.credentials, body: m.body, mode: "cors", cache: "no-store" });
    const headers = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    await res.arrayBuffer(); // the whole answer, so that a blocked body would fail here
    answer = { verdict: "allowed", status: res.status, headers };
    note(`allowed: status ${res.status}; readable headers: ${Object.keys(headers).join(", ") || "none"}`);
  } catch (e) {
    answer = { verdict: "blocked", error: `${e.name}: ${e.message}` };
    note(`blocked: ${e.name}: ${e.message}`);
  }
  window.parent.postMessage({ type: "result", id: m.id, ...answer }, consoleOrigin);
}

window.addEventListener("message", (event) => {
  if (!consoleOrigin || event.origin !== consoleOrigin || event.source !== window.parent) return;
  if (!valid(event.data)) {
    note("ignored a message that is not a probe request");
    return;
  }
  run(event.data);
});

if (consoleOrigin && window.parent !== window) {
  window.parent.postMessage({ type: "ready" }, consoleOrigin);
  note("ready");
} else {
  note("not framed by a console: nothing to do");
}
