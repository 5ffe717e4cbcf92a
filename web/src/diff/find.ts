// Finding things in the rows of a diff: the matches of a search (also in
// the unchanged lines still collapsed, once the file's text is known), the
// row of a linked line, and the pieces a line's text is drawn in when
// changed words and search matches overlap. Pure functions.
import type { DiffFile } from "../api/types";
import { gapEnd, type Row, type Span } from "./rows";

/** Where a match sits: a unified line, the left or right cell of a pair, or a hidden line of a gap row. */
export type Part = "u" | "l" | "r" | "g";

export interface Match {
  row: number;
  part: Part;
  /** For part "g": the hidden line (new side's number). */
  line?: number;
  start: number;
  end: number;
}

/** Matches past this many are not counted: the count says "10,000+". */
export const MAX_MATCHES = 10_000;

function scan(text: string, needle: string, push: (start: number, end: number) => boolean): boolean {
  const hay = text.toLowerCase();
  let at = hay.indexOf(needle);
  while (at >= 0) {
    if (!push(at, at + needle.length)) return false;
    at = hay.indexOf(needle, at + needle.length);
  }
  return true;
}

/**
 * Every case-insensitive occurrence of `query`, in reading order. An
 * unchanged line in the split layout shows the same text on both sides and
 * counts once (on the right).
 */
export function findMatches(rows: readonly Row[], query: string, texts: ReadonlyMap<number, string[]>): Match[] {
  const needle = query.toLowerCase();
  const out: Match[] = [];
  if (!needle) return out;
  const add = (row: number, part: Part, line?: number) => (start: number, end: number) => {
    out.push(line === undefined ? { row, part, start, end } : { row, part, line, start, end });
    return out.length < MAX_MATCHES;
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r) continue;
    let more = true;
    if (r.t === "line") more = scan(r.text, needle, add(i, "u"));
    else if (r.t === "pair") {
      const bothContext = r.left?.kind === "context" && r.right?.kind === "context";
      if (r.left && !bothContext) more = scan(r.left.text, needle, add(i, "l"));
      if (more && r.right) more = scan(r.right.text, needle, add(i, "r"));
    } else if (r.t === "gap") {
      const text = texts.get(r.fileIndex);
      if (!text) continue;
      const end = r.to ?? text.length;
      for (let n = r.from; n <= end && more; n++) more = scan(text[n - 1] ?? "", needle, add(i, "g", n));
    }
    if (!more) break;
  }
  return out;
}

/** The visible matches of each row, with their place in the whole list. */
export function matchesByRow(matches: readonly Match[]): Map<number, (Match & { index: number })[]> {
  const m = new Map<number, (Match & { index: number })[]>();
  matches.forEach((x, index) => {
    if (x.part === "g") return;
    const list = m.get(x.row);
    if (list) list.push({ ...x, index });
    else m.set(x.row, [{ ...x, index }]);
  });
  return m;
}

export interface Piece {
  text: string;
  changed: boolean;
  hit: boolean;
  current: boolean;
}

/**
 * A line's text cut where changed words (`spans`) and search hits begin and
 * end, so both can be marked at once.
 */
export function pieces(text: string, spans: readonly Span[] | undefined, hits: readonly { start: number; end: number; current: boolean }[]): Piece[] {
  const cuts = new Set<number>([0, text.length]);
  const changedAt: [number, number][] = [];
  let pos = 0;
  for (const s of spans ?? []) {
    const len = (s.text ?? "").length;
    if (s.changed) changedAt.push([pos, pos + len]);
    cuts.add(pos);
    pos += len;
    cuts.add(Math.min(pos, text.length));
  }
  for (const h of hits) {
    cuts.add(Math.max(0, Math.min(h.start, text.length)));
    cuts.add(Math.max(0, Math.min(h.end, text.length)));
  }
  const at = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const a = at[i] as number;
    const b = at[i + 1] as number;
    if (b <= a) continue;
    const hit = hits.find((h) => h.start <= a && b <= h.end);
    const p: Piece = {
      text: text.slice(a, b),
      changed: changedAt.some(([s, e]) => s <= a && b <= e),
      hit: !!hit,
      current: !!hit?.current,
    };
    const prev = out[out.length - 1];
    if (prev && prev.changed === p.changed && prev.hit === p.hit && prev.current === p.current) prev.text += p.text;
    else out.push(p);
  }
  return out;
}

export type Side = "old" | "new";

/** A line of one file on one side, as a link names it. */
export interface LineRef {
  path: string;
  side: Side;
  line: number;
}

/** `#file=PATH&side=new&line=N`: the link to one line. */
export function lineHash(ref: LineRef): string {
  const q = new URLSearchParams({ file: ref.path, side: ref.side, line: String(ref.line) });
  return `#${q.toString()}`;
}

/** The line a URL's hash links to, or null when it names none. */
export function parseLineHash(hash: string): LineRef | null {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const path = q.get("file");
  const side = q.get("side") ?? "new";
  const line = Number(q.get("line"));
  if (!path || (side !== "old" && side !== "new") || !Number.isInteger(line) || line < 1) return null;
  return { path, side, line };
}

/** The index of the file a link names: by its path, or its old path for the old side. */
export function fileOf(files: readonly DiffFile[], ref: LineRef): number {
  const i = files.findIndex((f) => f.path === ref.path);
  if (i >= 0 || ref.side === "new") return i;
  return files.findIndex((f) => f.old_path === ref.path);
}

/**
 * Where the line is: a visible row, or a gap row hiding it (to be opened),
 * or null when the diff does not show it.
 */
export function locateLine(
  rows: readonly Row[],
  fileIndex: number,
  side: Side,
  line: number,
  texts: ReadonlyMap<number, string[]>,
): { row: number; hidden: boolean } | null {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r || r.fileIndex !== fileIndex) continue;
    if (r.t === "line" && (side === "old" ? r.old : r.new) === line) return { row: i, hidden: false };
    if (r.t === "pair" && (side === "old" ? r.left?.line : r.right?.line) === line) return { row: i, hidden: false };
    if (r.t === "gap") {
      const n = side === "old" ? line - r.gap.offset : line;
      const end = r.to ?? gapEnd(r.gap, texts.get(fileIndex));
      if (n >= r.from && (end === null || n <= end)) return { row: i, hidden: true };
    }
  }
  return null;
}

/** Whether a row shows `ref`'s line (to mark the linked line). */
export function rowShows(r: Row | undefined, fileIndex: number, side: Side, line: number): "u" | "l" | "r" | null {
  if (!r || r.fileIndex !== fileIndex) return null;
  if (r.t === "line") return (side === "old" ? r.old : r.new) === line ? "u" : null;
  if (r.t === "pair") {
    if (side === "old" && r.left?.line === line) return "l";
    if (side === "new" && r.right?.line === line) return "r";
  }
  return null;
}

/** Whether a file is Markdown, so it has a rendered view. */
export function isMarkdown(path: string | undefined): boolean {
  return /\.(md|markdown)$/i.test(path ?? "");
}
