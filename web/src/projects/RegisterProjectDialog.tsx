// Registers a project folder with the server, so that it can be synced
// to. The server accepts folders under its --allow-root roots; anything
// else it refuses with a message that says how to register it instead.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../api/client";
import { invalidateArtifacts, keys } from "../api/queries";
import { Dialog, DoneNotice } from "../ui/Dialog";

export function RegisterProjectDialog({ onClose }: { onClose(): void }) {
  const qc = useQueryClient();
  const [path, setPath] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ path: string; added: boolean } | null>(null);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ path?: string; added?: boolean }>("/api/v1/projects", { method: "POST", body: { path: path.trim() } });
      setDone({ path: r.path ?? path.trim(), added: r.added ?? false });
      void qc.invalidateQueries({ queryKey: keys.projects });
      void invalidateArtifacts(qc);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Register a project" onClose={onClose}>
      {done ? (
        <DoneNotice onClose={onClose}>
          {done.added ? "Registered" : "Already registered"}: <span className="mono">{done.path}</span>. It can now be synced to.
        </DoneNotice>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label>
            Project folder (absolute path)
            <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/you/src/my-app" spellCheck={false} required />
          </label>
          <p className="hint">The folder that holds (or will hold) the project&apos;s .claude folder. artisync writes nothing there until you sync.</p>
          {error ? (
            <p role="alert" className="error">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !path.trim()}>
              Register
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
