/**
 * Disclosure metrics per program, from case facts and an injected `now`. Pure.
 *
 * Definitions (all durations in hours, measured from `receivedAt`; a fact recorded before receipt,
 * which only imported or hand-edited data can produce, counts as 0 rather than a negative time):
 *
 * - timeToAcknowledge / timeToTriage / timeToFix: over every case passed in that has the end fact
 *   (acknowledgedAt, triagedAt, fixedAt). Cases still waiting are left out, not counted as "so far":
 *   the caller chooses the period by choosing the cases. Median and p90 are nearest-rank.
 * - clocks: per clock id, how many of the cases' clocks are met, missed, running and overdue as
 *   caseClocks() sees them at `now`. "overdue" is not "missed": the team can still stop it, late.
 *   Clocks not started yet are not counted, but their id is listed so exports keep a stable set.
 *   keptShare = met / (met + missed), null while none has stopped.
 * - openBySeverity: cases whose state is not "closed", unrated ones under "unrated".
 * - series: `buckets` UTC weeks (from Monday) or months, oldest first, the last containing `now`.
 *   received, the medians and clocksKept / clocksMissed are over the cases *received* in the bucket
 *   (so a bucket's figures keep changing while its cases are still open: they describe a cohort).
 *   openAtEnd counts cases received before the bucket's end and not closed by then: closedAt null
 *   or after the end. It follows closedAt, not state, because only closedAt says when.
 */
import { type Bucket, bucketsBack } from "./buckets.js";
import { durationStats, median } from "./quantiles.js";
import type {
  CaseMetricFacts,
  ClockOutcomes,
  MetricsOptions,
  ProgramMetrics,
  SeriesPoint,
  SeverityCounts,
  SeverityKey,
} from "./types.js";

/** The aggregate's program label: "*" can never be a program slug (policy ids are [a-z0-9-]). */
export const ALL_PROGRAMS = "*";

const HOUR_MS = 3_600_000;

type EndFact = "acknowledgedAt" | "triagedAt" | "fixedAt";

/** Hours from receipt to `fact` for the cases that have it. */
function hoursTo(cases: readonly CaseMetricFacts[], fact: EndFact): number[] {
  const hours: number[] = [];
  for (const c of cases) {
    const end = c[fact];
    if (end !== null) hours.push(Math.max(0, end.getTime() - c.receivedAt.getTime()) / HOUR_MS);
  }
  return hours;
}

function severityKey(c: CaseMetricFacts): SeverityKey {
  return c.severity ?? "unrated";
}

function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, none: 0, unrated: 0 };
}

function share(kept: number, missed: number): number | null {
  return kept + missed === 0 ? null : kept / (kept + missed);
}

function clockOutcomes(cases: readonly CaseMetricFacts[]): ClockOutcomes[] {
  const byId = new Map<string, ClockOutcomes>();
  for (const c of cases) {
    for (const clock of c.clocks) {
      let outcome = byId.get(clock.id);
      if (outcome === undefined) {
        outcome = { clockId: clock.id, met: 0, missed: 0, running: 0, overdue: 0, keptShare: null };
        byId.set(clock.id, outcome);
      }
      if (clock.state !== "not-started") outcome[clock.state] += 1;
    }
  }
  return [...byId.values()]
    .sort((a, b) => (a.clockId < b.clockId ? -1 : a.clockId > b.clockId ? 1 : 0))
    .map((o) => ({ ...o, keptShare: share(o.met, o.missed) }));
}

function seriesPoint(cases: readonly CaseMetricFacts[], bucket: Bucket): SeriesPoint {
  const start = bucket.start.getTime();
  const end = bucket.end.getTime();
  const received = cases.filter((c) => c.receivedAt.getTime() >= start && c.receivedAt.getTime() < end);
  let clocksKept = 0;
  let clocksMissed = 0;
  for (const c of received) {
    for (const clock of c.clocks) {
      if (clock.state === "met") clocksKept += 1;
      else if (clock.state === "missed") clocksMissed += 1;
    }
  }
  const openAtEnd = emptyCounts();
  for (const c of cases) {
    const openThen = c.receivedAt.getTime() < end && (c.closedAt === null || c.closedAt.getTime() > end);
    if (openThen) openAtEnd[severityKey(c)] += 1;
  }
  return {
    start: bucket.start,
    end: bucket.end,
    received: received.length,
    medianAcknowledgeHours: median(hoursTo(received, "acknowledgedAt")),
    medianFixHours: median(hoursTo(received, "fixedAt")),
    clocksKept,
    clocksMissed,
    keptShare: share(clocksKept, clocksMissed),
    openAtEnd,
  };
}

/** The metrics of one group of cases, labelled `program`. */
function metricsFor(
  program: string,
  cases: readonly CaseMetricFacts[],
  buckets: readonly Bucket[],
): ProgramMetrics {
  const openBySeverity = emptyCounts();
  for (const c of cases) if (c.state !== "closed") openBySeverity[severityKey(c)] += 1;
  return {
    program,
    cases: cases.length,
    timeToAcknowledge: durationStats(hoursTo(cases, "acknowledgedAt")),
    timeToTriage: durationStats(hoursTo(cases, "triagedAt")),
    timeToFix: durationStats(hoursTo(cases, "fixedAt")),
    clocks: clockOutcomes(cases),
    openBySeverity,
    series: buckets.map((bucket) => seriesPoint(cases, bucket)),
  };
}

function bucketsFor(options: MetricsOptions): Bucket[] {
  if (Number.isNaN(options.now.getTime())) throw new RangeError("now is not a valid date");
  return bucketsBack(options.now, options.bucket, options.buckets);
}

/** One entry per program that has cases, sorted by slug. */
export function computeMetrics(cases: readonly CaseMetricFacts[], options: MetricsOptions): ProgramMetrics[] {
  const buckets = bucketsFor(options);
  const byProgram = new Map<string, CaseMetricFacts[]>();
  for (const c of cases) {
    const group = byProgram.get(c.program);
    if (group === undefined) byProgram.set(c.program, [c]);
    else group.push(c);
  }
  return [...byProgram.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((program) => metricsFor(program, byProgram.get(program) ?? [], buckets));
}

/**
 * The same metrics over every program's cases together, labelled ALL_PROGRAMS. It takes the cases,
 * not the per-program results, because medians and percentiles cannot be combined from parts.
 */
export function combineAll(cases: readonly CaseMetricFacts[], options: MetricsOptions): ProgramMetrics {
  return metricsFor(ALL_PROGRAMS, cases, bucketsFor(options));
}
