// /jobs: recent jobs, filterable by state. /jobs/:id: one job's request,
// progress, per-artifact results and log.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { usePollInterval } from "../api/events";
import { api, errorMessage } from "../api/client";
import { keys, useJob, useJobs } from "../api/queries";
import { AuditFindings } from "../diff/AuditFindings";
import { isFinal, type ArtifactResult, type FetchJobReport, type Job, type NothingToExport, type PatchReport } from "../api/types";
import { Link, artifactHref, conflictHref, useSearchParams } from "../router";
import { DIRECTION_LABEL, STATUS_LABEL, duration, short, when } from "../ui/format";
import { CopyName, TargetLabel } from "../projects/CopyName";
import { targetParam } from "../projects/copies";
import { JobStateBadge, Progress, jobTitle } from "./JobsPanel";

const STATES = ["queued", "running", "success", "conflict", "error", "cancelled"] as const;

/** Jobs per page of the history. */
const PAGE = 25;
/** How many recent jobs the history can filter and page through. */
const HISTORY = 500;

export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get("state") ?? undefined;
  const artifact = params.get("artifact") ?? "";
  const direction = params.get("direction") ?? "";
  const dry = params.get("dry") ?? "";
  const poll = usePollInterval();
  const { data, isLoading, error } = useJobs(state, poll, HISTORY);
  const all = data?.jobs ?? [];
  const artifacts = [...new Set(all.flatMap((j) => j.request?.artifacts ?? []))].sort();
  const directions = [...new Set(all.map((j) => j.direction).filter(Boolean))].sort();
  const shown = all.filter(
    (j) =>
      (!artifact || (j.request?.artifacts ?? []).includes(artifact)) &&
      (!direction || j.direction === direction) &&
      (!dry || (dry === "only") === Boolean(j.request?.dry_run)),
  );
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const page = Math.min(pages, Math.max(1, Number(params.get("page") ?? "1") || 1));
  const rows = shown.slice((page - 1) * PAGE, page * PAGE);
  // A new filter starts at the first page.
  const filter = (k: string, v: string) => setParams({ [k]: v || null, page: null });
  return (
    <div className="page">
      <h1>Jobs</h1>
      <form className="filters" role="search" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state ?? ""} onChange={(e) => filter("state", e.target.value)}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Artifact
          <select value={artifact} onChange={(e) => filter("artifact", e.target.value)}>
            <option value="">any</option>
            {artifacts.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Direction
          <select value={direction} onChange={(e) => filter("direction", e.target.value)}>
            <option value="">any</option>
            {directions.map((d) => (
              <option key={d} value={d}>
                {DIRECTION_LABEL[d] ?? d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Dry runs
          <select value={dry} onChange={(e) => filter("dry", e.target.value)}>
            <option value="">shown</option>
            <option value="only">only</option>
            <option value="none">hidden</option>
          </select>
        </label>
      </form>
      {isLoading ? <p>Loading…</p> : null}
      {error ? <p role="alert" className="error">{errorMessage(error)}</p> : null}
      <div className="table-scroll">
        <table className="table jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Project</th>
              <th scope="col">Progress</th>
              <th scope="col">Duration</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((j) => (
              <tr key={j.id} data-job={j.id}>
                <td>
                  <Link to={`/jobs/${j.id}`}>{jobTitle(j)}</Link>
                </td>
                <td>
                  <JobStateBadge state={j.state} />
                  {j.request?.dry_run ? <span className="badge badge-dry">dry run</span> : null}
                </td>
                <td className="mono">{j.request?.project_path ? <CopyName path={j.request.project_path} target={j.request.target} /> : "—"}</td>
                <td>
                  <Progress job={j} /> {j.done ?? 0}/{j.total ?? 0}
                </td>
                <td>{duration(j.duration_ms)}</td>
                <td>{when(j.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!isLoading && shown.length === 0 ? <p className="empty">No job matches these filters.</p> : null}
      {pages > 1 ? (
        <nav className="pager" aria-label="Job pages">
          <button type="button" disabled={page <= 1} onClick={() => setParams({ page: String(page - 1) })}>
            Newer jobs
          </button>
          <span>
            Page {page} of {pages} ({shown.length} jobs)
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setParams({ page: String(page + 1) })}>
            Older jobs
          </button>
        </nav>
      ) : null}
      {all.length >= HISTORY ? <p className="muted">Only the newest {HISTORY} jobs are listed.</p> : null}
    </div>
  );
}

/**
 * The results of a job. A dry run's conflicts are only foreseen: nothing is staged, so there is nothing to resolve yet.
 * A sync into every target of a project reports each copy; its target is shown beside the artifact.
 */
export function ResultsTable({
  results,
  project,
  target,
  dryRun,
}: {
  results: ArtifactResult[];
  project?: string | undefined;
  target?: string | undefined;
  dryRun?: boolean | undefined;
}) {
  if (results.length === 0) return <p className="muted">No results yet.</p>;
  // An update's results come from several steps, each into its own place.
  const steps = results.some((r) => r.direction);
  return (
    <div className="table-scroll">
    <table className="table results">
      <thead>
        <tr>
          <th scope="col">Artifact</th>
          {steps ? <th scope="col">Into</th> : null}
          <th scope="col">Outcome</th>
          <th scope="col">Strategy</th>
          <th scope="col">From → to</th>
          <th scope="col">Files</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r, i) => (
          <tr key={`${r.id ?? ""}:${i}`} data-outcome={r.outcome} data-target={r.target ?? undefined}>
            <td>
              <Link to={artifactHref(r.id ?? "")}>{r.id}</Link>
              {!steps && targetParam(r.target) ? (
                <>
                  {" "}
                  <TargetLabel target={r.target} />
                </>
              ) : null}
            </td>
            {steps ? (
              <td>
                {r.project ? <CopyName path={r.project} target={r.target} /> : "collection"}
                <div className="muted">{DIRECTION_LABEL[r.direction ?? ""] ?? r.direction}</div>
              </td>
            ) : null}
            <td>
              <span className={`badge outcome-${r.outcome ?? ""}`}>{r.outcome}</span>
              {r.status ? <div className="muted">held back: {STATUS_LABEL[r.status]}</div> : null}
              {r.destructive ? (
                <span className="badge badge-destructive" title={r.destructive}>
                  destructive
                </span>
              ) : null}
            </td>
            <td>{r.strategy}</td>
            <td className="mono">
              {short(r.from)} → {short(r.to)}
            </td>
            <td>
              <ul className="plain">
                {(r.files ?? []).map((f) => (
                  <li key={f.path}>
                    <span className="mono">{f.path}</span> {f.change}
                  </li>
                ))}
              </ul>
            </td>
            <td>
              {r.message}
              {r.destructive ? <div className="warn">{r.destructive}</div> : null}
              {r.outcome === "conflict" && dryRun ? <div className="hint">A real sync stages this conflict for you to resolve.</div> : null}
              {r.outcome === "conflict" && r.id && !dryRun ? (
                <div>
                  <Link to={conflictHref(r.id, { project: r.project ?? project, target: r.target ?? target })}>
                    Resolve the conflict
                  </Link>
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

export function PatchLinks({ report }: { report: PatchReport | NothingToExport }) {
  if ("nothing_to_export" in report) {
    return (
      <p role="status" className="patch-links">
        Nothing to export: {report.message.replace(/; nothing to export$/, "")}.
      </p>
    );
  }
  return (
    <p className="patch-links">
      <a href={report.download_url} download={report.file_name} className="button">
        Download {report.file_name}
      </a>{" "}
      {report.propose_url ? (
        <a href={report.propose_url} target="_blank" rel="noreferrer noopener">
          Propose the change upstream
        </a>
      ) : (
        <span className="muted">The upstream ({report.upstream}) is not on GitHub: send the bundle to its maintainers.</span>
      )}
    </p>
  );
}

export function JobPage({ id }: { id: string }) {
  const poll = usePollInterval();
  const { data: job, error, isLoading } = useJob(id, poll);
  const qc = useQueryClient();
  const [cancelError, setCancelError] = useState<string | null>(null);
  if (isLoading) return <p className="page">Loading…</p>;
  if (error || !job) return <p role="alert" className="page error">{errorMessage(error)}</p>;
  const results = (job.results ?? []) as ArtifactResult[];
  const patch = job.kind === "patch" && job.state === "success" ? (job.report as unknown as PatchReport | NothingToExport | null) : null;
  const fetched = job.kind === "fetch" && job.state === "success" ? (job.report as unknown as FetchJobReport | null) : null;
  const cancel = async () => {
    setCancelError(null);
    try {
      await api<Job>(`/api/v1/sync/jobs/${id}/cancel`, { method: "POST" });
      await qc.invalidateQueries({ queryKey: keys.jobs });
    } catch (e) {
      setCancelError(errorMessage(e));
    }
  };
  return (
    <div className="page">
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <h1>{jobTitle(job)}</h1>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <JobStateBadge state={job.state} />
        </dd>
        <dt>Direction</dt>
        <dd>{DIRECTION_LABEL[job.direction] ?? job.direction}</dd>
        <dt>Progress</dt>
        <dd>
          <Progress job={job} /> {job.done ?? 0} of {job.total ?? 0}
        </dd>
        {job.request?.project_path ? (
          <>
            <dt>Project</dt>
            <dd className="mono">
              {job.request.project_path}
              {targetParam(job.request.target) ? (
                <>
                  {" "}
                  <TargetLabel target={job.request.target} />
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{when(job.created_at)}</dd>
        <dt>Duration</dt>
        <dd>{duration(job.duration_ms)}</dd>
        <dt>Trace id</dt>
        <dd className="mono">{job.trace_id}</dd>
        {job.error ? (
          <>
            <dt>Error</dt>
            <dd className="error">{job.error}</dd>
          </>
        ) : null}
      </dl>
      {!isFinal(job.state) ? (
        <button type="button" onClick={() => void cancel()}>
          Cancel job
        </button>
      ) : null}
      {cancelError ? <p role="alert" className="error">{cancelError}</p> : null}
      {patch ? <PatchLinks report={patch} /> : null}
      {fetched ? (
        <>
          <h2>Fetched</h2>
          <ul className="plain fetched">
            {fetched.fetched.map((f) => (
              <li key={f.url}>
                <span className="mono">{f.url}</span>{" "}
                {f.offline ? <span className="warn">unreachable ({f.offline}); kept the fetch of {when(f.fetched_at)}</span> : <>at {when(f.fetched_at)}</>}
                {" · "}
                {f.artifacts.length} {f.artifacts.length === 1 ? "artifact" : "artifacts"}
                {(f.warnings ?? []).map((w) => (
                  <div key={w} className="warn">
                    {w}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <h2>Results</h2>
          <ResultsTable results={results} project={job.request?.project_path} target={job.request?.target ?? undefined} dryRun={job.request?.dry_run} />
          {results.some((r) => (r.findings?.length ?? 0) > 0) ? (
            <section aria-labelledby="job-audit-title" className="audit">
              <h3 id="job-audit-title">Audit findings in the incoming changes</h3>
              {results
                .filter((r) => (r.findings?.length ?? 0) > 0)
                .map((r, i) => (
                  <div key={`${r.id ?? ""}:${i}`}>
                    <p className="mono">{r.id}</p>
                    <AuditFindings findings={r.findings ?? []} linkLines={false} />
                  </div>
                ))}
            </section>
          ) : null}
        </>
      )}
      <h2>Log</h2>
      <pre className="log" tabIndex={0} aria-label="Job log">
        {(job.log ?? []).join("\n") || "(empty)"}
      </pre>
    </div>
  );
}
