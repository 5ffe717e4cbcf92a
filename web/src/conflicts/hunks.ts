// The conflicting hunks of a staged merge, read from its merged text, and
// the text that results from a choice per hunk. Pure functions of strings.
//
// The server writes each conflicting region as
//   <<<<<<< ours
//   (lines of ours)
//   ||||||| original      (only in the diff3 style, with the base's lines)
//   =======
//   (lines of theirs)
//   >>>>>>> theirs
// Each marker line ends in "\n" even in a CRLF file, while the lines around
// it keep their own endings. A side whose last line has no newline (the end
// of the file) gets one added before the next marker; reading a hunk takes
// it away again, so a choice keeps the file's missing final newline.
//
// Text outside the markers is the merge of both sides' changes that did not
// overlap, and is kept as it is.

export type HunkChoice = "ours" | "theirs" | "ours_theirs" | "theirs_ours";

export const HUNK_CHOICES: readonly HunkChoice[] = ["ours", "theirs", "ours_theirs", "theirs_ours"];

export interface Hunk {
  /** 0-based position among the file's hunks. */
  index: number;
  /** 1-based line of the opening marker in the merged text. */
  line: number;
  ours: string;
  /** The base's lines, when the block carries them (diff3 style). */
  base: string | null;
  theirs: string;
  /** The block as the merged text holds it, markers included. */
  marked: string;
}

export type Segment = { text: string } | { hunk: Hunk };

export interface Parsed {
  segments: Segment[];
  hunks: Hunk[];
}

/** The three versions a merged text was made from, to settle ambiguous markers. */
export interface Sides {
  base?: string | null;
  ours?: string | null;
  theirs?: string | null;
}

/** Lines with their endings ("\n" or "\r\n"); a last line without one stays without. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function bare(line: string): string {
  let s = line.endsWith("\n") ? line.slice(0, -1) : line;
  if (s.endsWith("\r")) s = s.slice(0, -1);
  return s;
}

// The labels are the server's own: a line such as "<<<<<<< HEAD" in a
// file's content (a skill about git, say) is content, not a marker.
const isStart = (l: string) => bare(l) === "<<<<<<< ours";
const isBase = (l: string) => /^\|{7}( |$)/.test(bare(l));
const isSep = (l: string) => bare(l) === "=======";
const isEnd = (l: string) => bare(l) === ">>>>>>> theirs";

/** `s` without the newline the merge added after a side's incomplete last line. */
function unpad(s: string, file: string | null | undefined, last: boolean): string {
  if (!last || file == null || file.endsWith("\n") || !s.endsWith("\n")) return s;
  const cut = s.slice(0, -1);
  return cut !== "" && file.endsWith(cut) ? cut : s;
}

/** `part` could be a run of `file`'s lines (unknown file: anything could). */
function fits(part: string, file: string | null | undefined): boolean {
  return file == null || part === "" || file.includes(part) || file.includes(part.replace(/\n$/, ""));
}

interface Split {
  ours: string;
  base: string | null;
  theirs: string;
}

/**
 * Splits the lines between "<<<<<<< ours" and ">>>>>>> theirs" at the
 * separator. A side whose content has a "=======" line of its own gives
 * several candidates: the first whose parts are runs of the real sides wins.
 */
function splitBlock(inner: string[], sides: Sides, last: boolean): Split | null {
  const options: Split[] = [];
  for (let k = 0; k < inner.length; k++) {
    if (!isSep(inner[k] ?? "")) continue;
    const b = inner.slice(0, k).findIndex(isBase);
    const ours = unpad(inner.slice(0, b >= 0 ? b : k).join(""), sides.ours, last);
    const base = b >= 0 ? unpad(inner.slice(b + 1, k).join(""), sides.base, last) : null;
    const theirs = unpad(inner.slice(k + 1).join(""), sides.theirs, last);
    options.push({ ours, base, theirs });
  }
  return options.find((o) => fits(o.ours, sides.ours) && fits(o.theirs, sides.theirs) && (o.base === null || fits(o.base, sides.base))) ?? options[0] ?? null;
}

/**
 * Reads the conflicting hunks of `merged`. A marker without its partners
 * (an opening marker never closed, a block without "=======") is content.
 */
