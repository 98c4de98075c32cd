import type { ClockPolicy, DurationValue, Policy } from "../../policy/schema.js";
import {
  addBusinessHours,
  addDuration,
  type BusinessCalendar,
  businessHoursBetween,
  businessHoursPerDay,
} from "../calendar/index.js";
import { scale } from "./due-dates.js";

/**
 * The escalation schedule of one clock on one case: when the warning, the breach notice and the
 * repeated nags fall due. Pure: the policy's clock and rule, the calendar and the case's facts go
 * in, a list of steps comes out; sending them (and remembering what was sent) is the caller's job.
 *
 * - A clock runs from `startedAt` for its `within`; time spent paused (waiting for the reporter)
 *   does not count. Paused time is measured in the clock's own unit: working time for business
 *   durations, elapsed time otherwise. A pause that begins after the moment in question does not
 *   move it.
 * - The warning goes out once `atPercent` of the promised time has run (working time for business
 *   clocks), the breach at the due instant, and repeats every `every` after the due instant, until
 *   the clock stops (or `maxTimes` repeats when the policy sets it): there is no built-in cap.
 * - Nothing is due once the clock has stopped: a step due at or after `stoppedAt` is dropped (a
 *   warning that went out before the team acted stays in the list, it happened).
 * - Nothing is due while paused: a step that falls inside a pause is dropped, and while a pause is
 *   still open no later step is scheduled (when it ends is unknown).
 * - Idempotency keys are `${caseId}:${clockId}:${kind}:${n}`, so recomputing the schedule from the
 *   same facts yields the same keys and a sender can skip what it already sent.
 */

/** What is known about one clock on one case. */
export interface ClockFacts {
  startedAt: Date | null;
  stoppedAt: Date | null;
  pauses: { from: Date; to: Date | null }[];
}

export type EscalationStepKind = "warn" | "breach" | "repeat";

export interface EscalationStep {
  clockId: string;
  kind: EscalationStepKind;
  /** The repeat number (1, 2, …); 0 for the warning and the breach. */
  n: number;
  dueAt: Date;
  /** The clock's own due instant (for a warning, the deadline it warns of). */
  deadline: Date;
  notify: string[];
  message: string | null;
  /** `${caseId}:${clockId}:${kind}:${n}`. */
  idempotencyKey: string;
}

export type EscalationRule = Policy["escalation"][number];

export interface EscalationOptions {
  /** Steps due after this instant are left out. */
  horizon: Date;
  /**
   * The most repeats listed (a bound on the size of the list, for callers that want the whole
   * schedule). Without it, repeats go on until the clock stops, or the policy's `maxTimes`.
   */
  maxRepeats?: number;
  /**
   * Lists of the repeats only the last one due at or before this instant and the first one after
   * it: all that a caller acting at this instant needs (planEscalation sends only the latest due
   * step, and wakes up for the next). The repeat is found by search, not by listing every nag
   * since the breach, so a case ignored for years costs no more than one ignored for a day, and
   * reminders never stop short of what the policy promises ("until someone acts").
   */
  around?: Date;
}

const HOUR_MS = 3_600_000;
const KIND_ORDER: Readonly<Record<EscalationStepKind, number>> = { warn: 0, breach: 1, repeat: 2 };

/** How a clock measures time: working hours of the calendar, or plain elapsed hours. */
interface Measure {
  add(from: Date, hours: number): Date;
  between(from: Date, to: Date): number;
}

function isBusiness(duration: DurationValue): boolean {
  return duration.businessHours !== undefined || duration.businessDays !== undefined;
}

/** The length of a duration in hours of its own unit (business hours for business durations). */
function hoursOf(calendar: BusinessCalendar, duration: DurationValue): number {
  if (duration.hours !== undefined) return duration.hours;
  if (duration.days !== undefined) return duration.days * 24;
  if (duration.businessHours !== undefined) return duration.businessHours;
  return (duration.businessDays ?? 0) * businessHoursPerDay(calendar);
}

function measureOf(calendar: BusinessCalendar, duration: DurationValue): Measure {
  if (isBusiness(duration)) {
    return {
      add: (from, hours) => addBusinessHours(calendar, from, hours),
      between: (from, to) => businessHoursBetween(calendar, from, to),
    };
  }
  return {
    add: (from, hours) => new Date(from.getTime() + Math.round(hours * HOUR_MS)),
    between: (from, to) => (to.getTime() - from.getTime()) / HOUR_MS,
  };
}

