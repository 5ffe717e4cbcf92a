// `/artifacts/:id`: the artifact's versions, the diff of any two of them
// (pair, layout, whitespace and source/rendered in the URL; a linked line
// in the hash), and its actions: Sync, Undo, patch export,
// and resolving a staged conflict (`/artifacts/:id/conflict?project=&target=`).
// A project copy is named by `project` and, when it is not claude, `target`.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { errorMessage } from "../api/client";
import { fetchFileText, useArtifact, useDiff, useVersions } from "../api/queries";
import type { ArtifactStatus, DiffFile, Tier } from "../api/types";
import { ConflictDialog } from "../conflicts/ConflictDialog";
import { AuditFindings } from "../diff/AuditFindings";
import { DiffView, type Show, type Whitespace } from "../diff/DiffView";
import type { Side } from "../diff/find";
import type { Mode } from "../diff/rows";
import { SyncDialog } from "../jobs/SyncDialog";
import { PatchDialog } from "../patch/PatchDialog";
import { Link, artifactHref, conflictHref, navigate, useSearchParams } from "../router";
import { copyKey, copyLabel, sortCopies, targetOf, targetParam, type Target } from "../projects/copies";
import { StatusBadge } from "../ui/StatusBadge";
import { useBusyArtifacts } from "./ArtifactsList";
import { PairSelector, type Pair } from "./PairSelector";
import { UndoDialog } from "./UndoDialog";
import { VersionsPanel } from "./VersionsPanel";

const TIERS: Tier[] = ["upstream", "collection", "project"];

/** The most useful pair to show first: a drifted project copy, else the upstream. */
export function defaultPair(status: ArtifactStatus | undefined): Pair {
  const projects = status?.projects ?? [];
  const drifted = projects.find((p) => p.status && p.status !== "in_sync");
  if (drifted?.path) return { lhs: "collection", rhs: "project", project: drifted.path, target: targetOf(drifted.target) };
  if (status?.upstream) return { lhs: "collection", rhs: "upstream" };
  const first = projects[0];
  return first?.path ? { lhs: "collection", rhs: "project", project: first.path, target: targetOf(first.target) } : { lhs: "collection", rhs: "collection" };
}

/** The pair the URL names, or `fallback` when it names none (or only half of one). */
function pairFromUrl<F extends Pair | null>(params: URLSearchParams, fallback: F): Pair | F {
  const lhs = params.get("lhs") as Tier | null;
  const rhs = params.get("rhs") as Tier | null;
  if (!lhs || !rhs || !TIERS.includes(lhs) || !TIERS.includes(rhs)) return fallback;
  const project = params.get("project") ?? undefined;
  if ((lhs === "project" || rhs === "project") && !project) return fallback;
  if (lhs !== "project" && rhs !== "project") return { lhs, rhs };
  return { lhs, rhs, project, target: targetOf(params.get("target")) };
}

type Open = null | "sync" | "undo" | "patch";

/** A tier as a diff pane names it: "upstream", "collection", "project NAME" or "project NAME · TARGET". */
function tierLabel(tier: Tier, project: string | undefined, target: Target | undefined): string {
  return tier === "project" && project ? `project ${copyLabel(project, target)}` : tier;
}

