/**
 * Business-calendar arithmetic for disclosure policies ("we answer within one business day").
 *
 * Pure: no I/O, no clock. Every function takes instants (`Date`) and returns new `Date`s. Time zones come
 * from `Intl.DateTimeFormat`; public holidays from `date-holidays` (cached, see holidays.ts).
 *
 * Semantics
 * - A *working period* is, for every local date in `timeZone` whose weekday is in `workingDays` and which
 *   is neither listed in `holidays` nor a public holiday of `holidayCountry`, the half-open interval
 *   [start, end) between the local wall times `workingHours.start` and `workingHours.end` of that date.
 *   `end` may be "24:00" (midnight at the end of the date), so a 24/7 calendar is all seven days with
 *   00:00–24:00. Working hours that cross midnight (e.g. 22:00–06:00) are not supported; `validateCalendar`
 *   reports them, and every other function throws `InvalidCalendarError` on an invalid calendar.
 * - Holidays: the explicit `holidays` dates plus the "public" holidays (not bank/optional/school/observance)
 *   of `holidayCountry` ("US", "US-CA", "DE", …) per `date-holidays`, including observed substitute days
 *   (US 2026-07-03). A public holiday makes its whole local date non-working, even one that `date-holidays`
 *   starts in the afternoon; its dates are taken as local dates in the calendar's `timeZone`.
 * - Business time is real elapsed time inside working periods. Working hours are wall-clock times, so on
 *   the day DST starts in Europe/Berlin the 09:00–17:00 period still lasts 8 hours. Only when a DST
 *   transition falls *inside* the working hours (e.g. a 00:00–24:00 calendar) is that day's period
 *   shorter or longer (23 h, or 23.5 h on Australia/Lord_Howe's 30-minute shift).
 * - A working-hours boundary W on a date is the first instant at which the local clock shows W or later:
 *   a wall time that occurs twice (clocks going back) means its earlier occurrence; one that does not
 *   exist (inside a DST gap) means the moment of the jump (Berlin, 2026-03-29, "02:30" → 03:00 CEST).
 *   Transitions happen at night in practice, so this only matters for night-time working hours. A local
 *   date that does not exist at all (Pacific/Apia skipped 2011-12-30) has no working period. See
 *   time-zone.ts.
 * - One business day = the calendar's nominal working hours per day (`end - start`, 8 hours for
 *   09:00–17:00), so `addBusinessDays(cal, t, n)` is exactly `addBusinessHours(cal, t, n * hoursPerDay)`.
 * - `addBusinessHours` walks forward through working periods only. Time before the first working period
 *   after `from` does not count: Friday 10:00 + 1 business day = Monday 10:00; Friday 18:00 (after hours),
 *   Saturday, or a holiday + 1 business day = the end of the next working day's hours (Monday 17:00).
 * - A sum that lands exactly on the end of a working period returns that end (Friday 17:00), never the
 *   start of the next period. Because the walk from an instant at or after a period's end skips straight
 *   to the next period, composition is exact: for amounts a, b >= 0 (whole milliseconds)
 *   `addBusinessHours(addBusinessHours(t, a), b) == addBusinessHours(t, a + b)`.
 * - Adding 0 returns `from` unchanged, even outside working hours. Amounts must be finite and >= 0
 *   (`RangeError` otherwise); they are rounded to whole milliseconds.
 * - `businessHoursBetween(from, to)` is the working time in [from, to), in (fractional) hours; it is
 *   negative when `to` is before `from` (an overdue deadline shows negative "time left"). For any
 *   amount h >= 0: `businessHoursBetween(t, addBusinessHours(t, h)) == h` (to the millisecond).
 * - `isWorkingTime(at)` is true inside a working period: at its start, but not at its end.
 * - `addDuration` with `{ hours }` / `{ days }` is plain elapsed time (1 day = 24 h, DST ignored) and
 *   does not consult the calendar; `{ businessHours }` / `{ businessDays }` use the calendar.
 * - Walks go day by day (never minute by minute), and periods are cached per calendar, so 250 business
 *   days take a few hundred cheap steps. Compiled calendars are cached by content (not identity), so
 *   mutating a calendar object between calls is safe. A walk that meets no working time for 3660
 *   consecutive days (only possible with a decade of listed holidays) throws instead of looping.
 */
