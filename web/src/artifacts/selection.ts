// What the artifacts list and the fleet view share: a set of selected ids
// with a toggle, and every project path (deployed to, or registered and
// still empty).
import { useCallback, useMemo, useState } from "react";
import { useProjects } from "../api/queries";
import type { ArtifactStatus } from "../api/types";

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
