// Uploads: a queue of files, each sent with XMLHttpRequest so that its progress shows, one PUT
// for a small file and a multipart upload for a large one. The queue and its panel outlive
// the page that started them: moving to another folder or bucket does not stop an upload, and
// the objects page shows the panel again wherever it is.
import { h, bytes, errorText } from "./dom.js";
import { api, paths, uploadWithProgress } from "./api.js";
import { link } from "./router.js";

// A file larger than MULTIPART_OVER goes in parts of PART_SIZE, the AWS CLI's default chunk
// size (https://docs.aws.amazon.com/cli/latest/topic/s3-config.html#multipart-chunksize); S3
// wants parts of at least 5 MiB but the last. A file too large for MAX_PARTS such parts (over
// 78 GiB) uses larger ones (partSize).
const MULTIPART_OVER = 8 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
// S3's largest part number (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const MAX_PARTS = 10000;
// Requests carrying bytes (a small file's PUT or one part) in flight at once, across every
// file: browsers open at most six connections per host
// (https://developer.mozilla.org/en-US/docs/Web/HTTP/Connection_management_in_HTTP_1.x), and
// two are left for the pages' own requests (listings, validation, sign-out).
const REQUESTS_IN_FLIGHT = 4;
// Files uploading at once; the rest wait, shown as queued. Each takes slots from
// REQUESTS_IN_FLIGHT as it sends, so this only bounds how many are started (read, hashed).
const FILES_IN_FLIGHT = 4;
// A part that fails for a reason other than a refusal (a dropped connection, a 5xx) is sent
// again up to PART_RETRIES times before the whole upload fails and is aborted.
const PART_RETRIES = 2;
// A dropped folder is walked to at most MAX_DROP_FILES files, so that dropping a home
// directory by mistake does not freeze the page.
const MAX_DROP_FILES = 10000;

const items = [];
let seq = 0;

// slots hands out the REQUESTS_IN_FLIGHT places for requests that carry bytes, first come
// first served; a waiter whose signal aborts leaves the line.
const slots = { free: REQUESTS_IN_FLIGHT, waiting: [] };

function acquire(signal) {
  if (signal.aborted) return Promise.reject(new DOMException("The upload was cancelled.", "AbortError"));
  if (slots.free > 0) {
    slots.free--;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const waiter = () => {
      signal.removeEventListener("abort", leave);
      resolve();
    };
    const leave = () => {
      slots.waiting.splice(slots.waiting.indexOf(waiter), 1);
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    };
    signal.addEventListener("abort", leave, { once: true });
    slots.waiting.push(waiter);
  });
}

function release() {
  const next = slots.waiting.shift();
  if (next) next();
  else slots.free++;
}

// sending runs send() holding one of the slots.
async function sending(signal, send) {
  await acquire(signal);
  try {
    return await send();
  } finally {
    release();
  }
}

// The list scrolls by itself when long, so it takes focus for the keyboard to scroll it.
const list = h("ul", { class: "upload-list", "aria-label": "Files", tabindex: "0" });
const overall = h("progress", { id: "overall-progress", max: "1", value: "0", "aria-label": "Overall upload progress" });
const overallPercent = h("span", { id: "overall-percent", class: "percent" }, "0%");
const overallText = h("span", { class: "muted", id: "overall-text" });
const announce = h("div", { id: "uploads-status", role: "status", class: "visually-hidden" });
const clearButton = h("button", { type: "button", class: "secondary small", id: "uploads-clear", onclick: clearFinished }, "Clear finished");
const section = h(
  "section",
  { id: "uploads", "aria-labelledby": "uploads-title", hidden: true },
  h("div", { class: "uploads-head" }, h("h2", { id: "uploads-title" }, "Uploads"), clearButton),
  h("div", { class: "overall" }, overall, overallPercent, overallText),
  announce,
  list,
);

// Leaving the console (closing the tab, reloading) would cut the uploads under way: the
// browser asks first.
window.addEventListener("beforeunload", (e) => {
  if (items.some((i) => i.state === "uploading" || i.state === "queued")) e.preventDefault();
});

