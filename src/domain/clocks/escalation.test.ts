import { beforeAll, describe, expect, it } from "vitest";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import { loadPolicyFile } from "../../policy/loader.js";
import type { ClockPolicy, Policy } from "../../policy/schema.js";
import { planEscalation } from "./case-escalation.js";
import {
  type ClockFacts,
  clockDueAt,
  dueSteps,
  type EscalationRule,
  type EscalationStep,
  escalationSteps,
} from "./escalation.js";

const policies: Record<string, Policy> = {};
beforeAll(async () => {
  for (const name of ["kitsu", "privacytools", "kafe"]) {
    const loaded = await loadPolicyFile(`examples/policies/${name}.yaml`);
    if (loaded.policy === undefined) throw new Error(JSON.stringify(loaded.problems));
    policies[name] = loaded.policy.policy;
  }
});

function seed(name: string, clockId: string): { clock: ClockPolicy; rule: EscalationRule; policy: Policy } {
  const policy = policies[name];
  if (policy === undefined) throw new Error(`no policy ${name}`);
  const clock = policy.serviceLevels.clocks.find((c) => c.id === clockId);
  const rule = policy.escalation.find((r) => r.clock === clockId);
  if (clock === undefined || rule === undefined) throw new Error(`no clock ${clockId} in ${name}`);
  return { clock, rule, policy };
}

const facts = (startedAt: Date | null, more: Partial<ClockFacts> = {}): ClockFacts => ({
  startedAt,
  stoppedAt: null,
  pauses: [],
  ...more,
});
const iso = (steps: EscalationStep[]) => steps.map((s) => [s.kind, s.n, s.dueAt.toISOString()]);
const hoursAfter = (from: Date, hours: number) => new Date(from.getTime() + hours * 3_600_000);

