// Undo: restores the content before artisync's last write to the
// collection copy or a project copy of this artifact.
import { useState } from "react";
import { errorMessage } from "../api/client";
import { useUndo } from "../api/queries";
import type { UndoReport } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { basename, short } from "../ui/format";

export function UndoDialog({ artifact, projects, onClose }: { artifact: string; projects: string[]; onClose(): void }) {
  const [target, setTarget] = useState<string>(projects[0] ?? "");
  const undo = useUndo();
  const [report, setReport] = useState<UndoReport | null>(null);
  const run = () =>
    undo.mutate(
      { artifact, ...(target ? { project_path: target } : {}) },
      {
        onSuccess: (r) => setReport(r),
      },
    );
  return (
    <Dialog title={`Undo the last write to ${artifact}`} onClose={onClose}>
      {report ? (
        <div role="status" className="ok">
          <p>
            Undone: {report.undone}. Restored <span className="mono">{short(report.restored)}</span>.
          </p>
          <div className="actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
        >
          <label>
            Where
            <select value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">the collection</option>
              {projects.map((p) => (
                <option key={p} value={p}>
                  project {basename(p)} ({p})
                </option>
              ))}
            </select>
          </label>
          <p className="hint">Puts back the exact bytes artisync replaced last, and the record of what was synced.</p>
          {undo.error ? (
            <p role="alert" className="error">
              {errorMessage(undo.error)}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={undo.isPending}>
              Undo
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
