// Reading the conflicting hunks of a merged text and building the text a
// choice per hunk gives. The merged texts are the merge's real output for
// the given base, ours and theirs.
import { describe, expect, it } from "vitest";
import { asResolution, assemble, markerLines, parseMerged, splitLines, type HunkChoice } from "./hunks";

function hunksOf(merged: string, sides: { base?: string; ours?: string; theirs?: string } = {}) {
  return parseMerged(merged, sides);
}

describe("splitLines", () => {
  it("keeps each line's ending and a last line without one", () => {
    expect(splitLines("a\r\nb\nc")).toEqual(["a\r\n", "b\n", "c"]);
    expect(splitLines("")).toEqual([]);
    expect(splitLines("\n")).toEqual(["\n"]);
  });
});

describe("parseMerged and assemble", () => {
  // base a b c d e; ours changes b and e, theirs b and d (adjacent to e).
  const base = "a\nb\nc\nd\ne\n";
  const ours = "a\nB1\nc\nd\nE1\n";
  const theirs = "a\nB2\nc\nD2\ne\n";
  const merged = "a\n<<<<<<< ours\nB1\n=======\nB2\n>>>>>>> theirs\nc\n<<<<<<< ours\nd\nE1\n=======\nD2\ne\n>>>>>>> theirs\n";

  it("finds each hunk with its sides and the line of its marker", () => {
    const p = hunksOf(merged, { base, ours, theirs });
    expect(p.hunks.map((h) => [h.line, h.ours, h.theirs, h.base])).toEqual([
      [2, "B1\n", "B2\n", null],
      [8, "d\nE1\n", "D2\ne\n", null],
    ]);
    expect(p.segments.map((s) => ("text" in s ? s.text : `#${s.hunk.index}`))).toEqual(["a\n", "#0", "c\n", "#1"]);
  });

  it("builds the text of every combination of choices", () => {
    const p = hunksOf(merged, { base, ours, theirs });
    const cases: [HunkChoice, HunkChoice, string][] = [
      ["ours", "ours", ours],
      ["theirs", "theirs", theirs],
      ["ours", "theirs", "a\nB1\nc\nD2\ne\n"],
      ["ours_theirs", "theirs_ours", "a\nB1\nB2\nc\nD2\ne\nd\nE1\n"],
    ];
    for (const [c0, c1, want] of cases) expect(assemble(p, [c0, c1])).toBe(want);
  });

  it("keeps the markers of a hunk without a choice, and gives back the merged text with none", () => {
    const p = hunksOf(merged);
    expect(assemble(p, [])).toBe(merged);
    expect(assemble(p, ["theirs"])).toBe("a\nB2\nc\n<<<<<<< ours\nd\nE1\n=======\nD2\ne\n>>>>>>> theirs\n");
  });

  it("keeps the changes that did not conflict when every hunk takes ours", () => {
    // Theirs also changed the last line, which merged cleanly.
    const m = "<<<<<<< ours\nx1\n=======\nx2\n>>>>>>> theirs\ny\nZ2\n";
    const p = hunksOf(m, { base: "x\ny\nz\n", ours: "x1\ny\nz\n", theirs: "x2\ny\nZ2\n" });
    const text = assemble(p, ["ours"]);
    expect(text).toBe("x1\ny\nZ2\n");
    // Not the whole of ours: it must go as the edited text.
    expect(asResolution(text, { ours: "x1\ny\nz\n", theirs: "x2\ny\nZ2\n" })).toEqual({ edited: "x1\ny\nZ2\n" });
  });

  it("keeps CRLF lines as CRLF though the markers end in LF", () => {
    const m = "a\r\n<<<<<<< ours\nB1\r\n=======\nB2\r\n>>>>>>> theirs\nc\r\n";
    const p = hunksOf(m, { base: "a\r\nb\r\nc\r\n", ours: "a\r\nB1\r\nc\r\n", theirs: "a\r\nB2\r\nc\r\n" });
    expect(p.hunks).toHaveLength(1);
    expect(assemble(p, ["ours"])).toBe("a\r\nB1\r\nc\r\n");
    expect(assemble(p, ["ours_theirs"])).toBe("a\r\nB1\r\nB2\r\nc\r\n");
  });

  it("keeps a missing final newline on the side that had none", () => {
    // ours ends without a newline, theirs with one: the merge added "\n" after C1.
    const m = "a\nb\n<<<<<<< ours\nC1\n=======\nC2\n>>>>>>> theirs\n";
    const sides = { base: "a\nb\nc\n", ours: "a\nb\nC1", theirs: "a\nb\nC2\n" };
    const p = hunksOf(m, sides);
    expect(p.hunks[0]?.ours).toBe("C1");
    expect(p.hunks[0]?.theirs).toBe("C2\n");
    expect(assemble(p, ["ours"])).toBe(sides.ours);
    expect(asResolution(assemble(p, ["ours"]), sides)).toBe("ours");
    expect(assemble(p, ["theirs"])).toBe(sides.theirs);
    expect(asResolution(assemble(p, ["theirs"]), sides)).toBe("theirs");
    // Both: the incomplete line gets an ending before the next side's lines.
    expect(assemble(p, ["ours_theirs"])).toBe("a\nb\nC1\nC2\n");
    expect(assemble(p, ["theirs_ours"])).toBe("a\nb\nC2\nC1");
  });

  it("keeps a missing final newline when neither side had one", () => {
    const m = "a\n<<<<<<< ours\nb\nC1\n=======\nB\nC2\n>>>>>>> theirs\n";
    const p = hunksOf(m, { base: "a\nb\nc", ours: "a\nb\nC1", theirs: "a\nB\nC2" });
    expect(assemble(p, ["ours"])).toBe("a\nb\nC1");
    expect(assemble(p, ["theirs"])).toBe("a\nB\nC2");
    expect(assemble(p, ["ours_theirs"])).toBe("a\nb\nC1\nB\nC2");
  });

  it("keeps a CRLF file's ending when joining an incomplete last line", () => {
    const m = "a\r\n<<<<<<< ours\nX\n=======\nY\n>>>>>>> theirs\n";
    const p = hunksOf(m, { base: "a\r\nb", ours: "a\r\nX", theirs: "a\r\nY" });
    expect(assemble(p, ["ours_theirs"])).toBe("a\r\nX\r\nY");
  });

  it("reads a side that deleted the hunk's lines as empty", () => {
    const m = "a\n<<<<<<< ours\nb1\n=======\n>>>>>>> theirs\nc\n";
    const p = hunksOf(m, { base: "a\nb\nc\n", ours: "a\nb1\nc\n", theirs: "a\nc\n" });
    expect(p.hunks[0]?.theirs).toBe("");
    expect(assemble(p, ["theirs"])).toBe("a\nc\n");
    expect(assemble(p, ["ours_theirs"])).toBe("a\nb1\nc\n");
  });

  it("reads diff3-style blocks with the base's lines", () => {
    const m = "a\n<<<<<<< ours\nB1\n||||||| original\nb\n=======\nB2\n>>>>>>> theirs\nc\n";
    const p = hunksOf(m, { base: "a\nb\nc\n", ours: "a\nB1\nc\n", theirs: "a\nB2\nc\n" });
    expect(p.hunks[0]).toMatchObject({ ours: "B1\n", base: "b\n", theirs: "B2\n" });
    expect(assemble(p, ["theirs"])).toBe("a\nB2\nc\n");
  });

  it("tells a side's own ======= line from the separator", () => {
    // Ours put a setext underline under B1.
    const m = "a\n<<<<<<< ours\nB1\n=======\n=======\nB2\n>>>>>>> theirs\nc\n";
    const sides = { base: "a\nb\nc\n", ours: "a\nB1\n=======\nc\n", theirs: "a\nB2\nc\n" };
    const p = hunksOf(m, sides);
    expect(p.hunks[0]).toMatchObject({ ours: "B1\n=======\n", theirs: "B2\n" });
    expect(assemble(p, ["ours"])).toBe(sides.ours);
  });

  it("takes marker-like content with other labels, and unmatched markers, as content", () => {
    const doc = "How git marks a conflict:\n<<<<<<< HEAD\nmine\n=======\nyours\n>>>>>>> branch\n";
    expect(hunksOf(doc).hunks).toHaveLength(0);
    expect(assemble(hunksOf(doc), [])).toBe(doc);
    // An opening marker never closed, and one without a separator.
    const open = "a\n<<<<<<< ours\nb\n";
    expect(hunksOf(open).hunks).toHaveLength(0);
    expect(assemble(hunksOf(open), [])).toBe(open);
    const noSep = "<<<<<<< ours\nb\n>>>>>>> theirs\n";
    expect(hunksOf(noSep).hunks).toHaveLength(0);
    // A hunk at the very start and one at the very end, nothing between.
    const edge = "<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n<<<<<<< ours\np\n=======\nq\n>>>>>>> theirs\n";
    expect(assemble(hunksOf(edge), ["theirs", "ours"])).toBe("y\np\n");
  });

  it("reads a merged text without any hunk (an add on both sides that merged cleanly)", () => {
    const p = hunksOf("x\ny\n");
    expect(p.hunks).toHaveLength(0);
    expect(assemble(p, [])).toBe("x\ny\n");
  });
});

