// Writes a gzip (`.gz`) and a brotli (`.br`) copy beside every built file
// that compresses, so that the server (crates/server/build.rs embeds them)
// can send the smallest encoding the browser accepts without compressing
// anything at run time. Text (HTML, JS, CSS, SVG, JSON, ...) is always
// tried; any other file only above 1 KiB and unless its format is already
// compressed. A copy is kept only when it is smaller than the original,
// and each is decompressed again and compared before it is written.
// Usage: node tools/precompress.mjs [dist]
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { extname, join } from "node:path";
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  gunzipSync,
  gzipSync,
} from "node:zlib";

const dist = process.argv[2] ?? "dist";
const TEXT = new Set([
  ".html", ".js", ".mjs", ".css", ".svg", ".json", ".map", ".txt", ".xml", ".webmanifest", ".ico",
]);
// Formats that carry their own compression: recompressing only costs.
const PACKED = new Set([
  ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2", ".zip", ".gz", ".br",
]);

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

let raw = 0;
let gz = 0;
let br = 0;
let count = 0;
for (const path of [...files(dist)]) {
  const ext = extname(path).toLowerCase();
  if (ext === ".gz" || ext === ".br") continue;
  const bytes = readFileSync(path);
  const text = TEXT.has(ext);
  if (!text && (PACKED.has(ext) || bytes.length <= 1024)) continue;
  const variants = [
    [
      ".gz",
      gzipSync(bytes, { level: 9 }),
      (b) => gunzipSync(b),
    ],
    [
      ".br",
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
      (b) => brotliDecompressSync(b),
    ],
  ];
  for (const [suffix, packed, unpack] of variants) {
    const out = path + suffix;
    if (packed.length >= bytes.length) {
      // A stale copy from an earlier build must not be served.
      try {
        unlinkSync(out);
      } catch {
        // there was none
      }
      continue;
    }
    if (!unpack(packed).equals(bytes)) {
      console.error(`${out}: does not decompress to ${path}`);
      process.exit(1);
    }
    writeFileSync(out, packed);
    if (suffix === ".gz") gz += packed.length;
    else br += packed.length;
  }
  raw += statSync(path).size;
  count += 1;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`precompressed ${count} file(s): ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`);