function sortedPauses(facts: ClockFacts): { from: Date; to: Date | null }[] {
  return [...facts.pauses].sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * The instant at which `hours` of unpaused clock time (in the clock's unit) have run since `start`,
 * or null when an open pause begins before that.
 */
function afterRunning(
  measure: Measure,
  start: Date,
  hours: number,
  pauses: readonly { from: Date; to: Date | null }[],
): Date | null {
  let cursor = start;
  let remaining = hours;
  for (const pause of pauses) {
    const to = pause.to;
    if (to !== null && to.getTime() <= cursor.getTime()) continue; // over before the clock ran
    const from = pause.from.getTime() > cursor.getTime() ? pause.from : cursor;
    const candidate = measure.add(cursor, remaining);
    if (from.getTime() >= candidate.getTime()) return candidate;
    remaining -= measure.between(cursor, from);
    if (to === null) return null;
    cursor = to;
  }
  return measure.add(cursor, remaining);
}

/**
 * The due instant ignoring whether the clock has stopped; null if not started or still paused.
 * Exported for case-clocks.ts, so the case page and the escalation agree on a paused clock's due date.
 */
export function runningDueAt(clock: ClockPolicy, calendar: BusinessCalendar, facts: ClockFacts): Date | null {
  if (facts.startedAt === null) return null;
  if (facts.pauses.length === 0) return addDuration(calendar, facts.startedAt, scale(clock.within, 1));
  return afterRunning(
    measureOf(calendar, clock.within),
    facts.startedAt,
    hoursOf(calendar, clock.within),
    sortedPauses(facts),
  );
}

/**
 * When the clock falls due: its start plus `within`, later by the time spent paused (in the clock's
 * own unit). Null if the clock has not started, has stopped, or is paused with no end yet.
 */
export function clockDueAt(clock: ClockPolicy, calendar: BusinessCalendar, facts: ClockFacts): Date | null {
  if (facts.stoppedAt !== null) return null;
  return runningDueAt(clock, calendar, facts);
}

function isPausedAt(at: Date, pauses: readonly { from: Date; to: Date | null }[]): boolean {
  const t = at.getTime();
  return pauses.some((p) => p.from.getTime() <= t && (p.to === null || t < p.to.getTime()));
}

/** Every escalation step of one clock on one case up to `options.horizon`, in time order. */
export function escalationSteps(
  caseId: string,
  clock: ClockPolicy,
  rule: EscalationRule | undefined,
  calendar: BusinessCalendar,
  facts: ClockFacts,
  options: EscalationOptions,
): EscalationStep[] {
  if (rule === undefined || facts.startedAt === null) return [];
  if (rule.clock !== clock.id) {
    throw new RangeError(`escalation rule for clock ${rule.clock} given for clock ${clock.id}`);
  }
  const pauses = sortedPauses(facts);
  const horizon = options.horizon.getTime();
  const stoppedAt = facts.stoppedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const steps: EscalationStep[] = [];
  const message = rule.breach.message ?? null;
  const dueAt = runningDueAt(clock, calendar, facts);
  /** Adds a step if it is due; false once later steps cannot be due either. */
  const push = (kind: EscalationStepKind, n: number, at: Date, notify: string[]): boolean => {
    const stepDueAt = at;
    const t = stepDueAt.getTime();
    if (t > horizon || t >= stoppedAt) return false;
    if (isPausedAt(stepDueAt, pauses)) return true;
    steps.push({
      clockId: clock.id,
      kind,
      n,
      dueAt: stepDueAt,
      // A warning is only scheduled when the due instant is known (no open pause before it).
      deadline: dueAt ?? stepDueAt,
      notify: [...notify],
      message: kind === "warn" ? null : message,
      idempotencyKey: `${caseId}:${clock.id}:${kind}:${n}`,
    });
    return true;
  };

  if (rule.warn !== undefined) {
    const warnAt = afterRunning(
      measureOf(calendar, clock.within),
      facts.startedAt,
      hoursOf(calendar, clock.within) * (rule.warn.atPercent / 100),
      pauses,
    );
    if (warnAt !== null) push("warn", 0, warnAt, rule.warn.notify);
  }

  if (dueAt === null || !push("breach", 0, dueAt, rule.breach.notify)) return steps;

  const repeat = rule.repeat;
  if (repeat !== undefined) {
    const repeatAt = (n: number) => addDuration(calendar, dueAt, scale(repeat.every, n));
    const limit = Math.min(
      repeat.maxTimes ?? Number.MAX_SAFE_INTEGER,
      options.maxRepeats ?? Number.MAX_SAFE_INTEGER,
    );
    const around = options.around?.getTime();
    const first = around === undefined ? 1 : Math.max(1, lastAtOrBefore(repeatAt, around, limit));
    for (let n = first; n <= limit; n++) {
      const at = repeatAt(n);
      const open = pauses.find((p) => p.to === null && p.from.getTime() <= at.getTime());
      if (open !== undefined || !push("repeat", n, at, repeat.notify)) break;
      if (around !== undefined && at.getTime() > around) break; // the next one: enough for now
    }
  }
  return steps.sort(byTime);
}

/**
 * The largest n in 1..limit with `at(n) <= t`, or 0 when none; `at` must grow with n (repeats
 * do: each is one more `every` after the due instant). Doubling, then halving: O(log n) calls.
 */
function lastAtOrBefore(at: (n: number) => Date, t: number, limit: number): number {
  if (limit < 1 || at(1).getTime() > t) return 0;
  let low = 1; // at(low) <= t
  let high = 2; // at(high) > t, or high > limit
  while (high <= limit && at(high).getTime() <= t) {
    low = high;
    high = Math.min(high * 2, limit + 1);
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (at(mid).getTime() <= t) low = mid;
    else high = mid;
  }
  return low;
}

function byTime(a: EscalationStep, b: EscalationStep): number {
  return a.dueAt.getTime() - b.dueAt.getTime() || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.n - b.n;
}

/** The steps due at `now` (due at or before it) not yet sent, in time order. */
export function dueSteps(
  steps: readonly EscalationStep[],
  now: Date,
  alreadySent: ReadonlySet<string>,
): EscalationStep[] {
  const t = now.getTime();
  return steps.filter((s) => s.dueAt.getTime() <= t && !alreadySent.has(s.idempotencyKey)).sort(byTime);
}
