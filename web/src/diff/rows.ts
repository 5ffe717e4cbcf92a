// Turns the API's diff (files → hunks → lines) into the flat list of
// fixed-height rows the virtualised view renders: a header per file, the
// hunks' lines (unified, or paired left/right for the split view), notes
// for binary and large files, and a "gap" row for every run of unchanged
// lines the API left out. A gap opens 20 lines at a time from either end
// (or all at once); the lines it shows are read from the new side's full
// text. Pure functions: tested without a browser.
import type { DiffFile, DiffHunk, DiffLine } from "../api/types";

/** Unchanged lines the API shows around each change (crates/sync/src/diff.rs). */
export const CONTEXT_LINES = 3;

export type Span = { text?: string | undefined; changed?: boolean | undefined };

export interface Cell {
  line: number;
  kind: "context" | "added" | "removed";
  text: string;
  spans?: Span[] | undefined;
}

export interface Gap {
  /** `${fileIndex}:${gapIndex}` */
  key: string;
  fileIndex: number;
  /** First hidden line on the new side. */
  newStart: number;
  /** Last hidden line on the new side; null when unknown (the end of the file). */
  newEnd: number | null;
  /** old line = new line + offset inside the gap. */
  offset: number;
}

export type Row =
  | { t: "file"; fileIndex: number; file: DiffFile }
  | { t: "note"; fileIndex: number; file: DiffFile; text: string }
  | { t: "hunk"; fileIndex: number; text: string }
  | { t: "line"; fileIndex: number; kind: Cell["kind"]; old?: number | undefined; new?: number | undefined; text: string; spans?: Span[] | undefined }
  | { t: "pair"; fileIndex: number; left?: Cell | undefined; right?: Cell | undefined }
  /** The part of `gap` still hidden: new lines `from`..`to` (null: to the end of the file, length unknown). */
  | { t: "gap"; fileIndex: number; gap: Gap; from: number; to: number | null };

export type Mode = "split" | "unified";

/** Lines shown so far from the top and from the bottom of a gap. */
export interface Reveal {
  top: number;
  bottom: number;
}

/** How many lines one "Show more" opens. */
export const REVEAL_STEP = 20;

/** Shown parts of gaps (by gap key), and the new side's lines of files whose text was loaded. */
export type Expanded = { gaps: ReadonlyMap<string, Reveal>; texts: ReadonlyMap<number, string[]> };

export const NO_EXPANSION: Expanded = { gaps: new Map(), texts: new Map() };

/** A reveal that shows the whole gap. */
export const REVEAL_ALL: Reveal = { top: Number.POSITIVE_INFINITY, bottom: 0 };

/** The gap's last line, once known: its own end, or the end of the file's text. */
export function gapEnd(gap: Gap, text: readonly string[] | undefined): number | null {
  if (gap.newEnd !== null) return gap.newEnd;
  return text ? text.length : null;
}

/** `r` after opening `step` more lines at one end of the hidden part. */
export function revealMore(r: Reveal | undefined, end: "top" | "bottom", step = REVEAL_STEP): Reveal {
  const base = r ?? { top: 0, bottom: 0 };
  return end === "top" ? { ...base, top: base.top + step } : { ...base, bottom: base.bottom + step };
}

function maxOf(lines: DiffLine[], key: "old_line" | "new_line"): number | undefined {
  let m: number | undefined;
  for (const l of lines) {
    const v = l[key];
    if (typeof v === "number" && (m === undefined || v > m)) m = v;
  }
  return m;
}

function minOf(lines: DiffLine[], key: "old_line" | "new_line"): number | undefined {
  let m: number | undefined;
  for (const l of lines) {
    const v = l[key];
    if (typeof v === "number" && (m === undefined || v < m)) m = v;
  }
  return m;
}

/** Whether the unchanged lines around this file's hunks can be shown. */
export function hasGaps(file: DiffFile): boolean {
  return (file.status === "modified" || file.status === "renamed") && !file.binary && !file.too_large && (file.hunks?.length ?? 0) > 0;
}

/** The gaps of one file: before, between and after its hunks. */
export function gapsOf(file: DiffFile, fileIndex: number): { before: (Gap | null)[]; after: Gap | null } {
  const hunks = file.hunks ?? [];
  const before: (Gap | null)[] = [];
  let prevNew = 0;
  let offset = 0;
  hunks.forEach((h, i) => {
    const lines = h.lines ?? [];
    const firstNew = minOf(lines, "new_line") ?? h.new_start ?? prevNew + 1;
    const count = firstNew - prevNew - 1;
    before.push(
      hasGaps(file) && count > 0 ? { key: `${fileIndex}:${i}`, fileIndex, newStart: prevNew + 1, newEnd: firstNew - 1, offset } : null,
    );
    const lastNew = maxOf(lines, "new_line") ?? (h.new_start ?? 1) + (h.new_lines ?? 0) - 1;
    const lastOld = maxOf(lines, "old_line") ?? (h.old_start ?? 1) + (h.old_lines ?? 0) - 1;
    prevNew = lastNew;
    offset = lastOld - lastNew;
  });
  // The API keeps CONTEXT_LINES (3) unchanged lines around a change: fewer
  // after the last change means the file ends there.
  const last = hunks[hunks.length - 1]?.lines ?? [];
  let trailing = 0;
  for (let i = last.length - 1; i >= 0 && last[i]?.kind === "context"; i--) trailing++;
  const after = hasGaps(file) && trailing >= CONTEXT_LINES ? { key: `${fileIndex}:${hunks.length}`, fileIndex, newStart: prevNew + 1, newEnd: null, offset } : null;
  return { before, after };
}

