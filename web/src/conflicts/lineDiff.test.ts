import { describe, expect, it } from "vitest";
import { diffLines, MAX_CELLS } from "./lineDiff";

const marks = (d: boolean[]) => d.map((c) => (c ? "x" : ".")).join("");

describe("diffLines", () => {
  it("marks what changed between two versions, and nothing of equal ones", () => {
    const a = ["a\n", "b\n", "c\n", "d\n"];
    const b = ["a\n", "B\n", "c\n", "d\n", "e\n"];
    const d = diffLines(a, b);
    expect(marks(d.aChanged)).toBe(".x..");
    expect(marks(d.bChanged)).toBe(".x..x");
    expect(marks(diffLines(a, a).aChanged)).toBe("....");
  });

  it("finds the common lines in the middle (not only a shared start and end)", () => {
    const d = diffLines(["x\n", "a\n", "b\n", "y\n"], ["a\n", "q\n", "b\n"]);
    expect(marks(d.aChanged)).toBe("x..x");
    expect(marks(d.bChanged)).toBe(".x.");
  });

  it("counts a changed line ending as a change", () => {
    const d = diffLines(["a\r\n", "b"], ["a\n", "b"]);
    expect(marks(d.aChanged)).toBe("x.");
    expect(marks(d.bChanged)).toBe("x.");
  });

  it("handles empty sides", () => {
    expect(marks(diffLines([], ["a\n"]).bChanged)).toBe("x");
    expect(marks(diffLines(["a\n"], []).aChanged)).toBe("x");
  });

  it("marks the differing middle as a whole when it is too large to compare", () => {
    const n = Math.ceil(Math.sqrt(MAX_CELLS)) + 10;
    const a = ["head\n", ...Array.from({ length: n }, (_, i) => `a${i}\n`), "tail\n"];
    const b = ["head\n", ...Array.from({ length: n }, (_, i) => `b${i}\n`), "tail\n"];
    const d = diffLines(a, b);
    expect(d.aChanged[0]).toBe(false);
    expect(d.aChanged[n + 1]).toBe(false);
    expect(d.aChanged.slice(1, n + 1).every(Boolean)).toBe(true);
  });
});
