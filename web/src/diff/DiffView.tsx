// The diff of two versions of an artifact: a file list with status and
// counts, then every file's hunks in one virtualised box, split (side by
// side) or unified, changed words marked. Unchanged regions the API left
// out are collapsed rows that expand by reading the new side's text
// (`loadText`).
//
// Unified scrolls sideways as a whole. Split gives each side half the box
// and its own sideways scroll (a bar under each pane, or a sideways wheel
// over it), so one very long line on one side never pushes the other side
// out of view.
import { useMemo, useRef, useState, type CSSProperties, type ReactNode } from "react";
import type { DiffFile } from "../api/types";
import { buildRows, fileRowIndex, splitLines, widestLine, type Cell, type Gap, type Mode, type Row, type Span } from "./rows";
import { VirtualRows, type VirtualRowsHandle } from "./VirtualRows";

export const ROW_HEIGHT = 20;

interface Props {
  files: DiffFile[];
  mode: Mode;
  onModeChange?(mode: Mode): void;
  /** The full text of a file's new side, to expand collapsed regions. */
  loadText?(file: DiffFile): Promise<string>;
  /** Height of the scrolling box before it is measured. */
  fallbackHeight?: number;
  /** What each side is (a tier, "now"…), shown over its pane. */
  oldLabel?: string;
  newLabel?: string;
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

function Text({ text, spans }: { text: string; spans?: Span[] | undefined }) {
  if (!spans || spans.length === 0) return <>{text}</>;
  return (
    <>
      {spans.map((s, i) =>
        s.changed ? (
          <mark key={i} className="w-changed">
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
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

function SideCell({ cell, side }: { cell: Cell | undefined; side: "old" | "new" }) {
  if (!cell) return <div className={`dcell dcell-${side} dcell-empty`} />;
  return (
    <div className={`dcell dcell-${side} k-${cell.kind}`}>
      <span className="ln">{cell.line || ""}</span>
      <Sign kind={cell.kind} />
      <span className="code">
        <span className="code-in">
          <Text text={cell.text} spans={cell.spans} />
        </span>
      </span>
    </div>
  );
}

export function DiffView({ files, mode, onModeChange, loadText, fallbackHeight, oldLabel = "old", newLabel = "new" }: Props) {
  const [gaps, setGaps] = useState<ReadonlySet<string>>(new Set());
  const [texts, setTexts] = useState<ReadonlyMap<number, string[]>>(new Map());
  const [loading, setLoading] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const box = useRef<VirtualRowsHandle>(null);

  const rows = useMemo(() => buildRows(files, mode, { gaps, texts }), [files, mode, gaps, texts]);
  const headers = useMemo(() => fileRowIndex(rows), [rows]);
  const widest = useMemo(() => widestLine(files), [files]);
  const sides = useMemo(() => widestSides(rows), [rows]);
  // Split: each pane is half the box and scrolls sideways on its own.
  const width = mode === "split" ? "100%" : `max(100%, calc(${widest}ch + 16ch))`;
  const [sx, setSx] = useState({ old: 0, new: 0 });
  const bars = { old: useRef<HTMLDivElement>(null), new: useRef<HTMLDivElement>(null) };
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

  const expand = async (gap: Gap) => {
    const file = files[gap.fileIndex];
    if (!file) return;
    setLoadError(null);
    if (!texts.has(gap.fileIndex)) {
      if (!loadText) return;
      setLoading(gap.key);
      try {
        const text = await loadText(file);
        setTexts((m) => new Map(m).set(gap.fileIndex, splitLines(text)));
      } catch (e) {
        setLoadError(`Cannot load ${file.path ?? "the file"}: ${e instanceof Error ? e.message : String(e)}`);
        setLoading(null);
        return;
      }
      setLoading(null);
    }
    setGaps((s) => new Set(s).add(gap.key));
  };

  const renderRow = (i: number): ReactNode => {
    const r: Row | undefined = rows[i];
    if (!r) return null;
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
            {r.text} <Downloads file={r.file} />
          </div>
        );
      case "hunk":
        return <div className="drow dhunk">{r.text}</div>;
      case "gap": {
        const n = r.gap.newEnd === null ? null : r.gap.newEnd - r.gap.newStart + 1;
        const label = n === null ? "Show the rest of the file" : `Show ${n} unchanged line${n === 1 ? "" : "s"}`;
        return (
          <div className="drow dgap">
            <button type="button" className="gap-button" onClick={() => void expand(r.gap)} disabled={loading === r.gap.key || !loadText}>
              ⋯ {loading === r.gap.key ? "Loading…" : label}
            </button>
          </div>
        );
      }
      case "line":
        return (
          <div className={`drow dline k-${r.kind}`}>
            <span className="ln">{r.old ?? ""}</span>
            <span className="ln">{r.new ?? ""}</span>
            <Sign kind={r.kind} />
            <span className="code">
              <Text text={r.text} spans={r.spans} />
            </span>
          </div>
        );
      case "pair":
        return (
          <div className="drow dpair">
            <SideCell cell={r.left} side="old" />
            <SideCell cell={r.right} side="new" />
          </div>
        );
    }
  };

  const lineRows = rows.filter((r) => r.t === "line" || r.t === "pair").length;

  return (
    <div className="diff" data-mode={mode}>
      <div className="diff-toolbar">
        <fieldset className="segmented">
          <legend className="sr-only">Diff layout</legend>
          {(["split", "unified"] as const).map((m) => (
            <label key={m} className={mode === m ? "on" : ""}>
              <input type="radio" name="diff-mode" value={m} checked={mode === m} onChange={() => onModeChange?.(m)} />
              {m === "split" ? "Split" : "Unified"}
            </label>
          ))}
        </fieldset>
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
                <button
                  type="button"
                  onClick={() => {
                    const row = headers.get(i);
                    if (row !== undefined) box.current?.scrollToRow(row);
                  }}
                >
                  <span className={`fstatus fs-${f.status ?? ""}`}>{f.status}</span> <span className="path">{fileTitle(f)}</span>{" "}
                  <Counts file={f} />
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {files.length === 0 ? (
          <p className="empty">The two versions are identical.</p>
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
