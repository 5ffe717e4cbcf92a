// What the audit found in an incoming change: a list of findings (each a
// link to its line in the diff) and the marker a diff line carries. The
// severity is written out, never shown by colour alone.
import type { AuditFinding } from "../api/types";
import { lineHash } from "./find";

/** Findings by `path\nline`, for marking the new side's lines. */
export function findingsByLine(findings: readonly AuditFinding[] | undefined): Map<string, AuditFinding[]> {
  const m = new Map<string, AuditFinding[]>();
  for (const f of findings ?? []) {
    if (!f.line) continue;
    const k = `${f.file}\n${f.line}`;
    m.set(k, [...(m.get(k) ?? []), f]);
  }
  return m;
}

export function findingText(f: AuditFinding): string {
  return `${f.severity} ${f.rule}: ${f.message}`;
}

export function where(f: AuditFinding): string {
  return f.line ? `${f.file}:${f.line}` : f.file;
}

/** The marker of a diff line with findings. */
export function AuditMark({ found }: { found: AuditFinding[] | undefined }) {
  if (!found?.length) return null;
  const label = `Audit finding: ${found.map(findingText).join("; ")}`;
  const high = found.some((f) => f.severity === "high");
  return (
    <span className={`audit-mark${high ? " audit-high" : ""}`} role="img" aria-label={label} title={label}>
      !
    </span>
  );
}

/** Every finding of a change, per file and line; lines link into the diff below. */
export function AuditFindings({ findings, linkLines = true }: { findings: readonly AuditFinding[]; linkLines?: boolean }) {
  if (findings.length === 0) return null;
  return (
    <ul className="audit-findings">
      {findings.map((f, i) => (
        <li key={`${where(f)}:${f.rule}:${i}`} data-severity={f.severity}>
          <span className={`sev sev-${f.severity}`}>{f.severity}</span> <span className="mono">{f.rule}</span>{" "}
          {linkLines && f.line ? (
            <a className="mono" href={lineHash({ path: f.file, side: "new", line: f.line })}>
              {where(f)}
            </a>
          ) : (
            <span className="mono">{where(f)}</span>
          )}
          : {f.message}
          {f.excerpt ? (
            <>
              {" "}
              <code className="audit-excerpt">{f.excerpt}</code>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
