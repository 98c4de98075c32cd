import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { createEmailSender, type EmailSender } from "./email-sender.js";

interface Delivered {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A real SMTP listener on 127.0.0.1 that records what it was given. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}) {
  const delivered: Delivered[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        delivered.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, delivered, close: () => new Promise<void>((resolve) => server.close(resolve)) };
}

function rejectWith(code: number, text: string, only?: string): Partial<SMTPServerOptions> {
  return {
    onRcptTo(address, _session, callback) {
      if (only !== undefined && address.address !== only) return callback();
      callback(Object.assign(new Error(text), { responseCode: code }));
    },
  };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: Partial<SMTPServerOptions> = {}, userinfo = "") {
  const smtp = await startSmtp(options);
  cleanup.push(smtp.close);
  const sender: EmailSender = createEmailSender(
    `smtp://${userinfo}127.0.0.1:${smtp.port}`,
    "Embargo <noreply@embargo.example.org>",
  );
  cleanup.push(() => sender.close());
  return { smtp, sender };
}

const message = {
  to: ["alice@example.org", "bob@example.org"],
  subject: "[Kitsu] Acknowledge the report: due in 2 h (KITSU-12)",
  text: "Acknowledge the report for case KITSU-12 is due in 2 h.\nDue: 2025-01-01 14:00 UTC",
  messageId: "case1.ack.warn.0@embargo.example.org",
  idempotencyKey: "case1:ack:warn:0",
};

describe("createEmailSender", () => {
  it("delivers a notification with Message-ID, idempotency key and Auto-Submitted", async () => {
    const { smtp, sender } = await setup();
    const result = await sender.send({
      ...message,
      inReplyTo: "parent@embargo.example.org",
      references: ["root@embargo.example.org", "<parent@embargo.example.org>"],
      headers: { "X-Embargo-Program": "kitsu" },
    });
    expect(result).toEqual({ ok: true });
    expect(smtp.delivered).toHaveLength(1);
    const got = smtp.delivered[0]!;
    expect(got.from).toBe("noreply@embargo.example.org");
    expect(got.to).toEqual(message.to);
    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text?.trim()).toBe(message.text);
    expect(parsed.messageId).toBe("<case1.ack.warn.0@embargo.example.org>");
    expect(parsed.inReplyTo).toBe("<parent@embargo.example.org>");
    expect(parsed.references).toEqual(["<root@embargo.example.org>", "<parent@embargo.example.org>"]);
    expect(parsed.headers.get("x-embargo-idempotency-key")).toBe("case1:ack:warn:0");
    expect(parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(parsed.headers.get("x-embargo-program")).toBe("kitsu");
  });

  it("leaves Auto-Submitted out when asked (a human's reply relayed)", async () => {
    const { smtp, sender } = await setup();
    expect(await sender.send({ ...message, autoSubmitted: false })).toEqual({ ok: true });
    const parsed = await simpleParser(smtp.delivered[0]!.raw);
    expect(parsed.headers.has("auto-submitted")).toBe(false);
  });

  it("sends a raw message byte for byte with the envelope from/to", async () => {
    const { smtp, sender } = await setup();
    const raw = Buffer.from(
      [
        "From: Embargo <noreply@embargo.example.org>",
        "To: alice@example.org",
        "Subject: Encrypted",
        "Message-ID: <raw1@embargo.example.org>",
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b1"',
        "",
        "--b1",
        "Content-Type: application/pgp-encrypted",
        "",
        "Version: 1",
        "--b1",
        "Content-Type: application/octet-stream",
        "",
        "-----BEGIN PGP MESSAGE-----",
        ".a line starting with a dot",
        "-----END PGP MESSAGE-----",
        "--b1--",
        "",
      ].join("\r\n"),
    );
    expect(await sender.send({ ...message, to: ["alice@example.org"], raw })).toEqual({ ok: true });
    const got = smtp.delivered[0]!;
    expect(got.from).toBe("noreply@embargo.example.org");
    expect(got.to).toEqual(["alice@example.org"]);
    expect(got.raw.equals(raw)).toBe(true);
  });

  it("reports a 550 on RCPT as permanent", async () => {
    const { sender } = await setup(rejectWith(550, "5.1.1 No such user alice@example.org"));
    const result = await sender.send(message);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/^SMTP 550 .*RCPT TO/),
    });
    if (!result.ok) expect(result.error).not.toContain("alice");
  });

  it("reports a 451 on RCPT as retryable", async () => {
    const { sender } = await setup(rejectWith(451, "4.7.1 Try again later"));
    const result = await sender.send(message);
    expect(result).toEqual({ ok: false, retryable: true, error: expect.stringMatching(/^SMTP 451 /) });
  });

  it("does not retry when some recipients accepted (they would get it twice)", async () => {
    const { smtp, sender } = await setup(rejectWith(550, "No such user", "bob@example.org"));
    const result = await sender.send(message);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringContaining("1 of 2 recipients"),
    });
    expect(smtp.delivered[0]!.to).toEqual(["alice@example.org"]);
  });

  it("reports a refused connection as retryable", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const sender = createEmailSender(`smtp://127.0.0.1:${port}`, "noreply@embargo.example.org");
    cleanup.push(() => sender.close());
    expect(await sender.send(message)).toEqual({
      ok: false,
      retryable: true,
      error: `connection refused (127.0.0.1:${port})`,
    });
  });

  it("keeps credentials out of the error when authentication fails", async () => {
    const { sender } = await setup(
      {
        allowInsecureAuth: true,
        authOptional: false,
        onAuth(_auth, _session, callback) {
          callback(new Error("Invalid username or password"));
        },
      },
      "mailer:hunter2@",
    );
    const result = await sender.send(message);
    expect(result).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining("authentication"),
    });
    if (!result.ok) expect(result.error).not.toMatch(/hunter2|mailer/);
  });

  it("refuses a URL that is not smtp:// or smtps:// without echoing it", () => {
    // Whole messages, anchored: they name the scheme only, so the password cannot be in them.
    expect(() => createEmailSender("http://u:hunter2@x.example", "a@b.example")).toThrow(
      /^SMTP URL must start with smtp:\/\/ or smtps:\/\/ \(got http:\)$/,
    );
    expect(() => createEmailSender("smtp://u:hunter2@x.example", "a@b.example").close()).not.toThrow();
    expect(() => createEmailSender("direct://u:hunter2@x", "a@b.example")).toThrow(
      /^SMTP URL must start with smtp:\/\/ or smtps:\/\/ \(got direct:\)$/,
    );
    expect(() => createEmailSender("smtp://u:hunter2@[bad", "a@b.example")).toThrow(
      /^SMTP URL is not a valid URL$/,
    );
  });
});

describe("createEmailSender timeouts", () => {
  it("gives up on a server that never greets (retryable), with timeouts from the URL query", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as AddressInfo).port;
    const sender = createEmailSender(
      `smtp://127.0.0.1:${port}?greetingTimeout=200&connectionTimeout=200`,
      "noreply@embargo.example.org",
    );
    cleanup.push(() => sender.close());
    const started = Date.now();
    expect(await sender.send(message)).toEqual({
      ok: false,
      retryable: true,
      error: `timed out waiting for the greeting (127.0.0.1:${port})`,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
