import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  addBusinessHours,
  addDuration,
  type BusinessCalendar,
  businessHoursBetween,
  businessHoursPerDay,
  isWorkingDate,
  isWorkingTime,
  localDateOf,
  WEEKDAYS,
  type Weekday,
  workingPeriodOn,
} from "./index.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// Zones with DST, half/quarter-hour offsets, a 30-minute DST shift, midnight transitions, negative DST.
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/Berlin",
  "Europe/London",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "America/St_Johns",
  "America/Santiago",
  "Africa/Casablanca",
  "Asia/Tokyo",
] as const;

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

interface CalendarSpec {
  timeZone: string;
  workingDays: Weekday[];
  startMinute: number;
  endMinute: number;
  holidayOffsets: number[];
  holidayCountry: string | undefined;
}

const windowArb = fc.oneof(
  fc.constant([540, 1020] as const), // 09:00–17:00
  fc.constant([0, 1440] as const), // 24 hours, crosses every DST transition
  fc.constant([90, 240] as const), // 01:30–04:00, around typical transition hours
  fc.constant([150, 300] as const), // 02:30–05:00, starts inside the Europe/US spring gap
  fc.constant([0, 60] as const), // 00:00–01:00, inside America/Santiago's midnight gap
  fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
    .map(([s, len]) => [s, s + 1 + ((len - 1) % (1440 - s))] as const),
);

const specArb: fc.Arbitrary<CalendarSpec> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    workingDays: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    window: windowArb,
    holidayOffsets: fc.array(fc.integer({ min: -3, max: 45 }), { maxLength: 12 }),
    holidayCountry: fc.constantFrom(undefined, undefined, "US", "DE", "IN", "AU-NSW", "US-CA", "CL"),
  })
  .map(({ window, ...rest }) => ({ ...rest, startMinute: window[0], endMinute: window[1] }));

/** Holidays are placed around `from` so that they actually get in the way. */
function buildCalendar(spec: CalendarSpec, from: number): BusinessCalendar {
  const cal: BusinessCalendar = {
    timeZone: spec.timeZone,
    workingDays: spec.workingDays,
    workingHours: { start: hhmm(spec.startMinute), end: hhmm(spec.endMinute) },
    holidays: spec.holidayOffsets.map((o) => new Date(from + o * DAY).toISOString().slice(0, 10)),
  };
  if (spec.holidayCountry !== undefined) cal.holidayCountry = spec.holidayCountry;
  return cal;
}

const FROM_MIN = Date.UTC(2025, 0, 1);
const FROM_MAX = Date.UTC(2027, 11, 31);

/**
 * An amount in milliseconds, scaled to the calendar's working window so walks stay short (at most ~20
 * business days): a whole number of windows (sums that land on period ends), or arbitrary.
 */
const amountArb = fc.oneof(
  fc.integer({ min: 0, max: 20 }).map((k) => ({ windows: k, fraction: 0 })),
  fc.integer({ min: 0, max: 20_000_000 }).map((f) => ({ windows: 0, fraction: f / 1_000_000 })),
);

function amountMs(spec: CalendarSpec, a: { windows: number; fraction: number }, unit: number): number {
  const windowMs = (spec.endMinute - spec.startMinute) * MINUTE;
  return Math.floor((a.windows * windowMs + a.fraction * windowMs) / unit) * unit;
}

const add = (cal: BusinessCalendar, from: number, ms: number): number =>
  addBusinessHours(cal, new Date(from), ms / HOUR).getTime();
const betweenMs = (cal: BusinessCalendar, from: number, to: number): number =>
  Math.round(businessHoursBetween(cal, new Date(from), new Date(to)) * HOUR);

// An independent view of local wall time, straight from Intl (does not use the module's offset code).
const wallFormatters = new Map<string, Intl.DateTimeFormat>();
function localWall(timeZone: string, t: number): { date: string; weekday: Weekday; msOfDay: number } {
  let f = wallFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    wallFormatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(t).map((p) => [p.type, p.value]));
  const weekday = String(parts.weekday).slice(0, 3).toLowerCase() as Weekday;
  const msOfDay =
    ((Number(parts.hour) % 24) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000 + (t % 1000);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, msOfDay };
}

