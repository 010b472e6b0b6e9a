// The simulator's report in the words `doorman explain` prints it (cmd/doorman/explain.go's
// writeExplainText), so that the page and the command line can be compared line for line.

// The status texts of the statuses a preflight answer can have, as Go's http.StatusText.
const statusText = { 200: "OK", 400: "Bad Request", 403: "Forbidden" };

// quote is Go's %q for the strings a configuration holds.
const quote = (s) => JSON.stringify(s);

// responseText is what explain prints of S3's response to the request report explains.
export function responseText(report) {
  const r = report.response;
  let b = "";
  if (report.preflight) {
    b += `HTTP/1.1 ${r.status} ${statusText[r.status] || ""}\n`;
    for (const x of r.headers) b += `${x.name}: ${x.value}\n`;
    b += "\n";
    if (r.body) b += `${r.body}\n`;
    b += "(Amazon S3 also sends x-amz-request-id, x-amz-id-2, Date and Server, and puts the request ids in an error body.)\n";
  } else if (r.headers.length === 0) {
    b += "The operation's own response, with no CORS headers added.\n";
  } else {
    b += "The operation's own response (success or error), with these headers added:\n";
    for (const x of r.headers) b += `${x.name}: ${x.value}\n`;
  }
  return b;
}

// outcomeText is explain's "Outcome:" line and the sentence that may follow it.
export function outcomeText(report) {
  let b = `Outcome: ${report.outcome}`;
  if (report.rule !== null) b += ` by rule ${report.rule + 1}`;
  if (report.outcome === "no_origin") b += "\nNo Origin: this is not a cross-origin request.";
  if (report.outcome === "bad_request")
    b += "\nA preflight needs Access-Control-Request-Method with GET, PUT, POST, DELETE or HEAD.";
  return b;
}

// rulesShown tells whether explain lists the rules for this report.
export function rulesShown(report) {
  return report.rules.length > 0 && report.outcome !== "no_origin" && report.outcome !== "bad_request";
}

// matchingText is explain's line introducing the rules.
export function matchingText(report) {
  let b = `Matching Origin ${quote(report.request.origin)}, method ${report.matchedMethod}`;
  if (report.headersOverBounds) b += ", Access-Control-Request-Headers over the parser's bounds (no rule can match)";
  else if (report.matchedHeaders && report.matchedHeaders.length > 0 && report.preflight)
    b += `, headers ${report.matchedHeaders.join(", ")}`;
  return `${b}:`;
}

// ruleText is explain's line for one rule, without its indent.
export function ruleText(report, r) {
  let b = `rule ${r.index + 1}`;
  if (r.id) b += ` (ID ${quote(r.id)})`;
  b += ": ";
  b += r.originMatched ? `origin ok (${quote(r.origin)})` : "origin NO";
  b += r.methodMatched ? ", method ok" : ", method NO";
  for (const x of r.headers) b += x.allowedBy ? `, ${x.name} ok (${quote(x.allowedBy)})` : `, ${x.name} NO`;
  if (r.index === report.rule) b += "  <- decides";
  return b;
}

// shellWord quotes a word for a POSIX shell when it needs it.
function shellWord(s) {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// command is the `doorman explain` command that prints the same for the report's request,
// on the object key (none: the bucket), with the configuration saved as file.
export function command(report, key, file) {
  const q = report.request;
  const words = ["doorman", "explain", "--config", file, "--origin", q.origin];
  words.push("--method", report.preflight ? q.requestMethod : q.method);
  if (report.preflight) {
    for (const line of q.requestHeaders || []) for (const name of line.split(",")) if (name.trim()) words.push("--header", name.trim());
  }
  if (key) words.push("--key", key);
  if (report.preflight) words.push("--preflight");
  return words.map(shellWord).join(" ");
}
