import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One mail the sink received: the SMTP envelope, the raw bytes and the parsed message. */
export interface CaughtMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
  subject: string;
  text: string;
  header(name: string): string | undefined;
}

/**
 * A real SMTP server on 127.0.0.1 that keeps every message: what Embargo's relay would receive.
 * `reject` makes it answer RCPT with a given reply for one address (to test failures).
 */
export interface SmtpSink {
  url: string;
  port: number;
  mails: CaughtMail[];
  /** Mails whose envelope goes to `address`. */
  to(address: string): CaughtMail[];
  reject(address: string, code: number): void;
  accept(address: string): void;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { delayMs?: number } = {}): Promise<SmtpSink> {
  const mails: CaughtMail[] = [];
  const rejections = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = rejections.get(address.address.toLowerCase());
      if (code === undefined) return callback();
      const error = new Error(`rejected ${address.address}`) as Error & { responseCode: number };
      error.responseCode = code;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        // A slow receiver keeps sends in flight (for the crash tests).
        if (options.delayMs !== undefined)
          await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            mails.push({
              from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              raw,
              parsed,
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              header: (name) => {
                const value = parsed.headers.get(name.toLowerCase());
                return value === undefined ? undefined : String(value);
              },
            });
            callback();
          })
          .catch(callback);
      });
    },
  });
  // A client killed mid-session (the crash tests) resets its connection: expected, not a failure.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    to: (address) => mails.filter((mail) => mail.to.includes(address.toLowerCase())),
    reject: (address, code) => rejections.set(address.toLowerCase(), code),
    accept: (address) => rejections.delete(address.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