describe("markerLines", () => {
  it("lists the lines the server refuses, as it tests them", () => {
    const t = "ok\n<<<<<<< ours\nx\n=======\r\ny\n>>>>>>> theirs\n<<<<<<<\n>>>>>>>\n=======\n";
    expect(markerLines(t)).toEqual([
      { line: 2, marker: "<<<<<<<" },
      { line: 4, marker: "=======" },
      { line: 6, marker: ">>>>>>>" },
      { line: 7, marker: "<<<<<<<" },
      { line: 8, marker: ">>>>>>>" },
      { line: 9, marker: "=======" },
    ]);
  });

  it("leaves marker-like lines that a version holds as its own content", () => {
    const base = "Title\n=======\nold\n";
    expect(markerLines("Title\n=======\nnew\n", [base, null, undefined])).toEqual([]);
    expect(markerLines("Title\n=======\n>>>>>>> theirs\n", [base])).toEqual([{ line: 3, marker: ">>>>>>>" }]);
  });

  it("leaves lines that only look alike", () => {
    expect(markerLines("<<<<<<<<\n========\n >>>>>>> x\n<<<<<<<x\n|||||||\n")).toEqual([]);
  });
});

describe("asResolution", () => {
  it("sends a whole side only when the text is exactly that side", () => {
    const sides = { ours: "a\n", theirs: "b\n" };
    expect(asResolution("a\n", sides)).toBe("ours");
    expect(asResolution("b\n", sides)).toBe("theirs");
    expect(asResolution("a", sides)).toEqual({ edited: "a" });
    expect(asResolution("a\n", { ours: null, theirs: "b\n" })).toEqual({ edited: "a\n" });
  });
});
