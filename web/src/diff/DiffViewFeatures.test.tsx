// The diff view's reviewing aids in a DOM: opening collapsed lines 20 at a
// time, search with a count and next/previous (also into collapsed lines),
// linked lines, the whitespace switch, and the rendered Markdown view with
// its changed blocks and safe links.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DiffFile, DiffLine } from "../api/types";
import { DiffView } from "./DiffView";
import RenderedDiff from "./RenderedDiff";

// 100 lines; line 60 changed. Lines 1-56 and 64-100 are collapsed.
const NEW = Array.from({ length: 100 }, (_, i) => (i === 59 ? "line 60 now" : i === 29 ? "needle thirty" : i === 89 ? "needle ninety" : `line ${i + 1}`));
const ctx = (n: number): DiffLine => ({ kind: "context", old_line: n, new_line: n, text: NEW[n - 1] ?? "", eol: "lf" });
const file: DiffFile = {
  path: "skills/pdf/SKILL.md",
  status: "modified",
  binary: false,
  too_large: false,
  added: 1,
  removed: 1,
  hunks: [
    {
      old_start: 57,
      old_lines: 7,
      new_start: 57,
      new_lines: 7,
      lines: [
        ctx(57),
        ctx(58),
        ctx(59),
        { kind: "removed", old_line: 60, text: "line 60 needle", eol: "lf" },
        { kind: "added", new_line: 60, text: "line 60 now", eol: "lf" },
        ctx(61),
        ctx(62),
        ctx(63),
      ],
    },
  ],
};
const loadText = () => vi.fn(async () => NEW.join("\n") + "\n");

afterEach(() => {
  window.history.replaceState(null, "", "/");
});

const texts = (c: HTMLElement, sel: string) => Array.from(c.querySelectorAll<HTMLElement>(sel)).map((e) => e.textContent ?? "");

describe("collapsed regions", () => {
  it("open 20 lines above or below, or all", async () => {
    const load = loadText();
    const { container } = render(<DiffView files={[file]} mode="unified" loadText={load} />);
    const first = container.querySelector(".dgap") as HTMLElement;
    expect(texts(first, "button")).toEqual(["⋯ Show 20 more above", "Show 20 more below", "Show all 56"]);
    await act(async () => fireEvent.click(within(first).getByRole("button", { name: /Show 20 more above/ })));
    expect(load).toHaveBeenCalledWith(file, "new");
    let lines = texts(container, ".dline .code");
    expect(lines.slice(0, 20)).toEqual(NEW.slice(0, 20));
    const gap = container.querySelector(".dgap") as HTMLElement;
    expect(texts(gap, "button")).toContain("Show all 36");
    await act(async () => fireEvent.click(within(gap).getByRole("button", { name: /Show 20 more below/ })));
    lines = texts(container, ".dline .code");
    // 20 from the top, then the 20 just above line 57.
    expect(lines.slice(20, 40)).toEqual(NEW.slice(36, 56));
    const rest = container.querySelector(".dgap") as HTMLElement;
    expect(texts(rest, "button")).toEqual(["⋯ Show 16 unchanged lines"]);
  });
});

describe("search", () => {
  it("counts matches, moves with Enter and Shift+Enter, and opens the collapsed region of a match", async () => {
    const load = loadText();
    const { container } = render(<DiffView files={[file]} mode="unified" loadText={load} fallbackHeight={4000} />);
    const box = screen.getByLabelText("Search in diff");
    await act(async () => fireEvent.change(box, { target: { value: "NEEDLE" } }));
    // One visible (the removed line), two in collapsed lines once they are read;
    // the first in reading order is collapsed, so its region opens.
    await waitFor(() => expect(screen.getByTestId("search-count").textContent).toBe("1 of 3 (1 in collapsed lines)"));
    expect(load).toHaveBeenCalled();
    const current = () => container.querySelector("mark.search-hit.current");
    expect(current()?.textContent).toBe("needle");
    expect(current()?.closest(".dline")?.textContent).toContain("needle thirty");
    // The region after the change still hides one, and says so.
    expect(texts(container, ".gap-hits")).toEqual(["1 match hidden here"]);
    await act(async () => fireEvent.keyDown(box, { key: "Enter" }));
    expect(screen.getByTestId("search-count").textContent).toBe("2 of 3 (1 in collapsed lines)");
    expect(current()?.closest(".dline")?.classList.contains("k-removed")).toBe(true);
    await act(async () => fireEvent.keyDown(box, { key: "Enter" }));
    await waitFor(() => expect(screen.getByTestId("search-count").textContent).toBe("3 of 3"));
    expect(current()?.closest(".dline")?.textContent).toContain("needle ninety");
    await act(async () => fireEvent.keyDown(box, { key: "Enter", shiftKey: true }));
    expect(screen.getByTestId("search-count").textContent).toBe("2 of 3");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Previous match" })));
    expect(screen.getByTestId("search-count").textContent).toBe("1 of 3");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Previous match" })));
    expect(screen.getByTestId("search-count").textContent).toBe("3 of 3");
    await act(async () => fireEvent.change(box, { target: { value: "nothing like it" } }));
    expect(screen.getByTestId("search-count").textContent).toBe("No matches");
    expect(screen.getByRole("button", { name: "Next match" })).toBeDisabled();
  });
});

