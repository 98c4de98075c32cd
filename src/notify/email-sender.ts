import nodemailer from "nodemailer";
import type { DeliveryResult } from "./notification.js";
import { smtpErrorResult } from "./smtp-errors.js";

/**
 * Email delivery over one pooled SMTP connection set.
 *
 * `smtpUrl` is parsed by nodemailer (shared.parseConnectionUrl):
 * - `smtp://host:port` is plain SMTP, upgraded with STARTTLS when the server offers it;
 *   `smtps://host:465` is TLS from the first byte. Without a port nodemailer uses 587 (smtp) or 465 (smtps).
 * - `user:pass@` becomes `auth`; percent-encode reserved characters in the password.
 * - Query parameters become transport options: `?requireTLS=true`, `?connectionTimeout=5000`,
 *   `?tls.rejectUnauthorized=false` (only `tls.` keys may be nested). "true"/"false" and numbers are
 *   converted. They override the defaults below (nodemailer applies URL values over the object's keys).
 */

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  /** Keep it stable across retries (derive it from the idempotency key): mail clients deduplicate on it. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /** Sent as X-Embargo-Idempotency-Key. */
  idempotencyKey?: string;
  /** Adds "Auto-Submitted: auto-generated" (RFC 3834) so vacation responders stay quiet. Default true. */
  autoSubmitted?: boolean;
  /**
   * A complete RFC 5322 message built elsewhere (e.g. PGP/MIME); when given, it is sent as-is with
   * the envelope from/to and the fields above except `to` are ignored: put Message-ID and the
   * `notificationHeaders()` into the raw message yourself.
   */
  raw?: Buffer;
}

export interface EmailSender {
  /** The From of mail built here, and the envelope sender of all mail: for raw messages built elsewhere. */
  readonly from: string;
  send(message: EmailMessage): Promise<DeliveryResult>;
  /** Closes the pooled connections; call on shutdown. */
  close(): void;
}

/** The headers Embargo adds to every notification email; exported for code that builds raw messages. */
export function notificationHeaders(
  idempotencyKey: string | undefined,
  autoSubmitted = true,
): Record<string, string> {
  return {
    ...(idempotencyKey !== undefined ? { "X-Embargo-Idempotency-Key": idempotencyKey } : {}),
    ...(autoSubmitted ? { "Auto-Submitted": "auto-generated" } : {}),
  };
}

/** "host:port" of the server, for error text: never the user name or password. */
function serverLabel(url: URL): string {
  const port = url.port !== "" ? url.port : url.protocol === "smtps:" ? "465" : "587";
  return `${url.hostname}:${port}`;
}

function angleBrackets(id: string): string {
  return id.startsWith("<") && id.endsWith(">") ? id : `<${id}>`;
}

export function createEmailSender(smtpUrl: string, from: string): EmailSender {
  let parsed: URL;
  try {
    parsed = new URL(smtpUrl);
  } catch {
    // The URL may hold a password: do not echo it.
    throw new TypeError("SMTP URL is not a valid URL");
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new TypeError(`SMTP URL must start with smtp:// or smtps:// (got ${parsed.protocol})`);
  }
  const server = serverLabel(parsed);

  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // The outbox retries with backoff; the pool only retries once, for a pooled connection the
    // server had already dropped.
    maxRequeues: 1,
    // Refuse to read files or URLs named in a message: messages carry our text only.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });

  return {
    from,
    async send(message) {
      if (message.to.length === 0) return { ok: false, retryable: false, error: "no recipients" };
      try {
        const info = message.raw
          ? await transport.sendMail({ envelope: { from, to: message.to }, raw: message.raw })
          : await transport.sendMail({
              from,
              to: message.to,
              subject: message.subject,
              text: message.text,
              messageId: angleBrackets(message.messageId),
              ...(message.inReplyTo !== undefined ? { inReplyTo: angleBrackets(message.inReplyTo) } : {}),
              ...(message.references !== undefined
                ? { references: message.references.map(angleBrackets) }
                : {}),
              headers: {
                ...message.headers,
                ...notificationHeaders(message.idempotencyKey, message.autoSubmitted ?? true),
              },
            });
        // Some recipients refused, others took it: retrying would send the others a second copy,
        // so report it as a permanent failure for the admin to look at.
        if (info.rejected.length > 0) {
          return {
            ok: false,
            retryable: false,
            error: `${info.rejected.length} of ${message.to.length} recipients rejected by ${server} (the others accepted)`,
          };
        }
        return { ok: true };
      } catch (err) {
        return smtpErrorResult(err, server);
      }
    },
    close() {
      transport.close();
    },
  };
}