// STOP_WAIT_MS bounds how long signing out waits for the uploads it stops to abort their
// multipart uploads on the server (one DELETE each, on loopback or a LAN).
const STOP_WAIT_MS = 3000;

// stopUploads cancels every upload under way and resolves once each has settled (its
// multipart upload aborted on the server), or after STOP_WAIT_MS: signing out calls it while
// the session still allows the aborts.
export function stopUploads() {
  const running = items.filter((i) => i.state === "queued" || i.state === "uploading");
  for (const item of running) {
    item.cancelled = true;
    item.ctrl.abort();
  }
  const settled = Promise.all(running.map((i) => i.running).filter(Boolean));
  return Promise.race([settled, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS))]);
}

// Uploads belong to the session that started them: when it ends, or someone signs in, every
// upload stops and the panel is emptied.
document.addEventListener("doorman-session", () => {
  stopUploads();
  for (const item of items) item.el.li.remove();
  items.length = 0;
  section.hidden = true;
  announce.textContent = "";
  update();
});

// panel is the uploads section, to place on a page (the same element every time).
export function panel() {
  return section;
}

function partSize(size) {
  return Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS));
}

// enqueue uploads files ({file, path}: path relative to prefix) into bucket under prefix.
export function enqueue(bucket, prefix, files) {
  for (const { file, path } of files) {
    const key = prefix + (path || file.name);
    const item = { id: ++seq, bucket, key, file, size: file.size, loaded: 0, state: "queued", ctrl: new AbortController() };
    item.el = view(item);
    items.push(item);
    list.append(item.el.li);
  }
  section.hidden = items.length === 0;
  announce.textContent = `${files.length} ${files.length === 1 ? "file" : "files"} queued for upload.`;
  update();
  pump();
}

function view(item) {
  const progress = h("progress", { class: "file-progress", max: String(Math.max(item.size, 1)), value: "0", "aria-label": `Progress of ${item.key}` });
  const percent = h("span", { class: "percent" }, "0%");
  const state = h("span", { class: "state" }, "queued");
  const cancel = h("button", { type: "button", class: "secondary small", "aria-label": `Cancel upload ${item.key}`, onclick: () => cancel_(item) }, "Cancel");
  const retry = h("button", { type: "button", class: "secondary small", hidden: true, "aria-label": `Retry upload ${item.key}`, onclick: () => retry_(item) }, "Retry");
  const name = h("span", { class: "upload-name mono", title: item.key }, item.key);
  const li = h(
    "li",
    { class: "upload", "data-key": item.key, "data-state": "queued" },
    h(
      "div",
      { class: "upload-line" },
      name,
      h("span", { class: "muted upload-size", title: `${item.size} bytes` }, bytes(item.size)),
      progress,
      percent,
      state,
      cancel,
      retry,
    ),
  );
  return { li, progress, percent, state, cancel, retry, name };
}

function setState(item, state, message) {
  const focused = item.el.li.contains(document.activeElement) ? document.activeElement : null;
  item.state = state;
  item.el.li.dataset.state = state;
  item.el.state.textContent = message ? `${state}: ${message}` : state;
  item.el.retry.hidden = state !== "failed" && state !== "cancelled";
  item.el.cancel.hidden = state !== "queued" && state !== "uploading";
  if (state === "done" || state === "cancelled" || state === "failed") {
    if (state === "done") {
      item.el.name.replaceChildren(h("a", { href: link.details(item.bucket, item.key) }, item.key));
    }
  }
  // A button that disappears under the keyboard's focus hands it to its row's other one.
  if (focused && focused.hidden) (item.el.retry.hidden ? list : item.el.retry).focus();
}

function percentOf(loaded, size, finished) {
  if (finished) return 100;
  if (size === 0) return 0;
  // 100% is shown only once S3 has answered: the last bytes leaving is not the object stored.
  return Math.min(99, Math.floor((loaded * 100) / size));
}

