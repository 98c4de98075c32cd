import {
  PUBLICATION_DATE_REACHED_EVENT,
  PUBLICATION_INTENT_EVENT,
  type PublicationDateStep,
  planPublicationDate,
} from "../domain/disclosure/reporter-warning.js";
import {
  AGREEMENT_REMINDED_EVENT,
  type AgreementReminderStep,
  planAgreementReminder,
} from "../domain/incident/agreement.js";
import type { CaseEventFact } from "../domain/notifications/event-notices.js";
import {
  type CasePeople,
  newReportList,
  type Recipient,
  recipientKey,
  resolveNotifyList,
  webhooksFor,
} from "../domain/notifications/recipients.js";
import type { Notification } from "../notify/notification.js";
import { utcMinute } from "../notify/notification-text.js";
import type { Policy } from "../policy/schema.js";
import type { NewEvent } from "../store/event-log.js";
import type { CasesTable } from "../store/schema.js";
import { domainEventType } from "../store/staff-events.js";
import { type ContentContext, isConfidential } from "./notification-content.js";

/**
 * What the timer worker owes for the two clocks the reporter's side of disclosure runs (issue 12):
 *
 * - Kulupu's written warning (src/domain/disclosure/reporter-warning.ts): each new statement of
 *   the reporter ("I intend to publish on DATE", a change, a withdrawal) alerts the team at once;
 *   when the date comes, the team is told once (`reporter.publication_date_reached`).
 * - Rocket.Chat's agreement (src/domain/incident/agreement.ts): when the wait passes without an
 *   answer, the reporter is reminded by mail once (when they gave an address) and the team is
 *   told once (`case.agreement_reminded`).
 *
 * "The team": the assignee and followers, or, when there are none, the policy's new-report
 * recipients (its points of contact): someone must hear. Webhooks subscribed to escalations too.
 * No report content in clear: the reporter's message goes only to channels the policy marks
 * confidential, as every notice's words do (src/jobs/notification-content.ts). Pure: the worker
 * queues the notifications, appends the events and records the steps' keys in its transaction.
 */
export interface ReporterClocksInput {
  policy: Policy;
  caseId: string;
  row: Pick<CasesTable, "state" | "agreement_due_at" | "reporter_publishes_at">;
  /** The case's events the worker has not looked at yet. */
  events: readonly CaseEventFact[];
  people: CasePeople;
  taken: ReadonlySet<string>;
  now: Date;
  context: ContentContext;
}

export interface ReporterClocksPlan {
  sends: { notification: Notification; recipient: Recipient }[];
  /** Internal events recording the steps taken. */
  events: NewEvent[];
  /** The steps taken, by idempotency key (kept in `case_escalations`). */
  steps: { idempotencyKey: string }[];
  nextAt: Date | null;
}

export function planReporterClocks(input: ReporterClocksInput): ReporterClocksPlan {
  const { policy, caseId, people, now, context } = input;
  const plan: ReporterClocksPlan = { sends: [], events: [], steps: [], nextAt: null };
  const team = teamRecipients(policy, people);

  for (const event of input.events) {
    if (event.type !== PUBLICATION_INTENT_EVENT || event.actor !== "reporter") continue;
    for (const recipient of team)
      plan.sends.push({ recipient, notification: intentNotice(context, event, recipient) });
  }

  const date = planPublicationDate(
    caseId,
    { reporterPublishesAt: input.row.reporter_publishes_at ?? null, state: input.row.state },
    input.taken,
    now,
  );
  if (date.take !== null) {
    const step = date.take;
    for (const recipient of team)
      plan.sends.push({ recipient, notification: dateReachedNotice(context, step, recipient) });
    plan.steps.push(step);
    plan.events.push({
      type: domainEventType(PUBLICATION_DATE_REACHED_EVENT),
      actor: "system",
      at: now,
      payload: { publishesAt: step.publishesAt.toISOString(), notified: team.map(recipientKey) },
    });
  }

  const reminder = planAgreementReminder(caseId, input.row.agreement_due_at, input.taken, now);
  if (reminder.take !== null) {
    const step = reminder.take;
    const recipients: Recipient[] = [
      ...(people.reporterEmail === null ? [] : [{ kind: "reporter" as const, email: people.reporterEmail }]),
      ...team,
    ];
    for (const recipient of recipients)
      plan.sends.push({ recipient, notification: reminderNotice(context, step, recipient) });
    plan.steps.push(step);
    plan.events.push({
      type: domainEventType(AGREEMENT_REMINDED_EVENT),
      actor: "system",
      at: now,
      payload: { dueAt: step.dueAt.toISOString(), notified: recipients.map(recipientKey) },
    });
  }

  plan.nextAt = [date.nextAt, reminder.nextAt]
    .filter((at): at is Date => at !== null)
    .reduce<Date | null>((first, at) => (first === null || at < first ? at : first), null);
  return plan;
}