function cell(l: DiffLine, side: "old" | "new"): Cell {
  return {
    line: (side === "old" ? l.old_line : l.new_line) ?? 0,
    kind: l.kind ?? "context",
    text: l.text ?? "",
    spans: l.spans,
  };
}

function hunkRows(h: DiffHunk, fileIndex: number, mode: Mode, out: Row[]): void {
  out.push({ t: "hunk", fileIndex, text: `@@ -${h.old_start ?? 0},${h.old_lines ?? 0} +${h.new_start ?? 0},${h.new_lines ?? 0} @@` });
  const lines = h.lines ?? [];
  if (mode === "unified") {
    for (const l of lines) {
      out.push({ t: "line", fileIndex, kind: l.kind ?? "context", old: l.old_line, new: l.new_line, text: l.text ?? "", spans: l.spans });
    }
    return;
  }
  // Split: a run of removed lines and the run of added lines after it are
  // paired side by side; context lines sit on both sides.
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (!l) break;
    if (l.kind === "context" || l.kind === undefined) {
      out.push({ t: "pair", fileIndex, left: cell(l, "old"), right: cell(l, "new") });
      i++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < lines.length && lines[i]?.kind === "removed") removed.push(lines[i++] as DiffLine);
    while (i < lines.length && lines[i]?.kind === "added") added.push(lines[i++] as DiffLine);
    const n = Math.max(removed.length, added.length);
    for (let k = 0; k < n; k++) {
      const r = removed[k];
      const a = added[k];
      out.push({ t: "pair", fileIndex, left: r ? cell(r, "old") : undefined, right: a ? cell(a, "new") : undefined });
    }
  }
}

function contextRow(fileIndex: number, n: number, offset: number, t: string, mode: Mode): Row {
  const old = n + offset;
  if (mode === "unified") return { t: "line", fileIndex, kind: "context", old, new: n, text: t };
  return { t: "pair", fileIndex, left: { line: old, kind: "context", text: t }, right: { line: n, kind: "context", text: t } };
}

function gapRows(gap: Gap, mode: Mode, expanded: Expanded, out: Row[]): void {
  const text = expanded.texts.get(gap.fileIndex);
  const reveal = expanded.gaps.get(gap.key);
  const end = gapEnd(gap, text);
  if (!text || !reveal || end === null) {
    out.push({ t: "gap", fileIndex: gap.fileIndex, gap, from: gap.newStart, to: end });
    return;
  }
  const total = Math.max(0, Math.min(end, text.length) - gap.newStart + 1);
  const top = Math.min(reveal.top, total);
  const bottom = Math.min(reveal.bottom, total - top);
  const line = (n: number) => out.push(contextRow(gap.fileIndex, n, gap.offset, text[n - 1] ?? "", mode));
  for (let n = gap.newStart; n < gap.newStart + top; n++) line(n);
  if (top + bottom < total) out.push({ t: "gap", fileIndex: gap.fileIndex, gap, from: gap.newStart + top, to: gap.newStart + total - 1 - bottom });
  for (let n = gap.newStart + total - bottom; n < gap.newStart + total; n++) line(n);
}

function sizeNote(file: DiffFile): string {
  const size = (n: number | undefined) => (n === undefined ? "absent" : `${n.toLocaleString("en")} bytes`);
  const what = file.binary ? "Binary file" : "File too large to show";
  return `${what}: ${size(file.old_size)} → ${size(file.new_size)}`;
}

/** Every row of the diff, in order. */
export function buildRows(files: DiffFile[], mode: Mode, expanded: Expanded = NO_EXPANSION): Row[] {
  const out: Row[] = [];
  files.forEach((file, fileIndex) => {
    out.push({ t: "file", fileIndex, file });
    if (file.binary || file.too_large) {
      out.push({ t: "note", fileIndex, file, text: sizeNote(file) });
      return;
    }
    const hunks = file.hunks ?? [];
    if (hunks.length === 0) {
      const mode_ = file.old_path && file.status === "renamed" ? `Renamed from ${file.old_path} without changes` : "No changes to the text";
      out.push({ t: "note", fileIndex, file, text: mode_ });
      return;
    }
    const { before, after } = gapsOf(file, fileIndex);
    hunks.forEach((h, i) => {
      const g = before[i];
      if (g) gapRows(g, mode, expanded, out);
      hunkRows(h, fileIndex, mode, out);
    });
    if (after) gapRows(after, mode, expanded, out);
  });
  return out;
}

/** The widest line on each side, in characters, so rows can share one width. */
export function widestLine(files: DiffFile[]): number {
  let w = 0;
  for (const f of files) for (const h of f.hunks ?? []) for (const l of h.lines ?? []) w = Math.max(w, (l.text ?? "").length);
  return w;
}

/** A file's text as lines, without line endings. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

/** The index of each file's header row. */
export function fileRowIndex(rows: Row[]): Map<number, number> {
  const m = new Map<number, number>();
  rows.forEach((r, i) => {
    if (r.t === "file") m.set(r.fileIndex, i);
  });
  return m;
}