function update(item) {
  if (item) {
    const done = item.state === "done";
    item.el.progress.value = done ? Math.max(item.size, 1) : Math.min(item.loaded, item.size);
    item.el.percent.textContent = `${percentOf(item.loaded, item.size, done)}%`;
  }
  // Cancelled and failed files leave the overall total: it measures what is still to arrive.
  const counted = items.filter((i) => i.state !== "cancelled" && i.state !== "failed");
  const total = counted.reduce((n, i) => n + i.size, 0);
  const loaded = counted.reduce((n, i) => n + (i.state === "done" ? i.size : Math.min(i.loaded, i.size)), 0);
  const allDone = counted.length > 0 && counted.every((i) => i.state === "done");
  overall.max = Math.max(total, 1);
  overall.value = allDone ? overall.max : loaded;
  overallPercent.textContent = `${counted.length === 0 ? 0 : percentOf(loaded, total, allDone)}%`;
  const finished = items.filter((i) => i.state === "done").length;
  const failed = items.filter((i) => i.state === "failed").length;
  const cancelled = items.filter((i) => i.state === "cancelled").length;
  const said = [counted.length ? `${finished} of ${counted.length} done` : "none to upload"];
  if (failed) said.push(`${failed} failed`);
  if (cancelled) said.push(`${cancelled} cancelled`);
  overallText.textContent = `${said.join(", ")} · ${bytes(loaded)} of ${bytes(total)}`;
}

function cancel_(item) {
  if (item.state === "queued") {
    setState(item, "cancelled");
    update(item);
    pump();
  } else if (item.state === "uploading") {
    item.cancelled = true;
    item.ctrl.abort();
  }
  announce.textContent = `Cancelled ${item.key}.`;
}

// retry_ queues a failed or cancelled upload again, from its first byte.
function retry_(item) {
  item.ctrl = new AbortController();
  item.cancelled = false;
  item.loaded = 0;
  setState(item, "queued");
  update(item);
  item.el.cancel.focus();
  pump();
}

function clearFinished() {
  for (let i = items.length - 1; i >= 0; i--) {
    if (["done", "cancelled", "failed"].includes(items[i].state)) {
      items[i].el.li.remove();
      items.splice(i, 1);
    }
  }
  section.hidden = items.length === 0;
  update();
}

// pump starts queued uploads while fewer than FILES_IN_FLIGHT run, and tells the pages when
// the queue has drained.
function pump() {
  while (items.filter((i) => i.state === "uploading").length < FILES_IN_FLIGHT) {
    const next = items.find((i) => i.state === "queued");
    if (!next) break;
    next.running = run(next);
  }
  if (!items.some((i) => i.state === "uploading" || i.state === "queued")) {
    document.dispatchEvent(new CustomEvent("doorman-uploads-idle"));
  }
}

async function run(item) {
  setState(item, "uploading");
  try {
    if (item.size > MULTIPART_OVER) await multipart(item);
    else await single(item);
    item.loaded = item.size;
    setState(item, "done");
    announce.textContent = `Uploaded ${item.key}.`;
    document.dispatchEvent(new CustomEvent("doorman-uploaded", { detail: { bucket: item.bucket, key: item.key } }));
  } catch (err) {
    if (!items.includes(item)) return; // the panel was emptied when the session ended
    if (item.cancelled || err.name === "AbortError") {
      setState(item, "cancelled");
    } else {
      setState(item, "failed", errorText(err));
      announce.textContent = `Upload of ${item.key} failed: ${errorText(err)}`;
    }
  }
  update(item);
  pump();
}

function contentType(file) {
  return file.type || "application/octet-stream";
}

// sha256 is a file's SHA-256 in base64, as x-amz-checksum-sha256 carries it, so that S3 checks
// the bytes it received against the bytes the browser read and keeps the checksum with the
// object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
// Browsers offer SubtleCrypto only in a secure context (HTTPS or loopback); elsewhere the
// upload goes without.
async function sha256(file) {
  if (!globalThis.crypto || !crypto.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  let bin = "";
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin);
}

