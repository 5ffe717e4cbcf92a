// Server state: query keys and the hooks views use. Jobs and artifacts are
// invalidated by job events (events.tsx), so views never poll on their own
// while the event stream is up.
import { useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, apiText, ApiError, url } from "./client";
import { isFinal } from "./types";
import type {
  ArtifactDetail,
  Conflict,
  Diff,
  FetchRequest,
  Job,
  JobAccepted,
  PatchRequest,
  ProjectList,
  ResolveReport,
  ResolveRequest,
  StatusReport,
  SyncJobRequest,
  Tier,
  UndoPreview,
  UndoReport,
  UndoRequest,
  UpdateRequest,
  Versions,
} from "./types";

const enc = encodeURIComponent;

export const keys = {
  artifacts: ["artifacts"] as const,
  artifact: (id: string) => ["artifacts", "one", id] as const,
  versions: (id: string) => ["artifacts", "versions", id] as const,
  diff: (id: string, lhs: Tier, rhs: Tier, project: string | undefined, target: string | undefined, page: number) =>
    ["artifacts", "diff", id, lhs, rhs, project ?? "", target ?? "", page] as const,
  file: (id: string, tier: Tier, path: string, project: string | undefined, target: string | undefined) =>
    ["artifacts", "file", id, tier, path, project ?? "", target ?? ""] as const,
  conflict: (id: string, project: string | undefined, target: string | undefined) => ["artifacts", "conflict", id, project ?? "", target ?? ""] as const,
  projects: ["projects"] as const,
  jobs: ["jobs"] as const,
  jobList: (state: string | undefined) => ["jobs", "list", state ?? ""] as const,
  job: (id: string) => ["jobs", "one", id] as const,
};

export function useArtifacts() {
  return useQuery({ queryKey: keys.artifacts, queryFn: ({ signal }) => api<StatusReport>("/api/v1/artifacts", { signal }) });
}

export function useArtifact(id: string) {
  return useQuery({
    queryKey: keys.artifact(id),
    queryFn: ({ signal }) => api<ArtifactDetail>(`/api/v1/artifacts/${enc(id)}`, { signal }),
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: keys.versions(id),
    queryFn: ({ signal }) => api<Versions>(`/api/v1/artifacts/${enc(id)}/versions`, { signal }),
  });
}

/** One page of the diff of two tiers (a project's in its copy `target`), with whitespace-only changes shown or ignored. */
export function useDiff(
  id: string,
  lhs: Tier,
  rhs: Tier,
  project: string | undefined,
  target: string | undefined,
  page: number,
  whitespace: "show" | "ignore",
  enabled: boolean,
) {
  return useQuery({
    queryKey: [...keys.diff(id, lhs, rhs, project, target, page), whitespace],
    enabled,
    queryFn: ({ signal }) =>
      api<Diff>(`/api/v1/artifacts/${enc(id)}/diff`, {
        signal,
        query: { lhs, rhs, project_path: project, target: project ? target : undefined, page, per_page: 100, whitespace: whitespace === "ignore" ? "ignore" : undefined },
      }),
  });
}

/** The URL of one file of one tier's version (for downloads and expanding context). */
export function fileUrl(id: string, tier: Tier, path: string, project: string | undefined, target?: string): string {
  const inProject = tier === "project";
  return url(`/api/v1/artifacts/${enc(id)}/file`, { tier, path, project_path: inProject ? project : undefined, target: inProject ? target : undefined });
}

export function fetchFileText(qc: QueryClient, id: string, tier: Tier, path: string, project: string | undefined, target?: string) {
  return qc.fetchQuery({
    queryKey: keys.file(id, tier, path, project, tier === "project" ? target : undefined),
    queryFn: () => apiText(fileUrl(id, tier, path, project, target)),
    staleTime: 30_000,
  });
}

export function useConflict(id: string, project: string | undefined, target: string | undefined, enabled = true) {
  return useQuery({
    queryKey: keys.conflict(id, project, target),
    enabled,
    retry: false,
    queryFn: ({ signal }) =>
      api<Conflict>(`/api/v1/artifacts/${enc(id)}/conflict`, { signal, query: { project_path: project, target: project ? target : undefined } }),
  });
}

