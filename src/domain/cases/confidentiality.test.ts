import { describe, expect, it } from "vitest";
import { confidentialityFromEvents, decideConfidentiality, namedOn } from "./confidentiality.js";

const OPEN = { confidential: false, members: [] };
const team = new Set(["alice", "bob", "carol"]);

describe("confidential cases", () => {
  it("names whoever marks the case, refuses strangers, and clears the list when lifted", () => {
    expect(decideConfidentiality(OPEN, { confidential: true, members: ["bob"] }, "alice", team)).toEqual({
      kind: "changed",
      next: { confidential: true, members: ["alice", "bob"] },
      added: ["alice", "bob"],
      removed: [],
    });
    expect(
      decideConfidentiality(OPEN, { confidential: true, members: ["mallory"] }, "alice", team).kind,
    ).toBe("refused");
    const marked = { confidential: true, members: ["alice", "bob"] };
    expect(
      decideConfidentiality(marked, { confidential: true, members: ["bob"] }, "bob", team),
    ).toMatchObject({
      kind: "changed",
      added: [],
      removed: ["alice"],
      next: { confidential: true, members: ["bob"] },
    });
    expect(decideConfidentiality(marked, { confidential: true, members: ["bob"] }, "alice", team).kind).toBe(
      "unchanged",
    );
    expect(decideConfidentiality(marked, { confidential: false, members: ["bob"] }, "alice", team)).toEqual({
      kind: "changed",
      next: OPEN,
      added: [],
      removed: ["alice", "bob"],
    });
  });

  it("reads the list back from the case's events, and lets only the named see it", () => {
    const events = [
      {
        type: "case.confidentiality_changed",
        payload: { confidential: true, added: ["alice", "bob"], removed: [] },
      },
      { type: "team.note", payload: {} },
      {
        type: "case.confidentiality_changed",
        payload: { confidential: true, added: ["carol"], removed: ["alice"] },
      },
    ];
    const now = confidentialityFromEvents(events);
    expect(now).toEqual({ confidential: true, members: ["bob", "carol"] });
    expect([namedOn(now, "bob"), namedOn(now, "alice"), namedOn(OPEN, "alice")]).toEqual([true, false, true]);
  });
});
