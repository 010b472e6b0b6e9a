// The CORS page of one bucket: the configuration in a code editor (the AWS console's JSON or
// S3's XML), checked as it is typed by the server's POST /api/cors/validate (PutBucketCors's
// own validation and `doorman lint`), saved with PutBucketCors, deleted with DeleteBucketCors;
// then the simulator and the probe, which run a request against it.
import "./cors.css";
import { h, alertBox, statusBox, show, confirmAction, errorText } from "./dom.js";
import { api, ApiError, keepOnEnd, paths } from "./api.js";
import { link } from "./router.js";
import { tabs } from "./objects.js";
import { createEditor } from "./cors-editor.js";
import { wire, unshift, rules, toJSON, toXML, convert } from "./cors-format.js";
import { templates } from "./cors-templates.js";
import { simulator } from "./cors-simulator.js";
import { tryIt } from "./cors-tryit.js";

// validateDelay is how long typing must pause before the draft is checked: long enough not to
// send a request per key, short enough to feel immediate.
const validateDelay = 300;

const forms = { json: toJSON, xml: toXML };

// kept is the draft of a page whose session ended, {bucket, format, text}, which the person
// took to the sign-in page: the bucket's CORS page starts from it once, after signing in.
let kept = null;

export function render(main, { bucket }, ctx = {}) {
  const corsPath = paths.cors(bucket);
  const h1 = h("h1", { tabindex: "-1" }, `CORS: ${bucket}`);
  const nav = tabs(bucket, "tab-cors");
  main.replaceChildren(h1, nav, h("p", { class: "loading", role: "status" }, "Loading the CORS configuration…"));
  return load(main, bucket, corsPath, h1, nav, ctx);
}

