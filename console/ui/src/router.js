// Hash routes: #/signin, #/buckets, #/buckets/{bucket}?prefix=P, #/buckets/{bucket}/object?key=K,
// #/buckets/{bucket}/cors, #/monitor. Path segments and query values are percent-encoded, so
// any bucket name, prefix or key survives the trip through the address bar.

// parse reads a hash into {name, params}; name is null for an unknown route.
export function parse(hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  let seg;
  try {
    seg = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: null, params: {} };
  }
  const [a, b, c] = seg;
  if (seg.length === 0) return { name: "home", params: {} };
  if (a === "signin" && seg.length === 1) return { name: "signin", params: { next: query.get("next") || "" } };
  if (a === "monitor" && seg.length === 1) return { name: "monitor", params: {} };
  if (a === "buckets") {
    if (seg.length === 1) return { name: "buckets", params: {} };
    if (seg.length === 2) return { name: "objects", params: { bucket: b, prefix: query.get("prefix") || "" } };
    if (seg.length === 3 && c === "object" && query.get("key"))
      return { name: "details", params: { bucket: b, key: query.get("key") } };
    if (seg.length === 3 && c === "cors") return { name: "cors", params: { bucket: b } };
  }
  return { name: null, params: {} };
}

const enc = encodeURIComponent;

// Links to the pages.
export const link = {
  buckets: () => "#/buckets",
  objects: (bucket, prefix = "") => `#/buckets/${enc(bucket)}${prefix ? `?prefix=${enc(prefix)}` : ""}`,
  details: (bucket, key) => `#/buckets/${enc(bucket)}/object?key=${enc(key)}`,
  cors: (bucket) => `#/buckets/${enc(bucket)}/cors`,
  monitor: () => "#/monitor",
};

// parentPrefix is the folder holding key or prefix: "a/b/" for "a/b/c" and for "a/b/c/".
export function parentPrefix(key) {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  const i = trimmed.lastIndexOf("/");
  return i < 0 ? "" : trimmed.slice(0, i + 1);
}
