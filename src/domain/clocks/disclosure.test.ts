import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import type { Policy } from "../../policy/schema.js";
import type { CasePeople } from "../notifications/recipients.js";
import type { CaseClockFacts } from "./case-clocks.js";
import {
  authorityClock,
  authorityDeadline,
  disclosurePhases,
  disclosureRecipients,
  embargoEnd,
  planDisclosure,
} from "./disclosure.js";

const RECEIVED = new Date("2026-11-25T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(RECEIVED.getTime() + ms);

function policy(disclosure: unknown, extra: Record<string, unknown> = {}): Policy {
  return acmePolicy({
    contacts: [
      { id: "alice", name: "Alice", roles: ["point-of-contact"], email: "alice@acme.example" },
      { id: "dpo", name: "Dora", roles: ["privacy-officer"], email: "dpo@acme.example" },
    ],
    disclosure,
    ...extra,
  });
}

const phase = (id: string, day: number, relativeTo?: "received") => ({
  id,
  name: `Phase ${id}`,
  day,
  ...(relativeTo === undefined ? {} : { relativeTo }),
  audiences: ["customers"],
  actions: [{ kind: "notify-customers", text: `Do ${id}` }],
});

const PHASED = policy({
  phases: [phase("p0", 0), phase("p14", 14), phase("early", 3, "received")],
  authorityNotification: { when: "privacy-incident", within: { hours: 72 }, authority: "the DPA" },
});

/** Only the authority deadline (no phases in the way). */
const PRIVACY = policy({
  authorityNotification: { when: "privacy-incident", within: { hours: 72 }, authority: "the DPA" },
});

const facts = (overrides: Partial<CaseClockFacts> = {}): CaseClockFacts => caseFactsAt(RECEIVED, overrides);

describe("the embargo", () => {
  const kafe = policy({ embargo: { within: { days: 60 }, text: "Keep it confidential for 60 days." } });

  it("runs 60 days from receipt, then ends: the reporter may disclose", () => {
    expect(embargoEnd(kafe, facts(), at(10 * DAY))).toEqual({
      label: "Embargo ends",
      promise: "Keep it confidential for 60 days.",
      startedAt: RECEIVED,
      endsAt: at(60 * DAY),
      state: "running",
      text: "ends in 50 d: until then the reporter keeps the issue confidential",
    });
    expect(embargoEnd(kafe, facts(), at(60 * DAY))).toMatchObject({
      state: "ended",
      text: "ended just now: the reporter may disclose",
    });
    expect(embargoEnd(kafe, facts(), at(63 * DAY))?.text).toBe("ended 3 d ago: the reporter may disclose");
  });

  it("waits for the fix release when it starts there, and is absent without a policy embargo", () => {
    const afterFix = policy({ embargo: { within: { days: 30 }, startsAt: "fix-released" } });
    expect(embargoEnd(afterFix, facts(), at(DAY))).toMatchObject({
      endsAt: null,
      state: "not-started",
      text: "starts when the fix release is recorded",
    });
    expect(embargoEnd(afterFix, facts({ fixReleasedAt: at(DAY) }), at(DAY))?.endsAt).toEqual(at(31 * DAY));
    expect(embargoEnd(policy({}), facts(), at(0))).toBeNull();
  });
});

describe("disclosure phases", () => {
  it("have no date before the fix release, except those relative to receipt", () => {
    const phases = disclosurePhases(PHASED, facts(), at(DAY));
    expect(phases.map((p) => [p.id, p.state, p.dueAt, p.text])).toEqual([
      ["p0", "not-started", null, "starts when the fix release is recorded"],
      ["p14", "not-started", null, "starts when the fix release is recorded"],
      ["early", "upcoming", at(3 * DAY), "due in 2 d"],
    ]);
    expect(phases[0]).toMatchObject({ audiences: ["customers"], actions: [{ text: "Do p0" }] });
  });

  it("fall due day N after the fix release", () => {
    const released = facts({ fixReleasedAt: at(5 * DAY) });
    const phases = disclosurePhases(PHASED, released, at(7 * DAY));
    expect(phases.map((p) => [p.id, p.state, p.dueAt, p.text])).toEqual([
      ["p0", "due", at(5 * DAY), "fell due 2 d ago"],
      ["p14", "upcoming", at(19 * DAY), "due in 12 d"],
      ["early", "due", at(3 * DAY), "fell due 4 d ago"],
    ]);
  });

  it("outlive a case closed as resolved, not one closed otherwise", () => {
    const released = { fixReleasedAt: at(5 * DAY), closedAt: at(6 * DAY) };
    const resolved = disclosurePhases(PHASED, facts({ ...released, outcome: "resolved" }), at(7 * DAY));
    expect(resolved.map((p) => p.state)).toEqual(["due", "upcoming", "due"]);
    const dropped = disclosurePhases(PHASED, facts({ ...released, outcome: "informative" }), at(7 * DAY));
    expect(dropped.map((p) => p.state)).toEqual(["due", "stopped", "due"]);
  });
});

describe("the authority notification clock", () => {
  it("does not exist until the case is a privacy incident", () => {
    expect(authorityClock(PHASED, facts(), at(0))).toBeNull();
    expect(authorityClock(policy({}), facts({ privacyIncidentAt: at(0) }), at(0))).toBeNull();
  });

  it("runs 72 h from the privacy incident and stops when the authority is notified", () => {
    const marked = facts({ privacyIncidentAt: at(HOUR) });
    expect(authorityDeadline(PHASED, at(HOUR))).toEqual(at(73 * HOUR));
    expect(authorityClock(PHASED, marked, at(2 * HOUR))).toMatchObject({
      id: "authority-notification",
      label: "Notify the authority",
      promise: "Notify the DPA within 72 hours of a privacy incident.",
      dueAt: at(73 * HOUR),
      state: "running",
      text: "due in 2 d",
    });
    expect(authorityClock(PHASED, marked, at(75 * HOUR))).toMatchObject({
      state: "overdue",
      text: "overdue by 2 h",
    });
    const notified = facts({ privacyIncidentAt: at(HOUR), authorityNotifiedAt: at(50 * HOUR) });
    expect(authorityClock(PHASED, notified, at(80 * HOUR))).toMatchObject({
      state: "met",
      text: "met: the authority was notified",
    });
    const late = facts({ privacyIncidentAt: at(HOUR), authorityNotifiedAt: at(76 * HOUR) });
    expect(authorityClock(PHASED, late, at(80 * HOUR))).toMatchObject({
      state: "missed",
      text: "missed by 3 h",
    });
    const closed = facts({ privacyIncidentAt: at(HOUR), closedAt: at(10 * HOUR) });
    expect(authorityClock(PHASED, closed, at(80 * HOUR))?.text).toBe(
      "stopped: the case was closed without recording a notification",
    );
  });
});

describe("planDisclosure: what the timer worker owes", () => {
  const keys = (plan: ReturnType<typeof planDisclosure>) => plan.take.map((step) => step.idempotencyKey);

  it("owes nothing before the fix release but the phases relative to receipt", () => {
    const plan = planDisclosure("c1", PHASED, facts(), new Set(), at(DAY));
    expect(plan).toEqual({ take: [], superseded: [], nextAt: at(3 * DAY) });
    expect(keys(planDisclosure("c1", PHASED, facts(), new Set(), at(3 * DAY)))).toEqual([
      "c1:disclosure:early",
    ]);
  });

  it("takes each phase once, when it falls due", () => {
    const released = facts({ fixReleasedAt: at(5 * DAY) });
    const taken = new Set(["c1:disclosure:early"]);
    const day0 = planDisclosure("c1", PHASED, released, taken, at(5 * DAY));
    expect(keys(day0)).toEqual(["c1:disclosure:p0"]);
    expect(day0.take[0]).toMatchObject({
      kind: "phase",
      notify: ["assignee", "followers"],
      dueAt: at(5 * DAY),
    });
    expect(day0.nextAt).toEqual(at(19 * DAY));
    taken.add("c1:disclosure:p0");
    expect(planDisclosure("c1", PHASED, released, taken, at(6 * DAY))).toEqual({
      take: [],
      superseded: [],
      nextAt: at(19 * DAY),
    });
    // A worker that was down sends every phase that fell due meanwhile: each is its own work.
    expect(keys(planDisclosure("c1", PHASED, released, new Set(), at(30 * DAY)))).toEqual([
      "c1:disclosure:p0",
      "c1:disclosure:p14",
      "c1:disclosure:early",
    ]);
  });

  it("drops the phases of a case closed without a fix", () => {
    const closed = facts({ fixReleasedAt: at(5 * DAY), closedAt: at(6 * DAY), outcome: "spam" });
    expect(planDisclosure("c1", PHASED, closed, new Set(), at(30 * DAY))).toEqual({
      take: [],
      superseded: [],
      nextAt: null,
    });
  });

  it("warns at 75 % and breaches at the deadline, the privacy officers too; only the breach when both are due", () => {
    const marked = facts({ privacyIncidentAt: at(0) });
    expect(planDisclosure("c1", PRIVACY, marked, new Set(), at(HOUR)).nextAt).toEqual(at(54 * HOUR));
    const warn = planDisclosure("c1", PRIVACY, marked, new Set(), at(54 * HOUR));
    expect(keys(warn)).toEqual(["c1:authority:warn"]);
    expect(warn.take[0]).toMatchObject({
      kind: "authority-warn",
      deadline: at(72 * HOUR),
      notify: ["assignee", "followers", "dpo"],
    });
    expect(warn.nextAt).toEqual(at(72 * HOUR));
    const breach = planDisclosure("c1", PRIVACY, marked, new Set(["c1:authority:warn"]), at(72 * HOUR));
    expect(keys(breach)).toEqual(["c1:authority:breach"]);
    expect(breach.nextAt).toBeNull();
    const both = planDisclosure("c1", PRIVACY, marked, new Set(), at(80 * HOUR));
    expect(keys(both)).toEqual(["c1:authority:breach"]);
    expect(both.superseded.map((step) => step.idempotencyKey)).toEqual(["c1:authority:warn"]);
  });

  it("owes nothing once the authority is notified or the case closed", () => {
    const notified = facts({ privacyIncidentAt: at(0), authorityNotifiedAt: at(10 * HOUR) });
    expect(planDisclosure("c1", PRIVACY, notified, new Set(), at(80 * HOUR))).toEqual({
      take: [],
      superseded: [],
      nextAt: null,
    });
    const closed = facts({ privacyIncidentAt: at(0), closedAt: at(10 * HOUR) });
    expect(planDisclosure("c1", PRIVACY, closed, new Set(), at(80 * HOUR)).take).toEqual([]);
  });
});

describe("disclosureRecipients", () => {
  const people: CasePeople = {
    assignee: { id: "u1", email: "una@acme.example" },
    followers: [{ id: "u2", email: "fred@acme.example" }],
    reporterEmail: "ada@example.org",
  };
  const hooked = policy(
    { phases: [phase("p0", 0)] },
    {
      notifications: {
        webhooks: [
          { id: "room", format: "slack", url: "https://hooks.example.org/a", topics: ["escalation"] },
          { id: "feed", format: "generic", url: "https://hooks.example.org/b", topics: ["case-changes"] },
        ],
      },
    },
  );
  const [step] = planDisclosure("c1", hooked, facts({ fixReleasedAt: at(0) }), new Set(), at(0)).take;

  it("tells the assignee, the followers and the escalation webhooks, never the reporter", () => {
    expect(step).toBeDefined();
    if (step === undefined) return;
    expect(disclosureRecipients(hooked, step, people)).toEqual([
      { kind: "user", id: "u1", email: "una@acme.example" },
      { kind: "user", id: "u2", email: "fred@acme.example" },
      { kind: "webhook", id: "room" },
    ]);
  });

  it("falls back to the points of contact when nobody is assigned or following", () => {
    if (step === undefined) return;
    expect(
      disclosureRecipients(hooked, step, { assignee: null, followers: [], reporterEmail: null }),
    ).toEqual([
      { kind: "contact", id: "alice", email: "alice@acme.example" },
      { kind: "webhook", id: "room" },
    ]);
  });
});
