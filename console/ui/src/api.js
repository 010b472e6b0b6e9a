// The console's API client. The session cookie is HttpOnly and shared by every port of the
// host, so the server takes it only with the session's CSRF token, sent as X-CSRF-Token on
// every request (GETs too) and as the csrf parameter of a download link. The token is kept in
// sessionStorage: per tab and per origin (port included), it survives a reload of the tab but
// not the tab; it is removed at sign-out and whenever the server refuses the session.

let current = null; // {accessKey, csrfToken, expires}

const tokenKey = "doorman-csrf";

// stored reads the tab's token, or "" (storage refused: the person signs in again).
function stored() {
  try {
    return sessionStorage.getItem(tokenKey) || "";
  } catch {
    return "";
  }
}

function store(token) {
  try {
    if (token) sessionStorage.setItem(tokenKey, token);
    else sessionStorage.removeItem(tokenKey);
  } catch {
    // storage refused: the token lives in memory until the tab reloads
  }
}

let token = stored();

// Who wants to know that the session ended while they hold work the person would lose: a
// function that returns true keeps the page where it is (it shows the sign-in notice itself).
let keeper = null;

// keepOnEnd registers fn (or null) as the page's answer to a session that ends under it.
export function keepOnEnd(fn) {
  keeper = fn;
}

// The message the sign-in page shows after a session ended under the person's feet.
let notice = "";

// ApiError is a non-2xx answer: the console's {error: {status, code, message}}, which for S3's
// refusals carries S3's own code and message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

// session is the signed-in session, or null.
export function session() {
  return current;
}

// takeNotice returns, once, why the person was sent to the sign-in page.
export function takeNotice() {
  const n = notice;
  notice = "";
  return n;
}

// forget drops the session the server refused (any 401), and tells the pages; it says
// whether there was one to drop.
function forget() {
  const known = current !== null || token !== "";
  current = null;
  token = "";
  store("");
  if (known) document.dispatchEvent(new CustomEvent("doorman-session", { detail: null }));
  return known;
}

// ended forgets the session after the server refused it, and sends the person to sign in
// again, coming back to where they were afterwards (unless the page keeps them, to keep
// unsaved work: it then says so itself).
function ended() {
  if (!forget() && location.hash.startsWith("#/signin")) return;
  notice = "Your session has ended or expired. Sign in again to continue.";
  if (keeper && keeper()) return;
  const here = location.hash.startsWith("#/signin") ? "" : location.hash.slice(1);
  location.hash = here ? `#/signin?next=${encodeURIComponent(here)}` : "#/signin";
}

// errorOf reads an error answer's body (JSON, or anything else a proxy may have said).
function errorOf(status, statusText, text) {
  try {
    const e = JSON.parse(text).error;
    if (e && e.code) return new ApiError(status, e.code, e.message);
  } catch {
    // not the console's JSON: fall through
  }
  return new ApiError(status, `HTTP${status}`, statusText || "The console answered an error.");
}

function check(err, opts) {
  if (err.status === 401) {
    if (opts.noRedirect) forget();
    else ended();
  }
  return err;
}

function headers(extra) {
  const h = { ...extra };
  if (token) h["X-CSRF-Token"] = token;
  return h;
}

// api sends one request to the console: method, a path under /api/, and an optional body
// (a plain object goes as JSON; a Blob or string as it is). It resolves to the parsed JSON
// answer (null for 204), or the Response itself when opts.raw. A non-2xx answer rejects with
// an ApiError; a 401 also forgets the session and sends the person to the sign-in page
// (unless opts.noRedirect). opts.signal aborts.
export async function api(method, path, body, opts = {}) {
  const init = { method, credentials: "same-origin", headers: headers(opts.headers), signal: opts.signal };
  if (body !== undefined && body !== null) {
    if (body instanceof Blob || typeof body === "string") {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "NetworkError", "The console could not be reached; check that doorman is running.");
  }
  if (!res.ok) throw check(errorOf(res.status, res.statusText, await res.text()), opts);
  if (opts.raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// uploadWithProgress sends body (a Blob) with XMLHttpRequest, the one browser API that reports
// an upload's progress. onProgress(loaded) is called as bytes leave; signal aborts (the promise
// then rejects with an AbortError DOMException). Resolves to the parsed JSON answer.
export function uploadWithProgress(method, path, body, { onProgress, signal, headers: extra } = {}) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(headers(extra))) xhr.setRequestHeader(k, v);
    const abort = () => xhr.abort();
    if (signal) signal.addEventListener("abort", abort, { once: true });
    const done = () => signal && signal.removeEventListener("abort", abort);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
        } catch {
          resolve(null);
        }
      } else {
        reject(check(errorOf(xhr.status, xhr.statusText, xhr.responseText), {}));
      }
    };
    xhr.onerror = () => {
      done();
      reject(new ApiError(0, "NetworkError", "The connection to the console failed during the upload."));
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    };
    xhr.send(body);
  });
}

// loadSession asks the server whether the tab's token and the browser's cookie are a live
// session (after a reload); resolves to the session or null.
export async function loadSession() {
  if (!token) return (current = null);
  try {
    const s = await api("GET", "/api/session", undefined, { noRedirect: true });
    current = { ...s, csrfToken: token };
  } catch (e) {
    if (e.status !== 401) throw e;
  }
  return current;
}

// signIn starts a session; rejects with the server's ApiError (InvalidCredentials, SlowDown).
export async function signIn(accessKey, secretKey) {
  current = null;
  token = "";
  const s = await api("POST", "/api/session", { accessKey, secretKey }, { noRedirect: true });
  token = s.csrfToken;
  store(token);
  current = s;
  document.dispatchEvent(new CustomEvent("doorman-session", { detail: current }));
  return current;
}

// signOut ends the session on the server; the token is forgotten whatever the answer.
export async function signOut() {
  try {
    await api("DELETE", "/api/session", undefined, { noRedirect: true });
  } finally {
    forget();
  }
}

// The console's paths.
export const paths = {
  bucket: (b) => `/api/buckets/${encodeURIComponent(b)}`,
  objects: (b, q) => `/api/buckets/${encodeURIComponent(b)}/objects?${new URLSearchParams(q)}`,
  object: (b, key) => `/api/buckets/${encodeURIComponent(b)}/object?key=${encodeURIComponent(key)}`,
  // download is the object's address for a navigation (<a download>), which sends no header:
  // the token goes in the query instead.
  download: (b, key) => `${paths.object(b, key)}&csrf=${encodeURIComponent(token)}`,
  cors: (b) => `/api/buckets/${encodeURIComponent(b)}/cors`,
  details: (b, key) => `/api/buckets/${encodeURIComponent(b)}/details?key=${encodeURIComponent(key)}`,
  uploads: (b) => `/api/buckets/${encodeURIComponent(b)}/uploads`,
  upload: (b, id) => `/api/buckets/${encodeURIComponent(b)}/uploads/${encodeURIComponent(id)}`,
  presign: (b) => `/api/buckets/${encodeURIComponent(b)}/presign`,
  part: (b, id, n, key) => `${paths.upload(b, id)}/parts/${n}?key=${encodeURIComponent(key)}`,
  abortUpload: (b, id, key) => `${paths.upload(b, id)}?key=${encodeURIComponent(key)}`,
};
