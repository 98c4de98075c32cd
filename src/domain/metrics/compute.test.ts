import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALL_PROGRAMS, combineAll, computeMetrics } from "./compute.js";
import type { CaseMetricFacts, SeverityCounts } from "./types.js";

const NOW = new Date("2024-03-20T12:00:00Z"); // a Wednesday
const HOUR = 3_600_000;
const d = (iso: string) => new Date(iso);
const after = (start: Date, hours: number) => new Date(start.getTime() + hours * HOUR);
const counts = (some: Partial<SeverityCounts>): SeverityCounts => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  none: 0,
  unrated: 0,
  ...some,
});

function fact(received: string, more: Partial<CaseMetricFacts>): CaseMetricFacts {
  return {
    program: "alpha",
    severity: null,
    state: "new",
    receivedAt: d(received),
    acknowledgedAt: null,
    triagedAt: null,
    fixedAt: null,
    closedAt: null,
    clocks: [],
    ...more,
  };
}

function withTimes(received: string, ack: number | null, triage: number | null, fix: number | null) {
  const at = d(received);
  return {
    acknowledgedAt: ack === null ? null : after(at, ack),
    triagedAt: triage === null ? null : after(at, triage),
    fixedAt: fix === null ? null : after(at, fix),
  };
}

// Hand-checked fixture: alpha has five cases across Dec 2023 – Mar 2024, beta one.
const A1 = fact("2024-01-10T00:00:00Z", {
  ...withTimes("2024-01-10T00:00:00Z", 2, 10, 100),
  severity: "high",
  state: "closed",
  closedAt: d("2024-02-05T00:00:00Z"),
  clocks: [
    { id: "acknowledge", state: "met" },
    { id: "triage", state: "met" },
    { id: "fix", state: "missed" },
  ],
});
const A2 = fact("2024-01-20T00:00:00Z", {
  ...withTimes("2024-01-20T00:00:00Z", 6, 30, null),
  severity: "critical",
  state: "triaged",
  clocks: [
    { id: "acknowledge", state: "missed" },
    { id: "triage", state: "met" },
    { id: "fix", state: "overdue" },
  ],
});
const A3 = fact("2024-02-10T00:00:00Z", {
  ...withTimes("2024-02-10T00:00:00Z", 4, null, null),
  severity: "low",
  state: "closed",
  closedAt: d("2024-03-01T00:00:00Z"), // exactly the end of February: closed by then
  clocks: [
    { id: "acknowledge", state: "met" },
    { id: "triage", state: "not-started" },
  ],
});
const A4 = fact("2024-03-18T00:00:00Z", { clocks: [{ id: "acknowledge", state: "running" }] });
const A5 = fact("2023-12-15T00:00:00Z", {
  ...withTimes("2023-12-15T00:00:00Z", 1, 1, 50),
  severity: "medium",
  state: "closed",
  closedAt: d("2024-01-15T00:00:00Z"),
  clocks: [{ id: "acknowledge", state: "met" }],
});
const B1 = fact("2024-03-05T00:00:00Z", { program: "beta", severity: "none" });
const CASES = [B1, A1, A2, A3, A4, A5];
const MONTHS = { now: NOW, bucket: "month", buckets: 3 } as const;

