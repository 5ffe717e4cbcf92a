// A small Markdown reader for the rendered view of skills, commands and
// agents: front matter, headings, paragraphs, lists, block quotes, fenced
// code, tables and rules, with emphasis, code, links and images inline.
// It builds plain data (never HTML), each block knowing its source lines so
// the view can mark the blocks a diff changed. What it does not know stays
// text: raw HTML is shown as written, never interpreted.

export interface Src {
  /** First and last source line (1-based, inclusive). */
  start: number;
  end: number;
}

export type Block =
  | ({ t: "front"; entries: [string, string][] | null; raw: string } & Src)
  | ({ t: "heading"; level: number; text: string } & Src)
  | ({ t: "para"; text: string } & Src)
  | ({ t: "code"; lang: string; text: string } & Src)
  | ({ t: "quote"; children: Block[] } & Src)
  | ({ t: "list"; ordered: boolean; first: number; items: Item[] } & Src)
  | ({ t: "table"; head: string[]; align: Align[]; rows: string[][] } & Src)
  | ({ t: "hr" } & Src);

export type Align = "left" | "right" | "center" | null;

export interface Item extends Src {
  /** null: not a task; else whether the box is ticked. */
  task: boolean | null;
  children: Block[];
}

export type Inline =
  | { t: "text"; s: string }
  | { t: "code"; s: string }
  | { t: "em" | "strong" | "del"; c: Inline[] }
  | { t: "link"; href: string | null; c: Inline[] }
  | { t: "img"; alt: string; href: string | null }
  | { t: "br" };

interface L {
  s: string;
  n: number;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const TABLE_DELIM = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

const blank = (s: string) => s.trim() === "";

/** Whether `s` starts a block that ends a paragraph. */
function interrupts(s: string): boolean {
  return FENCE.test(s) || HEADING.test(s) || HR.test(s) || QUOTE.test(s) || /^ {0,3}([-*+]|1[.)])[ \t]+\S/.test(s);
}

/** Splits a table row into its cells (`a | b` or `| a | b |`), keeping `\|` inside a cell. */
export function cells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (c === "|") {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Simple `key: value` front matter as pairs; null when it is more than that (then shown as code). */
export function frontEntries(raw: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const line of raw.split("\n")) {
    if (blank(line) || /^\s*#/.test(line)) continue;
    const m = /^([A-Za-z0-9_.-][A-Za-z0-9_. -]*?)\s*:(?:\s+(.*))?$/.exec(line);
    if (!m) return null;
    let v = (m[2] ?? "").trim();
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1);
    out.push([m[1] ?? "", v]);
  }
  return out;
}

function parseLines(lines: L[], top: boolean): Block[] {
  const out: Block[] = [];
  let i = 0;
  const at = (k: number) => lines[k];
  while (i < lines.length) {
    const cur = at(i) as L;
    const s = cur.s;
    if (blank(s)) {
      i++;
      continue;
    }
    // Front matter: `---` on the file's first line, up to the next `---` or `...`.
    if (top && i === 0 && cur.n === 1 && s.trimEnd() === "---") {
      let j = 1;
      while (j < lines.length && !/^(---|\.\.\.)\s*$/.test((at(j) as L).s)) j++;
      if (j < lines.length) {
        const raw = lines
          .slice(1, j)
          .map((l) => l.s)
          .join("\n");
        out.push({ t: "front", entries: frontEntries(raw), raw, start: cur.n, end: (at(j) as L).n });
        i = j + 1;
        continue;
      }
    }
    const fence = FENCE.exec(s);
    if (fence) {
      const indent = (fence[1] ?? "").length;
      const mark = fence[2] ?? "```";
      const body: string[] = [];
      let j = i + 1;
      const closes = new RegExp(`^ {0,3}${mark[0] === "`" ? "`" : "~"}{${mark.length},}\\s*$`);
      while (j < lines.length && !closes.test((at(j) as L).s)) {
        const t = (at(j) as L).s;
        body.push(t.slice(Math.min(indent, t.length - t.trimStart().length)));
        j++;
      }
      const end = j < lines.length ? (at(j) as L).n : (lines[lines.length - 1] as L).n;
      out.push({ t: "code", lang: (fence[3] ?? "").toLowerCase(), text: body.join("\n"), start: cur.n, end });
      i = j + 1;
      continue;
    }
    const h = HEADING.exec(s);
    if (h) {
      out.push({ t: "heading", level: (h[1] ?? "#").length, text: h[2] ?? "", start: cur.n, end: cur.n });
      i++;
      continue;
    }
    if (HR.test(s)) {
      out.push({ t: "hr", start: cur.n, end: cur.n });
      i++;
      continue;
    }
    if (QUOTE.test(s)) {
      const inner: L[] = [];
      let j = i;
      while (j < lines.length && QUOTE.test((at(j) as L).s)) {
        const l = at(j) as L;
        inner.push({ s: l.s.replace(QUOTE, ""), n: l.n });
        j++;
      }
      out.push({ t: "quote", children: parseLines(inner, false), start: cur.n, end: (at(j - 1) as L).n });
      i = j;
      continue;
    }
    const b = BULLET.exec(s);
    if (b) {
      const list = parseList(lines, i);
      out.push(list.block);
      i = list.next;
      continue;
    }
    const next = at(i + 1);
    if (s.includes("|") && next && TABLE_DELIM.test(next.s) && next.s.includes("-")) {
      const head = cells(s);
      const align: Align[] = cells(next.s).map((c) => {
        const l = c.startsWith(":");
        const r = c.endsWith(":");
        return l && r ? "center" : r ? "right" : l ? "left" : null;
      });
      const rows: string[][] = [];
      let j = i + 2;
      while (j < lines.length && !blank((at(j) as L).s) && (at(j) as L).s.includes("|")) {
        rows.push(cells((at(j) as L).s));
        j++;
      }
      out.push({ t: "table", head, align, rows, start: cur.n, end: (at(j - 1) as L).n });
      i = j;
      continue;
    }
    // A paragraph: up to a blank line or the start of another block. A
    // line of `=` or `-` under it makes it a heading.
    const text: string[] = [s.trim()];
    let j = i + 1;
    let level = 0;
    while (j < lines.length) {
      const t = (at(j) as L).s;
      if (blank(t)) break;
      if (/^ {0,3}=+[ \t]*$/.test(t)) level = 1;
      else if (/^ {0,3}-+[ \t]*$/.test(t)) level = 2;
      if (level) break;
      if (interrupts(t)) break;
      text.push(t.trim());
      j++;
    }
    if (level) {
      out.push({ t: "heading", level, text: text.join(" "), start: cur.n, end: (at(j) as L).n });
      i = j + 1;
      continue;
    }
    out.push({ t: "para", text: text.join("\n"), start: cur.n, end: (at(j - 1) as L).n });
    i = j;
  }
  return out;
}

