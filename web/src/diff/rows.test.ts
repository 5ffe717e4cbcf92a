// Building rows when a collapsed region opens 20 lines at a time from
// either end, or all at once.
import { describe, expect, it } from "vitest";
import type { DiffFile, DiffLine } from "../api/types";
import { buildRows, gapsOf, REVEAL_ALL, revealMore, type Expanded, type Reveal, type Row } from "./rows";

const ctx = (o: number, n: number): DiffLine => ({ kind: "context", old_line: o, new_line: n, text: `line ${n}`, eol: "lf" });

// 100 lines; line 60 changed on the new side, one line added after it. The
// API keeps 3 lines of context: lines 1-56 and 65-101 are hidden.
const TEXT = Array.from({ length: 101 }, (_, i) => `line ${i + 1}`);
const file: DiffFile = {
  path: "SKILL.md",
  status: "modified",
  binary: false,
  too_large: false,
  added: 2,
  removed: 1,
  hunks: [
    {
      old_start: 57,
      old_lines: 7,
      new_start: 57,
      new_lines: 8,
      lines: [
        ctx(57, 57),
        ctx(58, 58),
        ctx(59, 59),
        { kind: "removed", old_line: 60, text: "old 60", eol: "lf" },
        { kind: "added", new_line: 60, text: "line 60", eol: "lf" },
        { kind: "added", new_line: 61, text: "line 61", eol: "lf" },
        ctx(61, 62),
        ctx(62, 63),
        ctx(63, 64),
      ],
    },
  ],
};

function rows(reveal: Record<string, Reveal>, withText = true): Row[] {
  const e: Expanded = { gaps: new Map(Object.entries(reveal)), texts: withText ? new Map([[0, TEXT]]) : new Map() };
  return buildRows([file], "unified", e);
}

/** The rows as short strings: "g57-44" for a gap, "c12/12" for an unchanged line. */
function shape(rs: Row[]): string[] {
  return rs.flatMap((r) => {
    if (r.t === "gap") return [`g${r.from}-${r.to ?? "?"}`];
    if (r.t === "line" && r.kind === "context") return [`c${r.old ?? ""}/${r.new ?? ""}`];
    return [];
  });
}

describe("collapsed regions", () => {
  it("starts collapsed, the end of the file unknown until its text is read", () => {
    const { before, after } = gapsOf(file, 0);
    expect(before[0]).toMatchObject({ key: "0:0", newStart: 1, newEnd: 56, offset: 0 });
    expect(after).toMatchObject({ key: "0:1", newStart: 65, newEnd: null, offset: -1 });
    expect(shape(rows({}, false)).filter((s) => s.startsWith("g"))).toEqual(["g1-56", "g65-?"]);
    // With the text read, the last gap knows its end.
    expect(shape(rows({})).filter((s) => s.startsWith("g"))).toEqual(["g1-56", "g65-101"]);
  });

  it("opens 20 lines above the gap row, then 20 below, keeping the rest collapsed", () => {
    let r = revealMore(undefined, "top");
    expect(r).toEqual({ top: 20, bottom: 0 });
    let s = shape(rows({ "0:0": r }));
    expect(s.slice(0, 21)).toEqual([...Array.from({ length: 20 }, (_, i) => `c${i + 1}/${i + 1}`), "g21-56"]);
    r = revealMore(r, "bottom");
    s = shape(rows({ "0:0": r }));
    const gap = s.indexOf("g21-36");
    expect(gap).toBe(20);
    // The 20 lines just above the change, then the hunk's own context.
    expect(s.slice(21, 41)).toEqual(Array.from({ length: 20 }, (_, i) => `c${37 + i}/${37 + i}`));
    expect(s[41]).toBe("c57/57");
  });

  it("never shows a line twice when the two ends meet, and drops the gap row", () => {
    const s = shape(rows({ "0:0": { top: 40, bottom: 40 } }));
    const shown = s.filter((x) => x.startsWith("c")).slice(0, 56);
    expect(shown).toEqual(Array.from({ length: 56 }, (_, i) => `c${i + 1}/${i + 1}`));
    expect(s.some((x) => x.startsWith("g1-") || x.startsWith("g21"))).toBe(false);
  });

  it("maps old line numbers with the offset after the change, and opens the rest of the file", () => {
    const s = shape(rows({ "0:1": revealMore(undefined, "top") }));
    const i = s.indexOf("c64/65");
    expect(i).toBeGreaterThan(0);
    expect(s[i + 19]).toBe("c83/84");
    expect(s[i + 20]).toBe("g85-101");
    const all = shape(rows({ "0:1": REVEAL_ALL }));
    expect(all[all.length - 1]).toBe("c100/101");
    expect(all.filter((x) => x.startsWith("g"))).toEqual(["g1-56"]);
  });

  it("keeps a gap collapsed until the file's text is there", () => {
    expect(shape(rows({ "0:0": REVEAL_ALL }, false)).filter((s) => s.startsWith("g"))).toEqual(["g1-56", "g65-?"]);
  });

  it("pairs opened lines on both sides in the split layout", () => {
    const e: Expanded = { gaps: new Map([["0:1", { top: 2, bottom: 0 }]]), texts: new Map([[0, TEXT]]) };
    const pairs = buildRows([file], "split", e).filter((r) => r.t === "pair" && r.left?.line === 64);
    expect(pairs).toHaveLength(1);
    const p = pairs[0] as Extract<Row, { t: "pair" }>;
    expect([p.left?.line, p.right?.line, p.right?.text]).toEqual([64, 65, "line 65"]);
  });
});
