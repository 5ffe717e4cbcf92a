// `/fleet`: every artifact against every place it lives, in one matrix:
// the collection's relation to its upstream, then one column per project
// copy (a project with several targets has a column for each).
// Counts say what needs attention; rows can be selected (or all of them)
// for one "update everything behind" job; every column sorts (kept in the
// URL); times are relative, with the exact time on hover.
import { useMemo, useState, type ReactNode } from "react";
import { errorMessage } from "../api/client";
import { useArtifacts } from "../api/queries";
import type { ArtifactStatus, ProjectState, Status } from "../api/types";
import { UntrackedList } from "../artifacts/UntrackedList";
import { useProjectCopies, useSelection } from "../artifacts/selection";
import { useBusyArtifacts } from "../artifacts/ArtifactsList";
import { Link, artifactHref, useSearchParams } from "../router";
import { StatusBadge } from "../ui/StatusBadge";
import { STATUS_LABEL, STATUS_RANK, ago, short, when } from "../ui/format";
import { CopyName } from "../projects/CopyName";
import { copyKey, copyLabel, isCopy, targetOf, targetParam, type Copy } from "../projects/copies";
import { FetchNow, useNow } from "./FetchNow";
import { UpdateDialog } from "./UpdateDialog";

/** What needs attention, counted over every cell. */
export interface Attention {
  upstreamBehind: number;
  projectsBehind: number;
  local: number;
  diverged: number;
  conflict: number;
  missing: number;
}

