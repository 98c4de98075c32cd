/**
 * The shapes the metrics work on and produce. Kept apart from the computation so views and the
 * Prometheus formatter can import the types without the code.
 */
import type { CaseClockState } from "../clocks/case-clocks.js";

export type Severity = "none" | "low" | "medium" | "high" | "critical";

/** A severity, or "unrated" for a case nobody has rated yet. */
export type SeverityKey = Severity | "unrated";

/**
 * Worst first: the order charts stack them in and exports list them in. Every key is always
 * present in a count, so a severity with no cases reads 0 rather than disappearing from a chart.
 */
export const SEVERITY_KEYS: readonly SeverityKey[] = ["critical", "high", "medium", "low", "none", "unrated"];

export type SeverityCounts = Record<SeverityKey, number>;

/** What the metrics need to know about one case: facts only, no titles, people or text. */
export interface CaseMetricFacts {
  /** The program's slug. */
  program: string;
  severity: Severity | null;
  /** "closed" means closed; any other state is open. */
  state: string;
  receivedAt: Date;
  acknowledgedAt: Date | null;
  triagedAt: Date | null;
  fixedAt: Date | null;
  closedAt: Date | null;
  /** The case's clocks as caseClocks() reports them at the same `now`. */
  clocks: { id: string; state: CaseClockState }[];
}

/** Hours from receipt to one fact, over the cases that have that fact. */
export interface DurationStats {
  count: number;
  /** Nearest-rank median; null when count is 0. */
  medianHours: number | null;
  /** Nearest-rank 90th percentile; null when count is 0. */
  p90Hours: number | null;
  /** Sum of the durations (0 when count is 0): a Prometheus summary's _sum. */
  sumHours: number;
}

export interface ClockOutcomes {
  clockId: string;
  met: number;
  missed: number;
  /** Started, not stopped, due date still ahead. */
  running: number;
  /** Started, not stopped, due date passed: not missed yet, because it can still be stopped. */
  overdue: number;
  /** met / (met + missed); null when no clock of this id has stopped yet. */
  keptShare: number | null;
}

/** One week or month of a program's history. */
export interface SeriesPoint {
  /** Inclusive start of the bucket (UTC midnight on a Monday, or on the 1st of a month). */
  start: Date;
  /** Exclusive end: the next bucket's start. */
  end: Date;
  /** Cases received in [start, end). */
  received: number;
  /** Over the cases received in the bucket that have been acknowledged; null when none. */
  medianAcknowledgeHours: number | null;
  /** Over the cases received in the bucket that have been fixed; null when none. */
  medianFixHours: number | null;
  /** Clocks met / missed by the cases received in the bucket (as they stand at `now`). */
  clocksKept: number;
  clocksMissed: number;
  keptShare: number | null;
  /** Cases open at the bucket's end (or at `now`, for the bucket still going). */
  openAtEnd: SeverityCounts;
}

export interface ProgramMetrics {
  /** The program's slug, or ALL_PROGRAMS for the aggregate. */
  program: string;
  /** How many cases the figures cover. */
  cases: number;
  timeToAcknowledge: DurationStats;
  timeToTriage: DurationStats;
  timeToFix: DurationStats;
  /** Sorted by clock id. */
  clocks: ClockOutcomes[];
  /** Cases whose state is not "closed", by severity. */
  openBySeverity: SeverityCounts;
  /** Oldest first; the last bucket is the one containing `now`. */
  series: SeriesPoint[];
}

export type BucketSize = "week" | "month";

export interface MetricsOptions {
  now: Date;
  bucket: BucketSize;
  /** How many buckets the series holds, counting the one containing `now`. */
  buckets: number;
}
