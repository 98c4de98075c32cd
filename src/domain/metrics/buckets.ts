/**
 * Calendar buckets for the metrics' history, in UTC so every server and every viewer draws the
 * same weeks: a week starts Monday 00:00 UTC, a month on the 1st at 00:00 UTC. Buckets are
 * half-open, [start, end), so an instant belongs to exactly one. Pure.
 */
import type { BucketSize } from "./types.js";

const DAY_MS = 86_400_000;

export interface Bucket {
  start: Date;
  end: Date;
}

/** The start of the bucket containing `at`. */
export function bucketStart(at: Date, size: BucketSize): Date {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (size === "month") return new Date(Date.UTC(year, month, 1));
  const sinceMonday = (at.getUTCDay() + 6) % 7; // getUTCDay: Sunday is 0
  return new Date(Date.UTC(year, month, at.getUTCDate() - sinceMonday));
}

/** The start of the bucket `offset` buckets after the one starting at `start` (negative: before). */
function shift(start: Date, size: BucketSize, offset: number): Date {
  if (size === "week") return new Date(start.getTime() + offset * 7 * DAY_MS); // UTC has no DST
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + offset, 1));
}

/** `count` consecutive buckets, oldest first, the last one containing `now`. */
export function bucketsBack(now: Date, size: BucketSize, count: number): Bucket[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`bucket count must be a whole number ≥ 0, got ${count}`);
  }
  const current = bucketStart(now, size);
  return Array.from({ length: count }, (_, i) => {
    const offset = i - (count - 1);
    return { start: shift(current, size, offset), end: shift(current, size, offset + 1) };
  });
}
