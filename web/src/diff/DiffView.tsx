// The diff of two versions of an artifact: a file list with status and
// counts, then every file's hunks in one virtualised box, split (side by
// side) or unified, changed words marked. Unchanged regions the API left
// out are collapsed rows that open 20 lines at a time (or all at once) by
// reading the new side's text (`loadText`).
//
// A search box finds text in every row, also in the collapsed lines (a
// match there opens its region when it becomes the current one). Line
// numbers are links (`#file=PATH&side=new&line=N`); opening such a URL
// scrolls to the line and marks it. Markdown files can also be shown
// rendered, side by side (a separate chunk, loaded on first use).
//
// Unified scrolls sideways as a whole. Split gives each side half the box
// and its own sideways scroll (a bar under each pane, or a sideways wheel
// over it), so one very long line on one side never pushes the other side
// out of view.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from "react";
import type { AuditFinding, DiffFile } from "../api/types";
import { AuditMark, findingsByLine } from "./AuditFindings";
import { fileOf, findMatches, isMarkdown, lineHash, locateLine, matchesByRow, parseLineHash, pieces, rowShows, MAX_MATCHES, type LineRef, type Match, type Side } from "./find";
import { buildRows, fileRowIndex, REVEAL_ALL, REVEAL_STEP, revealMore, splitLines, widestLine, type Cell, type Gap, type Mode, type Reveal, type Row, type Span } from "./rows";
import { VirtualRows, type VirtualRowsHandle } from "./VirtualRows";

const RenderedDiff = lazy(() => import("./RenderedDiff"));

export const ROW_HEIGHT = 20;

export type Whitespace = "show" | "ignore";
export type Show = "source" | "rendered";

interface Props {
  files: DiffFile[];
  mode: Mode;
  onModeChange?(mode: Mode): void;
  /** The full text of one side of a file, to expand collapsed regions and render Markdown. */
  loadText?(file: DiffFile, side: Side): Promise<string>;
  /** Height of the scrolling box before it is measured. */
  fallbackHeight?: number;
  /** What each side is (a tier, "now"…), shown over its pane. */
  oldLabel?: string;
  newLabel?: string;
  /** Whether whitespace-only changes are hidden (the server diffs accordingly). */
  whitespace?: Whitespace;
  onWhitespaceChange?(w: Whitespace): void;
  /** Source lines, or Markdown files rendered. */
  show?: Show;
  onShowChange?(s: Show): void;
  /** Audit findings of the change: their lines on the new side get a marker. */
  findings?: readonly AuditFinding[] | undefined;
}

/** The longest line of each side of the split rows, in characters. */
function widestSides(rows: Row[]): { old: number; new: number } {
  let o = 0;
  let n = 0;
  for (const r of rows) {
    if (r.t !== "pair") continue;
    o = Math.max(o, r.left?.text.length ?? 0);
    n = Math.max(n, r.right?.text.length ?? 0);
  }
  return { old: o, new: n };
}

const SIGN = { added: "+", removed: "−", context: " " } as const;
const KIND_WORD = { added: "added", removed: "removed", context: "unchanged" } as const;

type Hit = { start: number; end: number; current: boolean };

function Text({ text, spans, hits }: { text: string; spans?: Span[] | undefined; hits?: Hit[] | undefined }) {
  if ((!spans || spans.length === 0) && (!hits || hits.length === 0)) return <>{text}</>;
  return (
    <>
      {pieces(text, spans, hits ?? []).map((p, i) => {
        const inner = p.changed ? <mark className="w-changed">{p.text}</mark> : p.text;
        if (!p.hit) return <span key={i}>{inner}</span>;
        return (
          <mark key={i} className={p.current ? "search-hit current" : "search-hit"} data-current={p.current ? "true" : undefined}>
            {inner}
          </mark>
        );
      })}
    </>
  );
}

function Downloads({ file }: { file: DiffFile }) {
  const d = file.downloads;
  if (!d || (!d.old && !d.new)) return null;
  return (
    <span className="downloads">
      {d.old ? (
        <a href={d.old} download>
          Download old
        </a>
      ) : null}
      {d.new ? (
        <a href={d.new} download>
          Download new
        </a>
      ) : null}
    </span>
  );
}

