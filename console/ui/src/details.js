// An object's details (HeadObject with its checksums), download, delete, and presigned URLs.
import { h, bytes, exactBytes, when, alertBox, statusBox, show, confirmAction, errorText } from "./dom.js";
import { api, paths } from "./api.js";
import { link, parentPrefix } from "./router.js";
import { crumbs, tabs } from "./objects.js";

// S3's bounds on a presigned URL's life, in seconds
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html).
const MIN_EXPIRES = 1;
const MAX_EXPIRES = 604800;
const DEFAULT_EXPIRES = 3600;

// pairs is a nested dl of a map's names and values, or "None".
function pairs(map, label) {
  const names = Object.keys(map || {}).sort();
  if (names.length === 0) return h("span", { class: "muted" }, "None");
  return h(
    "dl",
    { class: "pairs", "aria-label": label },
    names.map((k) => [h("dt", { class: "mono" }, k), h("dd", { class: "mono" }, map[k])]),
  );
}

export async function render(main, { bucket, key }) {
  const error = alertBox("details-error");
  const status = statusBox("details-status");
  const name = key.split("/").pop() || key;
  const h1 = h("h1", { tabindex: "-1", class: "mono-heading" }, name);
  const list = h("dl", { id: "object-details", class: "details", "aria-busy": "true" });
  const download = h("a", { class: "download button-link", href: paths.download(bucket, key), download: name }, "Download");
  const del = h("button", { type: "button", class: "danger", id: "object-delete", onclick: onDelete }, "Delete");
  main.append(
    h("div", { class: "page-head" }, h1, h("div", { class: "actions" }, download, del)),
    tabs(bucket, "tab-objects"),
    crumbs(bucket, key),
    error,
    status,
    h("section", { "aria-labelledby": "props-title", class: "card" }, h("h2", { id: "props-title" }, "Properties"), list),
    presignForm(bucket, key),
  );

  async function onDelete() {
    error.textContent = "";
    if (!(await confirmAction(`Delete ${key} from ${bucket}? This cannot be undone.`, "Delete object"))) return;
    try {
      await api("DELETE", paths.object(bucket, key));
      if (main.isConnected) location.hash = link.objects(bucket, parentPrefix(key));
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  show(status, "Loading details…");
  try {
    const d = await api("GET", paths.details(bucket, key));
    const row = (term, ...value) => [h("dt", {}, term), h("dd", {}, ...value)];
    list.append(
      ...row("Key", h("span", { class: "mono break" }, d.key)),
      ...row("S3 URI", h("span", { class: "mono break" }, `s3://${bucket}/${d.key}`)),
      ...row("Size", `${bytes(d.size)} (${exactBytes(d.size)})`),
      ...row("ETag", h("span", { class: "mono break" }, d.etag)),
      ...row("Content type", h("span", { class: "mono" }, d.contentType || "—")),
      ...row("Last modified", d.lastModified ? when(d.lastModified) : "—"),
      ...row("Metadata", pairs(d.metadata, "User metadata")),
      ...row("Checksums", pairs(d.checksums, "Checksums")),
      ...(Object.keys(d.headers || {}).length ? row("Other headers", pairs(d.headers, "Other headers")) : []),
    );
    show(status, "");
  } catch (err) {
    show(status, "");
    // HeadObject's answer has no body, so S3's 404 carries no code of its own.
    error.textContent = err.status === 404 ? `${err.code}: ${bucket} holds no object ${key}, or there is no bucket ${bucket}.` : errorText(err);
  } finally {
    list.removeAttribute("aria-busy");
  }
}

// presignForm makes presigned GET or PUT URLs for the object, signed as the user.
function presignForm(bucket, key) {
  const method = h("select", { id: "presign-method", name: "method" }, h("option", { value: "GET" }, "GET (download)"), h("option", { value: "PUT" }, "PUT (upload)"));
  const expires = h("input", {
    id: "presign-expires",
    name: "expires",
    type: "number",
    min: String(MIN_EXPIRES),
    max: String(MAX_EXPIRES),
    step: "1",
    value: String(DEFAULT_EXPIRES),
    required: true,
    inputmode: "numeric",
    "aria-describedby": "presign-expires-help",
  });
  const url = h("output", { id: "presign-url", for: "presign-method presign-expires", class: "mono break url-box" });
  const copy = h("button", { type: "button", id: "presign-copy", class: "secondary", disabled: true, onclick: onCopy }, "Copy URL");
  const until = h("p", { id: "presign-until", class: "muted" });
  const error = alertBox("presign-error");
  const copied = statusBox("presign-status");
  const submit = h("button", { type: "submit" }, "Create URL");
  const form = h(
    "form",
    { id: "presign", class: "stack", onsubmit },
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "presign-method" }, "Method"), method),
      h(
        "div",
        { class: "field" },
        h("label", { for: "presign-expires" }, "Expires in (seconds)"),
        expires,
        h("small", { id: "presign-expires-help", class: "muted" }, `${MIN_EXPIRES} to ${MAX_EXPIRES} (7 days).`),
      ),
      h("div", { class: "field end" }, submit),
    ),
    error,
    h("div", { class: "field" }, h("span", { class: "label", id: "presign-url-label" }, "URL"), url),
    h("div", { class: "row" }, copy, copied),
    until,
  );
  url.setAttribute("aria-labelledby", "presign-url-label");

  async function onsubmit(e) {
    e.preventDefault();
    error.textContent = "";
    copied.textContent = "";
    const secs = Number(expires.value);
    if (!Number.isInteger(secs) || secs < MIN_EXPIRES || secs > MAX_EXPIRES) {
      error.textContent = `Expires must be a whole number of seconds from ${MIN_EXPIRES} to ${MAX_EXPIRES}.`;
      expires.focus();
      return;
    }
    submit.disabled = true;
    try {
      const res = await api("POST", paths.presign(bucket), { key, method: method.value, expiresSeconds: secs });
      url.textContent = res.url;
      copy.disabled = false;
      until.replaceChildren(
        `${method.value} URL, valid until `,
        when(res.expires),
        method.value === "PUT" ? ". Upload with: curl -X PUT --upload-file FILE 'URL'" : ".",
      );
      copied.textContent = "URL created.";
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  }

  async function onCopy() {
    try {
      await navigator.clipboard.writeText(url.textContent);
      copied.textContent = "Copied to the clipboard.";
    } catch {
      // No clipboard access: select the URL so that Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(url);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      copied.textContent = "Selected; press Ctrl+C (or ⌘C) to copy.";
    }
  }

  return h("section", { "aria-labelledby": "presign-title", class: "card" }, h("h2", { id: "presign-title" }, "Presigned URL"), h("p", { class: "muted" }, "A URL anyone can use, without signing in, until it expires."), form);
}