describe("program metrics", () => {
  const [alpha, beta] = computeMetrics(CASES, MONTHS);

  it("lists programs by slug", () => {
    expect(computeMetrics(CASES, MONTHS).map((m) => [m.program, m.cases])).toEqual([
      ["alpha", 5],
      ["beta", 1],
    ]);
  });

  it("measures time to each fact over the cases that have it, nearest-rank", () => {
    // Acknowledged after 2, 6, 4, 1 h: sorted 1, 2, 4, 6; median rank 2, p90 rank ceil(3.6) = 4.
    expect(alpha?.timeToAcknowledge).toEqual({ count: 4, medianHours: 2, p90Hours: 6, sumHours: 13 });
    // Triaged after 10, 30, 1 h: median rank 2, p90 rank ceil(2.7) = 3.
    expect(alpha?.timeToTriage).toEqual({ count: 3, medianHours: 10, p90Hours: 30, sumHours: 41 });
    // Fixed after 100, 50 h: median rank 1, p90 rank 2.
    expect(alpha?.timeToFix).toEqual({ count: 2, medianHours: 50, p90Hours: 100, sumHours: 150 });
    expect(beta?.timeToAcknowledge).toEqual({ count: 0, medianHours: null, p90Hours: null, sumHours: 0 });
  });

  it("counts clock outcomes per clock, overdue apart from missed", () => {
    expect(alpha?.clocks).toEqual([
      { clockId: "acknowledge", met: 3, missed: 1, running: 1, overdue: 0, keptShare: 0.75 },
      { clockId: "fix", met: 0, missed: 1, running: 0, overdue: 1, keptShare: 0 },
      { clockId: "triage", met: 2, missed: 0, running: 0, overdue: 0, keptShare: 1 },
    ]);
    expect(beta?.clocks).toEqual([]);
  });

  it("lists a clock that has only not started, with no share", () => {
    const [only] = computeMetrics(
      [fact("2024-03-01T00:00:00Z", { clocks: [{ id: "x", state: "not-started" }] })],
      MONTHS,
    );
    expect(only?.clocks).toEqual([
      { clockId: "x", met: 0, missed: 0, running: 0, overdue: 0, keptShare: null },
    ]);
  });

  it("counts open cases by severity from their state", () => {
    expect(alpha?.openBySeverity).toEqual(counts({ critical: 1, unrated: 1 }));
    expect(beta?.openBySeverity).toEqual(counts({ none: 1 }));
  });

  it("builds a monthly series of cohorts and open counts", () => {
    expect(alpha?.series).toEqual([
      {
        start: d("2024-01-01T00:00:00Z"),
        end: d("2024-02-01T00:00:00Z"),
        received: 2, // A1, A2
        medianAcknowledgeHours: 2, // of 2 and 6: rank 1
        medianFixHours: 100, // only A1 is fixed
        clocksKept: 3, // A1 acknowledge + triage, A2 triage
        clocksMissed: 2, // A1 fix, A2 acknowledge (A2's overdue fix is not missed)
        keptShare: 0.6,
        openAtEnd: counts({ high: 1, critical: 1 }), // A1 closes after Feb 1; A5 closed Jan 15
      },
      {
        start: d("2024-02-01T00:00:00Z"),
        end: d("2024-03-01T00:00:00Z"),
        received: 1,
        medianAcknowledgeHours: 4,
        medianFixHours: null,
        clocksKept: 1,
        clocksMissed: 0,
        keptShare: 1,
        openAtEnd: counts({ critical: 1 }), // A3 closed exactly at the end
      },
      {
        start: d("2024-03-01T00:00:00Z"),
        end: d("2024-04-01T00:00:00Z"),
        received: 1,
        medianAcknowledgeHours: null,
        medianFixHours: null,
        clocksKept: 0,
        clocksMissed: 0,
        keptShare: null,
        openAtEnd: counts({ critical: 1, unrated: 1 }),
      },
    ]);
    expect(beta?.series.map((p) => [p.received, p.openAtEnd.none])).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
    ]);
  });

  it("builds weekly buckets from Monday", () => {
    const [weekly] = computeMetrics(CASES, { now: NOW, bucket: "week", buckets: 2 });
    expect(weekly?.series.map((p) => [p.start.toISOString(), p.received])).toEqual([
      ["2024-03-11T00:00:00.000Z", 0],
      ["2024-03-18T00:00:00.000Z", 1], // A4, received on the Monday
    ]);
  });

  it("counts a fact recorded before receipt as no time, not negative time", () => {
    const early = fact("2024-03-10T00:00:00Z", { acknowledgedAt: d("2024-03-09T00:00:00Z") });
    expect(computeMetrics([early], MONTHS)[0]?.timeToAcknowledge.medianHours).toBe(0);
  });

  it("has nothing to say about no cases, and refuses an invalid now", () => {
    expect(computeMetrics([], MONTHS)).toEqual([]);
    expect(() => computeMetrics(CASES, { ...MONTHS, now: new Date(Number.NaN) })).toThrow(RangeError);
  });
});

