// Where the collection stands against its git remote, as last fetched:
// shown only when the collection has a remote.
import type { RemotePosition } from "../api/types";

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
  if (!remote) return null;
  const attention = remote.behind > 0 || !remote.fetched || remote.ahead > 0;
  return (
    <p className={attention ? "remote-line attention" : "remote-line"} data-testid="remote-position">
      Collection <strong>{collection ?? "default"}</strong> ·{" "}
      <span title={remote.url}>{positionWords(remote)}</span>{" "}
      <span className="muted">
        (<code>artisync collection pull</code> / <code>push</code>)
      </span>
    </p>
  );
}
