// Builds the console's pages into dist/, which the Go package embeds. dist/ is committed so
// that `go run ./cmd/doorman serve` serves the console on a fresh clone with no build step;
// `node build.mjs --check` builds into a temporary directory and fails when the result differs
// from the committed dist/ in any byte, so the committed bundle is always what the sources make.
import * as esbuild from "esbuild";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "doorman-console-")) : join(here, "dist");

// The pages: each entry is a script (and the stylesheet it imports) plus an HTML file copied
// as it is.
const entries = { app: "src/main.js", probe: "src/probe.js" };
const pages = ["index.html", "probe.html"];

if (!check) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: entries,
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  // light-dark() in the stylesheet needs Chrome 123, Firefox 120, Safari 17.5.
  target: ["chrome123", "firefox128", "safari17.5"],
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
for (const page of pages) cpSync(join(here, "src", page), join(out, page));

if (check) {
  const committed = join(here, "dist");
  const names = new Set([...readdirSync(out), ...readdirSync(committed)]);
  const differ = [...names].sort().filter((name) => {
    try {
      return !readFileSync(join(out, name)).equals(readFileSync(join(committed, name)));
    } catch {
      return true;
    }
  });
  rmSync(out, { recursive: true, force: true });
  if (differ.length > 0) {
    console.error(`console/ui/dist differs from a fresh build of console/ui/src: ${differ.join(", ")}; run make console-ui and commit dist/`);
    process.exit(1);
  }
  console.log("console/ui/dist is a fresh build of console/ui/src");
}
