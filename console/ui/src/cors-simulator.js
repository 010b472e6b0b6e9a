// The simulator: what happens when a script on an origin fetches this bucket. POST
// /api/simulate answers from the code the command line runs: S3's exact answer and each
// rule's evaluation (`doorman explain`), and what Chromium, Firefox and WebKit then decide,
// with the fix when they block (`doorman check`). When the browser sends a preflight, the
// actual request that follows it is explained too.
import { h, alertBox, show, scrollTable } from "./dom.js";
import { api } from "./api.js";
import { responseText, outcomeText, rulesShown, matchingText, ruleText, command } from "./cors-explain.js";

const methods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

// engines are the browsers' engines, as the simulator names them, with the names people know.
export const engines = [
  ["chromium", "Chromium (Chrome, Edge)"],
  ["firefox", "Firefox"],
  ["webkit", "WebKit (Safari)"],
];

// headerList reads one request header a line: "Name: value" or a bare "Name". A value may
// hold commas (Accept: text/html, application/json), so lines, not commas, separate them.
export function headerList(text) {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// nameList reads a comma-separated list of header names.
function nameList(text) {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

// verdictOf is one engine's verdict in a simulator's answer, with the text to show for it:
// an answer with no browsers' part names why the browser cannot send the request at all.
export function verdictOf(r, engine) {
  const v = r.browsers ? r.browsers[engine] : { verdict: "UNSENDABLE", message: r.browserError };
  return { ...v, text: v.message || (v.verdict === "ALLOWED" ? "The script reads the response." : "") };
}

// allowedBy is what the probe reports for a verdict: the script got a response ("allowed",
// even when it cannot read every header) or the browser refused it ("blocked").
export function allowedBy(verdict) {
  return verdict === "ALLOWED" || verdict === "UNREADABLE" ? "allowed" : "blocked";
}

function field(id, label, control, hint) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("span", { id: `${id}-hint`, class: "hint" }, hint) : null,
  );
}

// revokeAfter is how long a downloaded file's object URL outlives the click that starts the
// download: the browser reads it at once, so a second is plenty.
const revokeAfter = 1000;

// download hands {name, text} to the browser as a file to save.
function download(file) {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.type }));
  const a = h("a", { href: url, download: file.name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), revokeAfter);
}

