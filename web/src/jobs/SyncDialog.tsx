// The Sync action: direction, project (and which of its copies, when it
// has several targets), a strategy per artifact, a dry-run
// preview (the plan the real run will follow), then confirm. A plan that
// discards changes (theirs over local changes, ours over an incoming
// update) needs a second, explicit confirmation and is sent with `yes`; so
// does a plan that brings in an upstream change with high audit findings.
import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { startSync, useJob } from "../api/queries";
import { isFinal, type ArtifactResult, type Strategy, type SyncJobRequest } from "../api/types";
import { AuditFindings } from "../diff/AuditFindings";
import { Dialog } from "../ui/Dialog";
import { DIRECTION_LABEL, basename } from "../ui/format";
import { ResultsTable } from "./JobsPage";
import { useTrackJob } from "./tracker";
import { useProjectTargets } from "../artifacts/selection";
import { DEFAULT_TARGET, TARGET_ROOT, type Target } from "../projects/copies";

/** The directions a sync job takes (project_to_upstream is a patch export). */
type SyncDirection = SyncJobRequest["direction"];
const DIRECTIONS: SyncDirection[] = ["upstream_to_collection", "collection_to_project", "project_to_collection"];

interface Props {
  artifacts: string[];
  projects: string[];
  defaultDirection?: SyncDirection | undefined;
  defaultProject?: string | undefined;
  /** The project copy to sync; without it, every target from the collection and the first towards it. */
  defaultTarget?: Target | undefined;
  onClose(): void;
  onStarted?(jobId: string): void;
}

