import { reporterPlanMail, taskEscalationMail } from "../domain/disclosure/plan-mail.js";
import type { DisclosurePlanWork } from "../domain/disclosure/plan-work.js";
import {
  type CasePeople,
  type Recipient,
  recipientKey,
  resolveNotifyList,
  webhooksFor,
} from "../domain/notifications/recipients.js";
import type { Notification } from "../notify/notification.js";
import type { Policy } from "../policy/schema.js";
import { PLAN_EVENTS } from "../store/disclosure-plan.js";
import type { NewEvent } from "../store/event-log.js";
import { domainEventType } from "../store/staff-events.js";
import type { ContentContext } from "./notification-content.js";

/**
 * What the timer worker sends and records for the disclosure plan (src/domain/disclosure/plan.ts):
 * the reporter's notices (the embargo ended, they may publish, a date they see moved), mailed
 * when they gave an address and recorded either way (`disclosure.reporter_told`: the record is the
 * notice's idempotency, and completes the reporter-disclosure task), and the escalation of tasks a
 * day overdue to the emergency and lead contacts (`disclosure.task_overdue`, keys kept in
 * `case_escalations`). Pure: the worker queues, appends and records in its transaction.
 */
export interface DisclosurePlanSends {
  sends: { notification: Notification; recipient: Recipient }[];
  events: NewEvent[];
  /** Escalation steps taken, by idempotency key (kept in `case_escalations`). */
  steps: { idempotencyKey: string }[];
}

export function planDisclosureSends(input: {
  policy: Policy;
  caseId: string;
  work: DisclosurePlanWork;
  people: CasePeople;
  context: ContentContext;
  now: Date;
}): DisclosurePlanSends {
  const { policy, caseId, work, people, context, now } = input;
  const out: DisclosurePlanSends = { sends: [], events: [], steps: [] };
  const base = { program: policy.program.slug, caseId, createdAt: now.toISOString() };

  for (const notice of work.steps.reporter) {
    const email = people.reporterEmail;
    const mailed = email !== null && context.reporter !== undefined;
    if (mailed && context.reporter !== undefined) {
      out.sends.push({
        recipient: { kind: "reporter", email },
        notification: {
          ...base,
          ...reporterPlanMail(policy, notice, context.reporter, context.reference),
          idempotencyKey: `${notice.key}:reporter`,
          url: null,
        },
      });
    }
    out.events.push({
      type: domainEventType(PLAN_EVENTS.reporterTold),
      actor: "system",
      at: now,
      payload: { key: notice.key, kind: notice.kind, date: notice.date.toISOString(), mailed },
    });
  }

  const url = `${context.publicUrl}/cases/${caseId}`;
  for (const step of work.steps.escalations) {
    const recipients = [
      ...resolveNotifyList(step.notify, policy, people),
      ...webhooksFor(policy, "escalation"),
    ];
    const words = taskEscalationMail(policy, step, context.reference);
    for (const recipient of recipients)
      out.sends.push({
        recipient,
        notification: {
          ...base,
          ...words,
          text: `${words.text}\n\nOpen the case: ${url}`,
          idempotencyKey: `${step.idempotencyKey}:${recipientKey(recipient)}`,
          url,
        },
      });
    out.events.push({
      type: domainEventType(PLAN_EVENTS.taskOverdue),
      actor: "system",
      at: now,
      payload: {
        phaseId: step.task.phaseId,
        n: step.task.n,
        dueAt: step.dueAt.toISOString(),
        notified: recipients.map(recipientKey),
      },
    });
    out.steps.push({ idempotencyKey: step.idempotencyKey });
  }
  return out;
}
