// The buckets page: the user's buckets with their creation date and region, create, delete.
import { h, clear, when, alertBox, statusBox, show, scrollTable, confirmAction, errorText } from "./dom.js";
import { api, paths } from "./api.js";
import { link } from "./router.js";

// What to do about the refusals a person can act on, after S3's own code and message.
const hints = {
  BucketNotEmpty: "Delete its objects (and unfinished uploads) first.",
  BucketAlreadyExists: "Bucket names are shared by everyone on this server; choose another.",
  BucketAlreadyOwnedByYou: "It is already in the list.",
  InvalidBucketName: "Names are 3 to 63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.",
};

// explain is S3's code and message as S3 wrote them, then the hint.
function explain(err) {
  const base = errorText(err);
  return hints[err.code] ? `${base} ${hints[err.code]}` : base;
}

export async function render(main) {
  const error = alertBox("buckets-error");
  const status = statusBox("buckets-status");
  const name = h("input", {
    id: "bucket-name",
    name: "bucket-name",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "off",
    "aria-describedby": "bucket-name-help",
  });
  const create = h("button", { type: "submit" }, "Create bucket");
  const form = h(
    "form",
    { id: "create-bucket", onsubmit: onCreate },
    h("div", { class: "row" }, h("div", { class: "field grow" }, h("label", { for: "bucket-name" }, "Bucket name"), name), create),
    h("small", { id: "bucket-name-help", class: "muted" }, "3–63 characters: lowercase letters, digits, dots and hyphens."),
  );
  const body = h("tbody");
  const table = h(
    "table",
    { id: "buckets", class: "data" },
    h("caption", { class: "visually-hidden" }, "Your buckets"),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Region"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions"))),
    ),
    body,
  );
  const empty = h("p", { id: "buckets-empty", class: "empty", hidden: true }, "No buckets yet. Create one above to start uploading objects.");
  const h1 = h("h1", { tabindex: "-1" }, "Buckets");
  const wrap = scrollTable(table, "Buckets table");
  const find = h("input", { id: "buckets-filter", type: "search", autocomplete: "off", spellcheck: "false", oninput: applyFind });
  const findRow = h("div", { class: "toolbar" }, h("label", { for: "buckets-filter" }, "Find buckets"), find);
  main.append(
    h("div", { class: "page-head" }, h1, h("button", { type: "button", class: "secondary", id: "buckets-refresh", onclick: () => load() }, "Refresh")),
    form,
    error,
    status,
    findRow,
    wrap,
    empty,
  );

  let known = new Set();

  // applyFind shows only the buckets whose name holds the text typed.
  function applyFind() {
    const q = find.value.trim().toLowerCase();
    for (const tr of body.rows) tr.hidden = q !== "" && !tr.dataset.bucket.includes(q);
  }

  async function load(message) {
    body.setAttribute("aria-busy", "true");
    show(status, "Loading buckets…");
    try {
      const { buckets } = await api("GET", "/api/buckets");
      buckets.sort((a, b) => a.name.localeCompare(b.name));
      clear(body);
      known = new Set(buckets.map((b) => b.name));
      for (const b of buckets) body.append(row(b));
      empty.hidden = buckets.length > 0;
      findRow.hidden = buckets.length === 0;
      applyFind();
      wrap.hidden = buckets.length === 0;
      show(status, message || `${buckets.length} ${buckets.length === 1 ? "bucket" : "buckets"}.`);
    } catch (err) {
      show(status, "");
      error.textContent = explain(err);
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  function row(b) {
    const del = h("button", { type: "button", class: "danger small", "aria-label": `Delete bucket ${b.name}`, onclick: () => onDelete(b.name) }, "Delete");
    return h(
      "tr",
      { "data-bucket": b.name },
      h("th", { scope: "row", class: "name" }, h("a", { href: link.objects(b.name) }, b.name)),
      h("td", {}, when(b.created)),
      h("td", {}, b.region || "—"),
      h("td", {}, h("div", { class: "actions row-actions" }, h("a", { href: link.cors(b.name), class: "button-link small", "aria-label": `CORS of ${b.name}` }, "CORS"), del)),
    );
  }

  async function onCreate(e) {
    e.preventDefault();
    error.textContent = "";
    const n = name.value.trim();
    create.disabled = true;
    try {
      const had = known.has(n);
      await api("POST", "/api/buckets", { name: n });
      name.value = "";
      // In us-east-1 S3 answers success to creating a bucket one already owns
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html#API_CreateBucket_Errors).
      await load(had ? `You already own the bucket ${n}; nothing changed.` : `Created bucket ${n}.`);
      const a = body.querySelector(`tr[data-bucket="${CSS.escape(n)}"] a`);
      if (a) a.closest("tr").classList.add("fresh");
    } catch (err) {
      error.textContent = explain(err);
      name.focus();
    } finally {
      create.disabled = false;
    }
  }

  async function onDelete(bucket) {
    error.textContent = "";
    if (!(await confirmAction(`Delete the bucket ${bucket}? This cannot be undone. S3 refuses it unless the bucket is empty.`, "Delete bucket"))) return;
    try {
      await api("DELETE", paths.bucket(bucket));
      await load(`Deleted bucket ${bucket}.`);
      h1.focus();
    } catch (err) {
      error.textContent = explain(err);
    }
  }

  await load();
}
