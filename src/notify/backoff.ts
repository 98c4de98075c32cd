/**
 * When the outbox tries a failed notification again. Delays grow quickly so a receiver that is down
 * for a while is not hammered, and stop after about a day: an escalation that old is better reported
 * as failed on the admin page than delivered late.
 *
 * After attempt 1 fails wait 30 s, after attempt 2 fails 2 min, then 10 min, 30 min, 1 h, 3 h, 6 h
 * and 12 h. That is 8 retries (9 attempts in all, about 22 h 42 min from first to last); after the
 * 9th failure `nextAttemptAt` returns null and the outbox gives up.
 *
 * Each delay is spread by ±10 % so notifications that failed together (a receiver outage) do not
 * all come back in the same second.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_DELAYS_MS: readonly number[] = [
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];

/** The first attempt plus one retry per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER = 0.1;

/**
 * @param attempts how many attempts have been made (and failed) so far; 0 means none yet, due now.
 * @param random a source of numbers in [0, 1), Math.random by default; tests inject a fixed one.
 * @returns when to try next, or null to give up.
 */
export function nextAttemptAt(attempts: number, now: Date, random: () => number = Math.random): Date | null {
  if (!Number.isInteger(attempts) || attempts < 0)
    throw new RangeError(`attempts must be a whole number ≥ 0`);
  if (attempts === 0) return new Date(now.getTime());
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  // Clamped so a misbehaving random source cannot push the jitter past ±10 %.
  const r = Math.min(Math.max(random(), 0), 1);
  const delay = Math.round(base * (1 + (r * 2 - 1) * JITTER));
  return new Date(now.getTime() + delay);
}
