/**
 * Public holidays from `date-holidays`, cached per country code (one `Holidays` instance each) and per
 * year (one set of ISO local dates each).
 *
 * Only holidays of type "public" count. A public holiday makes its whole local date non-working, even if
 * `date-holidays` says it starts in the afternoon; multi-day holidays cover every date they span. Dates are
 * the holiday's local dates as `date-holidays` reports them, applied to the calendar's own time zone.
 */
import Holidays from "date-holidays";
import { parseHolidayCountry } from "../../lib/calendar-codes.js";
import { DAY_MS, HOUR_MS, parseIsoDate } from "./time-zone.js";

interface CountryHolidays {
  instance: Holidays;
  years: Map<number, ReadonlySet<number>>;
}

const byCountry = new Map<string, CountryHolidays>();

function countryHolidays(code: string): CountryHolidays {
  const key = code.trim().toUpperCase();
  let entry = byCountry.get(key);
  if (entry === undefined) {
    const parsed = parseHolidayCountry(key);
    if (typeof parsed === "string") throw new Error(parsed);
    const instance =
      parsed.state === undefined
        ? new Holidays(parsed.country, { types: ["public"] })
        : parsed.region === undefined
          ? new Holidays(parsed.country, parsed.state, { types: ["public"] })
          : new Holidays(parsed.country, parsed.state, parsed.region, { types: ["public"] });
    entry = { instance, years: new Map() };
    byCountry.set(key, entry);
  }
  return entry;
}

/**
 * Day indexes (see time-zone.ts) of the public holidays of `code` that fall in local year `year`
 * (a multi-day holiday starting in December also contributes its January dates to that year's set,
 * so callers look up both the day's year and the previous one).
 */
export function publicHolidayDays(code: string, year: number): ReadonlySet<number> {
  const entry = countryHolidays(code);
  let days = entry.years.get(year);
  if (days === undefined) {
    const set = new Set<number>();
    for (const h of entry.instance.getHolidays(year)) {
      if (h.type !== "public") continue;
      const first = parseIsoDate(h.date.slice(0, 10));
      if (first === undefined) continue;
      // `date` is "YYYY-MM-DD hh:mm:ss"; count every local date touched by [start, end). `start`/`end` are
      // in the process time zone, so allow up to 2 hours of DST slack in the elapsed length.
      const [hh = 0, mm = 0, ss = 0] = h.date.slice(11, 19).split(":").map(Number);
      const startInDay = ((hh * 60 + mm) * 60 + ss) * 1000;
      const elapsed = h.end.getTime() - h.start.getTime();
      const estimate = Math.ceil((startInDay + elapsed - 2 * HOUR_MS) / DAY_MS);
      const span = Number.isFinite(estimate) ? Math.max(1, estimate) : 1;
      for (let i = 0; i < span; i++) set.add(first + i);
    }
    days = set;
    entry.years.set(year, days);
  }
  return days;
}
