import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import type { CaseClock, CaseClockFacts } from "./case-clocks.js";
import { countdown, formatSpan } from "./countdown.js";
import type { EscalationStep } from "./escalation.js";

/**
 * The case's own due date as a clock (`incident.register.dueDateRequired`: Rocket.Chat sets a due
 * date per incident at triage instead of a policy-wide promise). It runs from triage (or receipt)
 * to the due date and stops when the case is fixed or closed; like the policy's clocks it warns
 * the assignee at 75% of its time and tells them at the breach; one business day after the
 * breach, with the case still open, it escalates to the policy's emergency contacts (Rocket.Chat's
 * CTO), the assignee again beside them. Pure.
 *
 * The steps' keys carry the due instant: a due date moved later is a new promise, whose steps are
 * taken afresh; the old one's steps stay taken.
 */
export const DUE_DATE_CLOCK_ID = "due-date";
export const DUE_DATE_LABEL = "Due date";
const WARN_AT = 0.75;

export function dueDateSteps(
  caseId: string,
  policy: Policy,
  facts: Pick<CaseClockFacts, "receivedAt" | "triagedAt" | "fixedAt" | "closedAt" | "dueAt">,
): EscalationStep[] {
  const due = facts.dueAt ?? null;
  if (policy.incident.register?.dueDateRequired !== true || due === null) return [];
  // A fixed or closed case owes nothing, not even a step that fell due before and was not taken.
  if ((facts.fixedAt ?? facts.closedAt) !== null) return [];
  const start = facts.triagedAt ?? facts.receivedAt;
  const emergency = policy.contacts
    .filter((contact) => contact.roles.includes("emergency"))
    .map((contact) => contact.id);
  const key = (kind: string) => `${caseId}:${DUE_DATE_CLOCK_ID}@${due.toISOString()}:${kind}`;
  const step = (kind: EscalationStep["kind"], n: number, dueAt: Date, notify: string[]): EscalationStep => ({
    clockId: DUE_DATE_CLOCK_ID,
    kind,
    n,
    dueAt,
    deadline: due,
    notify,
    message: kind === "repeat" ? "The case's due date has passed; escalated to the emergency contact." : null,
    idempotencyKey: key(`${kind}:${n}`),
  });
  const window = due.getTime() - start.getTime();
  const steps = [
    ...(window > 0 ? [step("warn", 0, new Date(start.getTime() + window * WARN_AT), ["assignee"])] : []),
    step("breach", 0, due, ["assignee"]),
    step("repeat", 1, addDuration(policy.serviceLevels.calendar, due, { businessDays: 1 }), [
      "assignee",
      ...emergency,
    ]),
  ];
  return steps;
}

/** The due date on the case page's clocks, when the register makes it one and the case has one. */
export function dueDateClock(policy: Policy, facts: CaseClockFacts, now: Date): CaseClock | null {
  const dueAt = facts.dueAt ?? null;
  if (policy.incident.register?.dueDateRequired !== true || dueAt === null) return null;
  const stoppedAt = facts.fixedAt ?? facts.closedAt;
  const base = {
    id: DUE_DATE_CLOCK_ID,
    kind: DUE_DATE_CLOCK_ID,
    label: DUE_DATE_LABEL,
    promise: "The due date set at triage; past it, the emergency contact is told.",
    startedAt: facts.triagedAt ?? facts.receivedAt,
    dueAt,
    stoppedAt,
  };
  if (stoppedAt !== null) {
    const late = stoppedAt.getTime() - dueAt.getTime();
    return late > 0
      ? { ...base, state: "missed", text: `missed by ${formatSpan(late)}` }
      : { ...base, state: "met", text: "met" };
  }
  const left = countdown(dueAt, now);
  return { ...base, state: left.overdue ? "overdue" : "running", text: left.text };
}
