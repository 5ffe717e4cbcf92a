// Registers a project folder with the server, so that it can be synced
// to, and the targets (folder layouts) its copies live in. The server
// accepts folders under its --allow-root roots; anything else it refuses
// with a message that says how to register it instead.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../api/client";
import { invalidateArtifacts, keys } from "../api/queries";
import type { ProjectAdded } from "../api/types";
import { Dialog, DoneNotice } from "../ui/Dialog";
import { DEFAULT_TARGET, TARGETS, TARGET_ROOT, type Target } from "./copies";

/** What each layout is for, as the checkbox says it. */
const TARGET_NOTE: Record<Target, string> = {
  claude: "Claude Code: skills, commands and agents",
  agents: "shared by Codex, Gemini CLI, OpenCode and Copilot: skills",
  codex: "Codex: skills",
  gemini: "Gemini CLI: skills",
  opencode: "OpenCode: skills",
  copilot: "GitHub Copilot: skills",
  cursor: "Cursor: skills",
};

export function RegisterProjectDialog({ onClose }: { onClose(): void }) {
  const qc = useQueryClient();
  const [path, setPath] = useState("");
  const [targets, setTargets] = useState<Target[]>([DEFAULT_TARGET]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ path: string; added: boolean; targets: Target[] } | null>(null);

  const toggle = (t: Target) =>
    setTargets((all) => (all.includes(t) ? all.filter((x) => x !== t) : TARGETS.filter((x) => x === t || all.includes(x))));

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<ProjectAdded>("/api/v1/projects", { method: "POST", body: { path: path.trim(), targets } });
      setDone({ path: r.path ?? path.trim(), added: r.added ?? false, targets: r.targets ?? targets });
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
          {done.added ? "Registered" : "Already registered"}: <span className="mono">{done.path}</span>, targets {done.targets.join(", ")}. It can now
          be synced to.
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
          <fieldset aria-describedby="targets-hint">
            <legend>Targets</legend>
            <div className="targets-choice">
              {TARGETS.map((t) => (
                <label key={t} title={TARGET_NOTE[t]}>
                  <input type="checkbox" name="targets" value={t} checked={targets.includes(t)} onChange={() => toggle(t)} />
                  {t} <span className="muted mono">{TARGET_ROOT[t]}/</span>
                </label>
              ))}
            </div>
            <p id="targets-hint" className={targets.length === 0 ? "warn" : "hint"}>
              {targets.length === 0
                ? "Pick at least one target."
                : "Each target is a folder an agent reads; every target gets its own copy of the skills, and only claude holds commands and agents."}
            </p>
          </fieldset>
          <p className="hint">The folder that holds (or will hold) the project&apos;s copies. artisync writes nothing there until you sync.</p>
          {error ? (
            <p role="alert" className="error">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !path.trim() || targets.length === 0}>
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
