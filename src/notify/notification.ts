/**
 * The contract between the durable outbox and the delivery adapters (webhooks, email). The outbox
 * stores these and retries them; the adapters turn one into a request and say how it went.
 */

// The message itself is the outbox's: it stores exactly this shape (src/store/outbox-message.ts).
export type { Notification } from "../store/outbox-message.js";

/**
 * How one delivery attempt went. `error` is shown on an admin page and logged, so it must never
 * carry the body, the subject, a URL's query or a secret: only what failed and where
 * ("HTTP 500 from hooks.example.org", "connection refused (127.0.0.1:2525)").
 */
export type DeliveryResult = { ok: true } | { ok: false; retryable: boolean; error: string };
