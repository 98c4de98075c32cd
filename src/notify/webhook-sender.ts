import type { DeliveryResult, Notification } from "./notification.js";
import { signWebhook } from "./signing.js";
import { type WebhookFormat, webhookBody } from "./webhook-formats.js";

export interface WebhookDelivery {
  url: string;
  format: WebhookFormat;
  /** When set, every request carries X-Embargo-Signature (see signing.ts). */
  secret?: string;
  notification: Notification;
  now: Date;
  timeoutMs?: number;
}

/** Statuses that say "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUS = new Set([408, 425, 429]);

/**
 * POSTs one notification. Never throws: every outcome is a DeliveryResult for the outbox. Error
 * strings name the host and the failure only: the URL's path and query often hold the hook's
 * secret (Slack, Rocket.Chat), and response bodies may echo what we sent, so neither is quoted.
 */
export async function sendWebhook(delivery: WebhookDelivery): Promise<DeliveryResult> {
  const { notification, now, timeoutMs = 10_000 } = delivery;

  let target: URL;
  try {
    target = new URL(delivery.url);
  } catch {
    return { ok: false, retryable: false, error: "invalid webhook URL" };
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return { ok: false, retryable: false, error: `unsupported webhook URL scheme "${target.protocol}"` };
  }
  // fetch refuses these anyway; say so plainly instead of a TypeError, without echoing them.
  if (target.username !== "" || target.password !== "") {
    return {
      ok: false,
      retryable: false,
      error: `webhook URL for ${target.host} must not contain credentials`,
    };
  }
  const host = target.host;

  const body = webhookBody(delivery.format, notification);
  let headers: Headers;
  try {
    // Built up front so a key or event name that is not a valid header value (a newline, say) is
    // reported as the permanent problem it is, not mistaken for a network error below.
    headers = new Headers({
      "Content-Type": "application/json",
      "User-Agent": "Embargo",
      "Idempotency-Key": notification.idempotencyKey,
      "X-Embargo-Event": notification.event,
    });
  } catch {
    return { ok: false, retryable: false, error: "idempotency key or event is not a valid header value" };
  }
  if (delivery.secret !== undefined)
    headers.set("X-Embargo-Signature", signWebhook(delivery.secret, body, now));

  let response: Response;
  try {
    response = await fetch(target, {
      method: "POST",
      headers,
      body,
      // A redirect could send the (possibly confidential) body somewhere the admin never configured.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, retryable: true, error: networkError(err, host, timeoutMs) };
  }
  // The body is never read (see above); cancel it so the connection is released.
  await response.body?.cancel().catch(() => undefined);

  const status = response.status;
  if (status >= 200 && status < 300) return { ok: true };
  if (status >= 300 && status < 400) {
    return { ok: false, retryable: false, error: `HTTP ${status} redirect from ${host} (not followed)` };
  }
  const retryable = status >= 500 || RETRYABLE_STATUS.has(status);
  return { ok: false, retryable, error: `HTTP ${status} from ${host}` };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_HEADERS_OVERFLOW: "response headers too large",
};

function errorCode(err: unknown): string | null {
  if (typeof err !== "object" || err === null || !("code" in err) || typeof err.code !== "string")
    return null;
  // Only identifier-like codes are echoed; anything else could be arbitrary text.
  return /^[A-Z0-9_]{1,40}$/.test(err.code) ? err.code : null;
}

/** fetch wraps the socket error in `cause`; map its code to words. The messages themselves are not reused. */
function networkError(err: unknown, host: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `timed out after ${formatSeconds(timeoutMs)} (${host})`;
  }
  const cause = err instanceof Error ? err.cause : undefined;
  const code = errorCode(cause) ?? errorCode(err);
  if (code !== null && code in NETWORK_CODES) return `${NETWORK_CODES[code]} (${host})`;
  if (code !== null && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return `TLS certificate rejected: ${code} (${host})`;
  }
  return code !== null ? `network error ${code} (${host})` : `network error (${host})`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