/** UTC offset of `timeZone` at `t` (ms), from the independent wall-clock view. */
function wallOffset(timeZone: string, t: number): number {
  const w = localWall(timeZone, t);
  return Date.parse(`${w.date}T00:00:00Z`) + w.msOfDay - t;
}

/** Approximate DST transitions (within a day) per zone in the test range, found by a daily scan. */
const transitions = new Map<string, number[]>(
  ZONES.map((zone) => {
    const found: number[] = [];
    let previous = wallOffset(zone, FROM_MIN);
    for (let t = FROM_MIN + DAY; t <= FROM_MAX; t += DAY) {
      const offset = wallOffset(zone, t);
      if (offset !== previous) found.push(t);
      previous = offset;
    }
    return [zone, found];
  }),
);

/** Instants in range for `zone`, half of them within ±`spread` of one of its DST transitions. */
function instantArb(zone: string, unit: number, spread: number): fc.Arbitrary<number> {
  const uniform = fc.integer({ min: FROM_MIN / unit, max: FROM_MAX / unit }).map((u) => u * unit);
  const list = transitions.get(zone) ?? [];
  if (list.length === 0) return uniform;
  const near = fc
    .tuple(fc.constantFrom(...list), fc.integer({ min: -spread / unit, max: spread / unit }))
    .map(([t, d]) => Math.floor(t / unit) * unit + d * unit);
  return fc.oneof(uniform, near);
}

/** A calendar spec with an instant in minutes (`unit` = MINUTE) or milliseconds (`unit` = 1). */
const scenarioArb = (
  unit: number,
  specs: fc.Arbitrary<CalendarSpec> = specArb,
): fc.Arbitrary<[CalendarSpec, number]> =>
  specs.chain((spec) => fc.tuple(fc.constant(spec), instantArb(spec.timeZone, unit, 2 * DAY)));

/** Exact transition instants (to the second) with the local wall minute of day just before each one. */
const exactTransitions = new Map<string, { at: number; wallMinute: number }[]>(
  ZONES.map((zone) => [
    zone,
    (transitions.get(zone) ?? []).map((day) => {
      let lo = (day - DAY) / 1000;
      let hi = day / 1000;
      const before = wallOffset(zone, lo * 1000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (wallOffset(zone, mid * 1000) === before) lo = mid;
        else hi = mid;
      }
      return { at: hi * 1000, wallMinute: Math.ceil(localWall(zone, hi * 1000 - 1000).msOfDay / MINUTE) };
    }),
  ]),
);

/**
 * Working hours that start or end near the wall time of a DST transition, and instants within ±2 hours of
 * it: exercises gaps (and, filtered out below, repeated hours).
 */
const nightScenarioArb: fc.Arbitrary<[CalendarSpec, number]> = fc
  .tuple(
    specArb,
    fc.constantFrom(...ZONES.filter((z) => (exactTransitions.get(z) ?? []).length > 0)),
    fc.nat(),
    fc.integer({ min: -60, max: 90 }),
    fc.integer({ min: 1, max: 240 }),
    fc.integer({ min: -2 * HOUR, max: 2 * HOUR }),
    fc.boolean(),
  )
  .map(([spec, timeZone, pick, delta, len, dt, anchorEnd]): [CalendarSpec, number] => {
    const list = exactTransitions.get(timeZone) ?? [];
    const tr = list[pick % list.length] ?? { at: FROM_MIN, wallMinute: 0 };
    const anchor = Math.min(1439, Math.max(1, tr.wallMinute + delta));
    const [startMinute, endMinute] = anchorEnd
      ? [Math.max(0, anchor - len), anchor]
      : [anchor, Math.min(1440, anchor + len)];
    return [{ ...spec, timeZone, startMinute, endMinute, workingDays: [...WEEKDAYS] }, tr.at + dt];
  });

