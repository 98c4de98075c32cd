import type { DeliveryResult } from "./notification.js";

/**
 * Turns a nodemailer error into a DeliveryResult. Only codes are reported, never err.message or the
 * server's reply text: replies echo addresses and sometimes message content, and an AUTH failure
 * message can carry the user name.
 *
 * - A reply code decides when there is one: 4xx (and 503, a session-state hiccup) is transient,
 *   other 5xx are permanent rejections of this message (nodemailer's err.permanent says the same).
 * - Authentication failures are retried although the server says 535: the message is fine, the
 *   configuration is not, and once an admin fixes it the backlog should still go out.
 * - Connection, DNS, TLS and timeout errors are retried.
 * - Errors building the message or the envelope (bad addresses) will not get better: not retried.
 */

interface SmtpErrorFields {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  permanent?: unknown;
  timeoutType?: unknown;
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

const TIMEOUTS: Record<string, string> = {
  CONNECT_TIMEOUT: "timed out connecting",
  GREETING_TIMEOUT: "timed out waiting for the greeting",
  UPGRADE_TIMEOUT: "timed out during STARTTLS",
  SOCKET_TIMEOUT: "timed out waiting for the server",
};

/** Commands as nodemailer names them; anything else is left out rather than echoed. */
const COMMANDS = new Set([
  "MAIL FROM",
  "RCPT TO",
  "DATA",
  "EHLO",
  "HELO",
  "LHLO",
  "STARTTLS",
  "AUTH",
  "RSET",
]);

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function smtpErrorResult(err: unknown, server: string): DeliveryResult & { ok: false } {
  const e: SmtpErrorFields = typeof err === "object" && err !== null ? err : {};
  const code = str(e.code);
  const originalCode = str(e.originalCode);

  if (code === "EAUTH" || code === "ENOAUTH") {
    return { ok: false, retryable: true, error: `SMTP authentication failed (${server})` };
  }
  if (code === "ETIMEDOUT") {
    const what = TIMEOUTS[str(e.timeoutType) ?? ""] ?? "timed out";
    return { ok: false, retryable: true, error: `${what} (${server})` };
  }

  if (typeof e.responseCode === "number") {
    const reply = e.responseCode;
    const permanent = typeof e.permanent === "boolean" ? e.permanent : reply >= 500 && reply !== 503;
    const enhanced = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(str(e.response) ?? "")?.[1];
    const command = str(e.command)?.toUpperCase() ?? "";
    const at = COMMANDS.has(command) || command.startsWith("AUTH") ? ` after ${command}` : "";
    return {
      ok: false,
      retryable: !permanent,
      error: `SMTP ${reply}${enhanced ? ` ${enhanced}` : ""}${at} from ${server}`,
    };
  }

  const connection = CONNECTION_CODES[originalCode ?? ""] ?? CONNECTION_CODES[code ?? ""];
  if (connection !== undefined) return { ok: false, retryable: true, error: `${connection} (${server})` };

  switch (code) {
    case "ECONNECTION":
    case "ESOCKET":
      return { ok: false, retryable: true, error: `connection failed (${server})` };
    case "EDNS":
      return { ok: false, retryable: true, error: `DNS lookup failed (${server})` };
    case "ETLS":
    case "EREQUIRETLS":
      return { ok: false, retryable: true, error: `TLS failed (${server})` };
    case "EPROTOCOL":
      return { ok: false, retryable: true, error: `invalid reply from ${server}` };
    case "EENVELOPE":
    case "EMAXRECIPIENTS":
      return { ok: false, retryable: false, error: "invalid envelope (sender or recipients)" };
    case "EMESSAGE":
    case "ESTREAM":
    case "EOTP":
    case "EFILEACCESS":
    case "EURLACCESS":
      return { ok: false, retryable: false, error: `message could not be built (${code})` };
    default:
      // Unknown: retry, the backoff gives up eventually and the admin page shows the code.
      return {
        ok: false,
        retryable: true,
        error:
          code !== null && /^[A-Z0-9_]{1,40}$/.test(code)
            ? `SMTP error ${code} (${server})`
            : `SMTP error (${server})`,
      };
  }
}
