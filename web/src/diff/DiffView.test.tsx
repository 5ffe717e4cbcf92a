// The diff view in a DOM: split and unified layouts, changed words, the
// collapsed unchanged regions expanding from the file's text, and
// virtualisation (a 5,000-line diff renders one window of rows).
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { DiffFile, DiffLine } from "../api/types";
import { DiffView, ROW_HEIGHT } from "./DiffView";
import { buildRows, gapsOf } from "./rows";

// SKILL.md, 14 lines; line 12 changed ("tables" → "all tables"), one line
// added after it. The API shows 3 lines of context, so lines 1-8 are hidden.
const NEW_TEXT = Array.from({ length: 14 }, (_, i) => (i === 11 ? "3. Summarise all tables." : i === 12 ? "4. Note failures." : `line ${i + 1}`)).join("\n") + "\n";

function ctx(o: number, n: number, text: string): DiffLine {
  return { kind: "context", old_line: o, new_line: n, text, eol: "lf" };
}

const skill: DiffFile = {
  path: "SKILL.md",
  status: "modified",
  binary: false,
  too_large: false,
  added: 2,
  removed: 1,
  old_size: 120,
  new_size: 140,
  hunks: [
    {
      old_start: 9,
      old_lines: 6,
      new_start: 9,
      new_lines: 7,
      lines: [
        ctx(9, 9, "line 9"),
        ctx(10, 10, "line 10"),
        ctx(11, 11, "line 11"),
        {
          kind: "removed",
          old_line: 12,
          text: "3. Summarise the tables.",
          eol: "lf",
          spans: [
            { text: "3. Summarise ", changed: false },
            { text: "the", changed: true },
            { text: " tables.", changed: false },
          ],
        },
        {
          kind: "added",
          new_line: 12,
          text: "3. Summarise all tables.",
          eol: "lf",
          spans: [
            { text: "3. Summarise ", changed: false },
            { text: "all", changed: true },
            { text: " tables.", changed: false },
          ],
        },
        { kind: "added", new_line: 13, text: "4. Note failures.", eol: "lf" },
        ctx(13, 14, "line 14"),
      ],
    },
  ],
};

const binary: DiffFile = {
  path: "logo.png",
  status: "modified",
  binary: true,
  too_large: false,
  added: 0,
  removed: 0,
  old_size: 10,
  new_size: 12,
  hunks: [],
  downloads: { old: "/api/v1/artifacts/skill:pdf/file?tier=collection&path=logo.png", new: "/api/v1/artifacts/skill:pdf/file?tier=project&path=logo.png" },
};

const rowsOf = (c: HTMLElement) => Array.from(c.querySelectorAll<HTMLElement>(".vrow"));

