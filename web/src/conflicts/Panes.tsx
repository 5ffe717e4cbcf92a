// The versions of a conflicting file side by side: the base, ours and
// theirs, with the lines each side changed against the base marked by a
// sign and a colour, and words for screen readers.
import { useMemo } from "react";
import { diffLines } from "./lineDiff";
import { splitLines } from "./hunks";

/** Lines shown per pane; the rest is summarised, the file is still resolved whole. */
export const PANE_MAX_LINES = 3000;

export interface PaneLine {
  text: string;
  /** What the sign column says, and the words read instead of it. */
  mark?: { sign: string; words: string; cls: string };
}

function shown(line: string): string {
  return line.replace(/\r?\n$/, "");
}

/**
 * `empty` is said when the side has no file (deleted), `none` when its
 * file, or its part of a hunk, has no lines.
 */
export function LinesPane({ label, lines, empty, none = "(empty)", note }: { label: string; lines: PaneLine[] | null; empty: string; none?: string; note?: string }) {
  const more = lines ? lines.length - PANE_MAX_LINES : 0;
  return (
    <figure className="preview-pane">
      <figcaption>{label}</figcaption>
      {lines === null ? (
        <p className="pane-missing" role="note" aria-label={label}>
          {empty}
        </p>
      ) : (
        <pre tabIndex={0} aria-label={label} className="cpane">
          {lines.length === 0 ? <span className="muted">{none}</span> : null}
          {lines.slice(0, PANE_MAX_LINES).map((l, i) => (
            <span key={i} className={`cl${l.mark ? ` ${l.mark.cls}` : ""}`} data-ln={i + 1} data-sign={l.mark?.sign ?? ""}>
              {l.mark ? <span className="sr-only">{l.mark.words}: </span> : null}
              {shown(l.text)}
              {"\n"}
            </span>
          ))}
          {more > 0 ? <span className="muted">({more} more lines not shown)</span> : null}
        </pre>
      )}
      {note ? <p className="hint">{note}</p> : null}
    </figure>
  );
}

export interface Tiers {
  ours: string;
  theirs: string;
}

/** Base, ours and theirs, each side's changes against the base marked. */
export function ThreeWay({ path, base, ours, theirs, tiers }: { path: string; base: string | null; ours: string | null; theirs: string | null; tiers: Tiers }) {
  const panes = useMemo(() => {
    const b = base === null ? null : splitLines(base);
    const o = ours === null ? null : splitLines(ours);
    const t = theirs === null ? null : splitLines(theirs);
    const dOurs = o ? diffLines(b ?? [], o) : null;
    const dTheirs = t ? diffLines(b ?? [], t) : null;
    const baseLines: PaneLine[] | null = b
      ? b.map((text, i) => {
          const byOurs = dOurs ? dOurs.aChanged[i] : true;
          const byTheirs = dTheirs ? dTheirs.aChanged[i] : true;
          if (!byOurs && !byTheirs) return { text };
          const who = byOurs && byTheirs ? "both sides" : byOurs ? "ours" : "theirs";
          return { text, mark: { sign: byOurs && byTheirs ? "±" : "−", words: `changed by ${who}`, cls: byOurs && byTheirs ? "cl-both" : "cl-del" } };
        })
      : null;
    const side = (lines: string[] | null, d: ReturnType<typeof diffLines> | null): PaneLine[] | null =>
      lines && d ? lines.map((text, i) => (d.bChanged[i] ? { text, mark: { sign: "+", words: "changed", cls: "cl-add" } } : { text })) : null;
    return { baseLines, oursLines: side(o, dOurs), theirsLines: side(t, dTheirs) };
  }, [base, ours, theirs]);
  return (
    <div className="previews previews-3">
      <LinesPane label={`Base (last synced): ${path}`} lines={panes.baseLines} empty="(no base: the file is new on both sides)" />
      <LinesPane label={`Ours (${tiers.ours}): ${path}`} lines={panes.oursLines} empty={`(deleted in ours, the ${tiers.ours})`} />
      <LinesPane label={`Theirs (${tiers.theirs}): ${path}`} lines={panes.theirsLines} empty={`(deleted in theirs, the ${tiers.theirs})`} />
    </div>
  );
}
