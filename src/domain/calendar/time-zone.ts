/**
 * Time-zone primitives built on `Intl.DateTimeFormat` (full ICU, as shipped with Node 20). No tz library.
 *
 * Vocabulary used throughout the calendar module:
 * - *instant*: milliseconds since the Unix epoch (what `Date#getTime()` returns).
 * - *wall time*: a local date and time in some zone, encoded as "the instant it would be if the zone were
 *   UTC" (so `Date.UTC(y, m - 1, d, hh, mm)`). Arithmetic on wall times is plain calendar arithmetic.
 * - *day index*: whole local days since 1970-01-01 (`Math.floor(wall / DAY_MS)`). Weekday and ISO date
 *   of a day index do not depend on any zone.
 *
 * Wall times that do not exist or are ambiguous: `wallToInstant(W)` is the *first instant at which the
 * local clock shows W or later*. So a wall time that occurs twice (clocks go back, e.g. 02:30 on the day
 * DST ends in Europe/Berlin) resolves to its earlier occurrence (02:30 CEST, not 02:30 CET), and a wall
 * time inside a gap (clocks jump forward, e.g. 02:30 on the day DST starts in Europe/Berlin) resolves to the
 * moment of the jump (the clock goes from 01:59:59 CET to 03:00 CEST; 02:30 → 03:00 CEST). Unlike
 * Temporal's "compatible" mode (02:30 → 03:30) this keeps a working window aligned with what the wall
 * clock shows: an office open "from 02:30" is open as soon as the clock reads 03:00.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// isValidTimeZone lives in src/lib/calendar-codes.ts: the policy schema checks zones too.

/** UTC offset in milliseconds (local wall time minus UTC) of `timeZone` at `instant`. */
export function offsetAt(timeZone: string, instant: number): number {
  // ICU formats whole seconds only; drop the sub-second part so that the difference is exact.
  const whole = Math.floor(instant / 1000) * 1000;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatterFor(timeZone).formatToParts(whole)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value) % 24; // some ICU versions print "24" for midnight
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      case "era":
        bc = part.value.startsWith("B");
        break;
      default:
        break;
    }
  }
  const wallDate = new Date(0);
  wallDate.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
  wallDate.setUTCHours(hour, minute, second, 0);
  return wallDate.getTime() - whole;
}

/** Local wall time (see module comment) of `instant` in `timeZone`. */
export function toWall(timeZone: string, instant: number): number {
  return instant + offsetAt(timeZone, instant);
}

/** Local day index (days since 1970-01-01 in local wall time) of `instant` in `timeZone`. */
export function localDayIndex(timeZone: string, instant: number): number {
  return Math.floor(toWall(timeZone, instant) / DAY_MS);
}

/**
 * The first instant at which the wall clock in `timeZone` shows `wall` or later: the earlier occurrence of
 * an ambiguous wall time, the moment of the jump for a wall time inside a gap (see module comment).
 */
export function wallToInstant(timeZone: string, wall: number): number {
  // Offsets are within ±1 day, and real zones never change offset twice within two days, so the offsets
  // one day either side of the wall time bracket every candidate.
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = wall - offset;
    if (toWall(timeZone, candidate) === wall && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return best;
  // Nonexistent wall time (gap): find the transition, i.e. the first instant whose wall time passes `wall`.
  // Offsets change only on whole seconds, so bisect over seconds: `lo` shows an earlier wall time, `hi` a
  // later one (bracketed by the offsets either side of the gap).
  let lo = Math.floor(Math.min(wall - before, wall - after) / 1000);
  let hi = Math.ceil(Math.max(wall - before, wall - after) / 1000);
  if (toWall(timeZone, lo * 1000) >= wall || toWall(timeZone, hi * 1000) < wall) return wall - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (toWall(timeZone, mid * 1000) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day index of an ISO local date "YYYY-MM-DD", or `undefined` when it is not a real calendar date. */
export function parseIsoDate(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return undefined;
  return Math.floor(at.getTime() / DAY_MS);
}

/** ISO local date "YYYY-MM-DD" of a day index (years 0000–9999). */
export function isoDateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Year of a day index. */
export function yearOfDay(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

/** Weekday of a day index, 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}
