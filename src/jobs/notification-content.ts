import { clockLabel } from "../domain/clocks/case-clocks.js";
import type { EscalationStep } from "../domain/clocks/escalation.js";
import type { EventNotice } from "../domain/notifications/event-notices.js";
import { type Recipient, recipientKey } from "../domain/notifications/recipients.js";
import type { Notification } from "../notify/notification.js";
import { escalationText } from "../notify/notification-text.js";
import type { Policy } from "../policy/schema.js";

/**
 * The words of a notification, from a decision of the domain (an escalation step, an event
 * notice). Report content (titles, messages) goes only to channels the policy marks
 * confidential: the team's email when `notifications.email.confidential`, a webhook with
 * `confidential: true`. Mail to the reporter says what happened, not what was written: it is
 * not encrypted yet, and their private page has the words.
 */
export function isConfidential(policy: Policy, recipient: Recipient): boolean {
  switch (recipient.kind) {
    case "webhook":
      return (
        policy.notifications.webhooks.find((webhook) => webhook.id === recipient.id)?.confidential === true
      );
    case "reporter":
      return false;
    default:
      return policy.notifications.email.confidential;
  }
}

/** A short, non-secret reference to a case for subjects: the first 8 characters of its id. */
export function caseRef(caseId: string): string {
  return caseId.slice(0, 8);
}

export interface ContentContext {
  policy: Policy;
  caseId: string;
  /** The case title, shown only on confidential channels. */
  title: string;
  publicUrl: string;
  at: Date;
}

function staffUrl(context: ContentContext): string {
  return `${context.publicUrl}/cases/${context.caseId}`;
}

export function escalationNotification(
  context: ContentContext,
  step: EscalationStep,
  recipient: Recipient,
): Notification {
  const clock = context.policy.serviceLevels.clocks.find((candidate) => candidate.id === step.clockId);
  const words = escalationText({
    programName: context.policy.program.name,
    clockLabel: clock === undefined ? step.clockId : clockLabel(clock),
    kind: step.kind,
    n: step.n,
    dueAt: step.deadline,
    message: step.message,
    caseRef: caseRef(context.caseId),
    now: context.at,
  });
  const title = isConfidential(context.policy, recipient) ? `\n\nReport: ${context.title}` : "";
  return {
    idempotencyKey: `${step.idempotencyKey}:${recipientKey(recipient)}`,
    program: context.policy.program.slug,
    caseId: context.caseId,
    event: `escalation.${step.kind}`,
    subject: words.subject,
    text: `${words.text}${title}`,
    url: staffUrl(context),
    createdAt: context.at.toISOString(),
  };
}

export function eventNotification(
  context: ContentContext,
  notice: EventNotice,
  seqRange: { from: number; to: number },
): Notification {
  const confidential = isConfidential(context.policy, notice.recipient);
  const name = context.policy.program.name;
  const ref = caseRef(context.caseId);
  const body = notice.lines.map((line) =>
    confidential && line.content !== null && line.content !== ""
      ? `${line.text}\n\n${indent(line.content)}`
      : line.text,
  );
  const reporter = notice.audience === "reporter";
  const subject = reporter
    ? `[${name}] News on your report`
    : notice.event === "case.received"
      ? `[${name}] New report (case ${ref})`
      : `[${name}] Case ${ref} changed`;
  const intro = reporter
    ? `There is news on the report you sent to ${name}.`
    : confidential
      ? `Case ${ref}: ${context.title}`
      : `Case ${ref}`;
  const outro = reporter
    ? "Open the private link from your receipt to read it and to answer. Never share that link."
    : `Open the case: ${staffUrl(context)}`;
  return {
    // The kind is part of the key: one recipient may get a new-report notice and a change notice
    // from the same events (a webhook subscribed to both).
    idempotencyKey: `${context.caseId}:events:${seqRange.from}-${seqRange.to}:${noticeKind(notice)}:${recipientKey(notice.recipient)}`,
    program: context.policy.program.slug,
    caseId: context.caseId,
    event: notice.event,
    subject,
    text: [intro, ...body, outro].join("\n\n"),
    url: reporter ? null : staffUrl(context),
    createdAt: context.at.toISOString(),
  };
}

function noticeKind(notice: EventNotice): "new-report" | "changes" | "reporter" {
  if (notice.audience === "reporter") return "reporter";
  return notice.event === "case.received" ? "new-report" : "changes";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}
