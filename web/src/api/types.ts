// The API's shapes. Everything comes from the generated schema (web/openapi.json,
// which a Rust test keeps equal to the server's document); where the document
// only says "object" the engine's report is spelled out here, named after
// the Rust type that serialises it.
import type { components } from "./schema";

type S = components["schemas"];

export type Status = S["Status"];
export type Direction = S["Direction"];
export type Strategy = S["Strategy"];
export type Outcome = S["Outcome"];
export type JobState = S["JobState"];
export type SyncJobRequest = S["SyncJobRequest"];
export type JobAccepted = S["JobAccepted"];
export type ArtifactResult = S["ArtifactResult"];
export type AuditFinding = S["AuditFinding"];
export type ArtifactStatus = S["ArtifactStatus"];
export type ProjectState = S["ProjectState"];
export type UpstreamState = S["UpstreamState"];
export type StatusReport = S["StatusReport"];
export type RemotePosition = S["RemotePosition"];
export type DiffLine = S["DiffLine"];
export type DiffFile = S["DiffFile"];
export type DiffHunk = NonNullable<DiffFile["hunks"]>[number];
export type ResolveRequest = S["ResolveRequest"];
export type ResolveReport = S["ResolveReport"];
export type PatchRequest = S["PatchRequest"];
export type UpdateRequest = S["UpdateRequest"];
export type FetchRequest = S["FetchRequest"];
export type UndoRequest = S["UndoRequest"];
export type UndoReport = S["UndoReport"];
export type UndoPreview = S["UndoPreview"];
export type ProjectList = S["ProjectList"];
export type ProjectAdded = S["ProjectAdded"];
export type ApiErrorBody = S["Error"];
export type Tier = "upstream" | "collection" | "project";

/** The job as served; `results` is a list of per-artifact results. */
export type Job = S["Job"];

/** `UpstreamVersion` in crates/sync/src/report.rs. */
export interface UpstreamVersion {
  source: string;
  ref: string | null;
  commit: string | null;
  commit_time: string | null;
  commit_summary: string | null;
  fetched_at: string | null;
  hash: string | null;
  synced_commit: string | null;
  synced_hash: string | null;
  status: Status;
}

/** `CollectionVersion` in crates/sync/src/report.rs. */
export interface CollectionVersion {
  name: string;
  path: string;
  hash: string | null;
  commit: string | null;
  time: string | null;
  summary: string | null;
}

export interface Versions {
  id: string;
  upstream: UpstreamVersion | null;
  collection: CollectionVersion;
  projects: ProjectState[];
}

/** `DiffSide` in crates/sync/src/report.rs. */
export interface DiffSide {
  tier: Tier;
  hash: string | null;
  label: string;
}

export type Diff = Omit<S["Diff"], "lhs" | "rhs"> & { lhs?: DiffSide; rhs?: DiffSide };

/** `ArtifactInfo` in crates/sync/src/report.rs. */
export interface ArtifactInfo {
  id: string;
  kind: string;
  name: string;
  collection: string;
  path: string;
  hash: string | null;
  metadata: { title?: string | null; description?: string | null; [k: string]: unknown };
  files: number;
  size: number;
  source: string | null;
  ref: string | null;
  upstream_commit: string | null;
  upstream_hash: string | null;
  synced_at: string | null;
  /** The plugin marketplace it was imported through; absent otherwise. */
  marketplace?: string;
  /** The plugin of that marketplace it belongs to. */
  plugin?: string;
}

export type ArtifactDetail = Omit<S["ArtifactDetail"], "artifact"> & { artifact?: ArtifactInfo };

/** A conflict file as `ConflictFileView` serialises it. */
export interface ConflictFile {
  path: string;
  kind: string;
  base: string | null;
  ours: string | null;
  theirs: string | null;
  merged: string | null;
}

export type Conflict = Omit<S["Conflict"], "files"> & {
  files: ConflictFile[];
  project?: string | null;
  target?: S["Target"] | null;
};

/** The report of a patch job that found the copy equal to the upstream's (no bundle). */
export interface NothingToExport {
  nothing_to_export: true;
  message: string;
}

/** The report of a patch job (`PatchBundle` plus the download URL), or `NothingToExport`. */
export interface PatchReport {
  id: string;
  format: string;
  file_name: string;
  upstream: string;
  path: string;
  base_commit: string;
  propose_url?: string;
  size: number;
  download_url: string;
}

/** The report of a fetch job (`FetchReport` in crates/sync/src/report.rs). */
export interface FetchJobReport {
  fetched: { url: string; fetched_at: string; offline?: string; artifacts: string[]; warnings?: string[] }[];
}

/** A job event from `GET /api/v1/events`. */
export interface JobEvent {
  job_id: string;
  state?: JobState;
  direction?: string;
  done?: number;
  total?: number;
  duration_ms?: number | null;
}

export const FINAL_STATES: readonly JobState[] = ["success", "conflict", "error", "cancelled"];

export function isFinal(state: JobState | undefined): boolean {
  return state !== undefined && FINAL_STATES.includes(state);
}