// simulator builds section#simulator for page ({bucket, draft(), configFile(source), putFirst(rule)})
// and gives page request(): the request its fields describe, which the probe sends too.
export function simulator(page) {
  const origin = h("input", { id: "sim-origin", type: "text", value: "https://app.example.com", autocomplete: "off", spellcheck: "false" });
  const method = h("select", { id: "sim-method" }, methods.map((m) => h("option", { value: m }, m)));
  const headers = h("textarea", { id: "sim-headers", rows: "3", autocomplete: "off", spellcheck: "false", "aria-describedby": "sim-headers-hint" });
  const credentials = h(
    "select",
    { id: "sim-credentials" },
    h("option", { value: "same-origin", selected: true }, "same-origin (fetch's default)"),
    h("option", { value: "omit" }, "omit"),
    h("option", { value: "include" }, "include"),
  );
  const key = h("input", { id: "sim-key", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "sim-key-hint" });
  const read = h("input", { id: "sim-read-headers", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "sim-read-headers-hint" });
  const sources = ["draft", "saved"].map((v) =>
    h("input", { type: "radio", name: "sim-source", id: `sim-source-${v}`, value: v, checked: v === "draft" }),
  );
  const run = h("button", { id: "sim-run", type: "submit" }, "Simulate");
  const error = alertBox("sim-error");
  // Before an answer, and after a refusal, S3's answer has a place that says why it is empty.
  const placeholder = (text) => [
    h("h3", { id: "sim-response-title" }, "S3's answer"),
    h("pre", { id: "sim-response", class: "response", tabindex: "0", "aria-labelledby": "sim-response-title" }, text),
  ];
  const output = h("div", { id: "sim-output" }, placeholder("Not simulated yet: fill in the request and press Simulate."));
  // One line announces each result; the report itself is read where it is.
  const done = h("p", { id: "sim-status", role: "status", class: "status" });
  let busy = false;

  page.request = () => ({
    origin: origin.value.trim(),
    method: method.value,
    headers: headerList(headers.value),
    credentials: credentials.value,
    key: key.value,
    readHeaders: nameList(read.value),
  });

  const form = h(
    "form",
    { id: "sim-form", class: "grid-form", onsubmit: simulate },
    field("sim-origin", "Origin", origin),
    field("sim-method", "Method", method),
    field("sim-headers", "Request headers, one a line", headers, "“Name: value” or a bare name, one header a line, e.g. Accept: text/html, application/json"),
    field("sim-credentials", "Credentials mode", credentials),
    field("sim-key", "Object key", key, "Optional; empty: the bucket itself"),
    field("sim-read-headers", "Response headers the script reads", read, "Optional, comma-separated, e.g. ETag"),
    h(
      "fieldset",
      { class: "inline" },
      h("legend", {}, "Configuration"),
      h("label", { for: "sim-source-draft" }, sources[0], " The editor's draft"),
      h("label", { for: "sim-source-saved" }, sources[1], " The saved configuration"),
    ),
    h("div", { class: "actions" }, run),
  );

  async function simulate(e) {
    e.preventDefault();
    if (busy) return;
    busy = true;
    show(error, "");
    const source = form.querySelector("input[name=sim-source]:checked").value;
    const body = { ...page.request(), bucket: page.bucket, ...(source === "saved" ? {} : { draft: page.draft() }) };
    const file = page.configFile(source); // what is simulated, whatever the editor holds later
    form.setAttribute("aria-busy", "true");
    try {
      const first = await api("POST", "/api/simulate", body);
      // A preflight is followed by the actual request when it passes: explain that too.
      const actual = first.preflight ? await api("POST", "/api/simulate", { ...body, preflight: false }) : null;
      output.replaceChildren(...report(first, actual, body, file));
      show(done, `Simulated: ${outcomeText(first)}; ${engines.map(([e, name]) => `${name.split(" ")[0]} ${verdictOf(first, e).verdict}`).join(", ")}.`);
    } catch (err) {
      show(done, "");
      show(error, err);
      output.replaceChildren(...placeholder("No answer: the simulator refused the request (the error is above)."));
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
    }
  }

  // report shows the answers; file is the configuration they were computed from, as `doorman
  // explain --config` reads it (null: the bucket has none).
  function report(first, actual, body, file) {
    const out = [
      h("h3", { id: "sim-response-title" }, first.preflight ? `S3's answer to the preflight (OPTIONS, for ${first.request.requestMethod})` : `S3's answer to the ${first.request.method} request`),
      explanation(first, "sim", body.key, file),
    ];
    if (actual) {
      out.push(
        h("h3", { id: "sim-actual-response-title" }, `Then the ${actual.request.method} request itself (sent only when the preflight passes)`),
        explanation(actual, "sim-actual", body.key, file),
      );
    }
    out.push(h("h3", { id: "sim-browsers-title" }, "What browsers do"), browsers(first));
    return out;
  }

  // explanation shows one report: S3's answer as explain prints it, the outcome, each rule.
  function explanation(r, prefix, objectKey, file) {
    const why = sentence(r);
    const decided = h("p", { id: `${prefix}-decided`, class: `decided ${r.outcome}` }, outcomeText(r), why ? ` — ${why}` : "");
    const list = h(
      "ol",
      { id: `${prefix}-rules`, class: "rules", "aria-label": "Rules, in order" },
      rulesShown(r)
        ? r.rules.map((x) =>
            h(
              "li",
              { "data-matched": String(x.matched), "data-decides": String(x.index === r.rule) },
              h("code", {}, ruleText(r, x)),
              x.index === r.rule ? null : h("span", { class: "why" }, ` — ${x.why}`),
            ),
          )
        : [],
    );
    return h(
      "div",
      { class: "explanation" },
      h("pre", { id: `${prefix}-response`, class: "response", tabindex: "0", "aria-labelledby": `${prefix}-response-title` }, responseText(r)),
      decided,
      rulesShown(r) ? h("p", { class: "muted" }, matchingText(r)) : null,
      list,
      file
        ? h(
            "p",
            { class: "command muted" },
            `The same from the command line, with the configuration in ${file.name}: `,
            h("code", {}, command(r, objectKey, file.name)),
            " ",
            h("button", { type: "button", class: "link", onclick: () => download(file) }, `Download ${file.name}`),
          )
        : null,
    );
  }

  function sentence(r) {
    switch (r.outcome) {
      case "allowed":
        return `Rule ${r.rule + 1} decides: the first rule whose origin, method and headers all match.`;
      case "no_matching_rule":
        return "No rule allows the request; why each rule did not is listed below.";
      case "no_configuration":
        return "The bucket has no CORS configuration: S3 adds no CORS headers and refuses every preflight.";
      default:
        return "";
    }
  }

  function browsers(r) {
    const rows = engines.map(([engine, name]) => {
      const v = verdictOf(r, engine);
      return h(
        "tr",
        { "data-engine": engine },
        h("th", { scope: "row" }, name),
        h("td", { class: `verdict ${v.verdict.toLowerCase()}` }, v.verdict),
        h("td", { class: "message" }, v.text, steps(v)),
        h("td", { class: "fix" }, fixes(v)),
      );
    });
    return scrollTable(
      h(
        "table",
        { id: "sim-browsers", class: "data" },
        h("caption", {}, "What each browser engine decides, as doorman check does"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Browser"), h("th", { scope: "col" }, "Verdict"), h("th", { scope: "col" }, "What it says"), h("th", { scope: "col" }, "Fix"))),
        h("tbody", {}, rows),
      ),
      "What browsers do",
    );
  }

  function steps(v) {
    if (!v.steps || v.steps.length === 0) return null;
    return h(
      "details",
      { class: "steps" },
      h("summary", {}, "Each check"),
      h("ol", {}, v.steps.map((s) => h("li", {}, h("code", {}, s.step), ` ${s.result}: ${s.detail}`))),
    );
  }

  function fixes(v) {
    if (!v.fixes || v.fixes.length === 0) return v.verdict === "ALLOWED" ? "None needed." : "";
    return [
      h("ul", {}, v.fixes.map((f) => h("li", {}, f))),
      v.suggestedRule
        ? h("button", { type: "button", class: "secondary", onclick: () => page.putFirst(v.suggestedRule) }, "Put the suggested rule first in the editor")
        : null,
    ];
  }

  return h(
    "section",
    { id: "simulator", "aria-labelledby": "simulator-title" },
    h("h2", { id: "simulator-title" }, "Simulator"),
    h(
      "p",
      { class: "muted" },
      "What happens when a script on the origin calls fetch() on this bucket: S3's exact answer and which rule decided (as doorman explain), then what each browser does (as doorman check). Nothing is sent to the bucket.",
    ),
    form,
    error,
    done,
    output,
  );
}
