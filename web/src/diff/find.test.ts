// Search matches (also in collapsed lines), line links, and the pieces a
// line is drawn in when changed words and matches overlap.
import { describe, expect, it } from "vitest";
import type { DiffFile } from "../api/types";
import { fileOf, findMatches, lineHash, locateLine, matchesByRow, parseLineHash, pieces } from "./find";
import { buildRows, type Expanded } from "./rows";

const file: DiffFile = {
  path: "skills/pdf/SKILL.md",
  status: "modified",
  binary: false,
  too_large: false,
  added: 1,
  removed: 1,
  hunks: [
    {
      old_start: 9,
      old_lines: 5,
      new_start: 9,
      new_lines: 5,
      lines: [
        { kind: "context", old_line: 9, new_line: 9, text: "Extract the tables", eol: "lf" },
        { kind: "context", old_line: 10, new_line: 10, text: "keep going", eol: "lf" },
        { kind: "context", old_line: 11, new_line: 11, text: "keep going", eol: "lf" },
        { kind: "removed", old_line: 12, text: "Summarise the TABLES.", eol: "lf" },
        { kind: "added", new_line: 12, text: "Summarise all tables and tables.", eol: "lf" },
      ],
    },
  ],
};
// Lines 1-8 are collapsed; line 3 mentions tables too.
const TEXT = ["---", "name: pdf", "tables come first", "---", "# PDF", "", "Steps", "1. Open", ...Array.from({ length: 4 }, () => "x")];

describe("findMatches", () => {
  it("finds every case-insensitive occurrence, an unchanged split line once", () => {
    const split = buildRows([file], "split");
    const m = findMatches(split, "tables", new Map());
    // Context "Extract the tables" once; "TABLES" on the left; twice on the right.
    expect(m.map((x) => x.part)).toEqual(["r", "l", "r", "r"]);
    expect(m[2]).toMatchObject({ start: 14, end: 20 });
    const unified = buildRows([file], "unified");
    expect(findMatches(unified, "TABLES", new Map()).map((x) => x.part)).toEqual(["u", "u", "u", "u"]);
    expect(findMatches(unified, "", new Map())).toEqual([]);
  });

  it("also finds matches in collapsed lines once the text is known, in reading order", () => {
    const rows = buildRows([file], "unified", { gaps: new Map(), texts: new Map([[0, TEXT]]) });
    const m = findMatches(rows, "tables", new Map([[0, TEXT]]));
    expect(m[0]).toMatchObject({ part: "g", line: 3, start: 0, end: 6 });
    expect(m).toHaveLength(5);
    // Collapsed matches are not drawn in any row.
    const by = matchesByRow(m);
    expect([...by.values()].flat().every((x) => x.part !== "g")).toBe(true);
    expect([...by.values()].flat().map((x) => x.index)).toEqual([1, 2, 3, 4]);
  });
});

describe("pieces", () => {
  it("cuts a line where changed words and matches start and end", () => {
    const spans = [
      { text: "Summarise ", changed: false },
      { text: "all", changed: true },
      { text: " tables.", changed: false },
    ];
    const p = pieces("Summarise all tables.", spans, [
      { start: 8, end: 12, current: true },
      { start: 14, end: 20, current: false },
    ]);
    expect(p.map((x) => [x.text, x.changed, x.hit, x.current])).toEqual([
      ["Summaris", false, false, false],
      ["e ", false, true, true],
      ["al", true, true, true],
      ["l", true, false, false],
      [" ", false, false, false],
      ["tables", false, true, false],
      [".", false, false, false],
    ]);
    expect(p.map((x) => x.text).join("")).toBe("Summarise all tables.");
    expect(pieces("plain", undefined, [])).toEqual([{ text: "plain", changed: false, hit: false, current: false }]);
  });
});

describe("line links", () => {
  it("round-trips a line through the hash, and refuses what names no line", () => {
    const h = lineHash({ path: "skills/pdf/SKILL.md", side: "old", line: 12 });
    expect(h).toBe("#file=skills%2Fpdf%2FSKILL.md&side=old&line=12");
    expect(parseLineHash(h)).toEqual({ path: "skills/pdf/SKILL.md", side: "old", line: 12 });
    expect(parseLineHash("#file=a.md&line=3")).toEqual({ path: "a.md", side: "new", line: 3 });
    for (const bad of ["", "#", "#file=a.md", "#file=a.md&line=0", "#file=a.md&line=2.5", "#file=a.md&line=3&side=left", "#line=3"]) {
      expect(parseLineHash(bad)).toBeNull();
    }
  });

  it("finds a visible line's row, or the gap hiding it (with the old side's offset)", () => {
    const texts = new Map([[0, TEXT]]);
    const e: Expanded = { gaps: new Map(), texts };
    const rows = buildRows([file], "split", e);
    const at = locateLine(rows, 0, "new", 12, texts);
    expect(at?.hidden).toBe(false);
    const r = rows[at?.row ?? -1];
    expect(r?.t === "pair" && r.right?.text).toBe("Summarise all tables and tables.");
    expect(locateLine(rows, 0, "old", 12, texts)?.row).toBe(at?.row);
    const hidden = locateLine(rows, 0, "new", 3, texts);
    expect(hidden?.hidden).toBe(true);
    expect(rows[hidden?.row ?? -1]?.t).toBe("gap");
    expect(locateLine(rows, 0, "new", 500, texts)).toBeNull();
    expect(fileOf([file], { path: "skills/pdf/SKILL.md", side: "new", line: 1 })).toBe(0);
    expect(fileOf([file], { path: "other.md", side: "new", line: 1 })).toBe(-1);
  });
});
