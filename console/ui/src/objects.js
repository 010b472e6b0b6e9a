// The objects page of a bucket: browse by prefix with folders (delimiter "/"), page through a
// large listing, upload by picker or drop, download, delete.
import { h, clear, size, when, alertBox, statusBox, show, scrollTable, confirmAction, errorText } from "./dom.js";
import { api, paths } from "./api.js";
import { link } from "./router.js";
import { enqueue, filesOf, panel } from "./upload.js";

// PAGE is how many keys and folders one listing page asks for; "Load more" asks for the next.
const PAGE = 100;
// Deleting the selected objects sends this many DeleteObject requests at once.
const DELETES_IN_FLIGHT = 4;
// Deleting a folder deletes at most this many objects in it, listed S3's largest page at a
// time; a larger folder is refused before anything in it is deleted, with a message saying so.
const MAX_FOLDER_DELETE = 10000;
const LIST_MAX = 1000;
// The filter lists again once typing has paused this long, not on every key.
const FILTER_DELAY_MS = 300;

// tabs are the bucket's pages: its objects and its CORS configuration.
export function tabs(bucket, current) {
  const tab = (id, href, text) => h("a", { id, href, "aria-current": current === id ? "page" : false }, text);
  return h("nav", { class: "tabs", "aria-label": "Bucket" }, tab("tab-objects", link.objects(bucket), "Objects"), tab("tab-cors", link.cors(bucket), "CORS"));
}

// crumbs is the path from the bucket to a folder ("a/b/") or an object ("a/b/c"), each step a
// link to its folder but the last, which is where the page is.
export function crumbs(bucket, path) {
  const parts = path ? path.split("/") : [];
  if (path.endsWith("/")) parts.pop();
  const here = (text) => h("span", { "aria-current": "page" }, text);
  const items = [h("li", {}, parts.length ? h("a", { href: link.objects(bucket) }, bucket) : here(bucket))];
  let acc = "";
  parts.forEach((p, i) => {
    acc += `${p}/`;
    items.push(h("li", {}, i === parts.length - 1 ? here(p) : h("a", { href: link.objects(bucket, acc) }, p)));
  });
  return h("nav", { id: "crumbs", "aria-label": "Folder path" }, h("ol", {}, items));
}

