// The two forms of a CORS configuration the editor shows, and the conversion between them.
//
// JSON is the AWS console's form: a list of rules, [{"AllowedOrigins": [...], ...}]. The AWS
// CLI's form, {"CORSRules": [...]}, is accepted as well, since that is what people paste from
// `aws s3api get-bucket-cors`. The server reads the CLI's form, so a list is sent wrapped in
// {"CORSRules": ...} on its first line: positions the server reports move only on line 1.
//
// XML is S3's CORSConfiguration, as PutBucketCors takes it
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html).
//
// Conversion runs only on a document the server has found valid, so it needs no validation of
// its own: it reads the same fields the server does (JSON field names in any case, as the
// server matches them; XML leaf text as it is, MaxAgeSeconds trimmed).

const wrapPrefix = '{"CORSRules":';

// Namespace is S3's XML namespace.
const namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// fields are a rule's fields in the S3 API model's order: JSON name, XML element, list or not.
const fields = [
  ["ID", "ID", false],
  ["AllowedHeaders", "AllowedHeader", true],
  ["AllowedMethods", "AllowedMethod", true],
  ["AllowedOrigins", "AllowedOrigin", true],
  ["ExposeHeaders", "ExposeHeader", true],
  ["MaxAgeSeconds", "MaxAgeSeconds", false],
];

// wire is a draft as the server reads it: {format, document}, and the column shift on line 1.
export function wire(format, text) {
  if (format === "json" && text.trimStart().startsWith("[")) {
    return { draft: { format, document: wrapPrefix + text + "}" }, shift: wrapPrefix.length };
  }
  return { draft: { format, document: text }, shift: 0 };
}

// unshift moves a position the server reported for wire(...).draft back into the text.
export function unshift(line, column, shift) {
  return line === 1 && column > shift ? column - shift : column;
}

// rules reads a valid document's rules into plain objects keyed by the JSON names.
export function rules(format, text) {
  return format === "json" ? jsonRules(text) : xmlRules(text);
}

// field finds an object's key for name in any case, as Go's encoding/json matches it: of
// several that match, the last one in the document wins, since each overwrites the one before.
// (JSON.parse keeps the keys in document order, and keeps only the last of exact duplicates.)
function field(obj, name) {
  return Object.keys(obj).findLast((k) => k.toLowerCase() === name.toLowerCase());
}

function jsonRules(text) {
  let doc = JSON.parse(text);
  if (!Array.isArray(doc)) {
    const key = field(doc, "CORSRules");
    doc = key ? doc[key] : [];
  }
  return (doc || []).map((r) => {
    const out = {};
    for (const [name] of fields) {
      const key = field(r, name);
      const v = key === undefined ? null : r[key];
      if (v !== null && !(Array.isArray(v) && v.length === 0)) out[name] = v;
    }
    return out;
  });
}

function xmlRules(text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  return [...doc.documentElement.children]
    .filter((el) => el.localName === "CORSRule")
    .map((el) => {
      const out = {};
      for (const child of el.children) {
        const f = fields.find(([, x]) => x === child.localName);
        if (!f) continue;
        const [name, , list] = f;
        const text = child.textContent;
        if (list) (out[name] ||= []).push(text);
        else out[name] = name === "MaxAgeSeconds" ? parseInt(text.trim(), 10) : text;
      }
      return out;
    });
}

// ordered copies a rule with its fields in the model's order.
function ordered(r) {
  const out = {};
  for (const [name] of fields) if (r[name] !== undefined) out[name] = r[name];
  return out;
}

// toJSON writes rules in the AWS console's form.
export function toJSON(list) {
  return JSON.stringify(list.map(ordered), null, 2) + "\n";
}

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

function escapeXML(s) {
  return String(s).replace(/[&<>"']/g, (c) => escapes[c]);
}

// toXML writes rules as S3's CORSConfiguration, indented.
export function toXML(list) {
  const lines = [`<CORSConfiguration xmlns="${namespace}">`];
  for (const r of list) {
    lines.push("  <CORSRule>");
    for (const [name, el, list] of fields) {
      if (r[name] === undefined) continue;
      for (const v of list ? r[name] : [r[name]]) lines.push(`    <${el}>${escapeXML(v)}</${el}>`);
    }
    lines.push("  </CORSRule>");
  }
  lines.push("</CORSConfiguration>");
  return lines.join("\n") + "\n";
}

// convert rewrites a valid document in the other form.
export function convert(from, to, text) {
  const list = rules(from, text);
  return to === "json" ? toJSON(list) : toXML(list);
}
