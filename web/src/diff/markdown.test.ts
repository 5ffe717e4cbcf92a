// The Markdown reader: blocks with their source lines, inline parts, and
// links that can only go to safe places.
import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref, touches, type Block } from "./markdown";

const SKILL = `---
name: pdf
description: "Extract text from PDF files"
---
# PDF

Run \`scripts/extract.sh FILE\` on *each* file,
then **check** it.

## Steps
1. Check the file opens.
2. Extract the text.
   - keep tables
3. Summarise the tables.

> A note
> on two lines.

\`\`\`bash
pdftotext "$1" - # convert
\`\`\`

| tool | use |
|:-----|----:|
| pdftotext | text |
`;

const kinds = (bs: Block[]) => bs.map((b) => `${b.t}:${b.start}-${b.end}`);

describe("parseMarkdown", () => {
  it("reads a skill into blocks that know their source lines", () => {
    const bs = parseMarkdown(SKILL);
    expect(kinds(bs)).toEqual(["front:1-4", "heading:5-5", "para:7-8", "heading:10-10", "list:11-14", "quote:16-17", "code:19-21", "table:23-25"]);
    const front = bs[0] as Extract<Block, { t: "front" }>;
    expect(front.entries).toEqual([
      ["name", "pdf"],
      ["description", "Extract text from PDF files"],
    ]);
    const list = bs[4] as Extract<Block, { t: "list" }>;
    expect(list.ordered).toBe(true);
    expect(list.items.map((i) => [i.start, i.end])).toEqual([
      [11, 11],
      [12, 13],
      [14, 14],
    ]);
    // The nested list lives inside the second item.
    expect(list.items[1]?.children.map((c) => c.t)).toEqual(["para", "list"]);
    const code = bs[6] as Extract<Block, { t: "code" }>;
    expect([code.lang, code.text]).toEqual(["bash", 'pdftotext "$1" - # convert']);
    const table = bs[7] as Extract<Block, { t: "table" }>;
    expect(table.head).toEqual(["tool", "use"]);
    expect(table.align).toEqual(["left", "right"]);
    expect(table.rows).toEqual([["pdftotext", "text"]]);
  });

  it("shows front matter it cannot read as pairs as code, and keeps raw HTML as text", () => {
    const bs = parseMarkdown("---\nlist:\n  - a\n---\n<script>alert(1)</script>\n");
    const front = bs[0] as Extract<Block, { t: "front" }>;
    expect(front.entries).toBeNull();
    expect(front.raw).toBe("list:\n  - a");
    expect(bs[1]).toMatchObject({ t: "para", text: "<script>alert(1)</script>" });
  });

  it("marks the blocks a changed line falls in", () => {
    const bs = parseMarkdown(SKILL);
    const changed = new Set([8]);
    expect(bs.filter((b) => touches(b, changed)).map((b) => b.t)).toEqual(["para"]);
  });

  it("reads an unclosed fence to the end and a setext heading", () => {
    expect(kinds(parseMarkdown("Title\n=====\n\n```\ncode"))).toEqual(["heading:1-2", "code:4-5"]);
  });
});

describe("parseInline", () => {
  it("reads emphasis, code, links and images", () => {
    expect(parseInline("a *b* **c** `d*e*` ~~f~~")).toEqual([
      { t: "text", s: "a " },
      { t: "em", c: [{ t: "text", s: "b" }] },
      { t: "text", s: " " },
      { t: "strong", c: [{ t: "text", s: "c" }] },
      { t: "text", s: " " },
      { t: "code", s: "d*e*" },
      { t: "text", s: " " },
      { t: "del", c: [{ t: "text", s: "f" }] },
    ]);
    expect(parseInline("[docs](https://example.com/a_(b)) ![logo](https://x.example/l.png)")).toEqual([
      { t: "link", href: "https://example.com/a_(b)", c: [{ t: "text", s: "docs" }] },
      { t: "text", s: " " },
      { t: "img", alt: "logo", href: "https://x.example/l.png" },
    ]);
    // Underscores inside words are not emphasis.
    expect(parseInline("snake_case_name")).toEqual([{ t: "text", s: "snake_case_name" }]);
    expect(parseInline("\\*not em\\*")).toEqual([{ t: "text", s: "*not em*" }]);
  });

  it("turns unsafe link targets into plain text", () => {
    for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", " data:text/html,x", "file:///etc/passwd", "vbscript:x", "\\\\evil.example"]) {
      expect(safeHref(bad), bad).toBeNull();
      const [link] = parseInline(`[x](${bad.trim()})`);
      if (link?.t === "link") expect(link.href, bad).toBeNull();
    }
    for (const ok of ["https://example.com", "http://a.b/c?d#e", "mailto:me@example.com", "scripts/extract.sh", "#steps", "../README.md"]) {
      expect(safeHref(ok), ok).toBe(ok);
    }
  });
});
