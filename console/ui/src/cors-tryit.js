// "Try it from a real page": the probe page, served by doorman on an origin of its own, runs
// in a frame here and makes the simulator's request for real, in this browser, against the
// bucket's saved configuration; what the browser decided is shown beside the simulator's
// prediction for this browser's engine.
//
// The frame and this page speak postMessage, each checking the other's origin
// (https://html.spec.whatwg.org/multipage/web-messaging.html#authors): the probe says
// {type: "ready"}; the page asks {type: "probe", id, url, method, headers, credentials, body};
// the probe answers {type: "result", id, verdict, status, headers, error}.
import { h, alertBox, show, confirmAction } from "./dom.js";
import { api, paths } from "./api.js";
import { engines, verdictOf, allowedBy } from "./cors-simulator.js";
import { isDark } from "./theme.js";

// probeTimeout bounds the wait for the probe's answer: a fetch the browser blocks fails at
// once, one it lets through ends within the S3 server's own timeouts, so 15 s means the frame
// is gone or never loaded.
const probeTimeout = 15000;

// expiresSeconds is the life of the presigned URL the probe fetches: a probe runs at once.
const expiresSeconds = 300;

// defaultKey is the object the probe requests when the simulator names none.
const defaultKey = "doorman-probe.txt";

// probeBody is what the probe sends with a PUT or POST.
const probeBody = "doorman console probe\n";

// presignable are the methods the console presigns; POST, which has no presigned form in S3's
// SigV4 query authentication, goes to a URL signed for PUT: S3 then refuses the signature,
// but adds its CORS headers to the refusal as to any answer, so the browser's CORS decision
// is the same.
const presignable = new Set(["GET", "PUT", "HEAD", "DELETE"]);

