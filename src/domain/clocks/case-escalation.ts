import type { Policy } from "../../policy/schema.js";
import { actionItemSteps, userNotificationSteps } from "./action-item-clock.js";
import { type CaseClockFacts, clockApplies, clockPauses, clockWindow } from "./case-clocks.js";
import { dueDateSteps } from "./due-date-clock.js";
import { type EscalationStep, escalationSteps } from "./escalation.js";

/**
 * What escalation a case owes at `now`, over all of its program's clocks. Pure: the timer worker
 * (src/jobs/timer-worker.ts) loads the facts and the steps already taken, calls this, and writes
 * the result.
 *
 * - `take`: the steps to act on now. When several steps of one clock are due at once (the worker
 *   was down, or a clock jumped), only the latest is sent: a breach makes its warning moot, and
 *   nobody wants five nags in one minute. The others are `superseded`: recorded as taken,
 *   never sent. Of the repeats only the latest due is looked at (escalationSteps `around`): the
 *   earlier ones a down worker missed are neither listed nor sent, however many there are.
 * - A clock that has stopped by `now` owes nothing, even a step that fell due before it stopped
 *   but was not taken yet: telling someone to acknowledge a case they acknowledged is noise.
 * - `nextAt`: when the case next needs looking at (the earliest step not yet taken), or null.
 * - A clock with `pausesWhileWaitingForReporter` does not run while the case waits for its
 *   reporter (`facts.waitingForReporter`): its steps move later by the time paused.
 */
export interface EscalationPlan {
  take: EscalationStep[];
  superseded: EscalationStep[];
  nextAt: Date | null;
}

/** How far ahead the schedule is computed; a clock longer than this is looked at again later. */
const HORIZON_MS = 400 * 24 * 3_600_000;

export function planEscalation(
  caseId: string,
  policy: Policy,
  facts: CaseClockFacts,
  taken: ReadonlySet<string>,
  now: Date,
): EscalationPlan {
  const calendar = policy.serviceLevels.calendar;
  const horizon = new Date(now.getTime() + HORIZON_MS);
  // One schedule per clock, each of its steps in time order.
  const schedules: EscalationStep[][] = [];
  for (const clock of policy.serviceLevels.clocks) {
    const rule = policy.escalation.find((candidate) => candidate.clock === clock.id);
    if (rule === undefined || !clockApplies(clock, facts.severity)) continue;
    const window = clockWindow(clock, facts);
    if (window.stoppedAt !== null && window.stoppedAt.getTime() <= now.getTime()) continue;
    const steps = escalationSteps(
      caseId,
      clock,
      rule,
      calendar,
      // While the case still waits for its reporter the open pause schedules nothing further;
      // leaving needs-info is a case event, which wakes the timer to plan again.
      { ...window, pauses: [...clockPauses(clock, facts)] },
      // Only the repeats around now: the latest due (to take) and the next (to wake up for).
      { horizon, around: now },
    );
    schedules.push(steps);
  }
  // The case's own due date, when the register makes it a clock: the same rules.
  schedules.push(dueDateSteps(caseId, policy, facts));
  // The case's work items (postmortem action items, telling affected users): one schedule each.
  schedules.push(...actionItemSteps(caseId, facts), ...userNotificationSteps(caseId, policy, facts));

  const take: EscalationStep[] = [];
  const superseded: EscalationStep[] = [];
  let nextAt: Date | null = null;
  for (const schedule of schedules) {
    const steps = schedule.filter((step) => !taken.has(step.idempotencyKey));
    const due = steps.filter((step) => step.dueAt.getTime() <= now.getTime());
    const latest = due.at(-1);
    if (latest !== undefined) {
      take.push(latest);
      superseded.push(...due.slice(0, -1));
    }
    const upcoming = steps.find((step) => step.dueAt.getTime() > now.getTime());
    if (upcoming !== undefined && (nextAt === null || upcoming.dueAt < nextAt)) nextAt = upcoming.dueAt;
  }
  return { take, superseded, nextAt };
}