/** Millisecond instants: uniform, near transitions, or night-time hours right at a transition. */
const anyScenarioArb = fc.oneof(scenarioArb(1), nightScenarioArb);

const RUNS = { numRuns: 150 };

describe("addBusinessHours properties", () => {
  it("result >= from, working time just before it, and businessHoursBetween recovers the amount", () => {
    fc.assert(
      fc.property(scenarioArb(MINUTE), amountArb, ([spec, from], amount) => {
        const cal = buildCalendar(spec, from);
        const ms = amountMs(spec, amount, MINUTE); // whole minutes
        const r = add(cal, from, ms);
        expect(r).toBeGreaterThanOrEqual(from);
        expect(betweenMs(cal, from, r)).toBe(ms);
        expect(businessHoursBetween(cal, new Date(from), new Date(r))).toBeCloseTo(ms / HOUR, 9);
        if (ms === 0) {
          expect(r).toBe(from);
        } else {
          // Minute-aligned inputs: the last minute before the result was working time.
          expect(isWorkingTime(cal, new Date(r - MINUTE))).toBe(true);
          expect(isWorkingTime(cal, new Date(r - 1))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("same with millisecond amounts and instants: the last millisecond before the result is working time", () => {
    fc.assert(
      fc.property(anyScenarioArb, amountArb, ([spec, from], amount) => {
        const cal = buildCalendar(spec, from);
        const ms = amountMs(spec, amount, 1);
        const r = add(cal, from, ms);
        expect(r).toBeGreaterThanOrEqual(from);
        expect(betweenMs(cal, from, r)).toBe(ms);
        if (ms > 0) expect(isWorkingTime(cal, new Date(r - 1))).toBe(true);
      }),
      RUNS,
    );
  });

  it("results lie in working time on a working date, or exactly at the end of that date's period", () => {
    fc.assert(
      fc.property(anyScenarioArb, amountArb, ([spec, from], amount) => {
        const cal = buildCalendar(spec, from);
        const ms = amountMs(spec, amount, 1);
        fc.pre(ms > 0);
        const r = add(cal, from, ms);
        const date = localDateOf(cal.timeZone, new Date(r - 1));
        expect(isWorkingDate(cal, date)).toBe(true);
        expect(cal.holidays).not.toContain(date);
        expect(cal.workingDays).toContain(localWall(cal.timeZone, r - 1).weekday);
        const period = workingPeriodOn(cal, date);
        expect(period).not.toBeNull();
        if (period === null) return;
        expect(period.start.getTime()).toBeLessThan(r);
        expect(r).toBeLessThanOrEqual(period.end.getTime());
        expect(isWorkingTime(cal, new Date(r)) || r === period.end.getTime()).toBe(true);
      }),
      RUNS,
    );
  });

  it("is monotonic in the amount", () => {
    fc.assert(
      fc.property(anyScenarioArb, amountArb, amountArb, ([spec, from], a1, a2) => {
        const cal = buildCalendar(spec, from);
        const [lo, hi] = [amountMs(spec, a1, 1), amountMs(spec, a2, 1)].sort((x, y) => x - y) as [
          number,
          number,
        ];
        expect(add(cal, from, lo)).toBeLessThanOrEqual(add(cal, from, hi));
      }),
      RUNS,
    );
  });

  it("composes exactly: add(add(t, a), b) == add(t, a + b), also when add(t, a) lands on a period end", () => {
    fc.assert(
      fc.property(anyScenarioArb, amountArb, amountArb, ([spec, from], a1, a2) => {
        const cal = buildCalendar(spec, from);
        const a = amountMs(spec, a1, 1);
        const b = amountMs(spec, a2, 1);
        expect(add(cal, add(cal, from, a), b)).toBe(add(cal, from, a + b));
      }),
      RUNS,
    );
  });

  it("business days are nominal working-hours days; addDuration dispatches accordingly", () => {
    fc.assert(
      fc.property(anyScenarioArb, fc.integer({ min: 0, max: 15 }), ([spec, from], n) => {
        const cal = buildCalendar(spec, from);
        const hpd = businessHoursPerDay(cal);
        expect(hpd).toBe((spec.endMinute - spec.startMinute) / 60);
        const byDays = addBusinessDays(cal, new Date(from), n).getTime();
        expect(byDays).toBe(add(cal, from, Math.round(n * hpd * HOUR)));
        expect(addDuration(cal, new Date(from), { businessDays: n }).getTime()).toBe(byDays);
        expect(addDuration(cal, new Date(from), { hours: n * 7.5 }).getTime()).toBe(from + n * 7.5 * HOUR);
        expect(addDuration(cal, new Date(from), { days: n }).getTime()).toBe(from + n * DAY);
      }),
      RUNS,
    );
  });
});

describe("businessHoursBetween and isWorkingTime properties", () => {
  it("is additive and antisymmetric", () => {
    fc.assert(
      fc.property(
        anyScenarioArb,
        fc.array(fc.integer({ min: 0, max: 20 * DAY }), { minLength: 2, maxLength: 2 }),
        ([spec, a], [d1, d2]) => {
          const cal = buildCalendar(spec, a);
          const b = a + Math.min(d1 ?? 0, d2 ?? 0);
          const c = a + Math.max(d1 ?? 0, d2 ?? 0);
          expect(betweenMs(cal, a, b) + betweenMs(cal, b, c)).toBe(betweenMs(cal, a, c));
          expect(betweenMs(cal, c, a)).toBe(-betweenMs(cal, a, c));
          expect(betweenMs(cal, a, c)).toBeLessThanOrEqual(c - a);
        },
      ),
      RUNS,
    );
  });

  it("isWorkingTime(t) exactly when [t, t + 1 ms) holds working time", () => {
    fc.assert(
      fc.property(anyScenarioArb, ([spec, t]) => {
        const cal = buildCalendar(spec, t);
        expect(betweenMs(cal, t, t + 1)).toBe(isWorkingTime(cal, new Date(t)) ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });

  it("isWorkingTime agrees with the local wall clock (outside repeated hours)", () => {
    fc.assert(
      fc.property(anyScenarioArb, ([spec, t]) => {
        const cal = buildCalendar(spec, t);
        // In a repeated hour (clocks went back) the earlier-occurrence rule makes the two views differ.
        fc.pre(wallOffset(cal.timeZone, t - 4 * HOUR) <= wallOffset(cal.timeZone, t + 4 * HOUR));
        const wall = localWall(cal.timeZone, t);
        const expected =
          isWorkingDate(cal, wall.date) &&
          cal.workingDays.includes(wall.weekday) &&
          !cal.holidays.includes(wall.date) &&
          spec.startMinute * MINUTE <= wall.msOfDay &&
          wall.msOfDay < spec.endMinute * MINUTE;
        expect(isWorkingTime(cal, new Date(t))).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("matches a minute-by-minute walk over isWorkingTime for small amounts", () => {
    const denseScenario = scenarioArb(MINUTE).filter(
      ([s]) => s.workingDays.length >= 4 && s.endMinute - s.startMinute >= 60,
    );
    fc.assert(
      fc.property(denseScenario, fc.integer({ min: 1, max: 600 }), ([spec, from], minutes) => {
        const cal = buildCalendar(spec, from);
        const target = Math.min(minutes, spec.endMinute - spec.startMinute) * MINUTE;
        let counted = 0;
        let t = from;
        for (let steps = 0; counted < target; steps++) {
          fc.pre(steps < 20_000);
          if (isWorkingTime(cal, new Date(t))) counted += MINUTE;
          t += MINUTE;
        }
        expect(add(cal, from, target)).toBe(t);
      }),
      { numRuns: 25 },
    );
  });
});