// engine is this browser's engine, as the simulator names it.
export function engine(ua = navigator.userAgent) {
  if (/Firefox\//.test(ua)) return "firefox";
  if (/AppleWebKit\//.test(ua) && !/Chrome\/|Chromium\//.test(ua)) return "webkit";
  return "chromium";
}

let nextID = 0;

// tryIt builds section#probe for page ({bucket, request(), dirty()}).
export function tryIt(page) {
  // The origin's select exists once the server has named the origins, so that whoever finds
  // it finds its options.
  const select = h("select", { id: "probe-origin", onchange: frame });
  const field = h("div", { class: "field" });
  const run = h("button", { id: "probe-run", type: "button", onclick: probe }, "Try it from a real page");
  const frameBox = h("div", { class: "probe-frame-box" });
  const state = h("p", { id: "probe-state", role: "status", class: "muted" }, "Asking the server for the probe's origins…");
  const error = alertBox("probe-error");
  const result = h("div", { id: "probe-result", class: "probe-verdict" }, h("p", { class: "muted" }, "Not run yet."));
  const prediction = h("div", { id: "probe-prediction", class: "probe-verdict" }, h("p", { class: "muted" }, "Not run yet."));
  const match = h("p", { id: "probe-match", role: "status" });
  const mine = engine();
  const engineName = engines.find(([e]) => e === mine)[1];

  let iframe = null;
  let loaded = null; // resolves when the current frame's probe says it is ready
  let ready = () => {};
  let busy = false;
  const waiting = new Map(); // id → resolve

  const section = h(
    "section",
    { id: "probe", "aria-labelledby": "probe-title" },
    h("h2", { id: "probe-title" }, "Try it from a real page"),
    h(
      "p",
      { class: "muted" },
      "A page on another origin, served by doorman, sends the simulator's request (method, headers, credentials mode, object key; ",
      h("code", {}, defaultKey),
      " when no key is given) to this bucket from your browser, through a presigned URL. The real request meets the SAVED configuration, not the editor's draft: save first to try a change. A PUT writes a small object under that key; a DELETE deletes it.",
    ),
    field,
    h("div", { class: "actions" }, run),
    state,
    error,
    h(
      "div",
      { class: "probe-compare" },
      h("div", {}, h("h3", {}, `What this browser did (${engineName})`), result),
      h("div", {}, h("h3", {}, "What the simulator predicted (saved configuration)"), prediction),
    ),
    match,
    frameBox,
  );

  window.addEventListener("message", receive, { signal: page.signal });
  // The probe page follows the console's theme: it is framed anew when the theme changes.
  document.addEventListener("doorman-theme", () => iframe && !busy && frame(), { signal: page.signal });
  init();
  return section;

  async function init() {
    let info;
    try {
      info = await api("GET", "/api/probe");
    } catch (e) {
      show(state, "");
      show(error, e);
      return;
    }
    if (!info.origins || info.origins.length === 0) {
      show(state, "The server offers no probe origin: doorman serve starts one with the console (--console-probe-addr).");
      return;
    }
    select.replaceChildren(...info.origins.map((o) => h("option", { value: o }, o)));
    field.replaceChildren(h("label", { for: "probe-origin" }, "Probe origin"), select);
    frame();
  }

  // frame loads the probe page from the chosen origin; it says when it is ready.
  function frame() {
    const origin = select.value;
    loaded = new Promise((resolve) => {
      ready = resolve;
    });
    const src = `${origin}/?console=${encodeURIComponent(location.origin)}&theme=${isDark() ? "dark" : "light"}`;
    iframe = h("iframe", { id: "probe-frame", src, title: `Probe on ${origin}` });
    frameBox.replaceChildren(iframe);
    show(state, `Loading the probe page from ${origin}…`);
  }

  function receive(event) {
    if (!section.isConnected) {
      window.removeEventListener("message", receive);
      return;
    }
    if (!iframe || event.source !== iframe.contentWindow || event.origin !== select.value) return;
    const m = event.data;
    if (!m || typeof m !== "object") return;
    if (m.type === "ready") {
      ready();
      if (!busy) show(state, `The probe on ${select.value} is ready.`);
    } else if (m.type === "result" && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    }
  }

  // ask waits for the frame to be ready, posts one probe request to it and waits for its
  // answer, all within probeTimeout.
  async function ask(message) {
    const deadline = Date.now() + probeTimeout;
    const late = (what) => new Error(`The probe ${what} within ${probeTimeout / 1000} s; choose the origin again to reload it.`);
    const win = iframe.contentWindow;
    const origin = select.value;
    let timer = 0;
    await Promise.race([loaded, new Promise((_, reject) => (timer = setTimeout(() => reject(late("page did not load")), probeTimeout)))]);
    clearTimeout(timer);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(message.id);
        reject(late("did not answer"));
      }, deadline - Date.now());
      waiting.set(message.id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      win.postMessage(message, origin);
    });
  }

  async function probe() {
    if (busy) return;
    if (!iframe) {
      show(error, "There is no probe page to run the request from.");
      return;
    }
    const req = page.request();
    const key = req.key || defaultKey;
    // The request is real: writing or deleting an object of the person's own needs a yes.
    if (key !== defaultKey && ["PUT", "POST", "DELETE"].includes(req.method)) {
      const what = req.method === "DELETE" ? "deleted" : "overwritten with a small test text";
      if (!(await confirmAction(`This ${req.method} is sent for real: the object ${key} in ${page.bucket} will be ${what}. Continue?`, `Send ${req.method}`))) return;
      if (busy || !section.isConnected) return;
    }
    busy = true;
    section.setAttribute("aria-busy", "true");
    show(error, "");
    for (const el of [result, prediction]) {
      el.replaceChildren();
      delete el.dataset.verdict;
    }
    match.textContent = "";
    delete match.dataset.match;
    show(state, "Running the request in this browser…");
    const origin = select.value;
    try {
      const signed = await api("POST", paths.presign(page.bucket), {
        key,
        method: presignable.has(req.method) ? req.method : "PUT",
        expiresSeconds,
      });
      const headers = {};
      for (const line of req.headers) {
        const [name, ...value] = line.split(":");
        headers[name.trim()] = value.join(":").trim();
      }
      const [answer, sim] = await Promise.all([
        ask({
          type: "probe",
          id: `p${++nextID}`,
          url: signed.url,
          method: req.method,
          headers,
          credentials: req.credentials,
          body: req.method === "PUT" || req.method === "POST" ? probeBody : undefined,
        }),
        api("POST", "/api/simulate", {
          bucket: page.bucket,
          origin,
          method: req.method,
          headers: req.headers,
          credentials: req.credentials,
          key,
        }),
      ]);
      showResult(answer);
      showPrediction(sim);
      const predicted = verdictOf(sim, mine).verdict;
      const same = answer.verdict === allowedBy(predicted);
      match.dataset.match = String(same);
      match.textContent = same
        ? `Match: ${engineName} did what the simulator predicted.`
        : `Mismatch: ${engineName} ${answer.verdict === "allowed" ? "allowed" : "blocked"} the request, the simulator predicted ${predicted}.`;
      show(state, page.dirty() ? "Done. The editor has unsaved changes: the request met the saved configuration, not the draft." : "Done.");
    } catch (e) {
      show(state, "");
      show(error, e);
    } finally {
      busy = false;
      section.removeAttribute("aria-busy");
    }
  }

  function showResult(m) {
    result.dataset.verdict = m.verdict;
    const lines = [];
    if (m.verdict === "allowed") {
      lines.push(h("p", { class: "verdict allowed" }, `Allowed: the script read the response, status ${m.status}.`));
      const hs = Object.entries(m.headers || {});
      lines.push(
        hs.length
          ? h("dl", { class: "probe-headers", "aria-label": "Response headers the script can read" }, hs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))
          : h("p", {}, "No response header was readable."),
      );
    } else {
      lines.push(h("p", { class: "verdict blocked" }, `Blocked: ${m.error || "the browser refused the request"}`));
      lines.push(h("p", { class: "muted" }, "The browser's developer tools console says why, in its own words; the prediction beside this quotes that message."));
    }
    result.replaceChildren(...lines);
  }

  function showPrediction(sim) {
    const v = verdictOf(sim, mine);
    prediction.dataset.verdict = allowedBy(v.verdict);
    prediction.replaceChildren(
      h("p", { class: `verdict ${v.verdict.toLowerCase()}` }, `${v.verdict} (${engineName})`),
      h("p", {}, v.text),
      h("p", {}, v.fixes && v.fixes.length ? `Fix: ${v.fixes.join(" ")}` : ""),
    );
  }
}