export function countAttention(artifacts: ArtifactStatus[]): Attention {
  const c: Attention = { upstreamBehind: 0, projectsBehind: 0, local: 0, diverged: 0, conflict: 0, missing: 0 };
  const add = (s: Status | undefined, upstream: boolean) => {
    if (s === "behind") {
      if (upstream) c.upstreamBehind++;
      else c.projectsBehind++;
    } else if (s === "ahead") c.local++;
    else if (s === "diverged") c.diverged++;
    else if (s === "conflict") c.conflict++;
    else if (s === "missing") c.missing++;
  };
  for (const a of artifacts) {
    add(a.upstream?.status, true);
    for (const p of a.projects ?? []) add(p.status, false);
  }
  return c;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function AttentionSummary({ c }: { c: Attention }) {
  const parts: [number, string][] = [
    [c.upstreamBehind, plural(c.upstreamBehind, "upstream update", "upstream updates")],
    [c.projectsBehind, plural(c.projectsBehind, "project copy behind", "project copies behind")],
    [c.diverged, plural(c.diverged, "diverged copy", "diverged copies")],
    [c.conflict, plural(c.conflict, "conflict", "conflicts")],
    [c.missing, plural(c.missing, "missing copy", "missing copies")],
    [c.local, plural(c.local, "copy with local changes", "copies with local changes")],
  ];
  const shown = parts.filter(([n]) => n > 0);
  return (
    <p className="attention" role="status" data-testid="attention">
      {shown.length === 0 ? "Everything is in sync." : `Needs attention: ${shown.map(([, t]) => t).join(", ")}.`}
    </p>
  );
}

type SortKey = "artifact" | "kind" | "upstream" | `project:${string}`;

/** A status's place in a sort: urgent first, "not there" last. */
const rank = (s: Status | undefined): number => (s ? STATUS_RANK[s] : -1);

function sortValue(a: ArtifactStatus, key: SortKey): string | number {
  if (key === "artifact") return a.id ?? "";
  if (key === "kind") return `${a.kind ?? ""} ${a.id ?? ""}`;
  if (key === "upstream") return rank(a.upstream?.status);
  // `project:TARGET:PATH` (copyKey); an older link's `project:PATH` means the claude copy.
  const rest = key.slice("project:".length);
  const copy = copyOfKey(rest);
  return rank(a.projects?.find((p) => isCopy(p, copy))?.status);
}

/** The copy a sort key names (`TARGET:PATH`, or a bare path for claude). */
function copyOfKey(rest: string): Copy {
  const i = rest.indexOf(":");
  const head = i > 0 ? rest.slice(0, i) : "";
  return head && !head.startsWith("/") && targetOf(head) === head ? { path: rest.slice(i + 1), target: targetOf(head) } : { path: rest, target: targetOf(null) };
}

function SortHeader({ label, title, k, sort, dir, onSort }: { label: ReactNode; title?: string; k: SortKey; sort: SortKey; dir: "asc" | "desc"; onSort(k: SortKey): void }) {
  const active = sort === k;
  return (
    <th scope="col" aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"} title={title} data-sort-key={k}>
      <button type="button" className="sort" onClick={() => onSort(k)}>
        {label}
        <span aria-hidden="true">{active ? (dir === "asc" ? " ▲" : " ▼") : ""}</span>
      </button>
    </th>
  );
}

function ProjectCell({ id, p, now }: { id: string; p: ProjectState | undefined; now: number }) {
  if (!p) return <span className="muted" title="not deployed here">—</span>;
  const target = targetParam(p.target);
  return (
    <Link
      to={artifactHref(id, { project: p.path, target, lhs: "collection", rhs: "project" })}
      className="cell-link"
      title={`${p.path}${target ? ` (${target})` : ""}: ${STATUS_LABEL[p.status ?? "in_sync"]}`}
    >
      <StatusBadge status={p.status} />
      {p.deployed_at ? (
        <span className="muted cell-time" title={when(p.deployed_at)}>
          {" "}
          synced {ago(p.deployed_at, now)}
        </span>
      ) : null}
    </Link>
  );
}

export function FleetPage() {
  const { data, error, isLoading } = useArtifacts();
  const [params, setParams] = useSearchParams();
  const sort = (params.get("sort") ?? "artifact") as SortKey;
  const dir = params.get("dir") === "desc" ? "desc" : "asc";
  const [selected, toggle, setSelected] = useSelection();
  const [updating, setUpdating] = useState<string[] | null>(null);
  const busy = useBusyArtifacts();
  const now = useNow();

  const artifacts = useMemo(() => data?.artifacts ?? [], [data]);
  const copies = useProjectCopies(artifacts);
  const rows = useMemo(() => {
    const out = [...artifacts];
    out.sort((a, b) => {
      const x = sortValue(a, sort);
      const y = sortValue(b, sort);
      // Statuses sort most urgent first when ascending.
      const c = typeof x === "number" && typeof y === "number" ? y - x : String(x).localeCompare(String(y));
      const tie = (a.id ?? "").localeCompare(b.id ?? "");
      return (dir === "asc" ? c : -c) || tie;
    });
    return out;
  }, [artifacts, sort, dir]);
  const attention = countAttention(artifacts);
  const lagging = attention.upstreamBehind + attention.projectsBehind;

  const ids = rows.map((a) => a.id ?? "");
  const chosen = ids.filter((id) => selected.has(id));
  const all = chosen.length === ids.length && ids.length > 0;
  const onSort = (k: SortKey) => setParams({ sort: k === "artifact" ? null : k, dir: sort === k && dir === "asc" ? "desc" : null });

  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Fleet</h1>
        <FetchNow artifacts={artifacts} />
      </div>
      {isLoading ? <p>Loading…</p> : null}
      {error ? (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      ) : null}
      {data ? <AttentionSummary c={attention} /> : null}
      <div className="toolbar">
        <button type="button" className="primary" disabled={!data || (chosen.length === 0 && lagging === 0)} onClick={() => setUpdating(chosen)}>
          {chosen.length > 0 ? `Update the selected (${chosen.length})…` : "Update everything behind…"}
        </button>
        {chosen.length > 0 ? (
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear the selection
          </button>
        ) : null}
      </div>
      <div className="table-scroll">
        <table className="table fleet" aria-label="Artifacts by place">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every artifact"
                  checked={all}
                  ref={(el) => {
                    if (el) el.indeterminate = chosen.length > 0 && !all;
                  }}
                  onChange={() => setSelected(all ? new Set() : new Set(ids))}
                />
              </th>
              <SortHeader label="Artifact" k="artifact" sort={sort} dir={dir} onSort={onSort} />
              <SortHeader label="Kind" k="kind" sort={sort} dir={dir} onSort={onSort} />
              <SortHeader label="Upstream → collection" k="upstream" sort={sort} dir={dir} onSort={onSort} />
              <th scope="col">Collection</th>
              {copies.map((c) => (
                <SortHeader
                  key={copyKey(c.path, c.target)}
                  label={<CopyName path={c.path} target={c.target} className="copy-name" />}
                  title={c.path}
                  k={`project:${copyKey(c.path, c.target)}`}
                  sort={sort}
                  dir={dir}
                  onSort={onSort}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => {
              const id = a.id ?? "";
              const u = a.upstream;
              return (
                <tr key={id} data-artifact={id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${id}`} checked={selected.has(id)} onChange={() => toggle(id)} />
                  </td>
                  <th scope="row">
                    <Link to={artifactHref(id)}>{a.name}</Link>
                    {busy.has(id) || busy.has("*") ? <StatusBadge status="running" /> : null}
                  </th>
                  <td>
                    <span className={`kind kind-${a.kind ?? ""}`}>{a.kind}</span>
                  </td>
                  <td data-cell="upstream">
                    {u ? (
                      <Link to={artifactHref(id, { lhs: "upstream", rhs: "collection" })} className="cell-link" title={`${u.source}${u.ref ? ` @ ${u.ref}` : ""}`}>
                        <StatusBadge status={u.status} />
                      </Link>
                    ) : (
                      <span className="muted">no upstream</span>
                    )}
                  </td>
                  <td className="mono">{short(a.collection?.hash)}</td>
                  {copies.map((c) => (
                    <td key={copyKey(c.path, c.target)} data-cell={copyLabel(c.path, c.target)} data-target={c.target}>
                      <ProjectCell id={id} p={a.projects?.find((x) => isCopy(x, c))} now={now} />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data && rows.length === 0 ? <p className="empty">The collection holds no artifact yet.</p> : null}
      <UntrackedList report={data} />
      {updating ? <UpdateDialog artifacts={updating} onClose={() => setUpdating(null)} /> : null}
    </div>
  );
}
