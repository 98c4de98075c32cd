/**
 * What an outbox row carries besides its recipient: the notification and, for mail to a
 * reporter, how to build it. The outbox (outbox.ts) stores and checks exactly this shape, so the
 * shape is defined here, in the store; the delivery adapters (src/notify, src/mail) and the code
 * that writes notifications import it from here. (Defined in notify or mail, it would make the
 * store import the layers that use it.)
 */

/** One message to deliver. Bodies carry report content only when the channel is confidential; the caller decides. */
export interface Notification {
  /** Stable across retries and crashes: receivers deduplicate on it. */
  idempotencyKey: string;
  program: string;
  caseId: string | null;
  /** e.g. "escalation.warn", "escalation.breach", "escalation.repeat", "case.received", "case.assigned", "team.reply" */
  event: string;
  subject: string;
  text: string;
  /** Link to the case (staff page or the reporter's page), or null. */
  url: string | null;
  /** ISO instant the notification was created. */
  createdAt: string;
}

/**
 * A program's mail to a reporter (receipts, team replies): built at sending by
 * src/mail/outbound.ts (buildReporterMail), encrypted and signed as these options say.
 */
export interface ReporterMailOptions {
  from: string;
  replyTo: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The reporter's armored public key, when known. */
  encryptTo: string | null;
  /** RFC 3834: receipts say auto-replied; a person's reply says nothing. */
  autoSubmitted: "auto-replied" | "auto-generated" | null;
  /** The text holds what only encryption may carry: refuse to send it otherwise. */
  mustEncrypt?: boolean;
}