export function parseMerged(merged: string, sides: Sides = {}): Parsed {
  const lines = splitLines(merged);
  const segments: Segment[] = [];
  const hunks: Hunk[] = [];
  let text = "";
  let i = 0;
  // Where the last block ends, to know which block may hold a side's incomplete last line.
  let lastEnd = -1;
  for (let j = lines.length - 1; j >= 0; j--) {
    if (isEnd(lines[j] ?? "")) {
      lastEnd = j;
      break;
    }
  }
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (isStart(line)) {
      let j = i + 1;
      while (j < lines.length && !isEnd(lines[j] ?? "")) j++;
      const split = j < lines.length ? splitBlock(lines.slice(i + 1, j), sides, j === lastEnd) : null;
      if (split) {
        if (text) segments.push({ text });
        text = "";
        const hunk: Hunk = { index: hunks.length, line: i + 1, ...split, marked: lines.slice(i, j + 1).join("") };
        hunks.push(hunk);
        segments.push({ hunk });
        i = j + 1;
        continue;
      }
    }
    text += line;
    i++;
  }
  if (text) segments.push({ text });
  return { segments, hunks };
}

function lineEnding(s: string): string {
  return s.includes("\r\n") ? "\r\n" : "\n";
}

/** `a` then `b`; an incomplete last line of `a` gets the file's line ending first. */
function concat(a: string, b: string, eol: string): string {
  if (a === "" || b === "" || a.endsWith("\n")) return a + b;
  return a + eol + b;
}

/** The text a choice puts in place of a hunk. */
export function resolveHunk(h: Hunk, c: HunkChoice, eol = lineEnding(h.ours + h.theirs)): string {
  switch (c) {
    case "ours":
      return h.ours;
    case "theirs":
      return h.theirs;
    case "ours_theirs":
      return concat(h.ours, h.theirs, eol);
    case "theirs_ours":
      return concat(h.theirs, h.ours, eol);
  }
}

/** The merged text with each chosen hunk replaced; a hunk without a choice keeps its markers. */
export function assemble(p: Parsed, choices: readonly (HunkChoice | undefined)[]): string {
  const eol = lineEnding(p.segments.map((s) => ("text" in s ? s.text : s.hunk.ours + s.hunk.theirs)).join(""));
  let out = "";
  for (const s of p.segments) {
    if ("text" in s) out += s.text;
    else {
      const c = choices[s.hunk.index];
      out += c ? resolveHunk(s.hunk, c, eol) : s.hunk.marked;
    }
  }
  return out;
}

export interface MarkerLine {
  /** 1-based. */
  line: number;
  marker: string;
}

const isMarker = (l: string): boolean =>
  l.startsWith("<<<<<<< ") || l === "<<<<<<<" || l.startsWith(">>>>>>> ") || l === ">>>>>>>" || l === "=======" || l === "=======\r";

/**
 * The conflict markers left in a text, which make the server refuse it:
 * marker lines that none of `versions` (base, ours, theirs) holds, the same
 * test as the server's. A line such as "=======" that is a version's own
 * content (a Markdown heading's underline) is not a leftover.
 */
export function markerLines(text: string, versions: readonly (string | null | undefined)[] = []): MarkerLine[] {
  const own = new Set<string>();
  for (const v of versions) for (const l of v?.split("\n") ?? []) if (isMarker(l)) own.add(l);
  const out: MarkerLine[] = [];
  text.split("\n").forEach((l, i) => {
    if (isMarker(l) && !own.has(l)) out.push({ line: i + 1, marker: l.slice(0, 7) });
  });
  return out;
}

export type FileResolution = "ours" | "theirs" | { edited: string };

/**
 * How a resolved text is sent. "ours" and "theirs" stand for a whole side's
 * file, so they are used only when the text is exactly that side; anything
 * else (per-hunk ours keeps the incoming changes that did not conflict) is
 * sent as the edited text.
 */
export function asResolution(text: string, sides: Sides): FileResolution {
  if (sides.ours != null && text === sides.ours) return "ours";
  if (sides.theirs != null && text === sides.theirs) return "theirs";
  return { edited: text };
}
