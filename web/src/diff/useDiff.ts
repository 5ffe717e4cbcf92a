// The diff of two tiers of an artifact, as the artifact page shows it: one
// page of files, with whitespace-only changes shown or ignored. Its key
// sits under the artifacts' keys, so job events refresh it like the rest.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys } from "../api/queries";
import type { Diff, Tier } from "../api/types";
import type { Whitespace } from "./DiffView";

export function useDiffView(id: string, lhs: Tier, rhs: Tier, project: string | undefined, page: number, whitespace: Whitespace, enabled: boolean) {
  return useQuery({
    queryKey: [...keys.diff(id, lhs, rhs, project, page), whitespace],
    enabled,
    queryFn: ({ signal }) =>
      api<Diff>(`/api/v1/artifacts/${encodeURIComponent(id)}/diff`, {
        signal,
        query: { lhs, rhs, project_path: project, page, per_page: 100, whitespace: whitespace === "ignore" ? "ignore" : undefined },
      }),
  });
}
