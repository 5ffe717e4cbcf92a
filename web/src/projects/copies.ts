// A project copy is one project in one target (the folder layout an agent
// reads: .claude/, .agents/, …). A project with several targets has several
// copies of an artifact, each with its own status and base, so everything
// that lists, keys or addresses a copy needs its path and its target, never
// the path alone. Payloads leave the target out when it is claude.
import type { components } from "../api/schema";
import { basename } from "../ui/format";

export type Target = components["schemas"]["Target"];

/** Every target, in the order the server lists them (claude first). */
export const TARGETS: readonly Target[] = ["claude", "agents", "codex", "gemini", "opencode", "copilot", "cursor"];

/** Where each target keeps its artifacts, relative to the project. */
export const TARGET_ROOT: Record<Target, string> = {
  claude: ".claude",
  agents: ".agents",
  codex: ".codex",
  gemini: ".gemini",
  opencode: ".opencode",
  copilot: ".github",
  cursor: ".cursor",
};

export const DEFAULT_TARGET: Target = "claude";

export interface Copy {
  path: string;
  target: Target;
}

/** The target a payload, a URL or a form names; anything else (absent, unknown) is claude. */
export function targetOf(t: string | null | undefined): Target {
  return TARGETS.find((x) => x === t) ?? DEFAULT_TARGET;
}

/** A key unique per copy: the target comes first, so no path can make two copies collide. */
export function copyKey(path: string, target?: string | null): string {
  return `${targetOf(target)}:${path}`;
}

/** How a copy is named where space is short: "web-app", or "web-app · agents" beside claude. */
export function copyLabel(path: string, target?: string | null): string {
  const t = targetOf(target);
  return t === DEFAULT_TARGET ? basename(path) : `${basename(path)} · ${t}`;
}

/** The target as a request field: left out for claude, as the server itself leaves it out. */
export function targetParam(target: string | null | undefined): Target | undefined {
  const t = targetOf(target);
  return t === DEFAULT_TARGET ? undefined : t;
}

/** Copies sorted by project path, then in the targets' own order; each once. */
export function sortCopies(copies: Iterable<Copy>): Copy[] {
  const seen = new Map<string, Copy>();
  for (const c of copies) {
    const copy = { path: c.path, target: targetOf(c.target) };
    seen.set(copyKey(copy.path, copy.target), copy);
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target)));
}

/** Whether a listed copy (a payload's `{path, target?}`) is the copy `c`. */
export function isCopy(p: { path?: string | undefined; target?: string | null | undefined }, c: Copy): boolean {
  return p.path === c.path && targetOf(p.target) === c.target;
}
