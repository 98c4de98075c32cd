import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { IntakeLimiter } from "../web/abuse/intake-limiter.js";
import { type MailIntakeDeps, receiveMail } from "./ingest.js";
import { programForAddress } from "./program-addresses.js";

/**
 * Embargo's own SMTP listener (on when EMBARGO_SMTP_PORT is set): mail for the programs'
 * addresses only, a size limit, STARTTLS with the configured certificate, per-sender rate limits.
 * It answers 250 only once the message is stored (encrypted) in the database: a sender told
 * "accepted" can count on it. Nothing a sender does (malformed commands, huge or broken mail,
 * a dropped connection) takes the listener down.
 */
export interface SmtpListenerOptions {
  host: string;
  port: number;
  /** Announced in the greeting. */
  hostname: string;
  maxBytes: number;
  tls?: { key: Buffer; cert: Buffer };
  /** Messages per hour from one sender address at one IP, and to one program. */
  perSenderPerHour: number;
  perProgramPerHour: number;
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

const MAX_RECIPIENTS = 20;
/** Connections at once: beyond it a sender is told to come back (421), not queued in memory. */
const MAX_CONNECTIONS = 100;

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpListener(
  deps: MailIntakeDeps,
  options: SmtpListenerOptions,
): Promise<SmtpListener> {
  const limiter = new IntakeLimiter(
    {
      perAddressPerHour: options.perSenderPerHour,
      perAddressWithoutPowPerHour: options.perSenderPerHour,
      perProgramPerHour: options.perProgramPerHour,
    },
    deps.clock,
  );
  const senderKey = (session: SMTPServerSession, from: string) =>
    `${session.remoteAddress}|${from.toLowerCase()}`;
  const programOf = (address: string) =>
    programForAddress(deps.programs, address)?.program.policy.program.slug;
  const server = new SMTPServer({
    name: options.hostname,
    banner: "Embargo",
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: options.tls === undefined ? ["AUTH", "STARTTLS"] : ["AUTH"],
    ...(options.tls === undefined ? {} : { key: options.tls.key, cert: options.tls.cert }),
    logger: false,
    maxClients: MAX_CONNECTIONS,
    // A slow sender may hold a connection, not the listener.
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        return callback(smtpError(452, "4.5.3 Too many recipients"));
      }
      const program = programOf(address.address);
      if (program === undefined) return callback(smtpError(550, "5.1.1 No such mailbox here"));
      const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
      const allowed = limiter.check(senderKey(session, from), program, true);
      if (!allowed.ok) return callback(smtpError(450, "4.7.1 Too many messages; try again later"));
      return callback();
    },
    onData(stream, session, callback) {
      // Kept only up to the limit: past it the rest is read and dropped, and the answer is 552.
      const chunks: Buffer[] = [];
      let kept = 0;
      stream.on("data", (chunk: Buffer) => {
        if (kept > options.maxBytes) return;
        chunks.push(chunk);
        kept += chunk.length;
      });
      stream.on("error", () => callback(smtpError(451, "4.3.0 Message not received; try again")));
      stream.on("end", () => {
        if (stream.sizeExceeded || kept > options.maxBytes) {
          return callback(smtpError(552, `5.3.4 Message too big (the limit is ${options.maxBytes} bytes)`));
        }
        const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
        receiveMail(deps, Buffer.concat(chunks), {
          via: "smtp",
          mailFrom: from === "" ? null : from,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        }).then(
          (outcome) => {
            // Counted against the program that takes it in: the first recipient's (ingest.ts).
            const program = programOf(session.envelope.rcptTo[0]?.address ?? "") ?? "";
            limiter.record(senderKey(session, from), program, true);
            callback(null, `Message accepted (${outcome.id})`);
          },
          (error: unknown) => {
            // Not stored: the sender must keep it and try again.
            deps.logger.error({ err: error instanceof Error ? error.name : "unknown" }, "mail not stored");
            callback(smtpError(451, "4.3.0 Message not stored; try again later"));
          },
        );
      });
    },
  });
  server.on("error", (error: Error) => {
    deps.logger.warn({ err: error.message }, "smtp session error");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
