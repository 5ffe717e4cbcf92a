// Prints the gzipped size of the JavaScript a first page load fetches (the
// scripts and module preloads index.html names) and fails above the budget.
// Usage: node tools/first-load-size.mjs [dist] [budget-bytes]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2] ?? "dist";
const budget = Number(process.argv[3] ?? 300 * 1024);
const html = readFileSync(join(dist, "index.html"), "utf8");
const urls = new Set();
for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) urls.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) urls.add(m[1]);
let raw = 0;
let gz = 0;
for (const u of urls) {
  const bytes = readFileSync(join(dist, u.replace(/^\//, "")));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`first-load JS: ${urls.size} file(s), ${kb(raw)} raw, ${kb(gz)} gzipped (budget ${kb(budget)})`);
if (gz > budget) {
  console.error("first-load JS is over budget");
  process.exit(1);
}