function parseList(lines: L[], from: number): { block: Block; next: number } {
  const first = BULLET.exec((lines[from] as L).s) as RegExpExecArray;
  const ordered = /\d/.test(first[2] ?? "");
  const kind = (m: RegExpExecArray) => (/\d/.test(m[2] ?? "") ? (m[2] ?? ".").slice(-1) : (m[2] ?? "-"));
  const items: Item[] = [];
  let i = from;
  while (i < lines.length) {
    const l = lines[i] as L;
    const m = BULLET.exec(l.s);
    if (!m || kind(m) !== kind(first)) break;
    const contentIndent = (m[1] ?? "").length + (m[2] ?? "").length + Math.min(Math.max((m[3] ?? "").length, 1), 4);
    const body: L[] = [{ s: l.s.slice(Math.min(contentIndent, l.s.length)), n: l.n }];
    let j = i + 1;
    while (j < lines.length) {
      const t = (lines[j] as L).s;
      const ind = t.length - t.trimStart().length;
      if (blank(t)) {
        // A blank line continues the item only if indented content follows.
        let k = j + 1;
        while (k < lines.length && blank((lines[k] as L).s)) k++;
        const nx = lines[k];
        if (!nx || nx.s.length - nx.s.trimStart().length < contentIndent) break;
        for (; j < k; j++) body.push({ s: "", n: (lines[j] as L).n });
        continue;
      }
      if (ind >= contentIndent) body.push({ s: t.slice(contentIndent), n: (lines[j] as L).n });
      else if (!BULLET.test(t) && !interrupts(t) && !blank(body[body.length - 1]?.s ?? "")) body.push({ s: t.trim(), n: (lines[j] as L).n });
      else break;
      j++;
    }
    let task: boolean | null = null;
    const head = body[0] as L;
    const tm = /^\[([ xX])\][ \t]+/.exec(head.s);
    if (tm) {
      task = tm[1] !== " ";
      body[0] = { s: head.s.slice(tm[0].length), n: head.n };
    }
    items.push({ task, children: parseLines(body, false), start: l.n, end: (lines[j - 1] as L).n });
    i = j;
    // Blank lines between items belong to the list.
    let k = i;
    while (k < lines.length && blank((lines[k] as L).s)) k++;
    const nx = lines[k];
    const nm = nx ? BULLET.exec(nx.s) : null;
    if (nm && kind(nm) === kind(first) && (nm[1] ?? "").length < contentIndent) i = k;
    else break;
  }
  const last = items[items.length - 1] as Item;
  return {
    block: { t: "list", ordered, first: ordered ? parseInt(first[2] ?? "1", 10) : 1, items, start: (lines[from] as L).n, end: last.end },
    next: i,
  };
}

/** The blocks of a Markdown text, each with its source lines. */
export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return parseLines(
    lines.map((s, i) => ({ s: s.replace(/\t/g, "    "), n: i + 1 })),
    true,
  );
}

