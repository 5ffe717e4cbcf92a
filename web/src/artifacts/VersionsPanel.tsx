// The version view: every tier side by side with its hash, time
// and source; a project has a row per copy (per target).
import type { Versions } from "../api/types";
import { StatusBadge } from "../ui/StatusBadge";
import { short, when } from "../ui/format";
import { TargetLabel } from "../projects/CopyName";
import { TARGET_ROOT, copyKey, targetOf, targetParam } from "../projects/copies";

export function VersionsPanel({ versions }: { versions: Versions }) {
  const u = versions.upstream;
  const c = versions.collection;
  return (
    <section className="versions" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Status</th>
              <th scope="col">Hash</th>
              <th scope="col">Time</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            <tr data-tier="upstream">
              <th scope="row">upstream</th>
              <td>{u ? <StatusBadge status={u.status} tier="upstream → collection" /> : "—"}</td>
              <td className="mono" title={u?.hash ?? undefined}>
                {short(u?.hash)}
              </td>
              <td>
                {when(u?.commit_time)}
                {u?.fetched_at ? <div className="muted">fetched {when(u.fetched_at)}</div> : null}
              </td>
              <td>
                {u ? (
                  <>
                    <div className="mono wrap">{u.source}</div>
                    <div className="muted">
                      ref {u.ref ?? "—"} · commit <span className="mono">{short(u.commit)}</span>
                      {u.commit_summary ? ` “${u.commit_summary}”` : ""} · last synced{" "}
                      <span className="mono">{short(u.synced_commit)}</span>
                    </div>
                  </>
                ) : (
                  <span className="muted">no upstream</span>
                )}
              </td>
            </tr>
            <tr data-tier="collection">
              <th scope="row">collection</th>
              <td>—</td>
              <td className="mono" title={c.hash ?? undefined}>
                {short(c.hash)}
              </td>
              <td>{when(c.time)}</td>
              <td>
                <div>
                  {c.name} · commit <span className="mono">{short(c.commit)}</span>
                  {c.summary ? ` “${c.summary}”` : ""}
                </div>
                <div className="muted mono wrap">{c.path}</div>
              </td>
            </tr>
            {versions.projects.map((p) => (
              <tr key={copyKey(p.path ?? "", p.target)} data-tier="project" data-project={p.path} data-target={targetOf(p.target)}>
                <th scope="row">
                  project
                  {targetParam(p.target) ? (
                    <>
                      {" "}
                      <TargetLabel target={p.target} />
                    </>
                  ) : null}
                </th>
                <td>
                  <StatusBadge status={p.status} tier={`collection → ${p.path ?? "project"}${targetParam(p.target) ? ` (${targetOf(p.target)})` : ""}`} />
                </td>
                <td className="mono" title={p.hash ?? undefined}>
                  {short(p.hash)}
                  <div className="muted">deployed {short(p.deployed_hash)}</div>
                </td>
                <td>{when(p.deployed_at)}</td>
                <td className="mono wrap">
                  {p.path}
                  {targetParam(p.target) ? <div className="muted">{TARGET_ROOT[targetOf(p.target)]}/</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