describe("Kitsu: one business day, America/Los_Angeles", () => {
  // Friday 2026-12-04 18:30 PST, after hours.
  const received = new Date("2026-12-05T02:30:00Z");
  const horizon = new Date("2026-12-10T00:00:00Z");

  it("falls due Monday 17:00 PST", () => {
    const { clock, policy } = seed("kitsu", "acknowledge");
    const due = clockDueAt(clock, policy.serviceLevels.calendar, facts(received));
    expect(due?.toISOString()).toBe("2026-12-08T01:00:00.000Z");
  });

  it("warns Monday 15:00, breaches Monday 17:00 to kitsu-help, repeats every 4 business hours", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const steps = escalationSteps("case-1", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon,
    });
    expect(iso(steps)).toEqual([
      ["warn", 0, "2026-12-07T23:00:00.000Z"], // Monday 15:00 PST: 6 of 8 business hours after 09:00
      ["breach", 0, "2026-12-08T01:00:00.000Z"], // Monday 17:00 PST
      ["repeat", 1, "2026-12-08T21:00:00.000Z"], // Tuesday 13:00 PST
      ["repeat", 2, "2026-12-09T01:00:00.000Z"], // Tuesday 17:00 PST
      ["repeat", 3, "2026-12-09T21:00:00.000Z"], // Wednesday 13:00 PST
    ]);
    const [warn, breach, repeat] = steps;
    expect(warn?.notify).toEqual(["emma"]);
    expect(warn?.message).toBeNull();
    expect(breach?.notify).toEqual(["kitsu-help"]);
    expect(breach?.message).toMatch(/nag her/);
    expect(repeat?.notify).toEqual(["kitsu-help", "emma"]);
    expect(steps.map((s) => s.idempotencyKey)).toEqual([
      "case-1:acknowledge:warn:0",
      "case-1:acknowledge:breach:0",
      "case-1:acknowledge:repeat:1",
      "case-1:acknowledge:repeat:2",
      "case-1:acknowledge:repeat:3",
    ]);
  });

  it("acknowledging Monday 16:00 stops the breach and repeats; the warning already happened", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const stopped = facts(received, { stoppedAt: new Date("2026-12-08T00:00:00Z") });
    const cal = policy.serviceLevels.calendar;
    expect(iso(escalationSteps("case-1", clock, rule, cal, stopped, { horizon }))).toEqual([
      ["warn", 0, "2026-12-07T23:00:00.000Z"],
    ]);
    expect(clockDueAt(clock, cal, stopped)).toBeNull();
  });

  it("a step due exactly when the clock stops is dropped", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const stopped = facts(received, { stoppedAt: new Date("2026-12-07T23:00:00Z") });
    expect(escalationSteps("c", clock, rule, policy.serviceLevels.calendar, stopped, { horizon })).toEqual(
      [],
    );
  });

  it("counts a business-clock pause in business hours only", () => {
    const { clock, policy } = seed("kitsu", "acknowledge");
    // Paused Saturday 10:00 to Monday 11:00 PST: only Monday 09:00–11:00 (2 business hours) counts.
    const paused = facts(received, {
      pauses: [{ from: new Date("2026-12-05T18:00:00Z"), to: new Date("2026-12-07T19:00:00Z") }],
    });
    // 8 business hours from Monday 11:00 PST → Tuesday 11:00 PST.
    expect(clockDueAt(clock, policy.serviceLevels.calendar, paused)?.toISOString()).toBe(
      "2026-12-08T19:00:00.000Z",
    );
  });

  it("repeats until the horizon however many that is; maxRepeats bounds the list, maxTimes the policy", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const cal = policy.serviceLevels.calendar;
    const far = { horizon: new Date("2028-01-01T00:00:00Z") };
    const capped = escalationSteps("c", clock, rule, cal, facts(received), { ...far, maxRepeats: 2 });
    expect(capped.filter((s) => s.kind === "repeat").map((s) => s.n)).toEqual([1, 2]);
    // Two nags a business day for about a year: far more than the 50 there used to be at most.
    const all = escalationSteps("c", clock, rule, cal, facts(received), far).filter(
      (s) => s.kind === "repeat",
    );
    expect(all.length).toBeGreaterThan(400);
    expect(all.map((s) => s.n)).toEqual(all.map((_, i) => i + 1));
    const limited = escalationSteps(
      "c",
      clock,
      { ...rule, repeat: { ...rule.repeat!, maxTimes: 3 } },
      cal,
      facts(received),
      far,
    );
    expect(limited.filter((s) => s.kind === "repeat")).toHaveLength(3);
  });

  it("around an instant, lists only the latest repeat due and the next, the same as the full schedule", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const cal = policy.serviceLevels.calendar;
    const horizon = new Date("2028-01-01T00:00:00Z");
    const all = escalationSteps("c", clock, rule, cal, facts(received), { horizon });
    const repeats = all.filter((s) => s.kind === "repeat");
    for (const n of [1, 2, 51, 120, 333]) {
      const step = repeats[n - 1]!;
      // Exactly at the n-th repeat, and just before the next one.
      for (const around of [step.dueAt, new Date(repeats[n]!.dueAt.getTime() - 1)]) {
        const lazy = escalationSteps("c", clock, rule, cal, facts(received), { horizon, around });
        expect(lazy.filter((s) => s.kind === "repeat")).toEqual([step, repeats[n]]);
        expect(lazy.filter((s) => s.kind !== "repeat")).toEqual(all.filter((s) => s.kind !== "repeat"));
      }
    }
    // Before the first repeat: the first is the next one.
    const early = escalationSteps("c", clock, rule, cal, facts(received), { horizon, around: received });
    expect(early.filter((s) => s.kind === "repeat")).toEqual([repeats[0]]);
    // maxTimes still ends them.
    const three = { ...rule, repeat: { ...rule.repeat!, maxTimes: 3 } };
    const after = escalationSteps("c", clock, three, cal, facts(received), {
      horizon,
      around: repeats[200]!.dueAt,
    });
    expect(after.filter((s) => s.kind === "repeat").map((s) => s.n)).toEqual([3]);
  });
});

