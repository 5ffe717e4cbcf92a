// Chooses the two versions to diff: upstream, collection or any project.
// The API compares one project at a time, so picking a project on one side
// moves the other side off any other project.
import type { Tier } from "../api/types";
import { basename } from "../ui/format";

export interface Pair {
  lhs: Tier;
  rhs: Tier;
  project?: string | undefined;
}

type Side = string; // "upstream" | "collection" | "project:<path>"

function encode(tier: Tier, project: string | undefined): Side {
  return tier === "project" ? `project:${project ?? ""}` : tier;
}

function decode(s: Side): { tier: Tier; project?: string } {
  if (s.startsWith("project:")) return { tier: "project", project: s.slice("project:".length) };
  return { tier: s as Tier };
}

interface Props {
  pair: Pair;
  projects: string[];
  hasUpstream: boolean;
  onChange(p: Pair): void;
}

export function PairSelector({ pair, projects, hasUpstream, onChange }: Props) {
  const options: { value: Side; label: string }[] = [
    ...(hasUpstream ? [{ value: "upstream", label: "upstream" }] : []),
    { value: "collection", label: "collection" },
    ...projects.map((p) => ({ value: `project:${p}`, label: `project ${basename(p)}` })),
  ];
  const set = (side: "lhs" | "rhs", value: Side) => {
    const d = decode(value);
    const other = side === "lhs" ? pair.rhs : pair.lhs;
    let otherTier: Tier = other;
    if (d.tier === "project" && other === "project" && d.project !== pair.project) otherTier = "collection";
    const project = d.tier === "project" ? d.project : other === "project" && otherTier === "project" ? pair.project : undefined;
    onChange(side === "lhs" ? { lhs: d.tier, rhs: otherTier, project } : { lhs: otherTier, rhs: d.tier, project });
  };
  const swap = () => onChange({ lhs: pair.rhs, rhs: pair.lhs, project: pair.project });
  return (
    <fieldset className="pair">
      <legend>Compare</legend>
      <label>
        Old version
        <select value={encode(pair.lhs, pair.project)} onChange={(e) => set("lhs", e.target.value)}>
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
        <select value={encode(pair.rhs, pair.project)} onChange={(e) => set("rhs", e.target.value)}>
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