function fileTitle(f: DiffFile): string {
  return f.old_path && f.old_path !== f.path ? `${f.old_path} → ${f.path ?? ""}` : (f.path ?? "");
}

/** Visible as "+3 −1"; read out as words. */
function Counts({ file }: { file: DiffFile }) {
  const added = file.added ?? 0;
  const removed = file.removed ?? 0;
  return (
    <span className="counts">
      <span className="c-add">
        <span aria-hidden="true">+{added}</span>
        <span className="sr-only">{added} added lines</span>
      </span>{" "}
      <span className="c-del">
        <span aria-hidden="true">−{removed}</span>
        <span className="sr-only">, {removed} removed lines</span>
      </span>
    </span>
  );
}

/** The +/−/space column, with its meaning for screen readers. */
function Sign({ kind }: { kind: Cell["kind"] }) {
  return (
    <span className="sign">
      <span aria-hidden="true">{SIGN[kind]}</span>
      {kind === "context" ? null : <span className="sr-only">{KIND_WORD[kind]}</span>}
    </span>
  );
}

/** A line number that links to its line. */
function LineNo({ file, side, line }: { file: DiffFile; side: Side; line: number | undefined }) {
  const path = side === "old" ? (file.old_path ?? file.path) : file.path;
  if (!line || !path) return <span className="ln" />;
  return (
    <a className="ln" href={lineHash({ path, side, line })} aria-label={`Line ${line}, ${side} side: link`}>
      {line}
    </a>
  );
}

function SideCell({
  cell,
  side,
  file,
  hits,
  target,
  found,
}: {
  cell: Cell | undefined;
  side: Side;
  file: DiffFile;
  hits?: Hit[] | undefined;
  target: boolean;
  found?: AuditFinding[] | undefined;
}) {
  if (!cell) return <div className={`dcell dcell-${side} dcell-empty`} />;
  return (
    <div className={`dcell dcell-${side} k-${cell.kind}${target ? " line-target" : ""}${found?.length ? " audit-line" : ""}`}>
      <LineNo file={file} side={side} line={cell.line} />
      <Sign kind={cell.kind} />
      <AuditMark found={found} />
      <span className="code">
        <span className="code-in">
          <Text text={cell.text} spans={cell.spans} hits={hits} />
        </span>
      </span>
    </div>
  );
}

function gapButtons(r: Extract<Row, { t: "gap" }>): { label: string; how: "all" | "top" | "bottom" }[] {
  const n = r.to === null ? null : r.to - r.from + 1;
  if (n === null) return [
    { label: `Show ${REVEAL_STEP} more`, how: "top" },
    { label: "Show the rest of the file", how: "all" },
  ];
  if (n <= REVEAL_STEP) return [{ label: `Show ${n} unchanged line${n === 1 ? "" : "s"}`, how: "all" }];
  return [
    { label: `Show ${REVEAL_STEP} more above`, how: "top" },
    { label: `Show ${REVEAL_STEP} more below`, how: "bottom" },
    { label: `Show all ${n.toLocaleString("en")}`, how: "all" },
  ];
}

/** A modified text file without hunks whose mode did not change either: only its whitespace differs. */
function onlyWhitespace(f: DiffFile): boolean {
  // The API sends the modes, though the schema does not name them.
  const m = f as { old_mode?: unknown; new_mode?: unknown };
  return f.status === "modified" && !f.binary && !f.too_large && (f.hunks?.length ?? 0) === 0 && m.old_mode === m.new_mode;
}