describe("a case nobody acts on", () => {
  // Kitsu's acknowledgement repeats every 4 business hours after its breach, with no maxTimes.
  const received = new Date("2026-12-05T02:30:00Z");
  const caseFacts = caseFactsAt(received);

  it("is still nagged past the 50th repeat: the one due now is taken, and the next is planned", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const all = escalationSteps("k", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon: new Date("2028-01-01T00:00:00Z"),
    });
    const repeat = (n: number) => all.find((s) => s.kind === "repeat" && s.n === n)!;
    // Every step up to the 59th repeat was sent on its tick.
    const taken = new Set(all.filter((s) => s.kind !== "repeat" || s.n < 60).map((s) => s.idempotencyKey));
    const plan = planEscalation("k", policy, caseFacts, taken, repeat(60).dueAt);
    expect(plan.take).toEqual([repeat(60)]);
    expect(plan.superseded).toEqual([]);
    expect(plan.nextAt).toEqual(repeat(61).dueAt);

    // Half a year later, the worker down since the 50th: only the latest nag goes out.
    const upTo50 = new Set(all.filter((s) => s.kind !== "repeat" || s.n <= 50).map((s) => s.idempotencyKey));
    const late = planEscalation("k", policy, caseFacts, upTo50, repeat(400).dueAt);
    expect(late.take.map((s) => s.idempotencyKey)).toEqual(["k:acknowledge:repeat:400"]);
    expect(late.nextAt).toEqual(repeat(401).dueAt);
  });
});

describe("privacytools: 48 h and 72 h in plain hours", () => {
  const received = new Date("2026-11-25T10:00:00Z");
  const horizon = new Date("2026-12-31T00:00:00Z");

  it("acknowledge warns at 36 h and breaches at 48 h", () => {
    const { clock, rule, policy } = seed("privacytools", "acknowledge");
    const steps = escalationSteps("p1", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon,
    });
    expect(iso(steps)).toEqual([
      ["warn", 0, "2026-11-26T22:00:00.000Z"],
      ["breach", 0, "2026-11-27T10:00:00.000Z"],
    ]);
    expect(steps[0]?.notify).toEqual(["assignee", "admin"]);
    expect(steps[1]?.notify).toEqual(["admin"]);
    expect(steps[1]?.message).toBeNull();
  });

  it("detailed response warns at 54 h and breaches at 72 h", () => {
    const { clock, rule, policy } = seed("privacytools", "detailed-response");
    const steps = escalationSteps("p1", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon,
    });
    expect(iso(steps)).toEqual([
      ["warn", 0, "2026-11-27T16:00:00.000Z"],
      ["breach", 0, "2026-11-28T10:00:00.000Z"],
    ]);
  });

  it("leaves out what lies beyond the horizon", () => {
    const { clock, rule, policy } = seed("privacytools", "acknowledge");
    const steps = escalationSteps("p1", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon: new Date("2026-11-27T09:59:59Z"),
    });
    expect(steps.map((s) => s.kind)).toEqual(["warn"]);
  });
});

