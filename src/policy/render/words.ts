import { describeDuration } from "../../lib/duration-words.js";
import type { CalendarPolicy, ClockPolicy, DurationValue } from "../schema.js";

/** Plain-language words for policy values, shared by every rendering (Markdown, HTML, pages). */

// Duration words live in src/lib: the domain's clocks say durations too, and may not import policy code.
export { describeDuration };

export function usesBusinessTime(duration: DurationValue): boolean {
  return duration.businessHours !== undefined || duration.businessDays !== undefined;
}

const DAY_NAMES: Record<string, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

export function describeCalendar(calendar: CalendarPolicy): string {
  const days = calendar.workingDays.map((day) => DAY_NAMES[day] ?? day).join(", ");
  const hours = `${calendar.workingHours.start}–${calendar.workingHours.end}`;
  const holidays = [
    calendar.holidayCountry === undefined ? undefined : `public holidays in ${calendar.holidayCountry}`,
    calendar.holidays.length === 0 ? undefined : calendar.holidays.join(", "),
  ].filter((part) => part !== undefined);
  const except = holidays.length === 0 ? "" : `, except ${holidays.join(" and ")}`;
  return `${days}, ${hours} (${calendar.timeZone})${except}`;
}

const CLOCK_ACTIONS: Record<ClockPolicy["kind"], string> = {
  acknowledge: "acknowledge your report",
  "detailed-response": "send a detailed response with the next steps",
  confirmation: "confirm your report",
  triage: "triage your report",
  resolution: "resolve the issue",
  update: "send you an update",
  "reporter-agreement": "wait for your agreement that the issue is resolved",
};

const CLOCK_STARTS: Record<ClockPolicy["startsAt"], string> = {
  received: "of receiving your report",
  acknowledged: "of acknowledging your report",
  triaged: "of triage",
  resolved: "of resolving the issue",
  "fix-released": "of releasing the fix",
};

/** "We acknowledge your report within 1 business day of receiving your report." */
export function describeClock(clock: ClockPolicy): string {
  const severity = clock.severity === undefined ? "" : ` (${clock.severity} severity)`;
  return `We ${CLOCK_ACTIONS[clock.kind]}${severity} within ${describeDuration(clock.within)} ${CLOCK_STARTS[clock.startsAt]}.`;
}

export const ROLE_NAMES: Record<string, string> = {
  "point-of-contact": "point of contact",
  fallback: "fallback contact",
  lead: "lead",
  emergency: "emergency contact",
  "privacy-officer": "privacy officer",
  member: "team member",
};

export function humanize(id: string): string {
  const words = id.replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