/** The assignee and followers; when none, the new-report recipients; and the escalation webhooks. */
function teamRecipients(policy: Policy, people: CasePeople): Recipient[] {
  const named = resolveNotifyList(["assignee", "followers"], policy, people);
  const told = named.length > 0 ? named : resolveNotifyList(newReportList(policy), policy, people);
  return [...told, ...webhooksFor(policy, "escalation")];
}

const staffUrl = (context: ContentContext) => `${context.publicUrl}/cases/${context.caseId}`;
const programName = (policy: Policy) => policy.program.name.replace(/\s+/g, " ").trim();

function teamNotification(
  context: ContentContext,
  recipient: Recipient,
  key: string,
  event: string,
  subject: string,
  lines: string[],
  content: string | null,
): Notification {
  const confidential = isConfidential(context.policy, recipient);
  const quoted =
    confidential && content !== null && content !== ""
      ? ["", "Their message:", ...content.split("\n").map((line) => `> ${line}`)]
      : [];
  const title = confidential ? ["", `Report: ${context.title}`] : [];
  return {
    idempotencyKey: `${key}:${recipientKey(recipient)}`,
    program: context.policy.program.slug,
    caseId: context.caseId,
    event,
    subject,
    text: [...lines, ...quoted, ...title, "", `Open the case: ${staffUrl(context)}`].join("\n"),
    url: staffUrl(context),
    createdAt: context.at.toISOString(),
  };
}

function intentNotice(context: ContentContext, event: CaseEventFact, recipient: Recipient): Notification {
  const ref = context.reference;
  const name = programName(context.policy);
  const publishOn = typeof event.payload.publishOn === "string" ? event.payload.publishOn : null;
  const message = typeof event.payload.message === "string" ? event.payload.message : null;
  const key = `${context.caseId}:publication-intent:${event.seq}`;
  if (publishOn === null) {
    return teamNotification(
      context,
      recipient,
      key,
      PUBLICATION_INTENT_EVENT,
      `[${name}] The reporter withdrew their publication date (${ref})`,
      [`Case ${ref}: the reporter withdrew the date they had said they intend to publish on.`],
      null,
    );
  }
  return teamNotification(
    context,
    recipient,
    key,
    PUBLICATION_INTENT_EVENT,
    `[${name}] The reporter intends to publish on ${publishOn} (${ref})`,
    [
      `Case ${ref}: the reporter told the team they intend to publish on ${publishOn}.`,
      "The case shows a clock to that date; you will be told again when it comes.",
      message === null || message === "" || isConfidential(context.policy, recipient)
        ? ""
        : "Their message is on the case page.",
    ].filter((line) => line !== ""),
    message,
  );
}

function dateReachedNotice(
  context: ContentContext,
  step: PublicationDateStep,
  recipient: Recipient,
): Notification {
  const ref = context.reference;
  const day = step.publishesAt.toISOString().slice(0, 10);
  return teamNotification(
    context,
    recipient,
    step.idempotencyKey,
    PUBLICATION_DATE_REACHED_EVENT,
    `[${programName(context.policy)}] The reporter's publication date has come (${ref})`,
    [`Case ${ref}: the reporter said they intend to publish on ${day}. That day has come.`],
    null,
  );
}

function reminderNotice(
  context: ContentContext,
  step: AgreementReminderStep,
  recipient: Recipient,
): Notification {
  const ref = context.reference;
  const name = programName(context.policy);
  if (recipient.kind === "reporter") {
    return {
      idempotencyKey: `${step.idempotencyKey}:${recipientKey(recipient)}`,
      program: context.policy.program.slug,
      caseId: context.caseId,
      event: AGREEMENT_REMINDED_EVENT,
      subject: `[${name}] ${ref}: does the fix resolve your report? (reminder)`,
      text: [
        `The team of ${name} has fixed the issue you reported and asked whether the fix resolves it.`,
        `The team is still waiting for your answer (asked by ${utcMinute(step.dueAt)}).`,
        "Open the private link from your receipt to answer. Never share that link.",
      ].join("\n\n"),
      url: null,
      createdAt: context.at.toISOString(),
    };
  }
  return teamNotification(
    context,
    recipient,
    step.idempotencyKey,
    AGREEMENT_REMINDED_EVENT,
    `[${name}] Agreement still awaited (${ref})`,
    [
      `Case ${ref}: the wait for the agreement that the case is resolved ended (${utcMinute(step.dueAt)}) without an answer.`,
      "The reporter was reminded when they gave an address. The case is not closed as resolved nor disclosed until the agreement is given; record it on the case page if it was given another way.",
    ],
    null,
  );
}
