import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { ByteBudget } from "../domain/limits/byte-budget.js";
import { limitedAddress } from "../domain/limits/limited-address.js";
import { type MailIntakeDeps, receiveMail } from "./ingest.js";
import { MailIntakeBusy } from "./parse-pool.js";
import { programForAddress } from "./program-addresses.js";
import { SmtpIntakeLimiter } from "./smtp-limits.js";

/**
 * Embargo's own SMTP listener (on when EMBARGO_SMTP_PORT is set): mail for the programs'
 * addresses only, a size limit, STARTTLS with the configured certificate, limits per sending
 * host and per program (shared through the database by every instance), and a bound on the mail
 * it holds in memory at once. It answers 250 only once the message is stored (encrypted) in the
 * database: a sender told "accepted" can count on it. Nothing a sender does (malformed commands,
 * huge or broken mail, a dropped connection) takes the listener down.
 */
export interface SmtpListenerOptions {
  host: string;
  port: number;
  /** Announced in the greeting. */
  hostname: string;
  maxBytes: number;
  tls?: { key: Buffer; cert: Buffer };
  /**
   * Messages per hour from one sending host (src/domain/limits/limited-address.ts: the IPv4 address, the
   * IPv6 /64), whatever MAIL FROM it gives, and to one program.
   */
  perHostPerHour: number;
  perProgramPerHour: number;
  /** Bytes of mail held in memory at once, across all sessions (default: twice maxBytes). */
  memoryBytes?: number;
}

export interface SmtpListener {
  port: number;
  /** Bytes of mail the listener holds right now (being received, stored or taken in). */
  bytesHeld(): number;
  close(): Promise<void>;
}

const MAX_RECIPIENTS = 20;
/** Connections at once: beyond it a sender is told to come back (421), not queued in memory. */
const MAX_CONNECTIONS = 100;

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

const TOO_MANY = () => smtpError(450, "4.7.1 Too many messages; try again later");
// Temporary: a real mail server keeps the message and tries again later.
const NO_MEMORY = () => smtpError(452, "4.3.1 Insufficient system storage; try again later");

export async function startSmtpListener(
  deps: MailIntakeDeps,
  options: SmtpListenerOptions,
): Promise<SmtpListener> {
  const limiter = new SmtpIntakeLimiter(
    deps.store,
    deps.mailKey,
    {
      perHostPerHour: options.perHostPerHour,
      perProgramPerHour: options.perProgramPerHour,
    },
    deps.logger,
  );
  const budget = new ByteBudget(options.memoryBytes ?? 2 * options.maxBytes);
  const hostOf = (session: SMTPServerSession) => limitedAddress(session.remoteAddress);
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
    onMailFrom(address, _session, callback) {
      // A sender that says how big its message is (SIZE, RFC 1870) and would not fit now is told
      // before it sends it. Advisory: the bytes are reserved only as they arrive.
      const declared = Number((address.args as { SIZE?: string }).SIZE);
      if (declared > 0 && budget.held + declared > budget.limit) return callback(NO_MEMORY());
      return callback();
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        return callback(smtpError(452, "4.5.3 Too many recipients"));
      }
      const program = programOf(address.address);
      if (program === undefined) return callback(smtpError(550, "5.1.1 No such mailbox here"));
      // Told early, before the message is sent; the count itself is taken when it is stored.
      limiter.wouldAccept(hostOf(session), program, deps.clock()).then(
        (allowed) => callback(allowed ? undefined : TOO_MANY()),
        () => callback(smtpError(451, "4.3.0 Try again later")),
      );
    },
    onData(stream, session, callback) {
      // Held only while within the message limit and the listener's memory budget; past either,
      // what was held is let go at once and the rest is read and dropped.
      const chunks: Buffer[] = [];
      let held = 0;
      let refusal: "too-big" | "no-memory" | undefined;
      const letGo = () => {
        chunks.length = 0;
        budget.release(held);
        held = 0;
      };
      stream.on("data", (chunk: Buffer) => {
        if (refusal !== undefined) return;
        if (held + chunk.length > options.maxBytes) refusal = "too-big";
        else if (!budget.reserve(chunk.length)) refusal = "no-memory";
        else {
          chunks.push(chunk);
          held += chunk.length;
          return;
        }
        letGo();
      });
      stream.on("error", () => {
        letGo();
        callback(smtpError(451, "4.3.0 Message not received; try again"));
      });
      stream.on("end", () => {
        if (stream.sizeExceeded || refusal === "too-big") {
          letGo();
          return callback(smtpError(552, `5.3.4 Message too big (the limit is ${options.maxBytes} bytes)`));
        }
        if (refusal === "no-memory") return callback(NO_MEMORY());
        const raw = Buffer.concat(chunks, held);
        chunks.length = 0;
        void take(session, raw)
          .then(
            (reply) => callback(null, reply),
            (error: Error) => callback(error),
          )
          .finally(letGo);
      });
    },
  });

  /** Counts the message against its sending host and program, then stores and takes it in. */
  async function take(session: SMTPServerSession, raw: Buffer): Promise<string> {
    const host = hostOf(session);
    // Counted against the program that takes it in: the first recipient's (ingest.ts).
    const program = programOf(session.envelope.rcptTo[0]?.address ?? "") ?? "";
    const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
    const allowed = await limiter.accept(host, program, deps.clock()).catch(() => {
      throw smtpError(451, "4.3.0 Try again later");
    });
    if (!allowed.ok) throw TOO_MANY();
    try {
      const outcome = await receiveMail(deps, raw, {
        via: "smtp",
        mailFrom: from === "" ? null : from,
        rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        sendingHost: host,
      });
      return `Message accepted (${outcome.id})`;
    } catch (error) {
      // Not stored (receiveMail throws only before or while storing): the sender keeps it and
      // tries again, and the count it took is given back so the retry is not refused for it.
      await limiter.giveBack(host, program, deps.clock()).catch(() => undefined);
      if (error instanceof MailIntakeBusy) throw smtpError(451, "4.3.2 Busy; try again later");
      deps.logger.error({ err: error instanceof Error ? error.name : "unknown" }, "mail not stored");
      throw smtpError(451, "4.3.0 Message not stored; try again later");
    }
  }

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
    bytesHeld: () => budget.held,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