export function DiffView({
  files,
  mode,
  onModeChange,
  loadText,
  fallbackHeight,
  oldLabel = "old",
  newLabel = "new",
  whitespace = "show",
  onWhitespaceChange,
  show = "source",
  onShowChange,
  findings,
}: Props) {
  const [gaps, setGaps] = useState<ReadonlyMap<string, Reveal>>(new Map());
  const [texts, setTexts] = useState<ReadonlyMap<number, string[]>>(new Map());
  const [loading, setLoading] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const box = useRef<VirtualRowsHandle>(null);
  const root = useRef<HTMLDivElement>(null);
  const textsRef = useRef(texts);
  textsRef.current = texts;
  // Files whose text could not be read: not asked for again.
  const [failed, setFailed] = useState<ReadonlySet<number>>(new Set());

  const rows = useMemo(() => buildRows(files, mode, { gaps, texts }), [files, mode, gaps, texts]);
  const audit = useMemo(() => findingsByLine(findings), [findings]);
  const headers = useMemo(() => fileRowIndex(rows), [rows]);
  const widest = useMemo(() => widestLine(files), [files]);
  const sides = useMemo(() => widestSides(rows), [rows]);
  const markdown = useMemo(() => files.some((f) => isMarkdown(f.path)), [files]);
  const rendered = show === "rendered" && markdown;
  // Split: each pane is half the box and scrolls sideways on its own.
  const width = mode === "split" ? "100%" : `max(100%, calc(${widest}ch + 16ch))`;
  const [sx, setSx] = useState({ old: 0, new: 0 });
  const oldBar = useRef<HTMLDivElement>(null);
  const newBar = useRef<HTMLDivElement>(null);
  const bars = { old: oldBar, new: newBar };
  const paneStyle = { "--sx-old": `${sx.old}px`, "--sx-new": `${sx.new}px` } as CSSProperties;
  // A sideways wheel (or Shift+wheel) over a pane scrolls that pane.
  const onWheel = (e: React.WheelEvent<HTMLDivElement>) => {
    if (mode !== "split") return;
    const dx = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
    if (dx === 0 || (!e.shiftKey && Math.abs(e.deltaX) <= Math.abs(e.deltaY))) return;
    const box = e.currentTarget.getBoundingClientRect();
    const bar = (e.clientX < box.left + box.width / 2 ? bars.old : bars.new).current;
    if (bar) bar.scrollLeft += dx;
  };

  /** Brings the whole box of rows into the window (the row itself is then scrolled to inside it). */
  const showBox = () => root.current?.querySelector(".diff-rows")?.scrollIntoView?.({ block: "nearest" });

  /**
   * Brings the current match into view sideways: the unified box scrolls
   * itself; a split pane scrolls through its bar.
   */
  const showSideways = useCallback(
    (part: "u" | "l" | "r") => {
      const mark = root.current?.querySelector<HTMLElement>("mark.search-hit.current");
      if (!mark) return;
      if (part === "u") {
        mark.scrollIntoView?.({ block: "nearest", inline: "nearest" });
        return;
      }
      const code = mark.closest(".dcell")?.querySelector<HTMLElement>(".code");
      const bar = (part === "l" ? oldBar : newBar).current;
      if (!code || !bar) return;
      const a = mark.getBoundingClientRect();
      const b = code.getBoundingClientRect();
      if (a.right > b.right) bar.scrollLeft += a.right - b.right + b.width / 3;
      else if (a.left < b.left) bar.scrollLeft -= b.left - a.left + b.width / 3;
    },
    [],
  );

  /** The new side's lines of a file, loaded once. */
  const ensureText = useCallback(
    async (fileIndex: number): Promise<string[] | null> => {
      const known = textsRef.current.get(fileIndex);
      if (known) return known;
      const file = files[fileIndex];
      if (!file || !loadText) return null;
      try {
        const lines = splitLines(await loadText(file, "new"));
        setTexts((m) => (m.has(fileIndex) ? m : new Map(m).set(fileIndex, lines)));
        return lines;
      } catch (e) {
        setFailed((f) => new Set(f).add(fileIndex));
        setLoadError(`Cannot load ${file.path ?? "the file"}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    },
    [files, loadText],
  );

  const open = useCallback(
    async (gap: Gap, how: "all" | "top" | "bottom") => {
      setLoadError(null);
      setLoading(gap.key);
      const text = await ensureText(gap.fileIndex);
      setLoading(null);
      if (!text) return;
      setGaps((m) => {
        const next = how === "all" ? REVEAL_ALL : revealMore(m.get(gap.key), how);
        return new Map(m).set(gap.key, next);
      });
    },
    [ensureText],
  );

  // Search: matches in rows and in collapsed lines; the current one is
  // scrolled to (its region opened) when the query changes or on next/previous.
  const [query, setQuery] = useState("");
  const [cur, setCur] = useState(0);
  const wantScroll = useRef(false);
  const matches = useMemo(() => (rendered ? [] : findMatches(rows, query, texts)), [rows, query, texts, rendered]);
  const byRow = useMemo(() => matchesByRow(matches), [matches]);
  const hiddenMatches = useMemo(() => matches.filter((m) => m.part === "g").length, [matches]);
  const current = matches.length > 0 ? Math.min(cur, matches.length - 1) : -1;

  // The collapsed lines are searched too, once their text is here (for
  // the first 50 files with collapsed lines).
  const unread = useMemo(() => {
    if (!query || !loadText) return [];
    const files = new Set<number>();
    for (const r of rows) if (r.t === "gap" && !texts.has(r.fileIndex) && !failed.has(r.fileIndex)) files.add(r.fileIndex);
    return [...files].slice(0, 50);
  }, [query, loadText, rows, texts, failed]);
  useEffect(() => {
    for (const i of unread) void ensureText(i);
  }, [unread, ensureText]);

  useEffect(() => {
    // Wait for the collapsed lines, so "the first match" is the first in reading order.
    if (!wantScroll.current || current < 0 || unread.length > 0) return;
    const m: Match | undefined = matches[current];
    if (!m) return;
    const r = rows[m.row];
    if (m.part === "g") {
      if (r?.t === "gap" && loading !== r.gap.key) void open(r.gap, "all");
      return;
    }
    const part = m.part;
    wantScroll.current = false;
    showBox();
    box.current?.scrollToRow(m.row, "center");
    // Once the row is drawn, scroll sideways too if the match is past its edge.
    let frame = requestAnimationFrame(() => (frame = requestAnimationFrame(() => showSideways(part))));
    return () => cancelAnimationFrame(frame);
  }, [current, matches, rows, open, loading, unread, showSideways]);

  const step = (by: 1 | -1) => {
    if (matches.length === 0) return;
    wantScroll.current = true;
    setCur((current + by + matches.length) % matches.length);
  };

  // A linked line (`#file=…&side=…&line=…`): scrolled to and marked, its
  // collapsed region opened first when it is hidden.
  const [target, setTarget] = useState<LineRef | null>(() => (typeof window === "undefined" ? null : parseLineHash(window.location.hash)));
  const pendingTarget = useRef<boolean>(target !== null);
  useEffect(() => {
    const onHash = () => {
      const t = parseLineHash(window.location.hash);
      setTarget(t);
      pendingTarget.current = t !== null;
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const targetFile = target ? fileOf(files, target) : -1;
  // A new layout puts the linked line on another row: scroll to it again.
  const lastMode = useRef(mode);
  useEffect(() => {
    if (lastMode.current !== mode) {
      lastMode.current = mode;
      if (target) pendingTarget.current = true;
    }
    if (!pendingTarget.current || !target || targetFile < 0 || rendered) return;
    const at = locateLine(rows, targetFile, target.side, target.line, texts);
    if (!at) {
      pendingTarget.current = false;
      return;
    }
    const r = rows[at.row];
    if (at.hidden) {
      // Without the file's text the line stays hidden: give up rather than ask again.
      if (!loadText || failed.has(targetFile)) pendingTarget.current = false;
      else if (r?.t === "gap" && loading !== r.gap.key) void open(r.gap, "all");
      return;
    }
    showBox();
    pendingTarget.current = false;
    box.current?.scrollToRow(at.row, "center");
  }, [target, targetFile, rows, texts, rendered, open, loading, loadText, failed, mode]);

  const hitsOf = (row: number, part: "u" | "l" | "r") =>
    byRow.get(row)?.filter((m) => m.part === part).map((m) => ({ start: m.start, end: m.end, current: m.index === current }));

  const renderRow = (i: number): ReactNode => {
    const r: Row | undefined = rows[i];
    if (!r) return null;
    const file = files[r.fileIndex] as DiffFile;
    const marked = target && targetFile >= 0 ? rowShows(r, targetFile, target.side, target.line) : null;
    switch (r.t) {
      case "file":
        return (
          <div className="drow dfile" id={`file-${r.fileIndex}`}>
            <span className="path">{fileTitle(r.file)}</span>
            <span className={`fstatus fs-${r.file.status ?? ""}`}>{r.file.status}</span>
            {r.file.binary ? <span className="fstatus">binary</span> : null}
            <Counts file={r.file} />
            <Downloads file={r.file} />
          </div>
        );
      case "note":
        return (
          <div className="drow dnote">
            {whitespace === "ignore" && onlyWhitespace(r.file) ? "Only whitespace changed (ignored)" : r.text} <Downloads file={r.file} />
          </div>
        );
      case "hunk":
        return <div className="drow dhunk">{r.text}</div>;
      case "gap": {
        const busy = loading === r.gap.key;
        const hidden = matches.length > 0 ? matches.filter((m) => m.row === i).length : 0;
        return (
          <div className="drow dgap">
            {busy ? (
              <span className="gap-note">⋯ Loading…</span>
            ) : (
              gapButtons(r).map((b, k) => (
                <button key={b.how} type="button" className="gap-button" onClick={() => void open(r.gap, b.how)} disabled={!loadText}>
                  {k === 0 ? "⋯ " : ""}
                  {b.label}
                </button>
              ))
            )}
            {hidden > 0 ? (
              <span className="gap-hits">
                {hidden} match{hidden === 1 ? "" : "es"} hidden here
              </span>
            ) : null}
          </div>
        );
      }
      case "line": {
        const found = r.new ? audit.get(`${file.path ?? ""}\n${r.new}`) : undefined;
        return (
          <div className={`drow dline k-${r.kind}${marked ? " line-target" : ""}${found?.length ? " audit-line" : ""}`} aria-current={marked ? "location" : undefined}>
            <LineNo file={file} side="old" line={r.old} />
            <LineNo file={file} side="new" line={r.new} />
            <Sign kind={r.kind} />
            <AuditMark found={found} />
            <span className="code">
              <Text text={r.text} spans={r.spans} hits={hitsOf(i, "u")} />
            </span>
          </div>
        );
      }
      case "pair":
        return (
          <div className="drow dpair" aria-current={marked ? "location" : undefined}>
            <SideCell cell={r.left} side="old" file={file} hits={hitsOf(i, "l")} target={marked === "l"} />
            <SideCell
              cell={r.right}
              side="new"
              file={file}
              hits={hitsOf(i, "r")}
              target={marked === "r"}
              found={r.right ? audit.get(`${file.path ?? ""}\n${r.right.line}`) : undefined}
            />
          </div>
        );
    }
  };

  const lineRows = rows.filter((r) => r.t === "line" || r.t === "pair").length;
  const countText = !query
    ? ""
    : matches.length === 0
      ? "No matches"
      : `${(current + 1).toLocaleString("en")} of ${matches.length.toLocaleString("en")}${matches.length >= MAX_MATCHES ? "+" : ""}${
          hiddenMatches > 0 ? ` (${hiddenMatches.toLocaleString("en")} in collapsed lines)` : ""
        }`;

  const jumpToFile = (i: number) => {
    if (rendered) {
      document.getElementById(`md-file-${i}`)?.scrollIntoView({ block: "start" });
      return;
    }
    const row = headers.get(i);
    if (row !== undefined) box.current?.scrollToRow(row);
  };

  return (
    <div className="diff" data-mode={mode} data-show={rendered ? "rendered" : "source"} ref={root}>
      <div className="diff-toolbar">
        {markdown && onShowChange ? (
          <fieldset className="segmented">
            <legend className="sr-only">Show</legend>
            {(["source", "rendered"] as const).map((m) => (
              <label key={m} className={(rendered ? "rendered" : "source") === m ? "on" : ""}>
                <input type="radio" name="diff-show" value={m} checked={(rendered ? "rendered" : "source") === m} onChange={() => onShowChange(m)} />
                {m === "source" ? "Source" : "Rendered"}
              </label>
            ))}
          </fieldset>
        ) : null}
        {rendered ? null : (
          <fieldset className="segmented">
            <legend className="sr-only">Diff layout</legend>
            {(["split", "unified"] as const).map((m) => (
              <label key={m} className={mode === m ? "on" : ""}>
                <input type="radio" name="diff-mode" value={m} checked={mode === m} onChange={() => onModeChange?.(m)} />
                {m === "split" ? "Split" : "Unified"}
              </label>
            ))}
          </fieldset>
        )}
        {onWhitespaceChange ? (
          <label className="check">
            <input type="checkbox" checked={whitespace === "ignore"} onChange={(e) => onWhitespaceChange(e.currentTarget.checked ? "ignore" : "show")} /> Ignore
            whitespace
          </label>
        ) : null}
        {rendered ? null : (
          <div className="diff-search" role="search">
            <label>
              Search in diff{" "}
              <input
                type="search"
                value={query}
                onChange={(e) => {
                  setQuery(e.currentTarget.value);
                  setCur(0);
                  wantScroll.current = true;
                }}
                onKeyDown={(e) => {
                  if (e.key !== "Enter") return;
                  e.preventDefault();
                  step(e.shiftKey ? -1 : 1);
                }}
              />
            </label>
            <button type="button" onClick={() => step(-1)} disabled={matches.length === 0} aria-label="Previous match">
              ↑
            </button>
            <button type="button" onClick={() => step(1)} disabled={matches.length === 0} aria-label="Next match">
              ↓
            </button>
            <output className="muted" aria-live="polite" data-testid="search-count">
              {countText}
            </output>
          </div>
        )}
        <span className="muted" data-testid="diff-size">
          {files.length} file{files.length === 1 ? "" : "s"}, {lineRows.toLocaleString("en")} rows
        </span>
      </div>
      {loadError ? (
        <p role="alert" className="error">
          {loadError}
        </p>
      ) : null}
      <div className="diff-body">
        <nav className="file-list" aria-label="Changed files">
          <ul>
            {files.map((f, i) => (
              <li key={`${f.path ?? ""}:${i}`}>
                <button type="button" onClick={() => jumpToFile(i)}>
                  <span className={`fstatus fs-${f.status ?? ""}`}>{f.status}</span> <span className="path">{fileTitle(f)}</span>{" "}
                  <Counts file={f} />
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {files.length === 0 ? (
          <p className="empty">The two versions are identical.</p>
        ) : rendered ? (
          <Suspense fallback={<p>Loading the rendered view…</p>}>
            <RenderedDiff files={files} {...(loadText ? { loadText } : {})} oldLabel={oldLabel} newLabel={newLabel} />
          </Suspense>
        ) : (
          <div className="diff-panes" style={paneStyle} onWheel={onWheel}>
            {mode === "split" ? (
              <div className="pane-heads">
                <div className="pane-head" data-side="old">
                  − {oldLabel}
                </div>
                <div className="pane-head" data-side="new">
                  + {newLabel}
                </div>
              </div>
            ) : (
              <div className="pane-heads">
                <div className="pane-head">
                  − {oldLabel}, + {newLabel}
                </div>
              </div>
            )}
            <VirtualRows
              ref={box}
              className="diff-rows"
              label={mode === "split" ? `Diff, split: ${oldLabel} on the left, ${newLabel} on the right` : `Diff, unified: ${oldLabel} to ${newLabel}`}
              count={rows.length}
              rowHeight={ROW_HEIGHT}
              renderRow={renderRow}
              width={width}
              {...(fallbackHeight ? { fallbackHeight } : {})}
            />
            {mode === "split" ? (
              <div className="side-bars">
                {(["old", "new"] as const).map((side) => (
                  <div
                    key={side}
                    ref={bars[side]}
                    className="side-bar"
                    data-side={side}
                    tabIndex={0}
                    role="region"
                    aria-label={`Scroll the ${side === "old" ? oldLabel : newLabel} side sideways`}
                    onScroll={(e) => {
                      const left = e.currentTarget.scrollLeft;
                      setSx((v) => (v[side] === left ? v : { ...v, [side]: left }));
                    }}
                  >
                    <div style={{ width: `calc(${sides[side]}ch + 10ch)` }} />
                  </div>
                ))}
              </div>
            ) : null}
          </div>
        )}
      </div>
    </div>
  );
}
