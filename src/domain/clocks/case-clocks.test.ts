import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import type { Policy } from "../../policy/schema.js";
import { type CaseClockFacts, caseClocks } from "./case-clocks.js";

const RECEIVED = new Date("2026-11-25T10:00:00Z");
const at = (hours: number) => new Date(RECEIVED.getTime() + hours * 3_600_000);

function policy(clocks: unknown[]): Policy {
  return acmePolicy({
    contacts: [
      { id: "alice", name: "Alice", roles: ["point-of-contact"], email: "alice@acme.example" },
      { id: "desk", name: "Help desk", roles: ["fallback"], email: "help@acme.example" },
    ],
    serviceLevels: { calendar: { timeZone: "UTC" }, clocks },
  });
}

const PLAIN = policy([
  {
    id: "acknowledge",
    kind: "acknowledge",
    within: { hours: 48 },
    stopsWhen: "team-replied",
    promise: "Within 48 hours.",
  },
  { id: "detailed", kind: "detailed-response", within: { hours: 72 }, stopsWhen: "detailed-response-sent" },
  { id: "triage", kind: "triage", within: { hours: 24 }, startsAt: "acknowledged", stopsWhen: "triaged" },
  {
    id: "critical-fix",
    kind: "resolution",
    within: { days: 7 },
    stopsWhen: "resolved",
    severity: "critical",
  },
]);

const facts = (overrides: Partial<CaseClockFacts> = {}): CaseClockFacts => caseFactsAt(RECEIVED, overrides);

describe("the clocks of a case", () => {
  it("runs the clocks that start at receipt and waits for the others", () => {
    const clocks = caseClocks(PLAIN, facts(), at(45));
    expect(clocks.map(({ id, state, text }) => ({ id, state, text }))).toEqual([
      { id: "acknowledge", state: "running", text: "due in 3 h" },
      { id: "detailed", state: "running", text: "due in 27 h" },
      { id: "triage", state: "not-started", text: "starts when the case is acknowledged" },
    ]);
    expect(clocks[0]).toMatchObject({
      label: "Acknowledge the report",
      promise: "Within 48 hours.",
      dueAt: at(48),
    });
  });

  it("is overdue past the deadline, met or missed once stopped", () => {
    expect(caseClocks(PLAIN, facts(), at(50))[0]).toMatchObject({ state: "overdue", text: "overdue by 2 h" });
    // Acknowledging counts as the team's reply (the inbox drops that deadline too).
    const acknowledged = caseClocks(PLAIN, facts({ acknowledgedAt: at(10) }), at(50));
    expect(acknowledged[0]).toMatchObject({ state: "met", text: "met", stoppedAt: at(10) });
    // The triage clock now runs from the acknowledgement.
    expect(acknowledged[2]).toMatchObject({ state: "overdue", dueAt: at(34), text: "overdue by 16 h" });
    const late = caseClocks(PLAIN, facts({ firstTeamReplyAt: at(51), acknowledgedAt: at(51) }), at(60));
    expect(late[0]).toMatchObject({ state: "missed", text: "missed by 3 h" });
  });

  it("applies severity-bound clocks only to cases of that severity, and ends everything at closing", () => {
    expect(caseClocks(PLAIN, facts({ severity: "critical" }), at(1)).map((c) => c.id)).toContain(
      "critical-fix",
    );
    const closed = caseClocks(PLAIN, facts({ closedAt: at(5) }), at(100));
    expect(closed.map(({ state, text }) => ({ state, text }))).toEqual([
      { state: "met", text: "met (the case was closed)" },
      { state: "met", text: "met (the case was closed)" },
      { state: "not-started", text: "did not start: the case is closed" },
    ]);
  });

  it("counts business time on the program's calendar", () => {
    const business = policy([
      { id: "acknowledge", kind: "acknowledge", within: { businessDays: 1 }, stopsWhen: "team-replied" },
    ]);
    // Friday 16:00 UTC: one business day later is Monday 16:00.
    const friday = new Date("2026-11-27T16:00:00Z");
    const [clock] = caseClocks(business, facts({ receivedAt: friday }), friday);
    expect(clock?.dueAt).toEqual(new Date("2026-11-30T16:00:00Z"));
  });
});
