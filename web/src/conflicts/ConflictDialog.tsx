// Resolving a staged conflict: each conflicting file with its ours
// (destination) and theirs (incoming) versions, a choice per file, an editor
// for the merged text, and the list of files still unresolved. Text that
// still holds conflict markers is flagged here and refused by the server,
// whose message is shown as is.
import { useMemo, useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import { useConflict, useResolve } from "../api/queries";
import type { ConflictFile, ResolveReport } from "../api/types";
import { Dialog, DoneNotice } from "../ui/Dialog";
import { DIRECTION_LABEL, short, when } from "../ui/format";

type Choice = "ours" | "theirs" | "edited";

const MARKER = /^(<<<<<<<|=======|>>>>>>>)( |$)/m;

export function hasMarkers(text: string): boolean {
  return MARKER.test(text);
}

function Preview({ label, text }: { label: string; text: string | null }) {
  return (
    <figure className="preview-pane">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0} aria-label={label}>
        {text ?? "(deleted on this side)"}
      </pre>
    </figure>
  );
}

function FileChoice({
  file,
  choice,
  edited,
  onChoice,
  onEdit,
}: {
  file: ConflictFile;
  choice: Choice | undefined;
  edited: string;
  onChoice(c: Choice): void;
  onEdit(t: string): void;
}) {
  const name = `choice-${file.path}`;
  return (
    <section className="conflict-file" aria-label={`File ${file.path}`} data-path={file.path}>
      <h3>
        <span className="mono">{file.path}</span> <span className="badge">{file.kind}</span>
      </h3>
      <fieldset className="segmented">
        <legend className="sr-only">Resolution of {file.path}</legend>
        {(
          [
            ["ours", "Keep ours (destination)"],
            ["theirs", "Take theirs (incoming)"],
            ["edited", "Edit the merged text"],
          ] as const
        ).map(([c, label]) => (
          <label key={c} className={choice === c ? "on" : ""}>
            <input type="radio" name={name} value={c} checked={choice === c} onChange={() => onChoice(c)} />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="previews">
        <Preview label={`Ours: ${file.path}`} text={file.ours} />
        <Preview label={`Theirs: ${file.path}`} text={file.theirs} />
      </div>
      {choice === "edited" ? (
        <label className="editor">
          Merged text of {file.path}
          <textarea value={edited} onChange={(e) => onEdit(e.target.value)} rows={Math.min(24, Math.max(8, edited.split("\n").length + 1))} spellCheck={false} />
          {hasMarkers(edited) ? <span className="warn">Still holds conflict markers; the server will refuse it.</span> : null}
        </label>
      ) : null}
    </section>
  );
}

export function ConflictDialog({ artifact, project, onClose }: { artifact: string; project?: string | undefined; onClose(): void }) {
  const { data, error, isLoading } = useConflict(artifact, project);
  const resolve = useResolve();
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [done, setDone] = useState<ResolveReport | null>(null);
  const files = useMemo(() => data?.files ?? [], [data]);

  const unresolved = files.filter((f) => {
    const c = choices[f.path];
    return !c || (c === "edited" && hasMarkers(edits[f.path] ?? f.merged ?? ""));
  });

  const submit = () => {
    const body: Record<string, "ours" | "theirs" | { edited: string }> = {};
    for (const f of files) {
      const c = choices[f.path];
      if (!c) continue;
      body[f.path] = c === "edited" ? { edited: edits[f.path] ?? f.merged ?? "" } : c;
    }
    resolve.mutate({ artifact, ...(project ? { project_path: project } : {}), files: body }, { onSuccess: setDone });
  };

  const serverError = resolve.error;
  return (
    <Dialog title={`Resolve the conflict in ${artifact}`} onClose={onClose} wide>
      {isLoading ? <p>Loading the staged merge…</p> : null}
      {/* Once resolved, the staged merge is gone: its reload's "not found" is no error. */}
      {error && !done ? (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      ) : null}
      {done ? (
        <DoneNotice onClose={onClose}>
          Resolved {artifact}: {(done.files?.length ?? 0) === 1 ? "1 file" : `${done.files?.length ?? 0} files`}, now at <span className="mono">{short(done.hash)}</span>.
        </DoneNotice>
      ) : data ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <p className="hint">
            {DIRECTION_LABEL[data.direction ?? ""] ?? data.direction} · staged {when(data.created_at)}. “Ours” is the destination as it is now, “theirs” the incoming version. Nothing
            is written until you resolve.
          </p>
          <section aria-label="Unresolved files" className="unresolved">
            {unresolved.length === 0 ? (
              <p>Every file has a resolution.</p>
            ) : (
              <>
                <strong>Unresolved ({unresolved.length}):</strong>
                <ul>
                  {unresolved.map((f) => (
                    <li key={f.path} className="mono">
                      {f.path}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          {files.map((f) => (
            <FileChoice
              key={f.path}
              file={f}
              choice={choices[f.path]}
              edited={edits[f.path] ?? f.merged ?? f.ours ?? ""}
              onChoice={(c) => setChoices((s) => ({ ...s, [f.path]: c }))}
              onEdit={(t) => setEdits((s) => ({ ...s, [f.path]: t }))}
            />
          ))}
          {serverError ? (
            <div role="alert" className="error server-refusal">
              <strong>The server refused the resolution{serverError instanceof ApiError ? ` (${serverError.status})` : ""}:</strong>{" "}
              {errorMessage(serverError)}
            </div>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={resolve.isPending}>
              Resolve
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
