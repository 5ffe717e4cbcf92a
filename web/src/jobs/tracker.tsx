// Jobs this tab started, and the toast each gets when it ends. The end is
// seen on the event stream; while the stream is down each unfinished job is
// polled instead. A toast is shown once per job.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useJobEvents, usePollInterval } from "../api/events";
import { invalidateArtifacts, useJob } from "../api/queries";
import { isFinal, type Job, type JobState } from "../api/types";
import { Link, artifactHref, conflictHref } from "../router";
import { useToasts } from "../ui/Toasts";

export interface Tracked {
  id: string;
  /** What the toast calls the job, e.g. "Sync skill:pdf (collection → project)". */
  label: string;
  /** For a conflict toast's link. */
  artifacts: string[];
  project?: string | undefined;
  /** The target of the project copy, when one copy was named. */
  target?: string | undefined;
  /** A dry run reports in its dialog, not in a toast. */
  quiet?: boolean;
}

interface Ctx {
  track(job: Tracked): void;
}

const TrackerCtx = createContext<Ctx>({ track: () => undefined });

export function useTrackJob(): Ctx["track"] {
  return useContext(TrackerCtx).track;
}

/** Polls one unfinished job while the event stream is down. */
function Poll({ id, onFinal }: { id: string; onFinal(state: JobState, job: Job): void }) {
  const poll = usePollInterval();
  const { data } = useJob(id, poll);
  useEffect(() => {
    if (data && isFinal(data.state) && data.state) onFinal(data.state, data);
  }, [data, onFinal]);
  return null;
}

export function JobTracker({ children }: { children: ReactNode }) {
  const [jobs, setJobs] = useState<Tracked[]>([]);
  const ended = useRef(new Set<string>());
  const byId = useRef(new Map<string, Tracked>());
  const { push } = useToasts();
  const { subscribe } = useJobEvents();
  const qc = useQueryClient();

  const finish = useCallback(
    (id: string, state: JobState, job?: Job) => {
      const t = byId.current.get(id);
      if (!t || ended.current.has(id)) return;
      ended.current.add(id);
      setJobs((js) => js.filter((j) => j.id !== id));
      void invalidateArtifacts(qc);
      if (t.quiet) return;
      const jobLink = (
        <Link to={`/jobs/${id}`} className="toast-link">
          Open the job
        </Link>
      );
      if (state === "success") {
        push({ kind: "success", title: `${t.label} finished`, body: jobLink });
      } else if (state === "conflict") {
        const results = job?.results?.filter((r) => r.outcome === "conflict");
        const conflicted = results?.map((r) => r.id ?? "") ?? t.artifacts.filter(Boolean);
        const first = conflicted[0] ?? t.artifacts[0];
        // A sync into every target reports each copy: the link opens the first that conflicted.
        const target = results?.[0]?.target ?? t.target;
        push({
          kind: "conflict",
          title: `${t.label} ended with a conflict`,
          body: (
            <>
              {first ? (
                <Link to={conflictHref(first, { project: results?.[0]?.project ?? t.project, target })} className="toast-link">
                  Resolve {first}
                </Link>
              ) : (
                <Link to={artifactHref(t.artifacts[0] ?? "")}>Open the artifact</Link>
              )}{" "}
              · {jobLink}
            </>
          ),
        });
      } else if (state === "cancelled") {
        push({ kind: "info", title: `${t.label} was cancelled`, body: jobLink });
      } else {
        push({ kind: "error", title: `${t.label} failed${job?.error ? `: ${job.error}` : ""}`, body: jobLink });
      }
    },
    [push, qc],
  );

  useEffect(
    () =>
      subscribe((kind, ev) => {
        if (kind === "state" && isFinal(ev.state) && ev.state) finish(ev.job_id, ev.state);
      }),
    [subscribe, finish],
  );

  const track = useCallback((t: Tracked) => {
    byId.current.set(t.id, t);
    setJobs((js) => [...js, t]);
  }, []);
  const onFinal = useCallback((state: JobState, job: Job) => job.id && finish(job.id, state, job), [finish]);
  const value = useMemo(() => ({ track }), [track]);

  return (
    <TrackerCtx.Provider value={value}>
      {children}
      {jobs.map((j) => (
        <Poll key={j.id} id={j.id} onFinal={onFinal} />
      ))}
    </TrackerCtx.Provider>
  );
}
