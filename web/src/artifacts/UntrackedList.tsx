// Artifacts found in a project copy (its .claude/ folder, or another
// target's) that artisync does not track there (written by hand, or copied in), each with a way to bring it
// into the collection: a project → collection sync of that one artifact,
// previewed like any other.
import { useState } from "react";
import type { StatusReport } from "../api/types";
import { SyncDialog } from "../jobs/SyncDialog";
import { CopyName } from "../projects/CopyName";
import { copyKey, copyLabel, targetOf, type Target } from "../projects/copies";

/** `Untracked` in crates/sync/src/report.rs. */
interface Untracked {
  id: string;
  path: string;
  target: Target;
  hash: string | null;
  in_collection: boolean;
}

function asUntracked(v: unknown): Untracked | null {
  const u = v as Partial<Untracked> | null;
  return u && typeof u.id === "string" && typeof u.path === "string"
    ? { id: u.id, path: u.path, target: targetOf(u.target), hash: u.hash ?? null, in_collection: !!u.in_collection }
    : null;
}

export function UntrackedList({ report }: { report: StatusReport | undefined }) {
  const [importing, setImporting] = useState<Untracked | null>(null);
  const found = (report?.untracked ?? []).map(asUntracked).filter((u): u is Untracked => u !== null);
  if (found.length === 0) return null;
  return (
    <details className="untracked">
      <summary>Untracked in projects ({found.length})</summary>
      <ul className="plain">
        {found.map((u) => (
          <li key={`${copyKey(u.path, u.target)}:${u.id}`} data-untracked={u.id} data-target={u.target}>
            <span className="mono">{u.id}</span> in <CopyName path={u.path} target={u.target} />{" "}
            <button type="button" onClick={() => setImporting(u)} aria-label={`${u.in_collection ? "Merge" : "Import"} ${u.id} from ${copyLabel(u.path, u.target)}`}>
              {u.in_collection ? "Merge into the collection…" : "Import into the collection…"}
            </button>
            {u.in_collection ? <span className="muted"> (the collection has its own {u.id})</span> : null}
          </li>
        ))}
      </ul>
      {importing ? (
        <SyncDialog
          artifacts={[importing.id]}
          projects={[importing.path]}
          defaultDirection="project_to_collection"
          defaultProject={importing.path}
          defaultTarget={importing.target}
          onClose={() => setImporting(null)}
        />
      ) : null}
    </details>
  );
}