// single sends a file of at most MULTIPART_OVER bytes in one PutObject, with its SHA-256.
async function single(item) {
  const headers = { "Content-Type": contentType(item.file) };
  const sum = await sha256(item.file);
  if (sum) headers["x-amz-checksum-sha256"] = sum;
  await sending(item.ctrl.signal, () =>
    uploadWithProgress("PUT", paths.object(item.bucket, item.key), item.file, {
      signal: item.ctrl.signal,
      headers,
      onProgress: (loaded) => {
        item.loaded = loaded;
        update(item);
      },
    }),
  );
}

// multipart sends item in parts, each holding a slot while it is sent, and completes the
// upload with the parts' ETags; on any failure or a cancel, the parts in flight stop and the
// upload is aborted on the server so that its parts take no space. The parts carry no
// checksum: the console's CreateMultipartUpload names no checksum algorithm, and S3 checks a
// part's x-amz-checksum-* only for the algorithm its upload was created with.
async function multipart(item) {
  const { bucket, key, file, size } = item;
  // The create request is not aborted by a cancel: an upload created after the browser gave
  // up on its answer would be left behind. A cancel during it aborts the new upload at once.
  const { uploadId } = await api("POST", paths.uploads(bucket), { key, contentType: contentType(file) });
  // An abort refused because the session has ended is not a reason to leave the page.
  const abortUpload = () => api("DELETE", paths.abortUpload(bucket, uploadId, key), undefined, { noRedirect: true }).catch(() => {});
  if (item.ctrl.signal.aborted) {
    await abortUpload();
    throw new DOMException("The upload was cancelled.", "AbortError");
  }
  const part = partSize(size);
  const count = Math.ceil(size / part);
  const etags = new Array(count);
  const sent = new Array(count).fill(0);
  const progress = () => {
    item.loaded = sent.reduce((a, b) => a + b, 0);
    update(item);
  };
  let next = 0;
  async function worker() {
    while (next < count && !item.ctrl.signal.aborted) {
      const i = next++;
      const blob = file.slice(i * part, Math.min(size, (i + 1) * part));
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await sending(item.ctrl.signal, () =>
            uploadWithProgress("PUT", paths.part(bucket, uploadId, i + 1, key), blob, {
              signal: item.ctrl.signal,
              onProgress: (loaded) => {
                sent[i] = loaded;
                progress();
              },
            }),
          );
          etags[i] = res.etag;
          sent[i] = blob.size;
          progress();
          break;
        } catch (err) {
          sent[i] = 0;
          progress();
          const refused = err.status >= 400 && err.status < 500;
          if (err.name === "AbortError" || refused || attempt >= PART_RETRIES) throw err;
        }
      }
    }
  }
  let failure = null;
  const workers = Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, count) }, () =>
    worker().catch((err) => {
      // One part failed: stop the others, and report the first failure, not their aborts.
      if (!failure) failure = err;
      item.ctrl.abort();
    }),
  );
  await Promise.all(workers);
  try {
    if (failure) throw failure;
    if (item.ctrl.signal.aborted) throw new DOMException("The upload was cancelled.", "AbortError");
    await api("POST", `${paths.upload(bucket, uploadId)}/complete`, { key, parts: etags.map((etag, i) => ({ n: i + 1, etag })) });
  } catch (err) {
    await abortUpload();
    throw err;
  }
}

// filesOf returns the files a drop carries, walking dropped folders (their files keep their
// path below the folder), at most MAX_DROP_FILES.
export async function filesOf(dataTransfer) {
  const entries = [...(dataTransfer.items || [])]
    .filter((it) => it.kind === "file")
    .map((it) => (typeof it.webkitGetAsEntry === "function" ? it.webkitGetAsEntry() : null));
  if (entries.length === 0 || entries.some((e) => !e)) {
    return [...dataTransfer.files].map((file) => ({ file, path: file.name }));
  }
  const out = [];
  async function walk(entry, dir) {
    if (out.length >= MAX_DROP_FILES) return;
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ file, path: dir + file.name });
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, `${dir}${entry.name}/`);
    }
  }
  for (const e of entries) await walk(e, "");
  return out;
}