describe("all programs together", () => {
  it("recomputes over every case rather than averaging the programs", () => {
    const all = combineAll(CASES, MONTHS);
    expect(all.program).toBe(ALL_PROGRAMS);
    expect(all.cases).toBe(6);
    expect(all.timeToAcknowledge).toEqual({ count: 4, medianHours: 2, p90Hours: 6, sumHours: 13 });
    expect(all.openBySeverity).toEqual(counts({ critical: 1, none: 1, unrated: 1 }));
    expect(all.series.map((p) => p.received)).toEqual([2, 1, 2]);
  });
});

const SEVERITIES = [null, "none", "low", "medium", "high", "critical"] as const;
const STATES = ["met", "missed", "running", "overdue", "not-started"] as const;
const START = d("2023-10-01T00:00:00Z").getTime();

const arbitraryCase = fc
  .record({
    program: fc.constantFrom("a", "b", "c"),
    severity: fc.constantFrom(...SEVERITIES),
    receivedMs: fc.integer({ min: START, max: NOW.getTime() }),
    ack: fc.option(fc.integer({ min: 0, max: 500 })),
    triage: fc.option(fc.integer({ min: 0, max: 500 })),
    fix: fc.option(fc.integer({ min: 0, max: 5000 })),
    close: fc.option(fc.integer({ min: 0, max: 5000 })),
    clocks: fc.array(fc.record({ id: fc.constantFrom("ack", "fix"), state: fc.constantFrom(...STATES) }), {
      maxLength: 3,
    }),
  })
  .map((r): CaseMetricFacts => {
    const receivedAt = new Date(r.receivedMs);
    const maybe = (hours: number | null) => (hours === null ? null : after(receivedAt, hours));
    // A case cannot have closed after now: a later closing time would be a fact from the future.
    const closing = maybe(r.close);
    const closedAt = closing !== null && closing <= NOW ? closing : null;
    return {
      program: r.program,
      severity: r.severity,
      state: closedAt === null ? "triaged" : "closed",
      receivedAt,
      acknowledgedAt: maybe(r.ack),
      triagedAt: maybe(r.triage),
      fixedAt: maybe(r.fix),
      closedAt,
      clocks: r.clocks,
    };
  });

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe("properties", () => {
  it("adds up: the aggregate's counts are the programs' counts summed", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryCase, { maxLength: 40 }),
        fc.constantFrom("week" as const, "month" as const),
        (cases, bucket) => {
          const options = { now: NOW, bucket, buckets: 6 };
          const programs = computeMetrics(cases, options);
          const all = combineAll(cases, options);
          expect(sum(programs.map((p) => p.cases))).toBe(cases.length);
          expect(sum(programs.map((p) => p.timeToFix.count))).toBe(all.timeToFix.count);
          expect(sum(programs.map((p) => p.openBySeverity.unrated))).toBe(all.openBySeverity.unrated);
          all.series.forEach((point, i) => {
            expect(sum(programs.map((p) => p.series[i]?.received ?? 0))).toBe(point.received);
            expect(sum(programs.map((p) => p.series[i]?.clocksMissed ?? 0))).toBe(point.clocksMissed);
            expect(sum(programs.map((p) => p.series[i]?.openAtEnd.high ?? 0))).toBe(point.openAtEnd.high);
          });
          // Nothing is open in the current bucket that the open counts do not also see.
          const last = all.series.at(-1);
          if (last !== undefined) expect(last.openAtEnd).toEqual(all.openBySeverity);
        },
      ),
    );
  });

  it("does not depend on the order of the cases", () => {
    fc.assert(
      fc.property(
        fc
          .array(arbitraryCase, { maxLength: 30 })
          .chain((cases) =>
            fc.tuple(fc.constant(cases), fc.shuffledSubarray(cases, { minLength: cases.length })),
          ),
        ([cases, shuffled]) => {
          expect(computeMetrics(shuffled, MONTHS)).toEqual(computeMetrics(cases, MONTHS));
        },
      ),
    );
  });
});
