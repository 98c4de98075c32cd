/**
 * The contract between the durable outbox and the delivery adapters (webhooks, email). The outbox
 * stores these and retries them; the adapters turn one into a request and say how it went.
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
 * How one delivery attempt went. `error` is shown on an admin page and logged, so it must never
 * carry the body, the subject, a URL's query or a secret: only what failed and where
 * ("HTTP 500 from hooks.example.org", "connection refused (127.0.0.1:2525)").
 */
export type DeliveryResult = { ok: true } | { ok: false; retryable: boolean; error: string };
