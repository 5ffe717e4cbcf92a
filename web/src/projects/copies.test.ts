import { describe, expect, it } from "vitest";
import { choose, decodeSide, sideOf, type Pair } from "../artifacts/PairSelector";
import { conflictHref } from "../router";
import { copyKey, copyLabel, isCopy, sortCopies, targetOf, targetParam } from "./copies";

describe("copies", () => {
  it("reads an absent or unknown target as claude", () => {
    expect(targetOf(undefined)).toBe("claude");
    expect(targetOf(null)).toBe("claude");
    expect(targetOf("agents")).toBe("agents");
    expect(targetOf("vscode")).toBe("claude");
  });

  it("keys two copies of one project apart, and a claude copy the same with or without its target", () => {
    expect(copyKey("/p/web-app")).toBe(copyKey("/p/web-app", "claude"));
    expect(copyKey("/p/web-app", "agents")).not.toBe(copyKey("/p/web-app"));
    // The target comes first, so no path can pass for another copy.
    expect(copyKey("/x:agents")).not.toBe(copyKey("/x", "agents"));
  });

  it("labels a copy by its folder name, with its target unless it is claude", () => {
    expect(copyLabel("/p/web-app/")).toBe("web-app");
    expect(copyLabel("/p/web-app", "claude")).toBe("web-app");
    expect(copyLabel("/p/web-app", "agents")).toBe("web-app · agents");
    expect(targetParam("claude")).toBeUndefined();
    expect(targetParam(undefined)).toBeUndefined();
    expect(targetParam("codex")).toBe("codex");
  });

  it("sorts copies by path, then in the targets' order, each once", () => {
    const sorted = sortCopies([
      { path: "/b", target: "cursor" },
      { path: "/b", target: "agents" },
      { path: "/a", target: "agents" },
      { path: "/b", target: "claude" },
      { path: "/b", target: "agents" },
    ]);
    expect(sorted.map((c) => copyKey(c.path, c.target))).toEqual(["agents:/a", "claude:/b", "agents:/b", "cursor:/b"]);
  });

  it("matches a payload's copy by path and target, absent target as claude", () => {
    expect(isCopy({ path: "/a" }, { path: "/a", target: "claude" })).toBe(true);
    expect(isCopy({ path: "/a", target: "agents" }, { path: "/a", target: "claude" })).toBe(false);
    expect(isCopy({ path: "/a", target: "agents" }, { path: "/a", target: "agents" })).toBe(true);
    expect(isCopy({ path: "/b", target: "agents" }, { path: "/a", target: "agents" })).toBe(false);
  });
});

describe("the pair selector's sides", () => {
  it("round-trips a copy through its option value, a claude copy as its bare path", () => {
    expect(sideOf({ path: "/p/web-app", target: "claude" })).toBe("project:/p/web-app");
    expect(sideOf({ path: "/p/web-app", target: "agents" })).toBe("project:agents:/p/web-app");
    expect(decodeSide("project:agents:/p/a:b")).toEqual({ tier: "project", copy: { path: "/p/a:b", target: "agents" } });
    expect(decodeSide("project:/p/a:b")).toEqual({ tier: "project", copy: { path: "/p/a:b", target: "claude" } });
    expect(decodeSide("upstream")).toEqual({ tier: "upstream" });
  });

  it("moves the other side off a different copy of the same project", () => {
    const pair: Pair = { lhs: "collection", rhs: "project", project: "/p/api", target: "claude" };
    expect(choose(pair, "lhs", "project:agents:/p/api")).toEqual({ lhs: "project", rhs: "collection", project: "/p/api", target: "agents" });
    // Choosing the copy already on the other side keeps both on it.
    expect(choose(pair, "lhs", "project:/p/api")).toEqual({ lhs: "project", rhs: "project", project: "/p/api", target: "claude" });
    // A tier that is not a project keeps the other side's copy.
    expect(choose({ ...pair, target: "agents" }, "lhs", "upstream")).toEqual({ lhs: "upstream", rhs: "project", project: "/p/api", target: "agents" });
    expect(choose(pair, "rhs", "upstream")).toEqual({ lhs: "collection", rhs: "upstream" });
  });
});

describe("conflictHref", () => {
  it("names the copy's target unless it is claude", () => {
    expect(conflictHref("skill:pdf")).toBe("/artifacts/skill%3Apdf/conflict");
    expect(conflictHref("skill:pdf", { project: "/p/api", target: "claude" })).toBe("/artifacts/skill%3Apdf/conflict?project=%2Fp%2Fapi");
    expect(conflictHref("skill:pdf", { project: "/p/api", target: "agents" })).toBe("/artifacts/skill%3Apdf/conflict?project=%2Fp%2Fapi&target=agents");
  });
});
