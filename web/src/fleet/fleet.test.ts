import { describe, expect, it } from "vitest";
import type { ArtifactStatus } from "../api/types";
import { ago } from "../ui/format";
import { fetchTimes } from "./FetchNow";
import { countAttention } from "./FleetPage";

const artifact = (up: string | null, projects: string[], repo = "file:///up", fetched = "2026-01-01T00:00:00Z"): ArtifactStatus => ({
  id: "skill:x",
  upstream: up ? ({ status: up, repository: repo, source: `${repo}#main:x`, fetched_at: fetched } as ArtifactStatus["upstream"]) : undefined,
  projects: projects.map((s, i) => ({ path: `/p${i}`, status: s })) as ArtifactStatus["projects"],
});

describe("countAttention", () => {
  it("counts upstream and project lag apart, and every other state once per cell", () => {
    const c = countAttention([
      artifact("behind", ["behind", "behind", "in_sync"]),
      artifact("diverged", ["ahead", "missing"]),
      artifact(null, ["conflict"]),
    ]);
    expect(c).toEqual({ upstreamBehind: 1, projectsBehind: 2, local: 1, diverged: 1, conflict: 1, missing: 1 });
  });
});

describe("fetchTimes", () => {
  it("gives one time per repository, the oldest first, and skips artifacts without an upstream", () => {
    const t = fetchTimes([
      artifact("in_sync", [], "file:///b", "2026-01-02T00:00:00Z"),
      artifact("in_sync", [], "file:///a", "2026-01-01T00:00:00Z"),
      artifact("behind", [], "file:///b", "2026-01-02T00:00:00Z"),
      artifact(null, []),
    ]);
    expect(t).toEqual([
      { source: "file:///a", fetchedAt: "2026-01-01T00:00:00Z" },
      { source: "file:///b", fetchedAt: "2026-01-02T00:00:00Z" },
    ]);
  });
});

describe("ago", () => {
  const now = Date.parse("2026-03-10T12:00:00Z");
  it("says how long ago in words, singular where it is one", () => {
    expect(ago("2026-03-10T11:59:50Z", now)).toBe("just now");
    expect(ago("2026-03-10T11:59:00Z", now)).toBe("1 minute ago");
    expect(ago("2026-03-10T11:15:00Z", now)).toBe("45 minutes ago");
    expect(ago("2026-03-10T10:00:00Z", now)).toBe("2 hours ago");
    expect(ago("2026-03-09T12:00:00Z", now)).toBe("1 day ago");
    expect(ago(null, now)).toBe("never");
    expect(ago("not a time", now)).toBe("not a time");
  });
});
