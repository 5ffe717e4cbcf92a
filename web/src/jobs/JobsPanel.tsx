// The notification panel: recent jobs with progress and duration, from the
// header. The list follows job events (or polls while they are down).
import { useEffect, useRef, useState } from "react";
import { usePollInterval } from "../api/events";
import { useJobs } from "../api/queries";
import type { Job } from "../api/types";
import { Link } from "../router";
import { DIRECTION_LABEL, duration, when } from "../ui/format";

export function JobStateBadge({ state }: { state: Job["state"] | undefined }) {
  return (
    <span className={`badge job-${state ?? "unknown"}`} data-state={state}>
      {state ?? "unknown"}
    </span>
  );
}

export function Progress({ job }: { job: Job }) {
  const total = job.total ?? 0;
  const done = job.done ?? 0;
  return (
    <progress
      className="job-progress"
      max={Math.max(total, 1)}
      value={total === 0 && (job.state === "success" || job.state === "conflict") ? 1 : done}
      aria-label={`${done} of ${total} artifacts`}
    />
  );
}

export function jobTitle(job: Job): string {
  const arts = job.request?.artifacts?.length ? job.request.artifacts.join(", ") : "all artifacts";
  const dry = job.request?.dry_run ? "Dry run: " : "";
  if (job.kind === "fetch") return `Fetch upstreams of ${arts}`;
  if (job.kind === "update") return `${dry}Update ${arts} (everything behind)`;
  if (job.kind === "pull") return "Pull the collection from its remote";
  if (job.kind === "push") return "Push the collection to its remote";
  const what = job.kind === "patch" ? "Patch" : job.request?.dry_run ? "Dry run" : "Sync";
  return `${what} ${arts} (${DIRECTION_LABEL[job.direction] ?? job.direction})`;
}

export function JobsPanel() {
  const [open, setOpen] = useState(false);
  const poll = usePollInterval();
  const { data } = useJobs(undefined, poll);
  const jobs = data?.jobs ?? [];
  const running = jobs.filter((j) => j.state === "running" || j.state === "queued").length;
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    // Escape closes it wherever focus is: in the panel, on its opener, or
    // nowhere (a link that was clicked and went away).
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector('[role="dialog"]')) return;
      setOpen(false);
      if (!panel.current?.contains(document.activeElement) && document.activeElement !== document.body) return;
      button.current?.focus();
    };
    document.addEventListener("mousedown", onDoc);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDoc);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  return (
    <div className="jobs-panel-wrap">
      <button
        ref={button}
        type="button"
        className="jobs-button"
        aria-expanded={open}
        aria-controls="jobs-panel"
        onClick={() => setOpen((o) => !o)}
      >
        Jobs{running > 0 ? <span className="pill">
            <span aria-hidden="true">{running}</span>
            <span className="sr-only">, {running} running</span>
          </span> : null}
      </button>
      {open ? (
        <div
          ref={panel}
          id="jobs-panel"
          className="jobs-panel"
          role="region"
          aria-label="Recent jobs"
        >
          {jobs.length === 0 ? <p className="muted">No jobs yet.</p> : null}
          <ul>
            {jobs.slice(0, 12).map((j) => (
              <li key={j.id}>
                <Link to={`/jobs/${j.id}`} onClick={() => setOpen(false)}>
                  <JobStateBadge state={j.state} />
                  {j.request?.dry_run ? <span className="badge badge-dry">dry run</span> : null} {jobTitle(j)}
                </Link>
                <div className="job-meta">
                  <Progress job={j} /> {j.done ?? 0}/{j.total ?? 0} · {duration(j.duration_ms)} · {when(j.created_at)}
                </div>
              </li>
            ))}
          </ul>
          <Link to="/jobs" onClick={() => setOpen(false)}>
            All jobs
          </Link>
        </div>
      ) : null}
    </div>
  );
}
