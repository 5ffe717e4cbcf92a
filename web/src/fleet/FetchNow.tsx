// "Fetch now": refreshes every upstream's cache as a background job, and
// says when the upstreams were last fetched. Status compares the
// collection against what was fetched, so the oldest fetch is the one that
// matters; each upstream's own time is in the tooltip.
import { useEffect, useState } from "react";
import { startFetch } from "../api/queries";
import type { ArtifactStatus } from "../api/types";
import { useStartJob } from "../jobs/useStartJob";
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
  const { running, error, start } = useStartJob();
  const now = useNow();
  const times = fetchTimes(artifacts);
  if (times.length === 0) return null;
  const oldest = times[0]?.fetchedAt ?? null;
  const detail = times.map((t) => `${t.source}: ${t.fetchedAt ? when(t.fetchedAt) : "never fetched"}`).join("\n");
  const fetchNow = () => start(() => startFetch(), "Fetch upstreams");

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
