import { clockLabel } from "../domain/clocks/case-clocks.js";
import { countdown } from "../domain/clocks/countdown.js";
import { authorityName, type DisclosureStep } from "../domain/clocks/disclosure.js";
import { DUE_DATE_CLOCK_ID, DUE_DATE_LABEL } from "../domain/clocks/due-date-clock.js";
import type { EscalationStep } from "../domain/clocks/escalation.js";
import type { EventNotice } from "../domain/notifications/event-notices.js";
import { type Recipient, recipientKey } from "../domain/notifications/recipients.js";
import type { Notification } from "../notify/notification.js";
import { escalationText, utcMinute } from "../notify/notification-text.js";
import { teamMayReadContent } from "../notify/team-mail-keys.js";
import type { Policy } from "../policy/schema.js";

/**
 * The words of a notification, from a decision of the domain (an escalation step, an event
 * notice). Report content (titles, messages) goes only to channels the policy marks
 * confidential: the team's email when `notifications.email.confidential`, a webhook with
 * `confidential: true`. When the policy has all communication encrypted, team email carries it
 * only to a recipient the policy gives an OpenPGP key (src/notify/team-mail-keys.ts); delivery
 * encrypts it to that key. Mail to the reporter carries the team's words only when it is encrypted to
 * their key, or when they themselves wrote in clear to a program that does not require
 * encryption (`ContentContext.reporter`); otherwise it says what happened, and their private page
 * has the words.
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
      return teamMayReadContent(policy, recipient);
  }
}

export interface ContentContext {
  policy: Policy;
  caseId: string;
  /**
   * How subjects and texts name the case: `KITSU-12`, or its id's first characters for a case
   * without a number (`caseLabel` of the case row, src/domain/cases/case-number.ts).
   */
  reference: string;
  /** The case title, shown only on confidential channels. */
  title: string;
  publicUrl: string;
  at: Date;
  /** How mail reaches the reporter (none: the program has no mail address). */
  reporter?: { mayRead: boolean; answerByMail: boolean };
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
    clockLabel:
      clock !== undefined
        ? clockLabel(clock)
        : step.clockId === DUE_DATE_CLOCK_ID
          ? DUE_DATE_LABEL
          : step.clockId,
    kind: step.kind,
    n: step.n,
    dueAt: step.deadline,
    message: step.message,
    caseRef: context.reference,
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

/**
 * A disclosure phase that fell due, or the authority deadline of a privacy incident coming or
 * gone. The words are the policy's (phase name, audiences, actions, the authority) and the case's
 * reference; the report's title only on confidential channels.
 */
export function disclosureNotification(
  context: ContentContext,
  step: DisclosureStep,
  recipient: Recipient,
): Notification {
  const name = oneLine(context.policy.program.name);
  const ref = context.reference;
  let subject: string;
  let lines: string[];
  let event: string;
  if (step.kind === "phase") {
    const phase = step.phase;
    const from = phase.relativeTo === "received" ? "the report was received" : "the fix release";
    event = "disclosure.phase_due";
    subject = `[${name}] Disclosure phase due: ${oneLine(phase.name)} (${ref})`;
    lines = [
      `Case ${ref}: the disclosure phase "${oneLine(phase.name)}" is due (day ${phase.day} after ${from}).`,
      `Due: ${utcMinute(step.dueAt)}`,
      ...(phase.audiences.length === 0 ? [] : ["", `Audiences: ${phase.audiences.join(", ")}`]),
      "",
      "To do:",
      ...phase.actions.map((action) => `- ${oneLine(action.text)}`),
    ];
  } else {
    const authority = authorityName(context.policy);
    const relative = countdown(step.deadline, context.at).text;
    event = step.kind === "authority-warn" ? "authority.warn" : "authority.breach";
    subject =
      step.kind === "authority-warn"
        ? `[${name}] Notify the authority: ${relative} (${ref})`
        : `[${name}] Notify the authority: overdue (${ref})`;
    lines = [
      step.kind === "authority-warn"
        ? `Case ${ref} is a privacy incident: notify ${authority} by ${utcMinute(step.deadline)} (${relative}).`
        : `Case ${ref} is a privacy incident and the deadline to notify ${authority} has passed (${utcMinute(step.deadline)}).`,
      "Record the notification on the case page when it is done.",
    ];
  }
  const title = isConfidential(context.policy, recipient) ? `\n\nReport: ${context.title}` : "";
  return {
    idempotencyKey: `${step.idempotencyKey}:${recipientKey(recipient)}`,
    program: context.policy.program.slug,
    caseId: context.caseId,
    event,
    subject,
    text: `${lines.join("\n")}${title}\n\nOpen the case: ${staffUrl(context)}`,
    url: staffUrl(context),
    createdAt: context.at.toISOString(),
  };
}

/** One header line, whatever policy authors typed. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function eventNotification(
  context: ContentContext,
  notice: EventNotice,
  seqRange: { from: number; to: number },
): Notification {
  const confidential =
    notice.recipient.kind === "reporter"
      ? context.reporter?.mayRead === true
      : isConfidential(context.policy, notice.recipient);
  const name = context.policy.program.name;
  const ref = context.reference;
  const body = notice.lines.map((line) =>
    confidential && line.content !== null && line.content !== ""
      ? `${line.text}\n\n${indent(line.content)}`
      : line.text,
  );
  const reporter = notice.audience === "reporter";
  // The reporter's subjects lead with the reference, for them to quote (and to sort their mail by).
  const subject = reporter
    ? `[${name}] ${ref}: news on your report`
    : notice.event === "case.received"
      ? `[${name}] New report (${ref})`
      : `[${name}] Case ${ref} changed`;
  const intro = reporter
    ? `There is news on the report you sent to ${name}.`
    : confidential
      ? `Case ${ref}: ${context.title}`
      : `Case ${ref}`;
  const outro = !reporter
    ? `Open the case: ${staffUrl(context)}`
    : context.reporter?.answerByMail === true
      ? "Answer this message to reply, or use the private link from your receipt. Never share that link."
      : "Open the private link from your receipt to read it and to answer. Never share that link.";
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
