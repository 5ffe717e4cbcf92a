import { describe, expect, it } from "vitest";
import { positionWords } from "./RemoteLine";

const at = (ahead: number, behind: number, fetched = true) => ({ url: "/srv/team.git", branch: "main", ahead, behind, fetched });

describe("positionWords", () => {
  it("says where the collection stands and what to do", () => {
    expect(positionWords(at(0, 0))).toBe("up to date with origin/main");
    expect(positionWords(at(2, 0))).toBe("2 ahead of origin/main: push to share");
    expect(positionWords(at(0, 3))).toBe("3 behind origin/main: pull to take them");
    expect(positionWords(at(1, 1))).toBe("1 ahead, 1 behind origin/main: pull, then push");
    expect(positionWords(at(1, 0, false))).toBe("not pushed yet (1 commit here)");
  });
});
