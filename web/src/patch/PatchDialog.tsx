// Patch export (project → upstream): builds a bundle of the project's
// changes against the upstream commit last synced; nothing is pushed. The
// result is a download link, and a link to propose the change when the
// upstream is on GitHub.
import { useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { startPatch, useJob } from "../api/queries";
import { isFinal, type NothingToExport, type PatchReport } from "../api/types";
import { Link } from "../router";
import { Dialog } from "../ui/Dialog";
import { basename } from "../ui/format";
import { PatchLinks } from "../jobs/JobsPage";
import { useTrackJob } from "../jobs/tracker";
import { useProjectTargets } from "../artifacts/selection";
import { DEFAULT_TARGET, TARGET_ROOT, type Target } from "../projects/copies";

interface Props {
  artifact: string;
  projects: string[];
  defaultProject?: string | undefined;
  /** The copy to export from, when the project has several targets; its first otherwise. */
  defaultTarget?: Target | undefined;
  onClose(): void;
}

export function PatchDialog({ artifact, projects, defaultProject, defaultTarget, onClose }: Props) {
  const [project, setProject] = useState(defaultProject ?? projects[0] ?? "");
  const registeredTargets = useProjectTargets();
  const targets = registeredTargets.get(project) ?? [defaultTarget ?? DEFAULT_TARGET];
  const [chosenTarget, setTarget] = useState<Target | "">(defaultProject && project === defaultProject ? (defaultTarget ?? "") : "");
  const target: Target = chosenTarget && targets.includes(chosenTarget) ? chosenTarget : (targets[0] ?? DEFAULT_TARGET);
  const [format, setFormat] = useState<"zip" | "tar.gz" | "mbox">("zip");
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const poll = usePollInterval();
  const job = useJob(jobId ?? undefined, poll);
  const track = useTrackJob();
  const done = !!job.data && isFinal(job.data.state);

  const start = async () => {
    setError(null);
    setJobId(null);
    try {
      const j = await startPatch({ artifact, project_path: project, target, format });
      setJobId(j.job_id);
      track({ id: j.job_id, label: `Patch of ${artifact}`, artifacts: [artifact], project, target, quiet: true });
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog title={`Export a patch of ${artifact}`} onClose={onClose}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          From project
          <select
            value={project}
            onChange={(e) => {
              setProject(e.target.value);
              setTarget("");
            }}
          >
            {projects.map((p) => (
              <option key={p} value={p}>
                {basename(p)} ({p})
              </option>
            ))}
          </select>
        </label>
        {targets.length > 1 ? (
          <label>
            Target
            <select value={target} onChange={(e) => setTarget(e.target.value as Target)}>
              {targets.map((t) => (
                <option key={t} value={t}>
                  {t} ({TARGET_ROOT[t]}/)
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
            <option value="zip">zip (patch, mbox and README)</option>
            <option value="tar.gz">tar.gz</option>
            <option value="mbox">mbox</option>
          </select>
        </label>
        <p className="hint">The bundle holds a git-apply patch against the upstream commit last synced. Nothing is pushed.</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={!project || (!!jobId && !done)}>
            Export
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {jobId ? (
        <section aria-label="Patch export" className="preview" aria-live="polite">
          {!done ? <p>Building the bundle…</p> : null}
          {done && job.data?.state === "success" ? <PatchLinks report={job.data.report as unknown as PatchReport | NothingToExport} /> : null}
          {done && job.data?.state !== "success" ? (
            <p role="alert" className="error">
              The export failed: {job.data?.error ?? job.data?.state}
            </p>
          ) : null}
          <Link to={`/jobs/${jobId}`}>Open the job</Link>
        </section>
      ) : null}
    </Dialog>
  );
}
