// Where the collection stands against its git remote, as last fetched,
// with Pull and Push as background jobs: shown only when the collection
// has a remote.
import { useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { startRemoteJob, useJob } from "../api/queries";
import { isFinal, type RemotePosition } from "../api/types";
import { useTrackJob } from "../jobs/tracker";

/** "2 ahead, 1 behind origin/main" and what to do about it. */
export function positionWords(p: RemotePosition): string {
  const branch = `origin/${p.branch}`;
  if (!p.fetched) return `not pushed yet (${p.ahead} ${p.ahead === 1 ? "commit" : "commits"} here)`;
  if (p.ahead === 0 && p.behind === 0) return `up to date with ${branch}`;
  if (p.behind === 0) return `${p.ahead} ahead of ${branch}: push to share`;
  if (p.ahead === 0) return `${p.behind} behind ${branch}: pull to take them`;
  return `${p.ahead} ahead, ${p.behind} behind ${branch}: pull, then push`;
}

export function RemoteLine({ collection, remote }: { collection?: string; remote?: RemotePosition | null }) {
  const track = useTrackJob();
  const poll = usePollInterval();
  const [jobId, setJobId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJob(jobId, poll);
  if (!remote) return null;
  const running = starting || (!!jobId && !(job.data && isFinal(job.data.state)));
  const run = async (action: "pull" | "push") => {
    setError(null);
    setStarting(true);
    try {
      const accepted = await startRemoteJob(action);
      setJobId(accepted.job_id);
      track({ id: accepted.job_id, label: action === "pull" ? "Pull the collection" : "Push the collection", artifacts: [] });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };
  return (
    <div className="remote-line" data-testid="remote-position">
      Collection <strong>{collection ?? "default"}</strong> · <span title={remote.url}>{positionWords(remote)}</span>{" "}
      <button type="button" onClick={() => void run("pull")} disabled={running}>
        Pull
      </button>{" "}
      <button type="button" onClick={() => void run("push")} disabled={running}>
        Push
      </button>
      {error ? (
        <span role="alert" className="error">
          {" "}
          {error}
        </span>
      ) : null}
    </div>
  );
}