export function useProjects() {
  return useQuery({ queryKey: keys.projects, queryFn: ({ signal }) => api<ProjectList>("/api/v1/projects", { signal }) });
}

/**
 * While a job is unfinished its query is also refreshed on a slow timer,
 * even with the event stream up: an event that arrives while the query's
 * first fetch is in flight is folded into that fetch (TanStack Query does
 * not restart a fetch that has no data yet), so the fetch can return the
 * state from before the event and no later event would correct it.
 */
export const UNFINISHED_REFRESH_MS = 1500;

/** The newest `limit` jobs (the server keeps them newest first; 500 at most per request). */
export function useJobs(state?: string, pollMs?: number | false, limit = 50) {
  return useQuery({
    queryKey: [...keys.jobList(state), limit] as const,
    queryFn: ({ signal }) => api<{ jobs?: Job[] }>("/api/v1/sync/jobs", { signal, query: { state, limit } }),
    refetchInterval: (q) => pollMs || ((q.state.data?.jobs ?? []).some((j) => !isFinal(j.state)) ? UNFINISHED_REFRESH_MS : false),
  });
}

export function useJob(id: string | undefined, pollMs?: number | false) {
  return useQuery({
    queryKey: keys.job(id ?? ""),
    enabled: !!id,
    queryFn: ({ signal }) => api<Job>(`/api/v1/sync/jobs/${enc(id ?? "")}`, { signal }),
    // A finished job does not change; a missing one (404) or a refused
    // request (401) will not come back by asking again.
    refetchInterval: (q) =>
      (q.state.data && isFinal(q.state.data.state)) || (q.state.error instanceof ApiError && q.state.error.status < 500)
        ? false
        : pollMs || UNFINISHED_REFRESH_MS,
  });
}

export function getJob(id: string) {
  return api<Job>(`/api/v1/sync/jobs/${enc(id)}`);
}

export function startSync(req: SyncJobRequest) {
  return api<JobAccepted>("/api/v1/sync/jobs", { method: "POST", body: req });
}

/** "Update everything behind" (collection from upstream, then projects) as one job. */
export function startUpdate(req: UpdateRequest) {
  return api<JobAccepted>("/api/v1/sync/update", { method: "POST", body: req });
}

/** Refreshes the upstream cache as a job. */
export function startFetch(req: FetchRequest = {}) {
  return api<JobAccepted>("/api/v1/fetch", { method: "POST", body: req });
}

/** Pulls (or pushes) the collection's git remote as a job. */
export function startRemoteJob(action: "pull" | "push") {
  return api<JobAccepted>(`/api/v1/collection/${action}`, { method: "POST", body: {} });
}

export function startPatch(req: PatchRequest) {
  return api<JobAccepted>("/api/v1/sync/patch", { method: "POST", body: req });
}

/** After a write: everything about artifacts may have changed. */
export function invalidateArtifacts(qc: QueryClient) {
  return qc.invalidateQueries({ queryKey: keys.artifacts });
}

export function useResolve() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: ResolveRequest) => api<ResolveReport>("/api/v1/sync/resolve", { method: "POST", body: req }),
    onSuccess: () => invalidateArtifacts(qc),
  });
}

/** What undo would restore in each place (the collection, or a project copy); writes nothing. */
export function useUndoPreviews(artifact: string, places: { project?: string | undefined; target?: string | undefined }[]) {
  return useQueries({
    queries: places.map((place) => ({
      queryKey: ["artifacts", "undo", artifact, place.project ?? "", place.target ?? ""] as const,
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api<UndoPreview>("/api/v1/undo", { signal, query: { artifact, project_path: place.project, target: place.project ? place.target : undefined } }),
      retry: false,
    })),
  });
}

export function useUndo() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: UndoRequest) => api<UndoReport>("/api/v1/undo", { method: "POST", body: req }),
    onSuccess: () => invalidateArtifacts(qc),
  });
}