describe("Kafe: 72 h confirmation", () => {
  const received = new Date("2026-11-25T10:00:00Z");
  const horizon = new Date("2026-12-31T00:00:00Z");

  it("warns at 54 h and breaches at 72 h", () => {
    const { clock, rule, policy } = seed("kafe", "confirmation");
    const cal = policy.serviceLevels.calendar;
    expect(iso(escalationSteps("k1", clock, rule, cal, facts(received), { horizon }))).toEqual([
      ["warn", 0, "2026-11-27T16:00:00.000Z"],
      ["breach", 0, "2026-11-28T10:00:00.000Z"],
    ]);
    expect(clockDueAt(clock, cal, facts(received))?.toISOString()).toBe("2026-11-28T10:00:00.000Z");
  });

  it("a 5-hour pause (waiting for the reporter) shifts the clock by 5 hours", () => {
    const { clock, rule, policy } = seed("kafe", "confirmation");
    const cal = policy.serviceLevels.calendar;
    const paused = facts(received, {
      pauses: [{ from: hoursAfter(received, 10), to: hoursAfter(received, 15) }],
    });
    expect(clockDueAt(clock, cal, paused)?.toISOString()).toBe("2026-11-28T15:00:00.000Z");
    expect(iso(escalationSteps("k1", clock, rule, cal, paused, { horizon }))).toEqual([
      ["warn", 0, "2026-11-27T21:00:00.000Z"],
      ["breach", 0, "2026-11-28T15:00:00.000Z"],
    ]);
  });

  it("a pause after the warning moves only the breach", () => {
    const { clock, rule, policy } = seed("kafe", "confirmation");
    const paused = facts(received, {
      pauses: [{ from: hoursAfter(received, 60), to: hoursAfter(received, 65) }],
    });
    const steps = escalationSteps("k1", clock, rule, policy.serviceLevels.calendar, paused, { horizon });
    expect(iso(steps)).toEqual([
      ["warn", 0, "2026-11-27T16:00:00.000Z"],
      ["breach", 0, "2026-11-28T15:00:00.000Z"],
    ]);
  });

  it("schedules nothing while an open pause lasts", () => {
    const { clock, rule, policy } = seed("kafe", "confirmation");
    const cal = policy.serviceLevels.calendar;
    const paused = facts(received, { pauses: [{ from: hoursAfter(received, 10), to: null }] });
    expect(clockDueAt(clock, cal, paused)).toBeNull();
    expect(escalationSteps("k1", clock, rule, cal, paused, { horizon })).toEqual([]);
    const late = facts(received, { pauses: [{ from: hoursAfter(received, 60), to: null }] });
    expect(escalationSteps("k1", clock, rule, cal, late, { horizon }).map((s) => s.kind)).toEqual(["warn"]);
  });

  it("schedules nothing before the clock starts or without a rule", () => {
    const { clock, rule, policy } = seed("kafe", "confirmation");
    const cal = policy.serviceLevels.calendar;
    expect(clockDueAt(clock, cal, facts(null))).toBeNull();
    expect(escalationSteps("k1", clock, rule, cal, facts(null), { horizon })).toEqual([]);
    expect(escalationSteps("k1", clock, undefined, cal, facts(received), { horizon })).toEqual([]);
  });
});

describe("idempotency and dueSteps", () => {
  const received = new Date("2026-12-05T02:30:00Z");

  it("keeps keys stable across recomputation and horizons", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const cal = policy.serviceLevels.calendar;
    const early = escalationSteps("c9", clock, rule, cal, facts(received), {
      horizon: new Date("2026-12-08T22:00:00Z"),
    });
    const later = escalationSteps("c9", clock, rule, cal, facts(received), {
      horizon: new Date("2026-12-20T00:00:00Z"),
    });
    expect(later.slice(0, early.length)).toEqual(early);
    expect(new Set(later.map((s) => s.idempotencyKey)).size).toBe(later.length);
  });

  it("returns due steps not yet sent, in time order", () => {
    const { clock, rule, policy } = seed("kitsu", "acknowledge");
    const steps = escalationSteps("c9", clock, rule, policy.serviceLevels.calendar, facts(received), {
      horizon: new Date("2026-12-20T00:00:00Z"),
    });
    const now = new Date("2026-12-08T21:00:00Z"); // Tuesday 13:00 PST, repeat 1 exactly due
    expect(dueSteps([...steps].reverse(), now, new Set()).map((s) => s.idempotencyKey)).toEqual([
      "c9:acknowledge:warn:0",
      "c9:acknowledge:breach:0",
      "c9:acknowledge:repeat:1",
    ]);
    const sent = new Set(["c9:acknowledge:warn:0", "c9:acknowledge:breach:0"]);
    expect(dueSteps(steps, now, sent).map((s) => s.idempotencyKey)).toEqual(["c9:acknowledge:repeat:1"]);
    expect(dueSteps(steps, new Date("2026-12-07T22:59:59Z"), new Set())).toEqual([]);
  });
});
