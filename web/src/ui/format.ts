// Small display helpers.
import type { Status } from "../api/types";

export const short = (hash: string | null | undefined): string => (hash ? hash.slice(0, 8) : "—");

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** How long ago `iso` was, in words ("5 min ago"); `now` for tests. */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return "just now";
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (s < 3600) return plural(Math.max(1, Math.round(s / 60)), "minute");
  if (s < 86_400) return plural(Math.round(s / 3600), "hour");
  if (s < 86_400 * 60) return plural(Math.round(s / 86_400), "day");
  return when(iso);
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
  update: "update everything behind",
  fetch: "fetch upstreams",
};

/** How urgently a status asks for attention: higher first when sorting. */
export const STATUS_RANK: Record<Status, number> = {
  conflict: 6,
  diverged: 5,
  missing: 4,
  behind: 3,
  ahead: 2,
  untracked: 1,
  in_sync: 0,
};
