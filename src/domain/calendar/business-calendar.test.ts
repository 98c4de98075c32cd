import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  addBusinessHours,
  addDuration,
  type BusinessCalendar,
  businessHoursBetween,
  businessHoursPerDay,
  InvalidCalendarError,
  isValidTimeZone,
  isWorkingDate,
  isWorkingTime,
  localDateOf,
  validateCalendar,
  type Weekday,
  workingPeriodOn,
} from "./index.js";

// Every expected instant below is written with its hand-checked UTC offset, so the tests do not rely on the
// module's own time-zone code to produce the expectations.
const at = (iso: string): Date => new Date(iso);
const iso = (d: Date): string => d.toISOString();

const MON_FRI: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];
const ALL_DAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function calendar(timeZone: string, extra: Partial<BusinessCalendar> = {}): BusinessCalendar {
  return {
    timeZone,
    workingDays: MON_FRI,
    workingHours: { start: "09:00", end: "17:00" },
    holidays: [],
    ...extra,
  };
}

const NY = calendar("America/New_York");

describe("America/New_York, Mon–Fri 09:00–17:00 (Kitsu-like)", () => {
  it("after hours on Friday + 1 business day = end of Monday's working hours", () => {
    expect(iso(addBusinessDays(NY, at("2026-11-27T18:30:00-05:00"), 1))).toBe(
      iso(at("2026-11-30T17:00:00-05:00")),
    );
  });

  it("inside working hours on Friday + 1 business day = same time Monday", () => {
    expect(iso(addBusinessDays(NY, at("2026-11-27T10:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-30T10:00:00-05:00")),
    );
  });

  it("received on Saturday, or before hours, counts from the next working period", () => {
    expect(iso(addBusinessDays(NY, at("2026-11-28T12:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-30T17:00:00-05:00")),
    );
    expect(iso(addBusinessDays(NY, at("2026-11-30T07:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-30T17:00:00-05:00")),
    );
    expect(iso(addBusinessHours(NY, at("2026-11-30T07:00:00-05:00"), 0.5))).toBe(
      iso(at("2026-11-30T09:30:00-05:00")),
    );
  });

  it("a sum landing exactly on the end of a period returns that end, not the next start", () => {
    expect(iso(addBusinessHours(NY, at("2026-11-27T09:00:00-05:00"), 8))).toBe(
      iso(at("2026-11-27T17:00:00-05:00")),
    );
    expect(iso(addBusinessHours(NY, at("2026-11-27T16:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-27T17:00:00-05:00")),
    );
    // ...and continuing from that end skips to Monday.
    expect(iso(addBusinessHours(NY, at("2026-11-27T17:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-30T10:00:00-05:00")),
    );
  });

  it("handles fractional hours to the minute and beyond", () => {
    expect(iso(addBusinessHours(NY, at("2026-11-27T16:30:00-05:00"), 0.75))).toBe(
      iso(at("2026-11-30T09:15:00-05:00")),
    );
    expect(iso(addBusinessHours(NY, at("2026-11-27T16:59:00-05:00"), 1 / 60))).toBe(
      iso(at("2026-11-27T17:00:00-05:00")),
    );
    expect(iso(addBusinessHours(NY, at("2026-11-27T16:59:30-05:00"), 1 / 60))).toBe(
      iso(at("2026-11-30T09:00:30-05:00")),
    );
  });

  it("adding zero returns the input unchanged, even outside working hours", () => {
    expect(iso(addBusinessHours(NY, at("2026-11-28T12:00:00-05:00"), 0))).toBe(
      iso(at("2026-11-28T12:00:00-05:00")),
    );
  });

  it("isWorkingTime includes a period's start and excludes its end", () => {
    expect(isWorkingTime(NY, at("2026-11-27T09:00:00-05:00"))).toBe(true);
    expect(isWorkingTime(NY, at("2026-11-27T16:59:59.999-05:00"))).toBe(true);
    expect(isWorkingTime(NY, at("2026-11-27T17:00:00-05:00"))).toBe(false);
    expect(isWorkingTime(NY, at("2026-11-27T08:59:59.999-05:00"))).toBe(false);
    expect(isWorkingTime(NY, at("2026-11-28T12:00:00-05:00"))).toBe(false); // Saturday
  });

  it("businessHoursBetween counts working time only and is negative backwards", () => {
    const fri = at("2026-11-27T15:00:00-05:00");
    const mon = at("2026-11-30T11:30:00-05:00");
    expect(businessHoursBetween(NY, fri, mon)).toBe(4.5);
    expect(businessHoursBetween(NY, mon, fri)).toBe(-4.5);
    expect(businessHoursBetween(NY, fri, fri)).toBe(0);
    expect(businessHoursBetween(NY, at("2026-11-28T00:00:00-05:00"), at("2026-11-30T00:00:00-05:00"))).toBe(
      0,
    );
    expect(businessHoursBetween(NY, at("2026-11-23T00:00:00-05:00"), at("2026-11-30T00:00:00-05:00"))).toBe(
      40,
    );
  });

  it("businessHoursPerDay is the nominal length of the working hours", () => {
    expect(businessHoursPerDay(NY)).toBe(8);
    expect(businessHoursPerDay(calendar("UTC", { workingHours: { start: "08:30", end: "12:15" } }))).toBe(
      3.75,
    );
  });
});

describe("holidays", () => {
  const wednesday = at("2026-11-25T10:00:00-05:00");

  it("Thanksgiving from an explicit list", () => {
    expect(iso(addBusinessDays(NY, wednesday, 1))).toBe(iso(at("2026-11-26T10:00:00-05:00")));
    const cal = calendar("America/New_York", { holidays: ["2026-11-26"] });
    expect(iso(addBusinessDays(cal, wednesday, 1))).toBe(iso(at("2026-11-27T10:00:00-05:00")));
    expect(isWorkingDate(cal, "2026-11-26")).toBe(false);
    expect(workingPeriodOn(cal, "2026-11-26")).toBeNull();
  });

  it("Thanksgiving via holidayCountry US", () => {
    const cal = calendar("America/New_York", { holidayCountry: "US" });
    expect(iso(addBusinessDays(cal, wednesday, 1))).toBe(iso(at("2026-11-27T10:00:00-05:00")));
    expect(isWorkingTime(cal, at("2026-11-26T10:00:00-05:00"))).toBe(false);
    // Received on the holiday itself: skip to the next working period.
    expect(iso(addBusinessDays(cal, at("2026-11-26T11:00:00-05:00"), 1))).toBe(
      iso(at("2026-11-27T17:00:00-05:00")),
    );
  });

  it("state holidays via holidayCountry US-CA (day after Thanksgiving)", () => {
    const cal = calendar("America/Los_Angeles", { holidayCountry: "US-CA" });
    expect(iso(addBusinessDays(cal, at("2026-11-25T10:00:00-08:00"), 1))).toBe(
      iso(at("2026-11-30T10:00:00-08:00")),
    );
    expect(isWorkingDate(cal, "2026-11-27")).toBe(false);
    expect(isWorkingDate(calendar("America/Los_Angeles", { holidayCountry: "US" }), "2026-11-27")).toBe(true);
  });

  it("observed (substitute) public holidays count: 2026-07-03 for Independence Day", () => {
    const cal = calendar("America/New_York", { holidayCountry: "US" });
    expect(isWorkingDate(cal, "2026-07-03")).toBe(false);
    expect(iso(addBusinessDays(cal, at("2026-07-02T10:00:00-04:00"), 1))).toBe(
      iso(at("2026-07-06T10:00:00-04:00")),
    );
  });

  it("year end: Dec 31 + 1 business day = Jan 2 when Jan 1 is a holiday", () => {
    const listed = calendar("America/New_York", { holidays: ["2025-01-01"] });
    expect(iso(addBusinessDays(listed, at("2024-12-31T10:00:00-05:00"), 1))).toBe(
      iso(at("2025-01-02T10:00:00-05:00")),
    );
    const us = calendar("America/New_York", { holidayCountry: "US" });
    expect(iso(addBusinessDays(us, at("2025-12-31T10:00:00-05:00"), 1))).toBe(
      iso(at("2026-01-02T10:00:00-05:00")),
    );
    expect(iso(addBusinessDays(us, at("2025-12-31T18:00:00-05:00"), 1))).toBe(
      iso(at("2026-01-02T17:00:00-05:00")),
    );
    // 2027-01-01 is a Friday: the next working day is Monday 2027-01-04.
    expect(iso(addBusinessDays(us, at("2026-12-31T16:00:00-05:00"), 1))).toBe(
      iso(at("2027-01-04T16:00:00-05:00")),
    );
    expect(businessHoursBetween(us, at("2026-12-31T00:00:00-05:00"), at("2027-01-05T00:00:00-05:00"))).toBe(
      16,
    );
  });

  it("German public holidays through the year boundary", () => {
    const cal = calendar("Europe/Berlin", { holidayCountry: "DE" });
    // Thu 2026-12-24 is a working day, Fri 25 and Sat 26 are holidays / weekend.
    expect(iso(addBusinessDays(cal, at("2026-12-24T12:00:00+01:00"), 1))).toBe(
      iso(at("2026-12-28T12:00:00+01:00")),
    );
    expect(iso(addBusinessDays(cal, at("2026-12-31T12:00:00+01:00"), 1))).toBe(
      iso(at("2027-01-04T12:00:00+01:00")),
    );
  });
});

describe("daylight-saving transitions", () => {
  it("US spring forward (2026-03-08): Friday 10:00 EST + 1 business day = Monday 10:00 EDT", () => {
    const r = addBusinessDays(NY, at("2026-03-06T10:00:00-05:00"), 1);
    expect(iso(r)).toBe(iso(at("2026-03-09T10:00:00-04:00")));
    expect(r.getTime() - at("2026-03-06T10:00:00-05:00").getTime()).toBe(71 * 3_600_000);
    expect(iso(addBusinessDays(NY, at("2026-03-05T15:00:00-05:00"), 2))).toBe(
      iso(at("2026-03-09T15:00:00-04:00")),
    );
    expect(iso(addBusinessDays(NY, at("2026-03-06T18:00:00-05:00"), 1))).toBe(
      iso(at("2026-03-09T17:00:00-04:00")),
    );
  });

  it("US fall back (2026-11-01): Friday 10:00 EDT + 1 business day = Monday 10:00 EST", () => {
    const r = addBusinessDays(NY, at("2026-10-30T10:00:00-04:00"), 1);
    expect(iso(r)).toBe(iso(at("2026-11-02T10:00:00-05:00")));
    expect(r.getTime() - at("2026-10-30T10:00:00-04:00").getTime()).toBe(73 * 3_600_000);
    expect(businessHoursBetween(NY, at("2026-10-30T10:00:00-04:00"), r)).toBe(8);
  });

  it("Europe/Berlin spring forward (2026-03-29) and fall back (2026-10-25)", () => {
    const berlin = calendar("Europe/Berlin");
    expect(iso(addBusinessDays(berlin, at("2026-03-27T10:00:00+01:00"), 1))).toBe(
      iso(at("2026-03-30T10:00:00+02:00")),
    );
    expect(iso(addBusinessDays(berlin, at("2026-10-23T10:00:00+02:00"), 1))).toBe(
      iso(at("2026-10-26T10:00:00+01:00")),
    );
    expect(iso(addBusinessDays(berlin, at("2026-03-26T13:00:00+01:00"), 3))).toBe(
      iso(at("2026-03-31T13:00:00+02:00")),
    );
  });

  it("on the day DST starts the 09:00–17:00 window still has 8 hours", () => {
    const berlin = calendar("Europe/Berlin", { workingDays: ALL_DAYS });
    const period = workingPeriodOn(berlin, "2026-03-29");
    expect(period && iso(period.start)).toBe("2026-03-29T07:00:00.000Z");
    expect(period && iso(period.end)).toBe("2026-03-29T15:00:00.000Z");
    expect(
      businessHoursBetween(berlin, at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")),
    ).toBe(8);
    expect(iso(addBusinessHours(berlin, at("2026-03-28T17:00:00+01:00"), 8))).toBe(
      iso(at("2026-03-29T17:00:00+02:00")),
    );
    const fallBack = workingPeriodOn(berlin, "2026-10-25");
    expect(fallBack && iso(fallBack.start)).toBe("2026-10-25T08:00:00.000Z");
  });

  it("a 24/7 calendar has 23- and 25-hour days at the transitions", () => {
    const always = calendar("Europe/Berlin", {
      workingDays: ALL_DAYS,
      workingHours: { start: "00:00", end: "24:00" },
    });
    expect(
      businessHoursBetween(always, at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")),
    ).toBe(23);
    expect(
      businessHoursBetween(always, at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")),
    ).toBe(25);
    expect(businessHoursPerDay(always)).toBe(24);
    const from = at("2026-03-28T12:00:00+01:00");
    expect(addBusinessHours(always, from, 48).getTime() - from.getTime()).toBe(48 * 3_600_000);
  });

  it("nonexistent wall times resolve to the moment of the jump, ambiguous ones to the earlier instant", () => {
    const night = calendar("Europe/Berlin", {
      workingDays: ["sun"],
      workingHours: { start: "02:30", end: "05:00" },
    });
    const spring = workingPeriodOn(night, "2026-03-29"); // 02:30 does not exist → 03:00 CEST
    expect(spring && [iso(spring.start), iso(spring.end)]).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T03:00:00.000Z",
    ]);
    const autumn = workingPeriodOn(night, "2026-10-25"); // 02:30 occurs twice → 02:30 CEST
    expect(autumn && [iso(autumn.start), iso(autumn.end)]).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T04:00:00.000Z",
    ]);
    expect(businessHoursBetween(night, at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"))).toBe(2);
    expect(isWorkingTime(night, at("2026-03-29T00:59:59.999Z"))).toBe(false); // 01:59:59.999 CET
    expect(isWorkingTime(night, at("2026-03-29T01:00:00Z"))).toBe(true); // 03:00 CEST
    // Both boundaries inside the gap: no working time that day.
    const empty = calendar("Europe/Berlin", {
      workingDays: ["sun"],
      workingHours: { start: "02:10", end: "02:50" },
    });
    expect(workingPeriodOn(empty, "2026-03-29")).toBeNull();
    expect(workingPeriodOn(empty, "2026-04-05")).not.toBeNull();
    expect(businessHoursBetween(night, at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z"))).toBe(3.5);
  });
});

describe("transitions at midnight and skipped dates", () => {
  const always = (timeZone: string): BusinessCalendar =>
    calendar(timeZone, { workingDays: ALL_DAYS, workingHours: { start: "00:00", end: "24:00" } });

  it("America/Santiago: midnight does not exist on 2026-09-06, occurs once after the repeated hour on 2026-04-05", () => {
    const cal = always("America/Santiago");
    const sep6 = workingPeriodOn(cal, "2026-09-06"); // 00:00 -04 is skipped: the day starts at 01:00 -03
    expect(sep6 && [iso(sep6.start), iso(sep6.end)]).toEqual([
      "2026-09-06T04:00:00.000Z",
      "2026-09-07T03:00:00.000Z",
    ]);
    const sep5 = workingPeriodOn(cal, "2026-09-05");
    expect(sep5 && iso(sep5.end)).toBe("2026-09-06T04:00:00.000Z");
    const apr4 = workingPeriodOn(cal, "2026-04-04"); // 23:00–24:00 happens twice: a 25-hour day
    expect(apr4 && [iso(apr4.start), iso(apr4.end)]).toEqual([
      "2026-04-04T03:00:00.000Z",
      "2026-04-05T04:00:00.000Z",
    ]);
    const from = at("2026-09-05T12:00:00-04:00");
    expect(addBusinessHours(cal, from, 36).getTime() - from.getTime()).toBe(36 * 3_600_000);
  });

  it("Pacific/Apia skipped 2011-12-30 entirely: that date has no working period", () => {
    const cal = always("Pacific/Apia");
    expect(workingPeriodOn(cal, "2011-12-30")).toBeNull();
    const dec29 = workingPeriodOn(cal, "2011-12-29");
    const dec31 = workingPeriodOn(cal, "2011-12-31");
    expect(dec29 && iso(dec29.end)).toBe("2011-12-30T10:00:00.000Z");
    expect(dec31 && iso(dec31.start)).toBe("2011-12-30T10:00:00.000Z");
    const from = at("2011-12-29T12:00:00-10:00");
    expect(addBusinessHours(cal, from, 24).getTime() - from.getTime()).toBe(24 * 3_600_000);
  });
});

describe("non-hour offsets", () => {
  it("Asia/Kolkata (+05:30)", () => {
    const cal = calendar("Asia/Kolkata");
    expect(iso(addBusinessHours(cal, at("2026-11-27T16:00:00+05:30"), 2))).toBe(
      iso(at("2026-11-30T10:00:00+05:30")),
    );
    expect(iso(addBusinessDays(cal, at("2026-11-27T18:30:00+05:30"), 1))).toBe(
      iso(at("2026-11-30T17:00:00+05:30")),
    );
    expect(isWorkingTime(cal, at("2026-11-27T03:30:00Z"))).toBe(true); // 09:00 IST
    expect(isWorkingTime(cal, at("2026-11-27T03:29:00Z"))).toBe(false);
    expect(localDateOf("Asia/Kolkata", at("2026-11-27T18:30:00Z"))).toBe("2026-11-28");
  });

  it("Asia/Kathmandu (+05:45)", () => {
    const cal = calendar("Asia/Kathmandu");
    expect(iso(addBusinessDays(cal, at("2026-11-27T10:00:00+05:45"), 1))).toBe(
      iso(at("2026-11-30T10:00:00+05:45")),
    );
  });

  it("Australia/Lord_Howe: DST starts 2026-10-04 with a 30-minute shift", () => {
    const cal = calendar("Australia/Lord_Howe");
    const from = at("2026-10-02T10:00:00+10:30");
    const r = addBusinessDays(cal, from, 1);
    expect(iso(r)).toBe(iso(at("2026-10-05T10:00:00+11:00")));
    expect(r.getTime() - from.getTime()).toBe(71.5 * 3_600_000);
    const always = calendar("Australia/Lord_Howe", {
      workingDays: ALL_DAYS,
      workingHours: { start: "00:00", end: "24:00" },
    });
    expect(
      businessHoursBetween(always, at("2026-10-04T00:00:00+10:30"), at("2026-10-05T00:00:00+11:00")),
    ).toBe(23.5);
  });

  it("Australia/Lord_Howe: DST ends 2026-04-05 with a 30-minute shift", () => {
    const cal = calendar("Australia/Lord_Howe");
    expect(iso(addBusinessDays(cal, at("2026-04-03T10:00:00+11:00"), 1))).toBe(
      iso(at("2026-04-06T10:00:00+10:30")),
    );
    const always = calendar("Australia/Lord_Howe", {
      workingDays: ALL_DAYS,
      workingHours: { start: "00:00", end: "24:00" },
    });
    expect(
      businessHoursBetween(always, at("2026-04-05T00:00:00+11:00"), at("2026-04-06T00:00:00+10:30")),
    ).toBe(24.5);
  });
});

describe("addDuration", () => {
  const from = at("2026-03-07T12:00:00-05:00"); // Saturday before the US DST change

  it("{ hours: 48 } and { days: 2 } are exactly 48 elapsed hours regardless of the calendar", () => {
    for (const cal of [NY, calendar("Australia/Lord_Howe", { holidayCountry: "AU" })]) {
      expect(addDuration(cal, from, { hours: 48 }).getTime() - from.getTime()).toBe(48 * 3_600_000);
      expect(addDuration(cal, from, { days: 2 }).getTime() - from.getTime()).toBe(48 * 3_600_000);
    }
    expect(addDuration(NY, from, { hours: 1.5 }).getTime() - from.getTime()).toBe(5_400_000);
  });

  it("business durations use the calendar", () => {
    expect(iso(addDuration(NY, from, { businessDays: 1 }))).toBe(iso(at("2026-03-09T17:00:00-04:00")));
    expect(iso(addDuration(NY, from, { businessHours: 10 }))).toBe(iso(at("2026-03-10T11:00:00-04:00")));
  });
});

describe("efficiency", () => {
  it("250 business days walk day by day", () => {
    const utc = calendar("UTC");
    expect(iso(addBusinessDays(utc, at("2026-01-05T09:00:00Z"), 250))).toBe("2026-12-18T17:00:00.000Z");
    const cal = calendar("Europe/Riga", { holidayCountry: "LV", holidays: ["2026-08-14"] });
    const start = performance.now();
    const from = at("2026-01-05T09:00:00+02:00");
    const r = addBusinessDays(cal, from, 250);
    expect(businessHoursBetween(cal, from, r)).toBe(2000);
    expect(iso(addBusinessHours(cal, from, 2000))).toBe(iso(r));
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe("validation", () => {
  it("accepts a good calendar, including a 24:00 end and a state code", () => {
    expect(validateCalendar(NY)).toEqual([]);
    expect(
      validateCalendar(
        calendar("Europe/Riga", { workingHours: { start: "00:00", end: "24:00" }, holidayCountry: "US-CA" }),
      ),
    ).toEqual([]);
    expect(validateCalendar(calendar("UTC", { holidayCountry: "de" }))).toEqual([]);
  });

  it("reports each problem in words", () => {
    const problems = validateCalendar({
      timeZone: "Mars/Olympus_Mons",
      workingDays: [],
      workingHours: { start: "9:00", end: "24:30" },
      holidays: ["2026-02-30", "2026/01/01"],
      holidayCountry: "XX",
    });
    expect(problems).toHaveLength(7);
    expect(problems.join("\n")).toMatch(/unknown country "XX"/);
    expect(problems.join("\n")).toMatch(/timeZone "Mars\/Olympus_Mons" is not a known IANA time zone/);
    expect(problems.join("\n")).toMatch(/workingDays lists no working day/);
    expect(problems.join("\n")).toMatch(/workingHours.start "9:00"/);
    expect(problems.join("\n")).toMatch(/workingHours.end "24:30"/);
    expect(problems.join("\n")).toMatch(/holidays\[0\] "2026-02-30"/);
    expect(problems.join("\n")).toMatch(/holidays\[1\] "2026\/01\/01"/);
    expect(validateCalendar(calendar("UTC", { holidayCountry: "XX" }))[0]).toMatch(/unknown country "XX"/);
    expect(validateCalendar(calendar("UTC", { holidayCountry: "US-ZZ" }))[0]).toMatch(/unknown state/);
    expect(validateCalendar(calendar("UTC", { holidayCountry: "United States" }))[0]).toMatch(
      /must look like/,
    );
  });

  it("rejects end not after start and windows crossing midnight", () => {
    expect(validateCalendar(calendar("UTC", { workingHours: { start: "22:00", end: "06:00" } }))).toEqual([
      "workingHours.end (06:00) must be after workingHours.start (22:00); working hours that cross midnight are not supported",
    ]);
    expect(
      validateCalendar(calendar("UTC", { workingHours: { start: "09:00", end: "09:00" } })),
    ).toHaveLength(1);
    expect(
      validateCalendar(calendar("UTC", { workingHours: { start: "09:00", end: "12:60" } })),
    ).toHaveLength(1);
    expect(validateCalendar(calendar("UTC", { workingDays: ["monday" as Weekday] }))).toHaveLength(2);
  });

  it("other functions throw InvalidCalendarError with the problems", () => {
    const bad = calendar("UTC", { workingHours: { start: "22:00", end: "06:00" } });
    expect(() => addBusinessHours(bad, at("2026-01-01T00:00:00Z"), 1)).toThrow(InvalidCalendarError);
    expect(() => isWorkingTime(bad, at("2026-01-01T00:00:00Z"))).toThrow(/cross midnight/);
  });

  it("rejects negative or non-finite amounts and invalid dates", () => {
    expect(() => addBusinessHours(NY, at("2026-01-01T00:00:00Z"), -1)).toThrow(RangeError);
    expect(() => addBusinessDays(NY, at("2026-01-01T00:00:00Z"), Number.NaN)).toThrow(RangeError);
    expect(() => addDuration(NY, at("2026-01-01T00:00:00Z"), { hours: Number.POSITIVE_INFINITY })).toThrow(
      RangeError,
    );
    expect(() => addBusinessHours(NY, new Date(Number.NaN), 1)).toThrow(RangeError);
  });

  it("isValidTimeZone", () => {
    expect(isValidTimeZone("Europe/Riga")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Australia/Lord_Howe")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});