export function SyncDialog({ artifacts, projects, defaultDirection, defaultProject, defaultTarget, onClose, onStarted }: Props) {
  const [direction, setDirection] = useState<SyncDirection>(defaultDirection ?? (defaultProject ? "collection_to_project" : "upstream_to_collection"));
  const [project, setProject] = useState<string>(defaultProject ?? projects[0] ?? "");
  // "": the server's default (every target from the collection, the first towards it).
  const [target, setTarget] = useState<Target | "">(defaultTarget ?? "");
  const registeredTargets = useProjectTargets();
  const [strategies, setStrategies] = useState<Record<string, Strategy>>(() => Object.fromEntries(artifacts.map((a) => [a, "auto"])));
  const [previewId, setPreviewId] = useState<string | null>(null);
  const [confirmDestructive, setConfirmDestructive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const poll = usePollInterval();
  const preview = useJob(previewId ?? undefined, poll);
  const track = useTrackJob();
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmDestructive) confirmButton.current?.focus();
  }, [confirmDestructive]);

  const needsProject = direction !== "upstream_to_collection";
  const targets = registeredTargets.get(project) ?? (target ? [target] : [DEFAULT_TARGET]);
  // Towards the collection one copy is read: the first target unless another is chosen.
  const chosenTarget: Target | "" = direction === "project_to_collection" ? target || (targets[0] ?? DEFAULT_TARGET) : target;
  const showTargets = needsProject && (targets.length > 1 || (chosenTarget !== "" && chosenTarget !== DEFAULT_TARGET));
  const request = (dryRun: boolean, yes: boolean): SyncJobRequest => {
    const custom = Object.entries(strategies).filter(([, s]) => s !== "auto");
    const common = {
      artifacts,
      dry_run: dryRun,
      ...(custom.length ? { strategies: Object.fromEntries(custom) } : {}),
      ...(yes ? { yes: true } : {}),
    };
    // The API takes project_path exactly for the project directions.
    if (direction === "upstream_to_collection") return { ...common, direction };
    return { ...common, direction, project_path: project, ...(chosenTarget ? { target: chosenTarget } : {}) };
  };
  const reset = () => {
    setPreviewId(null);
    setConfirmDestructive(false);
    setError(null);
  };

  const runPreview = async () => {
    reset();
    setBusy(true);
    try {
      const job = await startSync(request(true, false));
      setPreviewId(job.job_id);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const results = (preview.data?.results ?? []) as ArtifactResult[];
  const previewDone = !!preview.data && isFinal(preview.data.state);
  const destructive = results.filter((r) => r.destructive);
  const withFindings = results.filter((r) => (r.findings?.length ?? 0) > 0);
  // Only a result that brings the change in needs the confirmation.
  const lands = (r: ArtifactResult) => r.outcome === "updated" || r.outcome === "merged" || r.outcome === "conflict";
  const high = results.filter((r) => lands(r) && (r.findings ?? []).some((f) => f.severity === "high"));
  const needsConfirm = destructive.length > 0 || high.length > 0;

  const runSync = async () => {
    if (needsConfirm && !confirmDestructive) {
      setConfirmDestructive(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const job = await startSync(request(false, needsConfirm));
      track({
        id: job.job_id,
        label: `Sync ${artifacts.join(", ")} (${DIRECTION_LABEL[direction]})`,
        artifacts,
        project: needsProject ? project : undefined,
        target: needsProject && chosenTarget ? chosenTarget : undefined,
      });
      onStarted?.(job.job_id);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Sync ${artifacts.length === 1 ? artifacts[0] : `${artifacts.length} artifacts`}`} onClose={onClose} wide>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void runPreview();
        }}
      >
        <label>
          Direction
          <select
            value={direction}
            onChange={(e) => {
              setDirection(e.target.value as SyncDirection);
              reset();
            }}
          >
            {DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {DIRECTION_LABEL[d]}
              </option>
            ))}
          </select>
        </label>
        {needsProject ? (
          <label>
            Project
            <select
              value={project}
              onChange={(e) => {
                setProject(e.target.value);
                setTarget("");
                reset();
              }}
            >
              {projects.map((p) => (
                <option key={p} value={p}>
                  {basename(p)} ({p})
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {showTargets ? (
          <label>
            Target
            <select
              value={chosenTarget}
              onChange={(e) => {
                setTarget(e.target.value as Target | "");
                reset();
              }}
            >
              {direction === "collection_to_project" ? <option value="">every target ({targets.join(", ")})</option> : null}
              {targets.map((t) => (
                <option key={t} value={t}>
                  {t} ({TARGET_ROOT[t]}/)
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <fieldset>
          <legend>Strategy per artifact</legend>
          <p className="hint">
            auto merges against the last synced version; ours keeps the destination; theirs takes the incoming version.
          </p>
          {artifacts.map((a) => (
            <label key={a} className="inline">
              <span className="mono">{a}</span>{" "}
              <select
                aria-label={`Strategy for ${a}`}
                value={strategies[a] ?? "auto"}
                onChange={(e) => {
                  setStrategies((s) => ({ ...s, [a]: e.target.value as Strategy }));
                  reset();
                }}
              >
                <option value="auto">auto</option>
                <option value="ours">ours (keep destination)</option>
                <option value="theirs">theirs (take incoming)</option>
              </select>
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={busy || (needsProject && !project)}>
            Preview (dry run)
          </button>
          <button type="button" className="primary" disabled={busy || !previewDone} onClick={() => void runSync()}>
            {needsConfirm ? "Sync…" : "Sync"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {previewId ? (
        <section aria-label="Dry-run preview" className="preview">
          <h3>Preview {previewDone ? `(${preview.data?.state})` : "(running…)"}</h3>
          {previewDone ? <ResultsTable results={results} project={needsProject ? project : undefined} target={needsProject ? chosenTarget || undefined : undefined} dryRun /> : <p>Planning…</p>}
          {previewDone && withFindings.length > 0 ? (
            <section aria-labelledby="sync-audit-title" className="audit">
              <h4 id="sync-audit-title">Audit findings in the incoming change</h4>
              {withFindings.map((r) => (
                <div key={`${r.id ?? ""}:${r.target ?? ""}`}>
                  <p className="mono">{r.id}</p>
                  <AuditFindings findings={r.findings ?? []} linkLines={false} />
                </div>
              ))}
            </section>
          ) : null}
          {preview.data?.error ? <p className="error">{preview.data.error}</p> : null}
          {previewDone ? <p className="hint">Nothing has been written. Sync runs exactly this plan.</p> : null}
        </section>
      ) : null}
      {confirmDestructive ? (
        <section
          className="confirm-destructive"
          role="alertdialog"
          aria-label={destructive.length > 0 ? "Confirm discarding changes" : "Confirm high audit findings"}
        >
          {destructive.length > 0 ? (
            <>
              <h3>This sync discards changes</h3>
              <ul>
                {destructive.map((r) => (
                  <li key={`${r.id ?? ""}:${r.target ?? ""}`}>{r.destructive}</li>
                ))}
              </ul>
              <p>The previous content is kept and can be restored with Undo.</p>
            </>
          ) : null}
          {high.length > 0 ? (
            <>
              <h3>This sync brings in high audit findings</h3>
              <ul>
                {high.map((r) => (
                  <li key={`${r.id ?? ""}:${r.target ?? ""}`}>
                    {r.id}:{" "}
                    {(r.findings ?? [])
                      .filter((f) => f.severity === "high")
                      .map((f) => `${f.rule} at ${f.line ? `${f.file}:${f.line}` : f.file}`)
                      .join(", ")}
                  </li>
                ))}
              </ul>
              <p>Sync only if you have read these lines and trust them. To accept a finding for everyone, suppress it with artisync audit suppress.</p>
            </>
          ) : null}
          <div className="actions">
            <button ref={confirmButton} type="button" className="danger" disabled={busy} onClick={() => void runSync()}>
              {destructive.length > 0 && high.length > 0
                ? "Yes, discard changes, accept the findings and sync"
                : destructive.length > 0
                  ? "Yes, discard and sync"
                  : "Yes, I reviewed the findings: sync"}
            </button>
            <button type="button" onClick={() => setConfirmDestructive(false)}>
              Go back
            </button>
          </div>
        </section>
      ) : null}
    </Dialog>
  );
}
