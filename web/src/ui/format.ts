// Small display helpers.
import type { Status } from "../api/types";

export const short = (hash: string | null | undefined): string => (hash ? hash.slice(0, 8) : "—");

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const basename = (p: string): string => p.replace(/\/+$/, "").split("/").pop() ?? p;

/** The words the UI shows for each status. */
export const STATUS_LABEL: Record<Status | "running", string> = {
  in_sync: "in sync",
  behind: "update available",
  ahead: "local changes",
  diverged: "diverged",
  missing: "missing",
  untracked: "untracked",
  conflict: "conflict",
  running: "job running",
};

export const STATUS_ICON: Record<Status | "running", string> = {
  in_sync: "✓",
  behind: "↓",
  ahead: "↑",
  diverged: "⇅",
  missing: "∅",
  untracked: "?",
  conflict: "!",
  running: "⟳",
};

export const DIRECTION_LABEL: Record<string, string> = {
  upstream_to_collection: "upstream → collection",
  collection_to_project: "collection → project",
  project_to_collection: "project → collection",
  project_to_upstream: "project → patch",
};