export async function render(main, { bucket, prefix }, { signal } = {}) {
  const error = alertBox("objects-error");
  const status = statusBox("objects-status");
  const h1 = h("h1", { tabindex: "-1" }, bucket);
  const body = h("tbody");
  const selectAll = h("input", { type: "checkbox", id: "select-all", "aria-label": "Select everything shown", onchange: onSelectAll });
  const deleteSelected = h("button", { type: "button", id: "delete-selected", class: "danger", disabled: true, onclick: onDeleteSelected }, "Delete selected");
  const filter = h("input", {
    id: "objects-filter",
    type: "search",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Name starts with…",
    oninput: onFilter,
  });
  const table = h(
    "table",
    { id: "objects", class: "data" },
    h("caption", { class: "visually-hidden" }, `Objects in ${bucket}/${prefix}`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col", class: "check" }, selectAll),
        sortHeader("name", "Name", ""),
        sortHeader("size", "Size", "num"),
        sortHeader("modified", "Last modified", ""),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
      ),
    ),
    body,
  );
  const wrap = scrollTable(table, "Objects table");

  // The rows shown can be sorted by a column; S3 lists by name. Folders stay first.
  let order = { by: "name", dir: 1 };
  function sortHeader(by, text, cls) {
    return h(
      "th",
      { scope: "col", class: cls, "data-sort": by, "aria-sort": by === "name" ? "ascending" : "none" },
      h("button", { type: "button", class: "sort", onclick: () => sortBy(by) }, text, h("span", { class: "sort-mark", "aria-hidden": "true" })),
    );
  }
  function sortBy(by) {
    order = { by, dir: order.by === by ? -order.dir : 1 };
    for (const th of table.tHead.querySelectorAll("th[data-sort]")) {
      th.setAttribute("aria-sort", th.dataset.sort === by ? (order.dir > 0 ? "ascending" : "descending") : "none");
    }
    sortRows();
  }
  function sortRows() {
    const value = (tr) => (order.by === "name" ? tr.dataset.key : Number(tr.dataset[order.by]));
    const rows = [...body.querySelectorAll("tr[data-key]")];
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * order.dir;
    });
    body.append(...rows);
  }
  const empty = h("p", { id: "objects-empty", class: "empty", hidden: true });
  const more = h("button", { type: "button", id: "load-more", class: "secondary", hidden: true, onclick: () => load(token) }, "Load more");
  const picker = h("input", { id: "file-picker", type: "file", multiple: true, class: "visually-hidden", onchange: onPick });
  const where = prefix ? `${bucket}/${prefix}` : bucket;
  const drop = h(
    "div",
    { id: "drop-zone", class: "drop-zone", ondragenter: onDragOver, ondragover: onDragOver, ondragleave: onDragLeave, ondrop: onDrop },
    h(
      "div",
      { class: "toolbar" },
      picker,
      h("label", { for: "file-picker", class: "button-like" }, "Upload files"),
      h("button", { type: "button", id: "new-folder", class: "secondary", onclick: onNewFolder }, "New folder"),
      h("button", { type: "button", id: "objects-refresh", class: "secondary", onclick: () => load() }, "Refresh"),
      h("span", { class: "muted drop-hint" }, "or drop files and folders here to upload them to ", h("span", { class: "mono" }, `${where}/`.replace(/\/\/$/, "/"))),
    ),
    panel(),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "objects-filter" }, "Filter"),
      filter,
      deleteSelected,
    ),
    error,
    status,
    wrap,
    empty,
    more,
  );
  main.append(h("div", { class: "page-head" }, h1), tabs(bucket, "tab-objects"), crumbs(bucket, prefix), drop);

  let token = "";
  let shown = { objects: 0, prefixes: 0 };
  // Each listing has a number and an AbortController: a newer one (a changed filter, a
  // refresh) aborts the older, and an answer that is not the newest is dropped.
  let listing = 0;
  let inFlight = null;

  async function load(from) {
    const n = ++listing;
    if (inFlight) inFlight.abort();
    const ctrl = new AbortController();
    inFlight = ctrl;
    if (signal) signal.addEventListener("abort", () => ctrl.abort(), { once: true, signal: ctrl.signal });
    if (!from) token = "";
    error.textContent = "";
    more.disabled = true;
    body.setAttribute("aria-busy", "true");
    show(status, from ? "Loading more…" : "Loading objects…");
    try {
      const q = { prefix: prefix + filter.value, delimiter: "/", max: String(PAGE) };
      if (from) q.token = from;
      const page = await api("GET", paths.objects(bucket, q), undefined, { signal: ctrl.signal });
      if (n !== listing) return;
      if (!from) {
        clear(body);
        shown = { objects: 0, prefixes: 0 };
        selectAll.checked = false;
        selected();
      }
      for (const p of page.prefixes) {
        body.append(folderRow(p));
        shown.prefixes++;
      }
      for (const o of page.objects) {
        // The folder's own marker object ("a/" inside a/) is the folder, not an entry in it.
        if (o.key === prefix) continue;
        body.append(objectRow(o));
        shown.objects++;
      }
      sortRows();
      token = page.truncated ? page.nextToken : "";
      more.hidden = !page.truncated;
      const count = shown.objects + shown.prefixes;
      wrap.hidden = count === 0;
      empty.hidden = count > 0;
      empty.textContent = filter.value
        ? `Nothing here starts with “${filter.value}”.`
        : prefix
        ? "This folder is empty. Upload files with the button above or drop them here."
        : "This bucket is empty. Upload files with the button above or drop them here.";
      show(
        status,
        `${shown.objects} ${shown.objects === 1 ? "object" : "objects"} and ${shown.prefixes} ${shown.prefixes === 1 ? "folder" : "folders"} shown${page.truncated ? "; more to load" : ""}.`,
      );
    } catch (err) {
      if (n !== listing) return;
      show(status, "");
      if (err.name !== "AbortError") error.textContent = errorText(err);
    } finally {
      if (n === listing) {
        inFlight = null;
        more.disabled = false;
        body.removeAttribute("aria-busy");
      }
    }
  }

  function folderRow(p) {
    const name = p.slice(prefix.length);
    return h(
      "tr",
      { "data-prefix": p },
      h("td", { class: "check" }, h("input", { type: "checkbox", class: "select", "aria-label": `Select folder ${p}`, onchange: selected })),
      h("th", { scope: "row", class: "name" }, h("a", { href: link.objects(bucket, p), class: "folder" }, h("span", { class: "icon", "aria-hidden": "true" }, "▸ "), name)),
      h("td", { class: "num muted" }, "—"),
      h("td", { class: "muted" }, "Folder"),
      h("td", {}),
    );
  }

  function objectRow(o) {
    const name = o.key.slice(prefix.length);
    return h(
      "tr",
      { "data-key": o.key, "data-size": o.size, "data-modified": Date.parse(o.lastModified) || 0 },
      h("td", { class: "check" }, h("input", { type: "checkbox", class: "select", "aria-label": `Select ${o.key}`, onchange: selected })),
      h("th", { scope: "row", class: "name" }, h("a", { href: link.details(bucket, o.key), class: "mono" }, name)),
      h("td", { class: "num" }, size(o.size)),
      h("td", {}, when(o.lastModified)),
      h(
        "td",
        {},
        h(
          "div",
          { class: "actions row-actions" },
          h("a", { class: "download button-link small", href: paths.download(bucket, o.key), download: name.split("/").pop() || "download", "aria-label": `Download ${o.key}` }, "Download"),
          h("button", { type: "button", class: "danger small", "aria-label": `Delete ${o.key}`, onclick: () => onDelete(o.key) }, "Delete"),
        ),
      ),
    );
  }

  async function onDelete(key) {
    error.textContent = "";
    if (!(await confirmAction(`Delete ${key} from ${bucket}? This cannot be undone.`, "Delete object"))) return;
    try {
      await api("DELETE", paths.object(bucket, key));
      const row = body.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
      if (row) row.remove();
      shown.objects--;
      selected();
      show(status, `Deleted ${key}.`);
      h1.focus();
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  // selected brings the bulk controls in line with the rows' checkboxes, and returns the
  // selected keys and folders.
  function selected() {
    const rows = [...body.querySelectorAll("input.select:checked")].map((c) => c.closest("tr").dataset);
    const keys = rows.filter((d) => d.key !== undefined).map((d) => d.key);
    const prefixes = rows.filter((d) => d.prefix !== undefined).map((d) => d.prefix);
    const all = body.querySelectorAll("input.select").length;
    deleteSelected.disabled = rows.length === 0;
    deleteSelected.textContent = rows.length ? `Delete selected (${rows.length})` : "Delete selected";
    selectAll.checked = all > 0 && rows.length === all;
    selectAll.indeterminate = rows.length > 0 && rows.length < all;
    return { keys, prefixes };
  }

  function onSelectAll() {
    for (const c of body.querySelectorAll("input.select")) c.checked = selectAll.checked;
    selected();
  }

  // keysUnder lists every key under a folder, at most MAX_FOLDER_DELETE; more is an error.
  async function keysUnder(folder) {
    const keys = [];
    let token = "";
    do {
      const q = { prefix: folder, max: String(LIST_MAX) };
      if (token) q.token = token;
      const page = await api("GET", paths.objects(bucket, q));
      keys.push(...page.objects.map((o) => o.key));
      token = page.truncated ? page.nextToken : "";
      if (keys.length > MAX_FOLDER_DELETE) {
        throw new Error(`${folder} holds more than ${MAX_FOLDER_DELETE} objects; delete it in parts, folder by folder.`);
      }
    } while (token);
    return keys;
  }

  async function onDeleteSelected() {
    const { keys, prefixes } = selected();
    if (keys.length + prefixes.length === 0) return;
    error.textContent = "";
    const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
    const parts = [];
    if (keys.length) parts.push(keys.length === 1 && !prefixes.length ? keys[0] : plural(keys.length, "object"));
    if (prefixes.length) parts.push(`${prefixes.length === 1 && !keys.length ? `the folder ${prefixes[0]}` : plural(prefixes.length, "folder")} with everything in it`);
    const what = parts.join(" and ");
    if (!(await confirmAction(`Delete ${what} from ${bucket}? This cannot be undone.`, "Delete"))) return;
    deleteSelected.disabled = true;
    show(status, `Deleting ${what}…`);
    const failed = [];
    const all = [...keys];
    for (const p of prefixes) {
      try {
        all.push(...(await keysUnder(p)));
      } catch (err) {
        failed.push(errorText(err));
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const key = all[next++];
        try {
          await api("DELETE", paths.object(bucket, key));
        } catch (err) {
          failed.push(`${key}: ${errorText(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETES_IN_FLIGHT, all.length) }, worker));
    await load();
    if (failed.length) error.textContent = `Not everything was deleted. ${failed.join("; ")}`;
    else show(status, prefixes.length ? `Deleted ${what}: ${plural(all.length, "object")}.` : `Deleted ${what}.`);
    h1.focus();
  }

  let filterTimer = 0;
  function onFilter() {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => load(), FILTER_DELAY_MS);
  }

  function onPick() {
    const files = [...picker.files].map((file) => ({ file, path: file.name }));
    picker.value = "";
    if (files.length) enqueue(bucket, prefix, files);
  }

  function onDragOver(e) {
    if (!e.dataTransfer || ![...e.dataTransfer.types].includes("Files")) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    drop.classList.add("dragging");
  }

  function onDragLeave(e) {
    if (!drop.contains(e.relatedTarget)) drop.classList.remove("dragging");
  }

  async function onDrop(e) {
    e.preventDefault();
    drop.classList.remove("dragging");
    const files = await filesOf(e.dataTransfer);
    if (files.length) enqueue(bucket, prefix, files);
  }

  async function onNewFolder() {
    const name = await askFolderName();
    if (!name) return;
    try {
      // As the AWS console does: a zero-byte object named like the folder keeps it listed.
      await api("PUT", paths.object(bucket, `${prefix}${name}/`), "", { headers: { "Content-Type": "application/x-directory" } });
      if (main.isConnected) location.hash = link.objects(bucket, `${prefix}${name}/`);
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  // Refresh the listing when uploads into this bucket finish, while this page is shown.
  const onIdle = () => {
    if (!main.isConnected) {
      document.removeEventListener("doorman-uploads-idle", onIdle);
      return;
    }
    load();
  };
  document.addEventListener("doorman-uploads-idle", onIdle, { signal });

  await load();
}

// askFolderName asks for a new folder's name in a small dialog; resolves to the name or "".
function askFolderName() {
  const input = h("input", { id: "folder-name", required: true, autocomplete: "off", spellcheck: "false", pattern: "[^/]+", title: "A name without /" });
  const dialog = h(
    "dialog",
    { id: "folder-dialog", "aria-labelledby": "folder-title" },
    h(
      "form",
      { method: "dialog", class: "stack" },
      h("h2", { id: "folder-title" }, "New folder"),
      h("div", { class: "field" }, h("label", { for: "folder-name" }, "Folder name"), input),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close("cancel") }, "Cancel"),
        h("button", { value: "ok" }, "Create folder"),
      ),
    ),
  );
  const back = document.activeElement;
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? input.value.trim() : "");
      dialog.remove();
      if (back && back.isConnected) back.focus();
    });
  });
}