export function ArtifactPage({ id, conflict }: { id: string; conflict?: { project?: string | undefined; target?: string | undefined } | undefined }) {
  const detail = useArtifact(id);
  const versions = useVersions(id);
  const [params, setParams] = useSearchParams();
  const [open, setOpen] = useState<Open>(null);
  const qc = useQueryClient();
  const busy = useBusyArtifacts();

  const status = detail.data?.status ?? undefined;
  const info = detail.data?.artifact;
  const copies = useMemo(
    () => sortCopies((versions.data?.projects ?? status?.projects ?? []).filter((p) => p.path).map((p) => ({ path: p.path ?? "", target: targetOf(p.target) }))),
    [versions.data, status],
  );
  const projects = useMemo(() => [...new Set(copies.map((c) => c.path))], [copies]);
  const urlPair = pairFromUrl(params, null);
  const pair = urlPair ?? defaultPair(status);
  const narrow = typeof window !== "undefined" && window.matchMedia?.("(max-width: 800px)").matches;
  const mode: Mode = params.get("view") === "unified" || params.get("view") === "split" ? (params.get("view") as Mode) : narrow ? "unified" : "split";
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  // A pair named in the URL needs nothing else: its diff is asked for at
  // once, beside the artifact and its versions rather than after them.
  const ready = urlPair !== null || !!status || detail.isError;
  const whitespace: Whitespace = params.get("ws") === "ignore" ? "ignore" : "show";
  const show: Show = params.get("show") === "rendered" ? "rendered" : "source";
  const diff = useDiff(id, pair.lhs, pair.rhs, pair.project, pair.project ? targetOf(pair.target) : undefined, page, whitespace, ready);

  const setPair = (p: Pair) => setParams({ lhs: p.lhs, rhs: p.rhs, project: p.project ?? null, target: (p.project && targetParam(p.target)) || null, page: null });
  // Layout, whitespace and source/rendered keep a linked line (the hash): the
  // same line is shown again in the new view.
  const setView = (patch: Record<string, string | null>) => {
    const hash = window.location.hash;
    setParams(patch);
    if (hash && !window.location.hash) window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search + hash);
  };
  const { lhs, rhs, project } = pair;
  const target = project ? targetOf(pair.target) : undefined;
  const loadText = useCallback(
    (file: DiffFile, side: Side) =>
      side === "old"
        ? fetchFileText(qc, id, lhs, file.old_path ?? file.path ?? "", project, target)
        : fetchFileText(qc, id, rhs, file.path ?? "", project, target),
    [qc, id, lhs, rhs, project, target],
  );

  const conflicts: { where: string; project?: string | undefined; target?: Target | undefined }[] = [];
  if (status?.upstream?.status === "conflict") conflicts.push({ where: "collection (from upstream)" });
  for (const p of status?.projects ?? [])
    if (p.status === "conflict" && p.path) conflicts.push({ where: `project ${copyLabel(p.path, p.target)}`, project: p.path, target: targetOf(p.target) });

  const closeConflict = () => navigate(artifactHref(id));

  if (detail.error && !detail.data) {
    return (
      <div className="page">
        <p>
          <Link to="/">← Artifacts</Link>
        </p>
        <h1>{id}</h1>
        <p role="alert" className="error">
          {errorMessage(detail.error)}
        </p>
      </div>
    );
  }

  return (
    <div className="page">
      <p>
        <Link to="/">← Artifacts</Link>
      </p>
      <header className="artifact-head">
        <div>
          <h1>
            <span className={`kind kind-${info?.kind ?? ""}`}>{info?.kind}</span> {info?.name ?? id}
            {busy.has(id) || busy.has("*") ? <StatusBadge status="running" /> : null}
          </h1>
          {info?.metadata?.description ? <p className="lead">{String(info.metadata.description)}</p> : null}
          {info?.source ? <p className="muted mono wrap">{info.source}</p> : null}
          {info?.plugin ? (
            <p className="muted wrap" data-testid="marketplace">
              Plugin <strong>{info.plugin}</strong> of <span className="mono">{info.marketplace}</span>
            </p>
          ) : null}
        </div>
        <div className="actions" role="toolbar" aria-label="Artifact actions">
          <button type="button" className="primary" onClick={() => setOpen("sync")}>
            Sync…
          </button>
          <button type="button" onClick={() => setOpen("undo")}>
            Undo…
          </button>
          <button type="button" onClick={() => setOpen("patch")} disabled={!info?.source || projects.length === 0} title={info?.source ? undefined : "This artifact has no upstream"}>
            Export patch…
          </button>
        </div>
      </header>
      {conflicts.length > 0 ? (
        <div className="conflict-banner" role="status">
          <strong>Conflict pending.</strong>{" "}
          {conflicts.map((c) => (
            <Link key={c.project ? copyKey(c.project, c.target) : c.where} className="button" to={conflictHref(id, c)}>
              Resolve in {c.where}
            </Link>
          ))}
        </div>
      ) : null}
      {versions.data ? <VersionsPanel versions={versions.data} /> : versions.error ? <p className="error">{errorMessage(versions.error)}</p> : <p>Loading versions…</p>}
      <section aria-labelledby="diff-title" className="diff-section">
        <h2 id="diff-title">Diff</h2>
        <PairSelector pair={pair} copies={copies} hasUpstream={!!status?.upstream || !!versions.data?.upstream} onChange={setPair} />
        {diff.data?.lhs && diff.data.rhs ? (
          <p className="muted">
            {diff.data.lhs.label} → {diff.data.rhs.label} · {diff.data.stats?.files ?? 0} files, +{diff.data.stats?.added ?? 0} −{diff.data.stats?.removed ?? 0}
          </p>
        ) : null}
        {diff.isLoading ? <p>Loading the diff…</p> : null}
        {diff.error ? (
          <p role="alert" className="error">
            {errorMessage(diff.error)}
          </p>
        ) : null}
        {diff.data?.findings?.length ? (
          <section aria-labelledby="audit-title" className="audit">
            <h3 id="audit-title">Audit findings in this change ({diff.data.findings.length})</h3>
            <p className="hint">
              What the upstream change brings that could turn an agent against you. A sync with a high finding needs a second confirmation.
            </p>
            <AuditFindings findings={diff.data.findings} />
          </section>
        ) : null}
        {diff.data ? (
          <>
            <DiffView
              key={`${pair.lhs}|${pair.rhs}|${pair.project ?? ""}|${target ?? ""}|${page}|${whitespace}|${diff.data.lhs?.hash ?? ""}|${diff.data.rhs?.hash ?? ""}`}
              files={diff.data.files ?? []}
              mode={mode}
              onModeChange={(m) => setView({ view: m })}
              whitespace={whitespace}
              onWhitespaceChange={(w) => setView({ ws: w === "ignore" ? "ignore" : null })}
              show={show}
              onShowChange={(s) => setView({ show: s === "rendered" ? "rendered" : null })}
              loadText={loadText}
              oldLabel={tierLabel(pair.lhs, pair.project, target)}
              newLabel={tierLabel(pair.rhs, pair.project, target)}
              findings={diff.data.findings}
            />
            {(diff.data.pages ?? 1) > 1 ? (
              <nav className="pager" aria-label="Diff pages">
                <button type="button" disabled={page <= 1} onClick={() => setParams({ page: String(page - 1) })}>
                  Previous files
                </button>
                <span>
                  Page {page} of {diff.data.pages} ({diff.data.total_files} files)
                </span>
                <button type="button" disabled={page >= (diff.data.pages ?? 1)} onClick={() => setParams({ page: String(page + 1) })}>
                  Next files
                </button>
              </nav>
            ) : null}
          </>
        ) : null}
      </section>
      {open === "sync" ? (
        <SyncDialog
          artifacts={[id]}
          projects={projects}
          defaultProject={pair.project ?? projects[0]}
          defaultTarget={pair.project ? target : undefined}
          defaultDirection={pair.project ? (pair.lhs === "project" ? "project_to_collection" : "collection_to_project") : "upstream_to_collection"}
          onClose={() => setOpen(null)}
        />
      ) : null}
      {open === "undo" ? <UndoDialog artifact={id} copies={copies} onClose={() => setOpen(null)} /> : null}
      {open === "patch" ? <PatchDialog artifact={id} projects={projects} defaultProject={pair.project} defaultTarget={target} onClose={() => setOpen(null)} /> : null}
      {conflict ? <ConflictDialog artifact={id} project={conflict.project} target={conflict.project ? targetOf(conflict.target) : undefined} onClose={closeConflict} /> : null}
    </div>
  );
}
