// Chooses the two versions to diff: upstream, collection or any project
// copy (a project in one of its targets). The API compares one project
// copy at a time, so picking a copy on one side moves the other side off
// any other copy.
import type { Tier } from "../api/types";
import { DEFAULT_TARGET, copyLabel, targetOf, type Copy, type Target } from "../projects/copies";

export interface Pair {
  lhs: Tier;
  rhs: Tier;
  project?: string | undefined;
  /** The target of the project copy; claude when absent. */
  target?: Target | undefined;
}

type Side = string; // "upstream" | "collection" | "project:<path>" (claude) | "project:<target>:<path>"

/** A project copy as a select option's value: the path alone for claude, else the target first. */
export function sideOf(copy: Copy): Side {
  return `project:${copy.target === DEFAULT_TARGET ? copy.path : `${copy.target}:${copy.path}`}`;
}

function encode(tier: Tier, pair: Pair): Side {
  return tier === "project" ? sideOf({ path: pair.project ?? "", target: targetOf(pair.target) }) : tier;
}

/** A side as the select names it. Project paths are absolute, so a value after "project:" that does not start with "/" starts with a target. */
export function decodeSide(s: Side): { tier: Tier; copy?: Copy } {
  if (s.startsWith("project:")) {
    const rest = s.slice("project:".length);
    const i = rest.indexOf(":");
    if (rest.startsWith("/") || i < 0) return { tier: "project", copy: { path: rest, target: DEFAULT_TARGET } };
    return { tier: "project", copy: { target: targetOf(rest.slice(0, i)), path: rest.slice(i + 1) } };
  }
  return { tier: s as Tier };
}

/** The pair after choosing `value` on one side: the other side keeps its tier, unless it was another project copy. */
export function choose(pair: Pair, side: "lhs" | "rhs", value: Side): Pair {
  const d = decodeSide(value);
  const other = side === "lhs" ? pair.rhs : pair.lhs;
  const same = d.copy && d.copy.path === pair.project && d.copy.target === targetOf(pair.target);
  const otherTier: Tier = d.tier === "project" && other === "project" && !same ? "collection" : other;
  const copy = d.copy ?? (otherTier === "project" && pair.project ? { path: pair.project, target: targetOf(pair.target) } : undefined);
  const tiers = side === "lhs" ? { lhs: d.tier, rhs: otherTier } : { lhs: otherTier, rhs: d.tier };
  return copy ? { ...tiers, project: copy.path, target: copy.target } : tiers;
}

interface Props {
  pair: Pair;
  copies: Copy[];
  hasUpstream: boolean;
  onChange(p: Pair): void;
}

export function PairSelector({ pair, copies, hasUpstream, onChange }: Props) {
  const options: { value: Side; label: string }[] = [
    ...(hasUpstream ? [{ value: "upstream", label: "upstream" }] : []),
    { value: "collection", label: "collection" },
    ...copies.map((c) => ({ value: sideOf(c), label: `project ${copyLabel(c.path, c.target)}` })),
  ];
  const swap = () => onChange({ ...pair, lhs: pair.rhs, rhs: pair.lhs });
  return (
    <fieldset className="pair">
      <legend>Compare</legend>
      <label>
        Old version
        <select value={encode(pair.lhs, pair)} onChange={(e) => onChange(choose(pair, "lhs", e.target.value))}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={swap} aria-label="Swap the two sides">
        ⇄
      </button>
      <label>
        New version
        <select value={encode(pair.rhs, pair)} onChange={(e) => onChange(choose(pair, "rhs", e.target.value))}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}
