// The CORS monitor: the S3 server's own record of its CORS decisions (GET /api/monitor),
// per bucket the user may read the CORS configuration of. Charts of preflights and actual
// requests over time, allowed and refused by reason, each with its numbers in words and in a
// table; and the latest refusals, each with the rule-by-rule evaluation that refused it, as
// `doorman explain` shows it. A misconfiguration, or a page on an unknown origin, shows up
// here as refusals.
import "uplot/dist/uPlot.min.css";
import "./monitor.css";
import uPlot from "uplot";
import { h, alertBox, scrollTable, errorText } from "./dom.js";
import { api } from "./api.js";
import { responseText, outcomeText, rulesShown, matchingText, ruleText } from "./cors-explain.js";

// refreshEvery is the pause between two reads of the record: its slots are 10 s wide, so
// every 5 s shows a new slot within half a slot.
const refreshEvery = 5000;

// windows are the spans of time the charts can show; the record keeps one hour.
const windows = [
  [5 * 60, "Last 5 minutes"],
  [15 * 60, "Last 15 minutes"],
  [60 * 60, "Last hour"],
];

// kinds are the charts of a bucket.
const kinds = [
  ["preflight", "Preflights (OPTIONS)"],
  ["actual", "Actual requests"],
];

// What a series counts, in words, and how it is drawn: colour (a custom property) and dash,
// so that series differ in more than colour.
const series = [
  { outcome: "allowed", label: "allowed", color: "--ok", dash: [] },
  { outcome: "no_matching_rule", check: "origin", label: "refused: origin", color: "--danger", dash: [6, 3] },
  { outcome: "no_matching_rule", check: "method", label: "refused: method", color: "--warn", dash: [2, 3] },
  { outcome: "no_matching_rule", check: "headers", label: "refused: headers", color: "--accent", dash: [10, 4, 2, 4] },
  { outcome: "no_matching_rule", check: "header_limits", label: "refused: header limits", color: "--muted", dash: [1, 2] },
  { outcome: "no_matching_rule", check: "", label: "refused: no rule", color: "--danger", dash: [12, 3] },
  { outcome: "no_configuration", label: "refused: no CORS configuration", color: "--fg", dash: [4, 4] },
  { outcome: "bad_request", label: "refused: bad preflight", color: "--warn", dash: [8, 2, 2, 2] },
  { outcome: "no_bucket", label: "refused: no such bucket", color: "--muted", dash: [3, 6] },
  { outcome: "no_origin", label: "no Origin (not CORS)", color: "--muted", dash: [] },
];

function kindOf(s) {
  return series.find((x) => x.outcome === s.outcome && (x.check === undefined || x.check === (s.check || ""))) || { label: `${s.outcome} ${s.check || ""}`.trim(), color: "--fg", dash: [] };
}