describe("line links", () => {
  it("link each line number and open the linked line, also a collapsed one", async () => {
    window.history.replaceState(null, "", "/x#file=skills%2Fpdf%2FSKILL.md&side=new&line=80");
    const load = loadText();
    const { container } = render(<DiffView files={[file]} mode="split" loadText={load} fallbackHeight={4000} />);
    await waitFor(() => expect(container.querySelector(".dcell.line-target")?.textContent).toContain("line 80"));
    expect(container.querySelector(".dcell.line-target")?.classList.contains("dcell-new")).toBe(true);
    const link = screen.getByRole("link", { name: "Line 60, old side: link" });
    expect(link.getAttribute("href")).toBe("#file=skills%2Fpdf%2FSKILL.md&side=old&line=60");
    // Following a link marks that line instead.
    window.history.replaceState(null, "", "/x" + link.getAttribute("href"));
    await act(async () => window.dispatchEvent(new HashChangeEvent("hashchange")));
    const marked = container.querySelector(".dcell.line-target") as HTMLElement;
    expect(marked.classList.contains("dcell-old")).toBe(true);
    expect(marked.textContent).toContain("line 60 needle");
  });
});

describe("a file that cannot be read", () => {
  it("says so once, and a link into its collapsed lines gives up instead of asking again", async () => {
    window.history.replaceState(null, "", "/x#file=skills%2Fpdf%2FSKILL.md&side=new&line=10");
    const load = vi.fn(async () => {
      throw new Error("gone");
    });
    render(<DiffView files={[file]} mode="unified" loadText={load} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot load skills/pdf/SKILL.md: gone");
    await new Promise((r) => setTimeout(r, 100));
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe("switches", () => {
  it("report whitespace and source/rendered choices, and note whitespace-only files", () => {
    const onWs = vi.fn();
    const onShow = vi.fn();
    const ws: DiffFile = { path: "a.md", status: "modified", binary: false, too_large: false, added: 0, removed: 0, hunks: [] };
    render(<DiffView files={[ws]} mode="split" whitespace="ignore" onWhitespaceChange={onWs} onShowChange={onShow} />);
    const box = screen.getByLabelText("Ignore whitespace");
    expect(box).toBeChecked();
    fireEvent.click(box);
    expect(onWs).toHaveBeenCalledWith("show");
    expect(screen.getByText("Only whitespace changed (ignored)")).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText("Rendered"));
    expect(onShow).toHaveBeenCalledWith("rendered");
  });
});

describe("rendered Markdown", () => {
  const OLD = "---\nname: pdf\ndescription: Extract text\n---\n# PDF\n\nKeep it.\n\n- one\n- two\n";
  const NEWMD =
    "---\nname: pdf\ndescription: Extract text\n---\n# PDF\n\nKeep it.\n\n- one\n- two, changed\n\n<img src=x onerror=alert(1)> [bad](javascript:alert(1)) ![logo](https://tracker.example/p.png)\n\n```python\ndef f():\n    return 1\n```\n";
  const md: DiffFile = {
    path: "SKILL.md",
    status: "modified",
    binary: false,
    too_large: false,
    added: 6,
    removed: 1,
    hunks: [
      {
        old_start: 9,
        old_lines: 2,
        new_start: 9,
        new_lines: 8,
        lines: [
          { kind: "context", old_line: 9, new_line: 9, text: "- one", eol: "lf" },
          { kind: "removed", old_line: 10, text: "- two", eol: "lf" },
          ...["- two, changed", "", "<img …>", "", "```python", "def f():"].map((t, i): DiffLine => ({ kind: "added", new_line: 10 + i, text: t, eol: "lf" })),
        ],
      },
    ],
  };

  it("renders both sides, marks changed blocks and never passes HTML, unsafe links or images through", async () => {
    const load = vi.fn(async (_f: DiffFile, side: "old" | "new") => (side === "old" ? OLD : NEWMD));
    const { container } = render(<RenderedDiff files={[md]} loadText={load} oldLabel="collection" newLabel="project web" />);
    await waitFor(() => expect(container.querySelectorAll(".md-side .md")).toHaveLength(2));
    const [oldSide, newSide] = Array.from(container.querySelectorAll<HTMLElement>(".md-side"));
    expect(oldSide?.textContent).toContain("− collection");
    expect(newSide?.textContent).toContain("+ project web");
    // Front matter as a table, not a paragraph.
    expect(within(newSide as HTMLElement).getByRole("rowheader", { name: "description" }).nextElementSibling?.textContent).toBe("Extract text");
    // Changed list items are marked on each side; unchanged ones are not.
    expect(texts(oldSide as HTMLElement, "[data-changed=removed]")).toEqual(["Changed (removed or edited): two"]);
    expect(texts(newSide as HTMLElement, "li[data-changed=added]")).toEqual(["Changed (added or edited): two, changed"]);
    expect((newSide as HTMLElement).querySelector("h4")?.closest("[data-changed]")).toBeNull();
    // No element from the text, no script link, no image loaded.
    expect(container.querySelector("img")).toBeNull();
    expect(newSide?.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
    expect(within(newSide as HTMLElement).getByText("bad").tagName).toBe("SPAN");
    expect(newSide?.textContent).toContain("[image: logo]");
    expect(within(newSide as HTMLElement).getByRole("link", { name: "(open)" }).getAttribute("href")).toBe("https://tracker.example/p.png");
    // Fenced code is coloured.
    expect(texts(newSide as HTMLElement, ".md-code .tk-kw")).toEqual(["def", "return"]);
  });
});
