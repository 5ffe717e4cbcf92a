// Where the collection stands against its git remote, as last fetched,
// with Pull and Push as background jobs: shown only when the collection
// has a remote.
import { startRemoteJob } from "../api/queries";
import type { RemotePosition } from "../api/types";
import { useStartJob } from "../jobs/useStartJob";

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
  const { running, error, start } = useStartJob();
  if (!remote) return null;
  const run = (action: "pull" | "push") =>
    start(() => startRemoteJob(action), action === "pull" ? "Pull the collection" : "Push the collection");
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
