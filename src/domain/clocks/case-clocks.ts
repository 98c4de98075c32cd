import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import { countdown, formatSpan } from "./countdown.js";
import { dueDatesForReport, scale } from "./due-dates.js";
import { runningDueAt } from "./escalation.js";
import { closeOpenPauses, type Pause } from "./pauses.js";

/**
 * Where each of a program's time promises stands for one case: met, missed, running, overdue or
 * not started yet. Pure: the policy, the case's facts and the instant go in, a list comes out.
 *
 * - Clocks that start when the report is received take their due dates from dueDatesForReport
 *   (the same as the intake's promise); clocks that start later (acknowledged, triaged, resolved)
 *   run from that moment on the program's business calendar.
 * - A clock limited to one severity applies only to cases of that severity.
 * - A clock stops at its `stopsWhen` event. Acknowledging tells the reporter (a visible event), so
 *   it stops a "team-replied" clock as a reply does: the inbox and the case page agree on what is
 *   still owed. Closing the case ends every clock still running.
 */
export interface CaseClockFacts {
  receivedAt: Date;
  severity: string | null;
  acknowledgedAt: Date | null;
  firstTeamReplyAt: Date | null;
  detailedResponseAt: Date | null;
  triagedAt: Date | null;
  fixedAt: Date | null;
  closedAt: Date | null;
  reporterAgreedAt: Date | null;
  /** When the fix was released (clocks and disclosure phases that start at the fix release). */
  fixReleasedAt?: Date | null;
  /** The closing outcome; disclosure phases outlive a case closed as resolved, not others. */
  outcome?: string | null;
  /** Since when the case is a privacy incident (the authority notification clock starts). */
  privacyIncidentAt?: Date | null;
  /** When the authority was notified (stops that clock). */
  authorityNotifiedAt?: Date | null;
  /** The team's due date for the case (the due-date clock, src/domain/clocks/due-date-clock.ts). */
  dueAt?: Date | null;
  /**
   * The case's work items with a due date of their own (src/domain/clocks/action-item-clock.ts):
   * postmortem action items (`owner`: a user id) and the done channels of the task to tell
   * affected users (ids `notify-<channel>`, no owner). Absent: none were read.
   */
  actionItems?: readonly { id: string; dueAt: Date; doneAt: Date | null; owner: string | null }[];
  /**
   * When the case waited for its reporter (`needs-info`; see pauses.ts). Clocks with
   * `pausesWhileWaitingForReporter` do not run then. Absent: never waited.
   */
  waitingForReporter?: readonly Pause[];
}

export type CaseClockState = "met" | "missed" | "running" | "overdue" | "not-started";

export interface CaseClock {
  id: string;
  kind: string;
  label: string;
  /** The policy's own words for this promise, when it has them. */
  promise: string | null;
  startedAt: Date | null;
  dueAt: Date | null;
  stoppedAt: Date | null;
  state: CaseClockState;
  /** "met", "missed by 3 h", "due in 5 h", "overdue by 2 d", "starts when the case is triaged". */
  text: string;
}

type PolicyClock = Policy["serviceLevels"]["clocks"][number];

const KIND_LABELS: Readonly<Record<string, string>> = {
  acknowledge: "Acknowledge the report",
  "detailed-response": "Detailed response",
  confirmation: "Confirm the report",
  triage: "Triage",
  resolution: "Resolve",
  update: "Update the reporter",
  "reporter-agreement": "Reporter's agreement",
};

const START_WORDS: Readonly<Record<string, string>> = {
  acknowledged: "starts when the case is acknowledged",
  triaged: "starts when the case is triaged",
  resolved: "starts when the case is fixed",
  "fix-released": "starts when the fix release is recorded",
};

/** When a clock (or the embargo) that starts at `startsAt` started on a case; null: not yet. */
export function startedAtOf(startsAt: PolicyClock["startsAt"], facts: CaseClockFacts): Date | null {
  switch (startsAt) {
    case "received":
      return facts.receivedAt;
    case "acknowledged":
      return facts.acknowledgedAt;
    case "triaged":
      return facts.triagedAt;
    case "resolved":
      return facts.fixedAt;
    case "fix-released":
      return facts.fixReleasedAt ?? null;
  }
}

/** "starts when the case is triaged": why something has not started yet. */
export function startWords(startsAt: PolicyClock["startsAt"]): string {
  return START_WORDS[startsAt] ?? "";
}

function startOf(clock: PolicyClock, facts: CaseClockFacts): Date | null {
  return startedAtOf(clock.startsAt, facts);
}

function stopOf(clock: PolicyClock, facts: CaseClockFacts): Date | null {
  switch (clock.stopsWhen) {
    case "team-replied":
      return earliest(facts.acknowledgedAt, facts.firstTeamReplyAt);
    case "detailed-response-sent":
      return facts.detailedResponseAt;
    case "acknowledged":
      return facts.acknowledgedAt;
    case "triaged":
      return facts.triagedAt;
    case "resolved":
      return facts.fixedAt;
    case "closed":
      return facts.closedAt;
    case "reporter-agreed":
      return facts.reporterAgreedAt;
  }
}

function earliest(...dates: (Date | null)[]): Date | null {
  let best: Date | null = null;
  for (const date of dates) if (date !== null && (best === null || date < best)) best = date;
  return best;
}

/** What the team calls a clock: its label in the policy, else words for its kind. */
export function clockLabel(clock: PolicyClock): string {
  return clock.label ?? KIND_LABELS[clock.kind] ?? clock.kind;
}

