// `/`: every artifact with a status badge per tier, filters (kind, status,
// project, text) kept in the URL, and a sync of the selected artifacts.
import { useEffect, useMemo, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import { useArtifacts, useJobs } from "../api/queries";
import { usePollInterval } from "../api/events";
import type { ArtifactStatus, Status } from "../api/types";
import { Link, artifactHref, useSearchParams } from "../router";
import { StatusBadge } from "../ui/StatusBadge";
import { basename, short, STATUS_LABEL } from "../ui/format";
import { SyncDialog } from "../jobs/SyncDialog";
import { RegisterProjectDialog } from "../projects/RegisterProjectDialog";
import { FetchNow } from "../fleet/FetchNow";
import { CopyName } from "../projects/CopyName";
import { copyKey, targetOf, targetParam } from "../projects/copies";
import { ProjectsList } from "../projects/ProjectsList";
import { RemoteLine } from "../collection/RemoteLine";
import { UntrackedList } from "./UntrackedList";
import { useProjectPaths, useSelection } from "./selection";

const STATUSES: (Status | "running")[] = ["in_sync", "behind", "ahead", "diverged", "conflict", "missing", "untracked", "running"];

/** Artifacts a queued or running job is working on ("*" for all). */
export function useBusyArtifacts(): Set<string> {
  const poll = usePollInterval();
  const { data } = useJobs(undefined, poll);
  return useMemo(() => {
    const s = new Set<string>();
    for (const j of data?.jobs ?? []) {
      if (j.state !== "running" && j.state !== "queued") continue;
      const arts = j.request?.artifacts ?? [];
      if (arts.length === 0) s.add("*");
      arts.forEach((a) => s.add(a));
    }
    return s;
  }, [data]);
}

function statusesOf(a: ArtifactStatus, project: string | null): Status[] {
  const out: Status[] = [];
  if (a.upstream?.status && !project) out.push(a.upstream.status);
  for (const p of a.projects ?? []) if (p.status && (!project || p.path === project)) out.push(p.status);
  return out;
}

export function ArtifactsList() {
  const { data, error, isLoading } = useArtifacts();
  const [params, setParams] = useSearchParams();
  const kind = params.get("kind");
  const status = params.get("status");
  const project = params.get("project");
  const q = params.get("q") ?? "";
  const busy = useBusyArtifacts();
  const [selected, toggle, setSelected] = useSelection();
  const [syncing, setSyncing] = useState(false);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key === "/" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"))) {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const artifacts = useMemo(() => data?.artifacts ?? [], [data]);
  const projects = useProjectPaths(artifacts);
  const [registering, setRegistering] = useState(false);

  const shown = artifacts.filter((a) => {
    const id = a.id ?? "";
    if (kind && a.kind !== kind) return false;
    if (project && !(a.projects ?? []).some((p) => p.path === project)) return false;
    if (status) {
      const isBusy = busy.has(id) || busy.has("*");
      if (status === "running" ? !isBusy : !statusesOf(a, project).includes(status as Status)) return false;
    }
    if (q && !`${id} ${a.name ?? ""}`.toLowerCase().includes(q.toLowerCase())) return false;
    return true;
  });

  // Only what is in view is synced and counted: a selection hidden by a
  // filter stays selected for later, but is not acted on unseen.
  const chosen = shown.map((a) => a.id ?? "").filter((id) => selected.has(id));
  const hiddenChosen = selected.size - chosen.length;
  // The statuses the list holds now (and the one filtered on), in the usual order.
  const present = new Set<string>(artifacts.flatMap((a) => statusesOf(a, project)));
  if (busy.size > 0) present.add("running");
  if (status) present.add(status);
  const statusOptions = STATUSES.filter((s) => present.has(s));


  return (
    <div className="page">
      <div className="page-head">
        <h1>Artifacts</h1>
        <FetchNow artifacts={artifacts} />
      </div>
      <RemoteLine collection={data?.collection} remote={data?.remote} />
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            ref={search}
            type="search"
            value={q}
            placeholder="id or name  ( / )"
            onChange={(e) => setParams({ q: e.target.value || null })}
          />
        </label>
        <label>
          Kind
          <select value={kind ?? ""} onChange={(e) => setParams({ kind: e.target.value || null })}>
            <option value="">any</option>
            <option value="skill">skill</option>
            <option value="command">command</option>
            <option value="agent">agent</option>
          </select>
        </label>
        <label>
          Status
          <select value={status ?? ""} onChange={(e) => setParams({ status: e.target.value || null })}>
            <option value="">any</option>
            {statusOptions.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Project
          <select value={project ?? ""} onChange={(e) => setParams({ project: e.target.value || null })}>
            <option value="">all</option>
            {projects.map((p) => (
              <option key={p} value={p}>
                {basename(p)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={chosen.length === 0} onClick={() => setSyncing(true)}>
          Sync selected ({chosen.length})…
        </button>
        <button type="button" onClick={() => setRegistering(true)}>
          Register a project…
        </button>
        {hiddenChosen > 0 ? (
          <span className="muted" data-testid="hidden-selection">
            {hiddenChosen} more selected, hidden by the filters
          </span>
        ) : null}
      </form>
      {isLoading ? <p>Loading…</p> : null}
      {error ? <p role="alert" className="error">{errorMessage(error)}</p> : null}
      {(data?.warnings ?? []).map((w) => (
        <p key={w} className="warn">
          {w}
        </p>
      ))}
      <table className="table artifacts">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Select</span>
            </th>
            <th scope="col">Artifact</th>
            <th scope="col">Upstream → collection</th>
            <th scope="col">Collection</th>
            <th scope="col">Collection → projects</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => {
            const id = a.id ?? "";
            const isBusy = busy.has(id) || busy.has("*");
            return (
              <tr key={id} data-artifact={id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${id}`} checked={selected.has(id)} onChange={() => toggle(id)} />
                </td>
                <th scope="row">
                  <Link to={artifactHref(id)} className="artifact-link">
                    <span className={`kind kind-${a.kind ?? ""}`}>{a.kind}</span> {a.name}
                  </Link>
                  {isBusy ? <StatusBadge status="running" /> : null}
                </th>
                <td>
                  <span className="cell-label">Upstream → collection</span>
                  {a.upstream ? <StatusBadge status={a.upstream.status} tier="upstream" /> : <span className="muted">no upstream</span>}
                </td>
                <td className="mono">
                  <span className="cell-label">Collection</span>
                  {short(a.collection?.hash)}
                </td>
                <td>
                  <span className="cell-label">Collection → projects</span>
                  <ul className="plain project-badges">
                    {(a.projects ?? [])
                      .filter((p) => !project || p.path === project)
                      .map((p) => (
                        <li key={copyKey(p.path ?? "", p.target)} data-project={p.path} data-target={targetOf(p.target)}>
                          <CopyName path={p.path ?? ""} target={p.target} />{" "}
                          <StatusBadge status={p.status} tier={`${p.path ?? "project"}${targetParam(p.target) ? ` (${targetOf(p.target)})` : ""}`} />
                        </li>
                      ))}
                    {(a.projects ?? []).length === 0 ? <li className="muted">not deployed</li> : null}
                  </ul>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!isLoading && shown.length === 0 ? <p className="empty">No artifact matches these filters.</p> : null}
      <UntrackedList report={data} />
      <ProjectsList />
      {registering ? <RegisterProjectDialog onClose={() => setRegistering(false)} /> : null}
      {syncing ? (
        <SyncDialog
          artifacts={chosen}
          projects={projects}
          defaultProject={project ?? undefined}
          onClose={() => setSyncing(false)}
          onStarted={() => setSelected(new Set())}
        />
      ) : null}
    </div>
  );
}
