import type { DurationValue, Policy } from "../../policy/schema.js";
import { addDuration, type BusinessCalendar, type Duration } from "../calendar/index.js";
import { offsetAt } from "../calendar/time-zone.js";

/** When one of a policy's promises falls due for a report received at a given instant. */
export interface ClockDueDate {
  id: string;
  kind: string;
  startsAt: string;
  /** Null when the clock starts at a later event (acknowledged, triaged, …), unknown at receipt. */
  dueAt: string | null;
  dueAtLocal: string | null;
  /** When the escalation's warning goes out (atPercent of the promised time), if the policy has one. */
  warnAt: string | null;
}

export interface DueDates {
  program: string;
  received: string;
  timeZone: string;
  clocks: ClockDueDate[];
  embargoEndsAt: string | null;
}

/**
 * The due dates of every clock that starts when a report is received. Pure: the instant is a
 * value, so a policy author can ask "what does one business day mean for a Friday evening report?"
 */
export function dueDatesForReport(policy: Policy, received: Date): DueDates {
  const calendar: BusinessCalendar = policy.serviceLevels.calendar;
  const local = (date: Date) => localIso(date, calendar.timeZone);
  const clocks = policy.serviceLevels.clocks.map((clock): ClockDueDate => {
    const base = { id: clock.id, kind: clock.kind, startsAt: clock.startsAt };
    if (clock.startsAt !== "received") return { ...base, dueAt: null, dueAtLocal: null, warnAt: null };
    const due = addDuration(calendar, received, scale(clock.within, 1));
    const warn = policy.escalation.find((rule) => rule.clock === clock.id)?.warn;
    const warnAt =
      warn === undefined
        ? null
        : addDuration(calendar, received, scale(clock.within, warn.atPercent / 100)).toISOString();
    return { ...base, dueAt: due.toISOString(), dueAtLocal: local(due), warnAt };
  });
  const embargo = policy.disclosure.embargo;
  const embargoEndsAt =
    embargo !== undefined && embargo.startsAt === "received"
      ? addDuration(calendar, received, scale(embargo.within, 1)).toISOString()
      : null;
  return {
    program: policy.program.slug,
    received: received.toISOString(),
    timeZone: calendar.timeZone,
    clocks,
    embargoEndsAt,
  };
}

/** A policy duration times a factor, in the same unit (75 % of 1 business day is 0.75 business days). */
export function scale(duration: DurationValue, factor: number): Duration {
  if (duration.hours !== undefined) return { hours: duration.hours * factor };
  if (duration.days !== undefined) return { days: duration.days * factor };
  if (duration.businessHours !== undefined) return { businessHours: duration.businessHours * factor };
  return { businessDays: (duration.businessDays ?? 0) * factor };
}

/** An instant as local wall time with its UTC offset, e.g. 2026-11-30T17:00:00-08:00. */
export function localIso(date: Date, timeZone: string): string {
  const offsetMs = offsetAt(timeZone, date.getTime());
  const wall = new Date(date.getTime() + offsetMs).toISOString().slice(0, 19);
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.abs(offsetMs) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${wall}${sign}${hh}:${mm}`;
}
