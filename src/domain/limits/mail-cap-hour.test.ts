import { describe, expect, it } from "vitest";
import { hourStart, hourTallyExpiry, isFirstRefusalOfHour } from "./mail-cap-hour.js";

/** The hourly mail cap's tally: UTC clock hours, kept an hour past their end; one log line an hour. */
describe("mail cap hours", () => {
  it("counts by UTC clock hour", () => {
    expect(hourStart(new Date("2026-11-25T10:00:00.000Z"))).toBe(Date.parse("2026-11-25T10:00:00Z"));
    expect(hourStart(new Date("2026-11-25T10:59:59.999Z"))).toBe(Date.parse("2026-11-25T10:00:00Z"));
    expect(hourStart(new Date("2026-11-25T11:00:00.000Z"))).toBe(Date.parse("2026-11-25T11:00:00Z"));
  });

  it("keeps an hour's tally until an hour after it ends", () => {
    const hour = Date.parse("2026-11-25T10:00:00Z");
    expect(hourTallyExpiry(hour)).toBe(Date.parse("2026-11-25T12:00:00Z"));
  });

  it("logs only the first refusal of an hour", () => {
    expect([1, 2, 3, 500].map(isFirstRefusalOfHour)).toEqual([true, false, false, false]);
  });
});
