import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import type { Policy } from "../../policy/schema.js";
import { acknowledgementDueAt, type CaseClockFacts, caseClocks } from "./case-clocks.js";
import { planEscalation } from "./case-escalation.js";
import { closeOpenPauses, waitingForReporter } from "./pauses.js";

const RECEIVED = new Date("2026-11-25T10:00:00Z");
const at = (hours: number) => new Date(RECEIVED.getTime() + hours * 3_600_000);

/** Two 48 h clocks: one pauses while the case waits for the reporter, one does not. */
function policy(): Policy {
  return acmePolicy({
    serviceLevels: {
      calendar: { timeZone: "UTC" },
      clocks: [
        {
          id: "acknowledge",
          kind: "acknowledge",
          within: { hours: 48 },
          stopsWhen: "team-replied",
          pausesWhileWaitingForReporter: true,
        },
        {
          id: "detailed",
          kind: "detailed-response",
          within: { hours: 48 },
          stopsWhen: "detailed-response-sent",
        },
      ],
    },
    escalation: [
      { clock: "acknowledge", warn: { atPercent: 50, notify: ["alice"] }, breach: { notify: ["alice"] } },
      { clock: "detailed", breach: { notify: ["alice"] } },
    ],
  });
}

const facts = (overrides: Partial<CaseClockFacts> = {}): CaseClockFacts => caseFactsAt(RECEIVED, overrides);

describe("waiting for the reporter", () => {
  it("is the time from entering needs-info until leaving it, open while the case is still there", () => {
    const changes = [
      { at: at(30), from: "needs-info", to: "closed" },
      { at: at(2), from: "new", to: "needs-info" },
      { at: at(5), from: "needs-info", to: "triaged" },
      { at: at(6), from: "triaged", to: "in-progress" },
      { at: at(20), from: "in-progress", to: "needs-info" },
    ];
    expect(waitingForReporter(changes)).toEqual([
      { from: at(2), to: at(5) },
      { from: at(20), to: at(30) },
    ]);
    expect(waitingForReporter(changes.slice(1))).toEqual([
      { from: at(2), to: at(5) },
      { from: at(20), to: null },
    ]);
    expect(waitingForReporter([{ at: at(1), from: "new", to: "triaged" }])).toEqual([]);
  });

  it("ends an open wait at a given instant, and leaves out waits that begin later", () => {
    const pauses = [
      { from: at(2), to: at(5) },
      { from: at(20), to: null },
    ];
    expect(closeOpenPauses(pauses, at(25))).toEqual([
      { from: at(2), to: at(5) },
      { from: at(20), to: at(25) },
    ]);
    expect(closeOpenPauses(pauses, at(4))).toEqual([{ from: at(2), to: at(4) }]);
  });
});

describe("a clock that pauses while waiting for the reporter", () => {
  const p = policy();
  const waited = facts({ waitingForReporter: [{ from: at(10), to: at(15) }] });

  it("falls due later by the time waited; a clock without the flag does not move", () => {
    const [ack, detailed] = caseClocks(p, waited, at(20));
    expect(ack).toMatchObject({ state: "running", dueAt: at(53), text: "due in 33 h" });
    expect(detailed).toMatchObject({ state: "running", dueAt: at(48) });
  });

  it("says it is paused while the wait lasts, and shows the earliest it can fall due", () => {
    const waiting = facts({ waitingForReporter: [{ from: at(10), to: null }] });
    const [ack, detailed] = caseClocks(p, waiting, at(60));
    // 10 h ran before the wait: 38 h are left whenever the reporter answers.
    expect(ack).toMatchObject({
      state: "running",
      dueAt: at(98),
      text: "paused while waiting for the reporter (38 h left)",
    });
    expect(detailed).toMatchObject({ state: "overdue", dueAt: at(48) });
  });

  it("is met when the team replies after the unpaused deadline but before the paused one", () => {
    const replied = facts({ ...waited, acknowledgedAt: at(50), firstTeamReplyAt: at(50) });
    expect(caseClocks(p, replied, at(60))[0]).toMatchObject({ state: "met", dueAt: at(53) });
    expect(caseClocks(p, facts({ acknowledgedAt: at(50) }), at(60))[0]).toMatchObject({ state: "missed" });
    // Replying during the wait: only the time paused before the reply counts.
    const duringWait = facts({
      waitingForReporter: [{ from: at(40), to: null }],
      acknowledgedAt: at(60),
      firstTeamReplyAt: at(60),
    });
    expect(caseClocks(p, duringWait, at(70))[0]).toMatchObject({ state: "met", dueAt: at(68) });
  });

  it("moves the escalation: the warning and the breach come later, nothing is planned during an open wait", () => {
    const none = new Set<string>();
    // Unpaused, the warning (50 %) would be due at 24 h and the breach at 48 h.
    expect(planEscalation("c1", p, waited, none, at(24))).toMatchObject({ take: [], nextAt: at(29) });
    const atBreach = planEscalation("c1", p, waited, new Set(["c1:acknowledge:warn:0"]), at(48));
    // The detailed-response clock (no flag) breaches at 48 h; acknowledge only at 53 h.
    expect(atBreach.take.map((s) => s.idempotencyKey)).toEqual(["c1:detailed:breach:0"]);
    expect(atBreach.nextAt).toEqual(at(53));

    const open = facts({ waitingForReporter: [{ from: at(10), to: null }] });
    const plan = planEscalation("c1", p, open, new Set(["c1:detailed:breach:0"]), at(100));
    expect(plan).toEqual({ take: [], superseded: [], nextAt: null });
  });

  it("keeps the acknowledgement deadline (acknowledge_by) in step: null during a wait, later after it", () => {
    expect(acknowledgementDueAt(p, RECEIVED)).toEqual(at(48));
    expect(acknowledgementDueAt(p, RECEIVED, [{ from: at(10), to: null }])).toBeNull();
    expect(acknowledgementDueAt(p, RECEIVED, [{ from: at(10), to: at(15) }])).toEqual(at(53));
  });
});
