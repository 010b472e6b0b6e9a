// A small DOM helper, so that pages build elements from data without ever parsing it as HTML:
// every string given as a child becomes a text node, every attribute is set as an attribute.

// Properties that reflect state rather than an attribute's initial value.
const props = new Set(["value", "checked", "selected", "indeterminate"]);

// h creates a tag element. attrs: class, id, for, aria-*, data-* and any other attribute
// (true sets it empty; false, null and undefined leave it out), on<event> functions as
// listeners, value/checked/selected as properties. Children are nodes, strings, numbers,
// arrays of them, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (typeof v === "function" && k.startsWith("on")) el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (props.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// clear removes every child of el.
export function clear(el) {
  el.replaceChildren();
  return el;
}

// Binary units, as S3 consoles show sizes.
const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

// bytes is a size for people: "20.0 MiB", "512 B".
export function bytes(n) {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

// exactBytes is a size to the byte, grouped: "20,971,520 bytes".
export function exactBytes(n) {
  return `${n.toLocaleString("en-US")} ${n === 1 ? "byte" : "bytes"}`;
}

// size is a table cell's content: the readable size, the exact one in its title.
export function size(n) {
  return h("span", { title: exactBytes(n) }, bytes(n));
}

// when is a date for people, in the browser's locale and zone, with the ISO instant in a
// <time> element's datetime.
export function when(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value || "";
  const text = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return h("time", { datetime: d.toISOString(), title: d.toISOString() }, text);
}

// errorText is an error as the console shows it: S3's code and message.
export function errorText(err) {
  if (err && err.code) return `${err.code}: ${err.message}`;
  return String((err && err.message) || err);
}

// alertBox is an element for errors, announced when its text changes.
export function alertBox(id) {
  return h("div", { id, role: "alert", class: "alert" });
}

// statusBox is an element for progress and results, announced politely.
export function statusBox(id) {
  return h("div", { id, role: "status", class: "status" });
}

// show sets el's text (a string, an Error, or nothing to empty it).
export function show(el, what) {
  el.textContent = what instanceof Error || (what && what.code) ? errorText(what) : what || "";
}

// scrollTable wraps a table in a labelled region that scrolls sideways by itself, so that a
// wide table never makes the page scroll at narrow widths or high zoom.
export function scrollTable(table, label) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table);
}

let dialog = null;

// confirmAction asks a yes/no question in the modal dialog#confirm and resolves true when the
// person confirms. Focus returns to where it was (or to the page's heading when that element
// is gone, as after deleting its row).
export function confirmAction(message, okLabel = "Delete") {
  if (!dialog) {
    dialog = h(
      "dialog",
      { id: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-message" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title" }, "Please confirm"),
        h("p", { id: "confirm-message" }),
        h(
          "div",
          { class: "actions" },
          h("button", { id: "confirm-cancel", value: "cancel", class: "secondary" }, "Cancel"),
          h("button", { id: "confirm-ok", value: "ok", class: "danger" }),
        ),
      ),
    );
    document.body.append(dialog);
  }
  const back = document.activeElement;
  dialog.querySelector("#confirm-message").textContent = message;
  dialog.querySelector("#confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("#confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        resolve(dialog.returnValue === "ok");
        const target = back && back.isConnected ? back : document.querySelector("#main h1");
        if (target) target.focus();
      },
      { once: true },
    );
  });
}
