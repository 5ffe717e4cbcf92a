// What the artifacts list and the fleet view share: a set of selected ids
// with a toggle, and every project path and project copy (deployed to, or
// registered and still empty).
import { useCallback, useMemo, useState } from "react";
import { useProjects } from "../api/queries";
import type { ArtifactStatus } from "../api/types";
import { sortCopies, targetOf, type Copy, type Target } from "../projects/copies";

export function useSelection(): [Set<string>, (id: string) => void, (ids: Set<string>) => void] {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  return [selected, toggle, setSelected];
}

/** Projects the artifacts are deployed to and registered ones (a new project holds nothing yet), sorted. */
export function useProjectPaths(artifacts: ArtifactStatus[]): string[] {
  const registered = useProjects();
  return useMemo(() => {
    const s = new Set<string>();
    artifacts.forEach((a) => a.projects?.forEach((p) => p.path && s.add(p.path)));
    registered.data?.projects?.forEach((p) => p.path && s.add(p.path));
    return [...s].sort();
  }, [artifacts, registered.data]);
}

/** Every project copy: those the artifacts are deployed to and each target of each registered project, sorted. */
export function useProjectCopies(artifacts: ArtifactStatus[]): Copy[] {
  const registered = useProjects();
  return useMemo(() => {
    const all: Copy[] = [];
    artifacts.forEach((a) => a.projects?.forEach((p) => p.path && all.push({ path: p.path, target: targetOf(p.target) })));
    registered.data?.projects?.forEach((p) => {
      if (!p.path) return;
      const targets = p.targets && p.targets.length > 0 ? p.targets : [targetOf(null)];
      targets.forEach((t) => all.push({ path: p.path ?? "", target: t }));
    });
    return sortCopies(all);
  }, [artifacts, registered.data]);
}

/** The targets of each registered project, in its own order (the first is the one read when a request names none). */
export function useProjectTargets(): Map<string, Target[]> {
  const registered = useProjects();
  return useMemo(() => {
    const m = new Map<string, Target[]>();
    registered.data?.projects?.forEach((p) => p.path && m.set(p.path, p.targets && p.targets.length > 0 ? p.targets : [targetOf(null)]));
    return m;
  }, [registered.data]);
}