// load reads the saved configuration, then builds the page around it.
async function load(main, bucket, corsPath, h1, nav, ctx) {
  let saved = null; // the saved rules, or null when the bucket has none
  try {
    const doc = await api("GET", corsPath);
    saved = rules("json", doc.json);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === "NoSuchCORSConfiguration")) {
      main.replaceChildren(h1, nav, h("p", { role: "alert", class: "alert" }, errorText(e)));
      return;
    }
  }

  // A draft brought back from the sign-in page is where the editor starts.
  const back = kept && kept.bucket === bucket ? kept : null;
  kept = null;
  let format = back ? back.format : "json";
  // baseline is the saved configuration in each form, for the unsaved-changes mark; without
  // one, the editor starts from the smallest configuration S3 takes.
  let baseline = saved && { json: toJSON(saved), xml: toXML(saved) };
  const starter = templates.find((t) => t.id === "empty").rules;
  const start = baseline || { json: toJSON(starter), xml: toXML(starter) };
  // valid is the last text the server found valid, with its form.
  let valid = null;
  let seq = 0;
  let timer = 0;
  let saving = false;

  const status = statusBox("cors-status");
  const detail = h("p", { id: "cors-detail", class: "muted" });
  const findingsCount = h("span", { id: "cors-findings-count" }, "");
  const findings = h("ul", { id: "cors-findings", "aria-labelledby": "cors-findings-title" });
  const dirty = h("p", { id: "cors-dirty", class: "dirty", role: "status" });
  const savedBox = statusBox("cors-saved");
  const errorBox = alertBox("cors-error");
  // ended says, in place, that the session ended while the editor held unsaved work.
  const ended = h("div", { id: "cors-session-ended", class: "alert", role: "alert", hidden: true });

  const radios = ["json", "xml"].map((f) =>
    h("input", { type: "radio", name: "cors-format", id: `cors-format-${f}`, value: f, checked: f === format, onchange: () => switchFormat(f) }),
  );
  const template = h(
    "select",
    { id: "cors-template", onchange: loadTemplate, "aria-describedby": "cors-template-hint" },
    h("option", { value: "" }, "Choose a template…"),
    templates.map((t) => h("option", { value: t.id }, t.label)),
  );
  const editorBox = h("div", { id: "cors-editor" });
  const saveButton = h("button", { id: "cors-save", type: "button", onclick: save }, "Save");
  const deleteButton = h("button", { id: "cors-delete", type: "button", class: "danger", onclick: remove }, "Delete configuration");

  const section = h(
    "section",
    { id: "cors-config", "aria-labelledby": "cors-config-title" },
    h("h2", { id: "cors-config-title" }, "Configuration"),
    h(
      "div",
      { class: "cors-toolbar" },
      h(
        "fieldset",
        { class: "inline" },
        h("legend", {}, "Format"),
        h("label", { for: "cors-format-json" }, radios[0], " JSON (AWS console)"),
        h("label", { for: "cors-format-xml" }, radios[1], " XML (S3 CORSConfiguration)"),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "cors-template" }, "Template"),
        template,
        h("span", { id: "cors-template-hint", class: "hint" }, "“Empty” is the least S3 takes, one rule; to have no configuration, delete it."),
      ),
    ),
    h(
      "p",
      { id: "cors-editor-help", class: "muted" },
      "Checked as you type, with the errors Amazon S3 would answer. Tab leaves the editor; F8 goes to the next problem; Ctrl+Z undoes, a template too.",
    ),
    editorBox,
    dirty,
    status,
    detail,
    h("h3", { id: "cors-findings-title" }, "Lint findings ", findingsCount),
    findings,
    h("div", { class: "actions" }, saveButton, deleteButton),
    savedBox,
    errorBox,
  );

  const editor = createEditor(editorBox, {
    text: back ? back.text : start[format],
    format,
    onChange: changed,
    describedBy: "cors-editor-help cors-status",
    signal: ctx.signal,
  });

  const page = {
    bucket,
    signal: ctx.signal,
    // draft is the editor's document as the server reads it.
    draft: () => wire(format, editor.text()).draft,
    dirty: () => isDirty(),
    // configFile is the saved configuration ("saved") or the draft as a file `doorman explain
    // --config` reads: the AWS CLI's JSON or S3's XML; null when the bucket has none.
    configFile(source) {
      if (source === "saved") {
        return baseline && { name: "cors.json", type: "application/json", text: JSON.stringify({ CORSRules: rules("json", baseline.json) }, null, 2) + "\n" };
      }
      const text = wire(format, editor.text()).draft.document;
      return format === "xml" ? { name: "cors.xml", type: "application/xml", text } : { name: "cors.json", type: "application/json", text };
    },
    // putFirst puts a rule before the draft's others, when the draft can be read.
    putFirst(rule) {
      const text = editor.text();
      if (!valid || valid.format !== format || valid.text !== text) {
        show(errorBox, "The draft is not valid, so the rule cannot be put into it: fix the draft first.");
        return;
      }
      editor.setText(forms[format]([rule, ...rules(format, text)]));
      show(savedBox, "The suggested rule is now rule 1 of the draft (not saved yet). Ctrl+Z takes it out.");
      editor.goTo(1, 0);
    },
  };
  main.replaceChildren(h1, nav, ended, section, simulator(page), tryIt(page));
  markDirty();
  check();

  window.addEventListener("beforeunload", warnUnsaved, { signal: ctx.signal });
  function warnUnsaved(e) {
    if (!section.isConnected) window.removeEventListener("beforeunload", warnUnsaved);
    else if (edited()) e.preventDefault();
  }
  if (ctx.canLeave) ctx.canLeave(() => !edited());
  // A session that ends under unsaved work leaves the person here, with the draft, and a way
  // to sign in again that brings the draft along.
  keepOnEnd(() => {
    if (!section.isConnected || !edited()) return false;
    if (ended.hidden) {
      ended.replaceChildren(
        h("p", {}, "Your session has ended or expired. The draft below is not saved; it stays here, and comes back with you after you sign in again."),
        h("button", { type: "button", id: "cors-sign-in-again", onclick: signInAgain }, "Sign in again"),
      );
      ended.hidden = false;
    }
    return true;
  });

  function signInAgain() {
    kept = { bucket, format, text: editor.text() };
    if (ctx.canLeave) ctx.canLeave(null);
    location.hash = `#/signin?next=${encodeURIComponent(link.cors(bucket).slice(1))}`;
  }

  // isDirty tells whether the editor holds what the bucket does not: the saved configuration
  // differs, or there is none.
  function isDirty() {
    return !baseline || editor.text() !== baseline[format];
  }

  // edited tells whether leaving the page would lose typing.
  function edited() {
    return editor.text() !== (baseline || start)[format];
  }

  function markDirty() {
    if (!baseline) dirty.textContent = "Not saved: the bucket has no CORS configuration.";
    else dirty.textContent = isDirty() ? "Unsaved changes." : "No unsaved changes.";
    dirty.dataset.dirty = String(isDirty());
  }

  function changed() {
    markDirty();
    show(savedBox, "");
    // An answer for the text before this change must not land on the new text.
    seq++;
    clearTimeout(timer);
    timer = setTimeout(check, validateDelay);
  }

  // check asks the server what S3 and the linter say of the document; an answer that a
  // later edit has overtaken is dropped.
  async function check() {
    clearTimeout(timer);
    const n = ++seq;
    const text = editor.text();
    const { draft, shift } = wire(format, text);
    let res;
    try {
      res = await api("POST", "/api/cors/validate", draft);
    } catch (e) {
      // Neither valid nor invalid: the check itself failed.
      if (n === seq) {
        show(status, e);
        delete status.dataset.valid;
      }
      return;
    }
    if (n !== seq || !section.isConnected) return;
    const e = res.error;
    const diags = [];
    valid = e ? null : { format, text };
    if (e) {
      const column = unshift(e.line || 0, e.column || 0, shift);
      const where = e.line ? ` (line ${e.line}, column ${column})` : "";
      status.textContent = `${e.code}: ${e.message}${where}`;
      status.dataset.valid = "false";
      detail.textContent = e.detail ? `How to fix it: ${e.detail}` : "";
      diags.push({ line: e.line || 0, column, severity: "error", message: `${e.code}: ${e.message}${e.detail ? `\n${e.detail}` : ""}`, source: "Amazon S3" });
    } else {
      status.textContent = "Valid";
      status.dataset.valid = "true";
      detail.textContent = "";
    }
    // Lint repeats S3's first refusal where S3 places it; that one is already shown.
    const list = (res.findings || []).filter((f) => !(e && f.line === e.line && f.column === e.column && f.severity === "error"));
    findings.replaceChildren(...list.map((f) => finding(f, shift)));
    findingsCount.textContent = `(${list.length})`;
    for (const f of list) {
      diags.push({
        line: f.line || 0,
        column: unshift(f.line || 0, f.column || 0, shift),
        severity: f.severity === "info" ? "info" : "warning",
        message: `${f.message}\nFix: ${f.fix}`,
        source: `${f.code} ${f.name}`,
      });
    }
    editor.show(diags);
  }

  function finding(f, shift) {
    const column = unshift(f.line || 0, f.column || 0, shift);
    const where = f.line ? `line ${f.line}` : "document";
    return h(
      "li",
      { class: `finding ${f.severity}`, "data-line": f.line || 0 },
      h("span", { class: "finding-text" }, `${where}: ${f.message}`),
      " ",
      h("span", { class: "finding-code" }, `(${f.severity}, ${f.code} ${f.name})`),
      f.fix ? h("span", { class: "finding-fix" }, ` Fix: ${f.fix}`) : null,
      f.line
        ? h("button", { type: "button", class: "link", onclick: () => editor.goTo(f.line, column) }, `Go to line ${f.line}`)
        : null,
    );
  }

  // switchFormat rewrites a valid document in the other form; an invalid one cannot be
  // read, so it is kept as it is and read in the form chosen.
  function switchFormat(to) {
    if (to === format) return;
    const text = editor.text();
    const from = format;
    format = to;
    editor.setFormat(to);
    if (valid && valid.format === from && valid.text === text) {
      editor.setText(convert(from, to, text));
      show(savedBox, `Converted to ${to.toUpperCase()}.`);
    } else {
      show(savedBox, `The document is not valid ${from.toUpperCase()}, so it is kept as it is and read as ${to.toUpperCase()}.`);
      markDirty();
      check();
    }
  }

  function loadTemplate() {
    const t = templates.find((x) => x.id === template.value);
    if (!t) return;
    editor.setText(forms[format](t.rules));
    show(savedBox, `Template “${t.label}” loaded. Ctrl+Z brings back what was there.`);
    template.value = "";
  }

  async function save() {
    show(errorBox, "");
    show(savedBox, "");
    if (saving) return;
    saving = true;
    const text = editor.text();
    const { draft, shift } = wire(format, text);
    try {
      await api("PUT", corsPath, draft);
      const saved = rules(format, text);
      baseline = { json: toJSON(saved), xml: toXML(saved) };
      baseline[format] = text;
      show(savedBox, "Saved");
    } catch (e) {
      // The AWS CLI's refusal of JSON it cannot read places the fault; on a wrapped list,
      // line 1's columns are the wrapper's.
      const message = e.message.replace(/^line 1, column (\d+):/, (_, c) => `line 1, column ${unshift(1, Number(c), shift)}:`);
      show(errorBox, errorText({ code: e.code, message }));
    } finally {
      saving = false;
      markDirty();
    }
  }

  async function remove() {
    show(errorBox, "");
    show(savedBox, "");
    const ok = await confirmAction(
      `Delete the CORS configuration of bucket ${bucket}? Browsers are then refused every cross-origin request to it. The editor keeps the text, unsaved.`,
      "Delete configuration",
    );
    if (!ok) return;
    try {
      await api("DELETE", corsPath);
      baseline = null;
      show(savedBox, "Deleted: the bucket has no CORS configuration.");
    } catch (e) {
      show(errorBox, e);
    }
    markDirty();
  }
}