describe("DiffView", () => {
  it("renders the unified layout with line numbers, signs and changed words", () => {
    const { container } = render(<DiffView files={[skill]} mode="unified" />);
    const lines = Array.from(container.querySelectorAll<HTMLElement>(".dline"));
    expect(lines).toHaveLength(7);
    const removed = lines.find((l) => l.classList.contains("k-removed"));
    const added = lines.filter((l) => l.classList.contains("k-added"));
    expect(removed?.textContent).toContain("3. Summarise the tables.");
    // The sign shows "−" and reads "removed".
    const sign = (removed as HTMLElement).querySelector(".sign") as HTMLElement;
    expect(sign.querySelector('[aria-hidden="true"]')?.textContent).toBe("−");
    expect(within(sign).getByText("removed").className).toBe("sr-only");
    expect(removed?.querySelector("mark.w-changed")?.textContent).toBe("the");
    expect(added[0]?.querySelector("mark.w-changed")?.textContent).toBe("all");
    // A line added without a partner has no word marks.
    expect(added[1]?.querySelector("mark")).toBeNull();
    // Old and new line numbers: line 14 of the new side was line 13.
    const last = lines[lines.length - 1] as HTMLElement;
    expect(Array.from(last.querySelectorAll(".ln")).map((n) => n.textContent)).toEqual(["13", "14"]);
  });

  it("renders the split layout with removed and added lines side by side", () => {
    const { container } = render(<DiffView files={[skill]} mode="split" />);
    const pairs = Array.from(container.querySelectorAll<HTMLElement>(".dpair"));
    // 4 context + max(1 removed, 2 added) = 6 rows.
    expect(pairs).toHaveLength(6);
    const changed = pairs[3] as HTMLElement;
    const left = changed.querySelector(".dcell-old") as HTMLElement;
    const right = changed.querySelector(".dcell-new") as HTMLElement;
    expect(left.classList.contains("k-removed")).toBe(true);
    expect(right.classList.contains("k-added")).toBe(true);
    expect(left.querySelector("mark")?.textContent).toBe("the");
    expect(right.querySelector("mark")?.textContent).toBe("all");
    // The second added line has nothing opposite it.
    const lone = pairs[4] as HTMLElement;
    expect(lone.querySelector(".dcell-old")?.classList.contains("dcell-empty")).toBe(true);
    expect(lone.querySelector(".dcell-new")?.textContent).toContain("4. Note failures.");
  });

  it("switches layout through the radio group", () => {
    const onMode = vi.fn();
    render(<DiffView files={[skill]} mode="split" onModeChange={onMode} />);
    fireEvent.click(screen.getByLabelText("Unified"));
    expect(onMode).toHaveBeenCalledWith("unified");
  });

  it("collapses unchanged lines and expands them from the new side's text", async () => {
    const loadText = vi.fn(async () => NEW_TEXT);
    const { container } = render(<DiffView files={[skill]} mode="unified" loadText={loadText} />);
    // Lines 1-8 are hidden before the hunk; the hunk ends with one context
    // line, so the file ends there and there is no gap after it.
    const gap = screen.getByRole("button", { name: /Show 8 unchanged lines/ });
    expect(screen.queryByRole("button", { name: /rest of the file/ })).toBeNull();
    expect(container.querySelectorAll(".dline")).toHaveLength(7);
    await act(async () => {
      fireEvent.click(gap);
    });
    expect(loadText).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("button", { name: /unchanged lines/ })).toBeNull();
    const lines = Array.from(container.querySelectorAll<HTMLElement>(".dline"));
    expect(lines).toHaveLength(15);
    expect(lines[0]?.textContent).toContain("line 1");
    expect(Array.from(lines[7]?.querySelectorAll(".ln") ?? []).map((n) => n.textContent)).toEqual(["8", "8"]);
  });

  it("computes gaps between hunks with the old side's offset, and after the last hunk", () => {
    const h = (o: number, n: number, k: number, added = 0) => ({
      old_start: o,
      old_lines: 7,
      new_start: n,
      new_lines: 7 + added,
      lines: [
        ...[0, 1, 2].map((i) => ctx(o + i, n + i, "c")),
        ...Array.from({ length: added }, (_, i) => ({ kind: "added" as const, new_line: n + 3 + i, text: "a" + k, eol: "lf" as const })),
        { kind: "removed" as const, old_line: o + 3, text: "r", eol: "lf" as const },
        { kind: "added" as const, new_line: n + 3 + added, text: "a", eol: "lf" as const },
        ...[4, 5, 6].map((i) => ctx(o + i, n + i + added, "c")),
      ],
    });
    const file: DiffFile = { path: "a.md", status: "modified", binary: false, too_large: false, added: 3, removed: 2, hunks: [h(10, 10, 1, 2), h(40, 42, 2)] };
    const { before, after } = gapsOf(file, 0);
    expect(before[0]).toMatchObject({ newStart: 1, newEnd: 9, offset: 0 });
    // After the first hunk (two lines added) new is ahead of old by 2.
    expect(before[1]).toMatchObject({ newStart: 19, newEnd: 41, offset: -2 });
    expect(after).toMatchObject({ newStart: 49, newEnd: null, offset: -2 });
  });

  it("shows download links for binary files instead of lines", () => {
    render(<DiffView files={[skill, binary]} mode="split" />);
    const links = screen.getAllByRole("link", { name: /Download (old|new)/ });
    expect(links.map((l) => l.getAttribute("href"))).toContain(binary.downloads?.new);
    expect(screen.getByText(/Binary file: 10 bytes → 12 bytes/)).toBeInTheDocument();
  });

  it("renders only a window of a 5,000-line diff and follows scrolling", () => {
    const lines: DiffLine[] = [];
    for (let i = 1; i <= 2500; i++) {
      lines.push({ kind: "removed", old_line: i, text: `old line ${i}`, eol: "lf" });
      lines.push({ kind: "added", new_line: i, text: `new line ${i}`, eol: "lf" });
    }
    const big: DiffFile = {
      path: "big.md",
      status: "modified",
      binary: false,
      too_large: false,
      added: 2500,
      removed: 2500,
      hunks: [{ old_start: 1, old_lines: 2500, new_start: 1, new_lines: 2500, lines }],
    };
    const total = buildRows([big], "unified").length;
    expect(total).toBe(5002); // header + hunk line + 5,000 lines
    const t0 = performance.now();
    const { container } = render(<DiffView files={[big]} mode="unified" fallbackHeight={600} />);
    const ms = performance.now() - t0;
    console.warn(`[measure] 5,000-line unified diff rendered in jsdom in ${ms.toFixed(1)} ms`);
    const rendered = rowsOf(container);
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(100);
    expect(container.textContent).not.toContain("new line 2500");
    // The inner box is as tall as every row, so the scrollbar is right.
    const inner = container.querySelector(".vinner") as HTMLElement;
    expect(inner.style.height).toBe(`${total * ROW_HEIGHT}px`);

    const box = container.querySelector(".vbox") as HTMLElement;
    vi.useFakeTimers({ toFake: ["requestAnimationFrame", "cancelAnimationFrame"] });
    Object.defineProperty(box, "scrollTop", { value: (total - 20) * ROW_HEIGHT, configurable: true });
    fireEvent.scroll(box);
    act(() => {
      vi.advanceTimersToNextFrame();
    });
    vi.useRealTimers();
    expect(container.textContent).toContain("new line 2500");
    expect(container.textContent).not.toContain("old line 1 ");
    const after = rowsOf(container);
    expect(after.length).toBeLessThan(100);
    const idx = after.map((r) => Number(r.dataset.row));
    expect(Math.max(...idx)).toBe(total - 1);

    // Split layout of the same diff pairs 2,500 rows and also stays windowed.
    const split = render(<DiffView files={[big]} mode="split" fallbackHeight={600} />);
    expect(rowsOf(split.container).length).toBeLessThan(100);
    expect(buildRows([big], "split").filter((r) => r.t === "pair")).toHaveLength(2500);
  });
});