/**
 * A link target the view may follow: http(s), mailto or relative. Anything
 * else (javascript:, data:, file:, ...) is null and shows as plain text.
 */
export function safeHref(url: string): string | null {
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  const u = Array.from(url.trim())
    .filter((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f)
    .join("");
  if (!u) return null;
  if (/^(https?:\/\/|mailto:)/i.test(u)) return u;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return null;
  // Backslashes turn into slashes in some browsers ("\\evil.example").
  if (u.includes("\\")) return null;
  return u;
}

const PUNCT = /[!-/:-@[-`{-~]/;

/** Finds the `]` closing the `[` at `open`, allowing nested brackets and escapes. */
function closeBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "`") {
      const run = /^`+/.exec(s.slice(i))?.[0] ?? "`";
      const end = s.indexOf(run, i + run.length);
      if (end > 0) i = end + run.length - 1;
    } else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  return -1;
}

/** `(url "title")` after a link's text: the url and where the group ends. */
function destination(s: string, at: number): { url: string; end: number } | null {
  if (s[at] !== "(") return null;
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) {
      let inner = s.slice(at + 1, i).trim();
      const titled = /^(\S+)\s+("[^"]*"|'[^']*'|\([^)]*\))$/.exec(inner);
      if (titled) inner = titled[1] ?? "";
      if (inner.startsWith("<") && inner.endsWith(">")) inner = inner.slice(1, -1);
      return { url: inner, end: i + 1 };
    }
  }
  return null;
}

/** Inline Markdown as data. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ t: "text", s: text });
    text = "";
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    const rest = s.slice(i);
    if (c === "\\" && i + 1 < s.length && PUNCT.test(s[i + 1] as string)) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n") {
      // Two trailing spaces or a backslash make a hard break; else a space.
      if (text.endsWith("  ")) {
        text = text.trimEnd();
        flush();
        out.push({ t: "br" });
      } else text = text.trimEnd() + " ";
      i++;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(rest)?.[0] ?? "`";
      const end = s.indexOf(run, i + run.length);
      if (end > 0 && s[end + run.length] !== "`") {
        flush();
        let code = s.slice(i + run.length, end).replace(/\n/g, " ");
        if (code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
        out.push({ t: "code", s: code });
        i = end + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    if (c === "!" && s[i + 1] === "[") {
      const close = closeBracket(s, i + 1);
      const dest = close > 0 ? destination(s, close + 1) : null;
      if (dest) {
        flush();
        out.push({ t: "img", alt: s.slice(i + 2, close), href: safeHref(dest.url) });
        i = dest.end;
        continue;
      }
    }
    if (c === "[") {
      const close = closeBracket(s, i);
      const dest = close > 0 ? destination(s, close + 1) : null;
      if (dest) {
        flush();
        out.push({ t: "link", href: safeHref(dest.url), c: parseInline(s.slice(i + 1, close)) });
        i = dest.end;
        continue;
      }
    }
    if (c === "<") {
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(rest);
      if (auto) {
        flush();
        const url = auto[1] ?? "";
        out.push({ t: "link", href: safeHref(url), c: [{ t: "text", s: url.replace(/^mailto:/i, "") }] });
        i += auto[0].length;
        continue;
      }
    }
    if (c === "*" || c === "_" || c === "~") {
      const run = /^([*_~])\1*/.exec(rest)?.[0] ?? c;
      const prev = s[i - 1] ?? " ";
      const next = s[i + run.length] ?? " ";
      // `_` inside a word (snake_case) is not emphasis; a delimiter followed
      // by a space opens nothing.
      const opens = !/\s/.test(next) && !(c === "_" && /[\p{L}\p{N}]/u.test(prev));
      const len = c === "~" ? (run.length >= 2 ? 2 : 0) : Math.min(run.length, 2);
      if (opens && len > 0) {
        const delim = c.repeat(len);
        let j = i + len;
        let found = -1;
        while ((j = s.indexOf(delim, j)) > 0) {
          const before = s[j - 1] ?? " ";
          const after = s[j + len] ?? " ";
          const sameRunContinues = after === c && len === 1 && s[j + 1] === c;
          if (!/\s/.test(before) && j > i + len && !(c === "_" && /[\p{L}\p{N}]/u.test(after)) && !sameRunContinues) {
            found = j;
            break;
          }
          j += len;
        }
        if (found > 0) {
          flush();
          const inner = parseInline(s.slice(i + len, found));
          out.push({ t: c === "~" ? "del" : len === 2 ? "strong" : "em", c: inner });
          i = found + len;
          continue;
        }
      }
      text += run;
      i += run.length;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

/** The blocks (list items count as blocks) whose source lines include a changed line. */
export function touches(b: Src, changed: ReadonlySet<number>): boolean {
  for (let n = b.start; n <= b.end; n++) if (changed.has(n)) return true;
  return false;
}