// cssVar is a palette colour as the page draws it now, for the canvas: the palette's
// light-dark() pairs are resolved by the browser on an element, not by the canvas.
function cssVar(name) {
  const probe = document.createElement("span");
  probe.style.color = `var(${name}, currentColor)`;
  document.body.append(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

export function render(main, params, { signal } = {}) {
  const h1 = h("h1", { tabindex: "-1" }, "CORS monitor");
  const bucket = h("select", { id: "monitor-bucket", onchange: refresh }, h("option", { value: "" }, "All buckets"));
  const span = h(
    "select",
    { id: "monitor-window", onchange: refresh },
    windows.map(([s, label]) => h("option", { value: s, selected: s === 15 * 60 }, label)),
  );
  const auto = h("input", { type: "checkbox", id: "monitor-auto", checked: true, onchange: schedule });
  const refreshButton = h("button", { id: "monitor-refresh", type: "button", onclick: refresh }, "Refresh now");
  const updated = h("p", { id: "monitor-updated", class: "muted" });
  const error = alertBox("monitor-error");
  const empty = h(
    "p",
    { id: "monitor-empty", hidden: true },
    "No CORS decisions yet in this time span. Requests that carry an Origin header (from a browser, the probe on a bucket's CORS page, or curl -H 'Origin: …') show up here within seconds.",
  );
  const charts = h("div", { id: "monitor-charts" });
  const refusals = h("div", { id: "monitor-refusals" });

  main.replaceChildren(
    h1,
    h(
      "p",
      { class: "muted" },
      "The S3 server's own record of its CORS decisions, for the buckets whose CORS configuration you may read: counts per 10 seconds over the last hour, and the latest refusals with each rule's evaluation.",
    ),
    h(
      "form",
      { class: "monitor-controls", onsubmit: (e) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "monitor-bucket" }, "Bucket"), bucket),
      h("div", { class: "field" }, h("label", { for: "monitor-window" }, "Time span"), span),
      h("div", { class: "field check" }, auto, h("label", { for: "monitor-auto" }, "Refresh every 5 seconds")),
      refreshButton,
    ),
    updated,
    error,
    empty,
    charts,
    h("h2", { id: "refusals-title" }, "Recent refusals"),
    refusals,
  );

  let timer = 0;
  let plots = []; // the uPlot instances drawn, to size and destroy
  const resize = new ResizeObserver(() => {
    for (const p of plots) p.setSize(size(p.root.parentElement));
  });
  resize.observe(charts);
  let last = null; // the latest answer, redrawn at once in the other theme's colours
  const retheme = () => {
    if (!charts.isConnected) return stop();
    if (last) draw(last);
  };
  document.addEventListener("doorman-theme", retheme);

  function stop() {
    clearTimeout(timer);
    resize.disconnect();
    document.removeEventListener("doorman-theme", retheme);
    for (const p of plots) p.destroy();
    plots = [];
  }

  function schedule() {
    clearTimeout(timer);
    if (auto.checked) timer = setTimeout(refresh, refreshEvery);
  }

  // The buckets to choose from: the user's, and any with decisions.
  api("GET", "/api/buckets")
    .then((res) => addBuckets(res.buckets.map((b) => b.name)))
    .catch(() => {}); // the monitor's own answer still names the buckets with decisions

  function addBuckets(names) {
    const have = new Set([...bucket.options].map((o) => o.value));
    for (const n of names) {
      if (have.has(n)) continue;
      have.add(n);
      bucket.append(h("option", { value: n }, n));
    }
  }

  // Each refresh has a number and an AbortController: a newer one (a changed bucket or span,
  // the button) aborts the older, whose answer is then never drawn over the newer.
  let asked = 0;
  let inFlight = null;
  if (signal) {
    signal.addEventListener(
      "abort",
      () => {
        if (inFlight) inFlight.abort();
        stop();
      },
      { once: true },
    );
  }

  async function refresh() {
    clearTimeout(timer);
    if (!charts.isConnected) return stop();
    const n = ++asked;
    if (inFlight) inFlight.abort();
    const ctrl = new AbortController();
    inFlight = ctrl;
    const since = new Date(Date.now() - Number(span.value) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const q = new URLSearchParams({ since });
    if (bucket.value) q.set("bucket", bucket.value);
    try {
      const res = await api("GET", `/api/monitor?${q}`, undefined, { signal: ctrl.signal });
      if (n !== asked) return;
      if (!charts.isConnected) return stop();
      error.textContent = "";
      addBuckets(res.series.map((s) => s.bucket));
      last = res;
      draw(res);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    } catch (e) {
      if (n !== asked) return;
      if (!charts.isConnected) return stop();
      error.textContent = errorText(e);
    }
    inFlight = null;
    schedule();
  }

  function draw(res) {
    // Keep what the person opened, and where the focus was, across the redraw.
    const open = new Set([...main.querySelectorAll("details[open][data-key]")].map((d) => d.dataset.key));
    const focused = document.activeElement && document.activeElement.closest("[data-key]");
    const focusKey = focused && main.contains(focused) ? focused.dataset.key : null;

    for (const p of plots) p.destroy();
    plots = [];
    const byBucket = new Map();
    for (const s of res.series) {
      if (!byBucket.has(s.bucket)) byBucket.set(s.bucket, []);
      byBucket.get(s.bucket).push(s);
    }
    empty.hidden = byBucket.size > 0 || res.recent.length > 0;
    charts.replaceChildren(...[...byBucket].map(([name, list]) => bucketCharts(name, list, res.slotSeconds)));
    refusals.replaceChildren(refusalTable(res.recent));

    for (const d of main.querySelectorAll("details[data-key]")) if (open.has(d.dataset.key)) d.open = true;
    if (focusKey) {
      const el = main.querySelector(`[data-key="${CSS.escape(focusKey)}"] > summary`);
      if (el) el.focus();
    }
  }

  function bucketCharts(name, list, slot) {
    return h(
      "section",
      { class: "monitor-bucket", "data-bucket": name, "aria-labelledby": `monitor-b-${name}` },
      h("h2", { id: `monitor-b-${name}` }, name),
      h("div", { class: "chart-pair" }, kinds.map(([kind, title]) => chart(name, kind, title, list.filter((s) => s.kind === kind), slot))),
    );
  }

  // chart draws one kind's series for a bucket, with its numbers in words (the figure's
  // caption and the canvas's label) and in a table.
  function chart(name, kind, title, list, slot) {
    const described = list.map((s) => ({ ...kindOf(s), counts: s.counts, total: s.counts.reduce((a, b) => a + b, 0), start: Date.parse(s.start) / 1000 }));
    const total = described.reduce((a, d) => a + d.total, 0);
    const summary = total === 0 ? "none" : described.map((d) => `${d.total} ${d.label}`).join(", ");
    const caption = `${title}: ${summary}.`;
    const box = h("div", { class: "chart", role: "img", "aria-label": `${name}, ${caption}` });
    const figure = h(
      "figure",
      { class: "monitor-chart", "data-kind": kind },
      h("figcaption", {}, caption),
      box,
      described.length ? table(name, kind, title, described, slot) : null,
    );
    if (described.length === 0) {
      box.append(h("p", { class: "muted" }, "No decisions in this time span."));
      return figure;
    }
    const start = Math.min(...described.map((d) => d.start));
    const n = Math.max(...described.map((d) => d.start - start + d.counts.length * slot)) / slot;
    // One point per slot, and one more at the end of the last, so that the latest slot's
    // count is drawn as wide as the others.
    const xs = Array.from({ length: n + 1 }, (_, i) => start + i * slot);
    const data = [xs, ...described.map((d) => xs.map((x, i) => d.counts[(Math.min(i, n - 1) * slot + start - d.start) / slot] ?? 0))];
    const fg = cssVar("--fg");
    const grid = cssVar("--border");
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    // Drawn once the figure is in the page, at its width.
    queueMicrotask(() => {
      if (!box.isConnected) return;
      const opts = {
        ...size(box),
        title: "",
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
        // Counts are whole numbers: no tick between them.
        axes: [axis, { ...axis, label: `per ${slot} s`, labelSize: 20, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5] }],
        series: [
          { label: "time" },
          ...described.map((d) => ({
            label: `${d.label} (${d.total})`,
            stroke: cssVar(d.color),
            dash: d.dash,
            width: 2,
            paths: stepped,
            points: { show: false },
          })),
        ],
      };
      const p = new uPlot(opts, data, box);
      p.root.setAttribute("aria-hidden", "true"); // the figure's label and table say it
      plots.push(p);
    });
    return figure;
  }

  // table lists a chart's numbers: each series' total and the slots with decisions.
  function table(name, kind, title, described, slot) {
    const rows = described.map((d) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, d.label),
        h("td", { class: "num" }, String(d.total)),
        h("td", { class: "num" }, String(Math.max(...d.counts))),
        h(
          "td",
          {},
          d.counts
            .map((c, i) => (c ? `${new Date((d.start + i * slot) * 1000).toLocaleTimeString()}: ${c}` : null))
            .filter(Boolean)
            .slice(-12)
            .join(", "),
        ),
      ),
    );
    return h(
      "details",
      { class: "chart-table", "data-key": `t:${name}:${kind}` },
      h("summary", {}, `${title} as a table`),
      scrollTable(
        h(
          "table",
          { class: "data" },
          h("caption", {}, `${name}: ${title}`),
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Decision"), h("th", { scope: "col" }, "Total"), h("th", { scope: "col" }, `Most in ${slot} s`), h("th", { scope: "col" }, "Latest slots with decisions")),
          ),
          h("tbody", {}, rows),
        ),
        `${name}: ${title} as a table`,
      ),
    );
  }

  function refusalTable(list) {
    const rows = list.map((r) => {
      const key = `r:${r.time}:${r.bucket}:${r.kind}:${r.origin}`;
      const ev = r.evaluation;
      return h(
        "tr",
        { class: "refusal", "data-bucket": r.bucket },
        h("td", { class: "time" }, at(r.time)),
        h("td", {}, r.bucket),
        h("td", {}, r.kind),
        h("td", { class: "origin" }, r.origin || "(none)"),
        h("td", {}, r.method),
        h("td", { class: "headers" }, (r.requestHeaders || []).join(", ")),
        h("td", { class: "reason" }, r.reason),
        h(
          "td",
          { class: "evaluation" },
          h(
            "details",
            { "data-key": key },
            h("summary", {}, "Rule evaluation"),
            h("p", {}, outcomeText(ev)),
            rulesShown(ev)
              ? [h("p", {}, matchingText(ev)), h("ol", { class: "rules" }, ev.rules.map((x) => h("li", {}, h("code", {}, ruleText(ev, x)))))]
              : null,
            h("p", {}, "S3's answer:"),
            h("pre", { class: "response", tabindex: "0" }, responseText(ev)),
          ),
        ),
      );
    });
    return scrollTable(
      h(
        "table",
        { id: "refusals", class: "data" },
        h("caption", {}, list.length ? "Refused requests, newest first" : "No refused request in this time span"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Time", "Bucket", "Kind", "Origin", "Method", "Request headers", "Reason", "Evaluation"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h("tbody", {}, rows),
      ),
      "Recent refusals",
    );
  }

  refresh();
}

// stepped draws a count as a level over its whole slot.
const stepped = uPlot.paths.stepped({ align: 1 });

// at is a refusal's time: seconds matter, as the record's slots are 10 s.
function at(value) {
  const d = new Date(value);
  return h("time", { datetime: d.toISOString(), title: d.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" }) }, d.toLocaleTimeString());
}

// size is a chart's size for its box: its width, a height that stays readable.
function size(box) {
  const width = Math.max(200, box.clientWidth || 300);
  return { width, height: Math.round(Math.min(260, Math.max(160, width * 0.45))) };
}