/**
 * When a clock started and stopped on a case (its own stop, or the case closing, whichever came
 * first); what the escalation schedule (escalation.ts) runs on.
 */
export function clockWindow(
  clock: PolicyClock,
  facts: CaseClockFacts,
): { startedAt: Date | null; stoppedAt: Date | null } {
  return { startedAt: startOf(clock, facts), stoppedAt: earliest(stopOf(clock, facts), facts.closedAt) };
}

/** The intervals during which a clock does not run on a case: none unless the policy says it pauses. */
export function clockPauses(clock: PolicyClock, facts: CaseClockFacts): readonly Pause[] {
  return clock.pausesWhileWaitingForReporter ? (facts.waitingForReporter ?? []) : [];
}

/**
 * The clock whose deadline the case row keeps as `acknowledge_by` (what the inbox and the
 * reporter's page show): the policy's acknowledge clock that starts at receipt, else its
 * confirmation clock; undefined when it promises neither.
 */
export function acknowledgementClock(policy: Policy): PolicyClock | undefined {
  const fromReceipt = policy.serviceLevels.clocks.filter((clock) => clock.startsAt === "received");
  return (
    fromReceipt.find((c) => c.kind === "acknowledge") ?? fromReceipt.find((c) => c.kind === "confirmation")
  );
}

/**
 * When the acknowledgement is due for a case received at `receivedAt` that waited for its reporter
 * during `waiting`: later by the paused time when that clock pauses; null when the policy promises
 * no acknowledgement, or while the case is still waiting (nothing is due while paused, and when
 * the wait ends is unknown).
 */
export function acknowledgementDueAt(
  policy: Policy,
  receivedAt: Date,
  waiting: readonly Pause[] = [],
): Date | null {
  const clock = acknowledgementClock(policy);
  if (clock === undefined) return null;
  const calendar = policy.serviceLevels.calendar;
  const pauses = clock.pausesWhileWaitingForReporter ? [...waiting] : [];
  return runningDueAt(clock, calendar, { startedAt: receivedAt, stoppedAt: null, pauses });
}

/** Whether a clock applies to a case at all (a clock limited to one severity). */
export function clockApplies(clock: PolicyClock, severity: string | null): boolean {
  return clock.severity === undefined || clock.severity === severity;
}

export function caseClocks(policy: Policy, facts: CaseClockFacts, now: Date): CaseClock[] {
  const atReceipt = new Map(dueDatesForReport(policy, facts.receivedAt).clocks.map((c) => [c.id, c]));
  const calendar = policy.serviceLevels.calendar;
  return policy.serviceLevels.clocks
    .filter((clock) => clockApplies(clock, facts.severity))
    .map((clock): CaseClock => {
      const base = {
        id: clock.id,
        kind: clock.kind,
        label: clockLabel(clock),
        promise: clock.promise ?? null,
      };
      const startedAt = startOf(clock, facts);
      const ownStop = stopOf(clock, facts);
      const stoppedAt = earliest(ownStop, facts.closedAt);
      if (startedAt === null) {
        return {
          ...base,
          startedAt,
          dueAt: null,
          stoppedAt,
          state: "not-started",
          text:
            facts.closedAt !== null
              ? "did not start: the case is closed"
              : (START_WORDS[clock.startsAt] ?? ""),
        };
      }
      const received = atReceipt.get(clock.id)?.dueAt;
      const unpaused =
        clock.startsAt === "received" && received != null
          ? new Date(received)
          : addDuration(calendar, startedAt, scale(clock.within, 1));
      // Time spent waiting for the reporter moves the due date (escalation.ts does the same
      // arithmetic). A wait still going on counts up to now (or up to the clock's stop): the date
      // shown is the earliest the clock can now fall due, and it moves on while the wait lasts.
      const pauses = closeOpenPauses(clockPauses(clock, facts), stoppedAt ?? now);
      const dueAt =
        pauses.length === 0
          ? unpaused
          : (runningDueAt(clock, calendar, { startedAt, stoppedAt: null, pauses }) ?? unpaused);
      if (stoppedAt !== null) {
        const late = stoppedAt.getTime() - dueAt.getTime();
        const closedFirst = ownStop === null || ownStop.getTime() !== stoppedAt.getTime();
        const suffix = closedFirst ? " (the case was closed)" : "";
        return late > 0
          ? {
              ...base,
              startedAt,
              dueAt,
              stoppedAt,
              state: "missed",
              text: `missed by ${formatSpan(late)}${suffix}`,
            }
          : { ...base, startedAt, dueAt, stoppedAt, state: "met", text: `met${suffix}` };
      }
      const left = countdown(dueAt, now);
      if (!left.overdue && isWaiting(clockPauses(clock, facts), now)) {
        return {
          ...base,
          startedAt,
          dueAt,
          stoppedAt,
          state: "running",
          text: `paused while waiting for the reporter (${formatSpan(left.remainingMs)} left)`,
        };
      }
      return {
        ...base,
        startedAt,
        dueAt,
        stoppedAt,
        state: left.overdue ? "overdue" : "running",
        text: left.text,
      };
    });
}

/** Whether a wait for the reporter is going on at `now`. */
function isWaiting(pauses: readonly Pause[], now: Date): boolean {
  return pauses.some(
    (p) => p.from.getTime() <= now.getTime() && (p.to === null || p.to.getTime() > now.getTime()),
  );
}
