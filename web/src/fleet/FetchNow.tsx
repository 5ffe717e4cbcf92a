// "Fetch now": refreshes every upstream's cache as a background job, and
// says when the upstreams were last fetched. Status compares the
// collection against what was fetched, so the oldest fetch is the one that
// matters; each upstream's own time is in the tooltip.
import { useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { startFetch, useJob } from "../api/queries";
import { isFinal, type ArtifactStatus } from "../api/types";
import { useTrackJob } from "../jobs/tracker";
import { ago, when } from "../ui/format";

/** Each upstream repository with its last fetch time, oldest first. */
export function fetchTimes(artifacts: ArtifactStatus[]): { source: string; fetchedAt: string | null }[] {
  const by = new Map<string, string | null>();
  for (const a of artifacts) {
    const u = a.upstream;
    const repo = u?.repository ?? u?.source;
    if (!repo) continue;
    by.set(repo, u?.fetched_at ?? by.get(repo) ?? null);
  }
  return [...by.entries()]
    .map(([source, fetchedAt]) => ({ source, fetchedAt }))
    .sort((a, b) => (a.fetchedAt ?? "").localeCompare(b.fetchedAt ?? ""));
}

/** Re-renders every 30 s so that "5 minutes ago" stays true. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(t);
  }, []);
  return now;
}

export function FetchNow({ artifacts }: { artifacts: ArtifactStatus[] }) {
  const track = useTrackJob();
  const poll = usePollInterval();
  const [jobId, setJobId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJob(jobId, poll);
  const now = useNow();
  const running = starting || (!!jobId && !(job.data && isFinal(job.data.state)));
  const times = fetchTimes(artifacts);
  if (times.length === 0) return null;
  const oldest = times[0]?.fetchedAt ?? null;
  const detail = times.map((t) => `${t.source}: ${t.fetchedAt ? when(t.fetchedAt) : "never fetched"}`).join("\n");

  const fetchNow = async () => {
    setError(null);
    setStarting(true);
    try {
      const accepted = await startFetch();
      setJobId(accepted.job_id);
      track({ id: accepted.job_id, label: "Fetch upstreams", artifacts: [] });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="fetch-now">
      <button type="button" onClick={() => void fetchNow()} disabled={running}>
        {running ? "Fetching…" : "Fetch now"}
      </button>{" "}
      <span className="muted" title={detail} data-testid="last-fetch">
        {times.length === 1 ? "Upstream fetched " : `${times.length} upstreams, oldest fetch `}
        <time dateTime={oldest ?? undefined}>{ago(oldest, now)}</time>
      </span>
      {error ? (
        <span role="alert" className="error">
          {" "}
          {error}
        </span>
      ) : null}
    </div>
  );
}
