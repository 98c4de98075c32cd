/**
 * Nearest-rank percentiles: the p-th percentile of n values is the value at rank ceil(p × n) in
 * ascending order (rank 1 for p = 0). No interpolation, so a reported median is always a duration
 * some case actually took, and for an even count the median is the lower of the two middle values
 * (the median of 1, 2, 3, 4 is 2). Pure.
 */
import type { DurationStats } from "./types.js";

/** The nearest-rank p-th percentile (0 ≤ p ≤ 1) of `values`, or null when there are none. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be between 0 and 1, got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

export function median(values: readonly number[]): number | null {
  return nearestRank(values, 0.5);
}

export function durationStats(hours: readonly number[]): DurationStats {
  return {
    count: hours.length,
    medianHours: nearestRank(hours, 0.5),
    p90Hours: nearestRank(hours, 0.9),
    sumHours: hours.reduce((sum, h) => sum + h, 0),
  };
}