import { isValidTimeZone, parseHolidayCountry } from "../../lib/calendar-codes.js";
import { publicHolidayDays } from "./holidays.js";
import {
  DAY_MS,
  HOUR_MS,
  isoDateOfDay,
  localDayIndex,
  MINUTE_MS,
  parseIsoDate,
  wallToInstant,
  weekdayOfDay,
  yearOfDay,
} from "./time-zone.js";

export { isValidTimeZone } from "../../lib/calendar-codes.js";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface BusinessCalendar {
  /** IANA time zone, e.g. "Europe/Riga". */
  timeZone: string;
  /** Working weekdays, e.g. ["mon", "tue", "wed", "thu", "fri"]. */
  workingDays: Weekday[];
  /** Local wall times "HH:MM"; `end` > `start`, `end` may be "24:00". */
  workingHours: { start: string; end: string };
  /** Local dates "YYYY-MM-DD" that are not working days. */
  holidays: string[];
  /** ISO country, optionally with state/region ("US", "US-CA"), whose public holidays are non-working. */
  holidayCountry?: string;
}

export type Duration =
  | { hours: number }
  | { days: number }
  | { businessHours: number }
  | { businessDays: number };

/** Weekdays indexed like `Date#getUTCDay()` (0 = Sunday). */
export const WEEKDAYS: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export class InvalidCalendarError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid business calendar: ${problems.join("; ")}`);
    this.name = "InvalidCalendarError";
    this.problems = problems;
  }
}

const HH_MM = /^(\d{2}):(\d{2})$/;

/** Minutes after local midnight of "HH:MM" (00:00–23:59, plus "24:00" when `allowMidnightEnd`). */
function parseHhMm(value: unknown, allowMidnightEnd: boolean): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = HH_MM.exec(value);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return undefined;
  if (h < 24) return h * 60 + min;
  if (h === 24 && min === 0 && allowMidnightEnd) return 24 * 60;
  return undefined;
}

/**
 * Human-readable problems with `cal`; empty when it is usable. Checks the input defensively, so it can be
 * run on calendars parsed from policy files before they are trusted.
 */
export function validateCalendar(cal: BusinessCalendar): string[] {
  const problems: string[] = [];
  const raw: Partial<Record<keyof BusinessCalendar, unknown>> =
    typeof cal === "object" && cal !== null ? cal : {};
  if (typeof cal !== "object" || cal === null) problems.push("calendar must be an object");

  const tz = raw.timeZone;
  if (typeof tz !== "string" || !isValidTimeZone(tz)) {
    problems.push(`timeZone ${JSON.stringify(tz)} is not a known IANA time zone (e.g. "Europe/Riga")`);
  }

  const days = raw.workingDays;
  if (!Array.isArray(days)) {
    problems.push("workingDays must be a list of weekdays (mon, tue, wed, thu, fri, sat, sun)");
  } else {
    for (const d of days) {
      if (!WEEKDAYS.includes(d as Weekday)) {
        problems.push(`workingDays contains ${JSON.stringify(d)}, expected one of ${WEEKDAYS.join(", ")}`);
      }
    }
    if (!days.some((d) => WEEKDAYS.includes(d as Weekday))) problems.push("workingDays lists no working day");
  }

  const hours = raw.workingHours;
  if (typeof hours !== "object" || hours === null) {
    problems.push('workingHours must be { start: "HH:MM", end: "HH:MM" }');
  } else {
    const { start, end } = hours as { start?: unknown; end?: unknown };
    const s = parseHhMm(start, false);
    const e = parseHhMm(end, true);
    if (s === undefined) {
      problems.push(
        `workingHours.start ${JSON.stringify(start)} is not a time "HH:MM" between 00:00 and 23:59`,
      );
    }
    if (e === undefined) {
      problems.push(`workingHours.end ${JSON.stringify(end)} is not a time "HH:MM" between 00:00 and 24:00`);
    }
    if (s !== undefined && e !== undefined && e <= s) {
      problems.push(
        `workingHours.end (${String(end)}) must be after workingHours.start (${String(start)}); ` +
          "working hours that cross midnight are not supported",
      );
    }
  }

  const holidays = raw.holidays;
  if (!Array.isArray(holidays)) {
    problems.push('holidays must be a list of local dates "YYYY-MM-DD" (may be empty)');
  } else {
    holidays.forEach((h: unknown, i) => {
      if (typeof h !== "string" || parseIsoDate(h) === undefined) {
        problems.push(`holidays[${i}] ${JSON.stringify(h)} is not a valid date "YYYY-MM-DD"`);
      }
    });
  }

  const country = raw.holidayCountry;
  if (country !== undefined) {
    const parsed =
      typeof country === "string" ? parseHolidayCountry(country) : "holidayCountry must be a string";
    if (typeof parsed === "string") problems.push(parsed);
  }
  return problems;
}

interface Period {
  start: number;
  end: number;
}

interface CompiledCalendar {
  timeZone: string;
  working: readonly boolean[]; // by weekday index, 0 = Sunday
  startMinute: number;
  endMinute: number;
  holidays: ReadonlySet<number>; // day indexes
  holidayCountry: string | undefined;
  periods: Map<number, Period | null>; // day index -> working period (null: none)
}

const MAX_COMPILED = 256;
const MAX_CACHED_PERIODS = 20_000;
/** Give up when no working time exists within this many consecutive local days. */
const MAX_IDLE_DAYS = 3_660;

const compiledCache = new Map<string, CompiledCalendar>();

function compile(cal: BusinessCalendar): CompiledCalendar {
  if (typeof cal !== "object" || cal === null) throw new InvalidCalendarError(validateCalendar(cal));
  const key = JSON.stringify([
    cal.timeZone,
    cal.workingDays,
    cal.workingHours?.start,
    cal.workingHours?.end,
    cal.holidays,
    cal.holidayCountry ?? null,
  ]);
  const cached = compiledCache.get(key);
  if (cached !== undefined) return cached;
  const problems = validateCalendar(cal);
  if (problems.length > 0) throw new InvalidCalendarError(problems);
  const compiled: CompiledCalendar = {
    timeZone: cal.timeZone,
    working: WEEKDAYS.map((d) => cal.workingDays.includes(d)),
    startMinute: parseHhMm(cal.workingHours.start, false) ?? 0,
    endMinute: parseHhMm(cal.workingHours.end, true) ?? 0,
    holidays: new Set(cal.holidays.map((h) => parseIsoDate(h) ?? Number.NaN)),
    holidayCountry: cal.holidayCountry?.trim().toUpperCase(),
    periods: new Map(),
  };
  if (compiledCache.size >= MAX_COMPILED) compiledCache.clear();
  compiledCache.set(key, compiled);
  return compiled;
}

function isWorkingDay(c: CompiledCalendar, day: number): boolean {
  if (!c.working[weekdayOfDay(day)]) return false;
  if (c.holidays.has(day)) return false;
  if (c.holidayCountry !== undefined) {
    const year = yearOfDay(day);
    // A multi-day holiday may start in the previous year.
    if (publicHolidayDays(c.holidayCountry, year).has(day)) return false;
    if (publicHolidayDays(c.holidayCountry, year - 1).has(day)) return false;
  }
  return true;
}

function periodOn(c: CompiledCalendar, day: number): Period | null {
  const cached = c.periods.get(day);
  if (cached !== undefined) return cached;
  let period: Period | null = null;
  if (isWorkingDay(c, day)) {
    const start = wallToInstant(c.timeZone, day * DAY_MS + c.startMinute * MINUTE_MS);
    const end = wallToInstant(c.timeZone, day * DAY_MS + c.endMinute * MINUTE_MS);
    // Empty only when both boundaries fall into the same gap (e.g. 02:10–02:50 on a spring-forward day).
    if (end > start) period = { start, end };
  }
  if (c.periods.size >= MAX_CACHED_PERIODS) c.periods.clear();
  c.periods.set(day, period);
  return period;
}

function instantOf(at: Date, name: string): number {
  const t = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

function amountMs(value: number, unitMs: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return Math.round(value * unitMs);
}

function addBusinessMs(c: CompiledCalendar, from: number, ms: number): number {
  if (ms === 0) return from;
  let remaining = ms;
  let cursor = from; // working time before the cursor has been consumed
  let idle = 0;
  // Start one local day early: a period can end after its own local date (end "24:00", or a skipped date).
  for (let day = localDayIndex(c.timeZone, from) - 1; ; day++) {
    const p = periodOn(c, day);
    if (p === null || p.end <= cursor) {
      if (++idle > MAX_IDLE_DAYS) {
        throw new Error(
          `business calendar has no working time within ${MAX_IDLE_DAYS} days (after ${isoDateOfDay(day - idle)})`,
        );
      }
      continue;
    }
    idle = 0;
    const begin = Math.max(cursor, p.start);
    const available = p.end - begin;
    if (remaining <= available) return begin + remaining;
    remaining -= available;
    cursor = p.end;
  }
}

function businessMsBetween(c: CompiledCalendar, from: number, to: number): number {
  if (to < from) return -businessMsBetween(c, to, from);
  let total = 0;
  let cursor = from;
  const lastDay = localDayIndex(c.timeZone, to);
  for (let day = localDayIndex(c.timeZone, from) - 1; day <= lastDay; day++) {
    const p = periodOn(c, day);
    if (p === null) continue;
    const a = Math.max(cursor, p.start);
    const b = Math.min(to, p.end);
    if (b > a) {
      total += b - a;
      cursor = b;
    }
  }
  return total;
}

/** Nominal working hours per working day (`end - start`), i.e. the length of one business day. */
export function businessHoursPerDay(cal: BusinessCalendar): number {
  const c = compile(cal);
  return (c.endMinute - c.startMinute) / 60;
}

/** `from` plus `hours` of working time (see module comment for the exact rules). */
export function addBusinessHours(cal: BusinessCalendar, from: Date, hours: number): Date {
  const c = compile(cal);
  return new Date(addBusinessMs(c, instantOf(from, "from"), amountMs(hours, HOUR_MS, "hours")));
}

/** `from` plus `days` business days, one business day being the nominal working hours per day. */
export function addBusinessDays(cal: BusinessCalendar, from: Date, days: number): Date {
  const c = compile(cal);
  const dayMs = (c.endMinute - c.startMinute) * MINUTE_MS;
  return new Date(addBusinessMs(c, instantOf(from, "from"), amountMs(days, dayMs, "days")));
}

/** `hours`/`days` are plain elapsed time (1 day = 24 h); `businessHours`/`businessDays` use the calendar. */
export function addDuration(cal: BusinessCalendar, from: Date, d: Duration): Date {
  if ("hours" in d) return new Date(instantOf(from, "from") + amountMs(d.hours, HOUR_MS, "hours"));
  if ("days" in d) return new Date(instantOf(from, "from") + amountMs(d.days, DAY_MS, "days"));
  if ("businessHours" in d) return addBusinessHours(cal, from, d.businessHours);
  if ("businessDays" in d) return addBusinessDays(cal, from, d.businessDays);
  throw new RangeError(`unknown duration ${JSON.stringify(d)}`);
}

/** True when `at` lies inside a working period (its start included, its end excluded). */
export function isWorkingTime(cal: BusinessCalendar, at: Date): boolean {
  const c = compile(cal);
  const t = instantOf(at, "at");
  const day = localDayIndex(c.timeZone, t);
  for (const d of [day, day - 1]) {
    const p = periodOn(c, d);
    if (p !== null && p.start <= t && t < p.end) return true;
  }
  return false;
}

/** Working time in [from, to) in hours; negative when `to` is before `from`. */
export function businessHoursBetween(cal: BusinessCalendar, from: Date, to: Date): number {
  const c = compile(cal);
  return businessMsBetween(c, instantOf(from, "from"), instantOf(to, "to")) / HOUR_MS;
}

/** Local date "YYYY-MM-DD" of `at` in `timeZone`. */
export function localDateOf(timeZone: string, at: Date): string {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`);
  return isoDateOfDay(localDayIndex(timeZone, instantOf(at, "at")));
}

/** True when local date `date` ("YYYY-MM-DD") is a working weekday and not a holiday. */
export function isWorkingDate(cal: BusinessCalendar, date: string): boolean {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`${JSON.stringify(date)} is not a valid date "YYYY-MM-DD"`);
  return isWorkingDay(compile(cal), day);
}

/** The working period of local date `date` ("YYYY-MM-DD"), or null when it is not a working date. */
export function workingPeriodOn(cal: BusinessCalendar, date: string): { start: Date; end: Date } | null {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`${JSON.stringify(date)} is not a valid date "YYYY-MM-DD"`);
  const p = periodOn(compile(cal), day);
  return p === null ? null : { start: new Date(p.start), end: new Date(p.end) };
}
