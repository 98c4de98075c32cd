import { connect, type Socket } from "node:net";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import type { AnswerLimits } from "../../src/mail/answer-limits.js";
import { mailIntakeDeps } from "../../src/mail/from-config.js";
import { type SmtpListener, startSmtpListener } from "../../src/mail/smtp-listener.js";
import type { Store } from "../../src/store/database.js";
import { inboundMailRaw } from "../../src/store/inbound-mail.js";
import { databases, type TestStore } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { waitFor } from "../support/server-process.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp, tokenFrom } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * The SMTP listener's limits, through real SMTP: counted per sending host (not per MAIL FROM) and
 * per program in the database, so rotating addresses, a second listener and concurrent sessions
 * all meet one limit; automatic answers limited per address and per host (backscatter); a bound
 * on the mail held in memory; and a reply that names the reporter's Message-ID but comes from
 * someone else never joins the case as the reporter's.
 */
const PROGRAM = "nuck@kitsu.example";

function compose(options: {
  from: string;
  subject?: string;
  text?: string;
  messageId?: string;
  inReplyTo?: string;
  attachments?: { filename: string; content: Buffer }[];
}): Promise<Buffer> {
  return new MailComposer({
    from: options.from,
    to: PROGRAM,
    subject: options.subject ?? "A report",
    text: options.text ?? "Something is wrong.",
    messageId: options.messageId ?? `<${Math.random().toString(36).slice(2)}@example.net>`,
    ...(options.inReplyTo === undefined
      ? {}
      : { inReplyTo: options.inReplyTo, references: [options.inReplyTo] }),
    ...(options.attachments === undefined ? {} : { attachments: options.attachments }),
  })
    .compile()
    .build();
}

/** SMTP replies as numbers: 250, or the code of the refusal. */
async function sendFrom(
  listener: SmtpListener,
  raw: Buffer,
  envelope: { from: string; to?: string[] },
  localAddress = "127.0.0.1",
): Promise<number> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: listener.port,
    secure: false,
    ignoreTLS: true,
    localAddress,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: envelope.from, to: envelope.to ?? [PROGRAM] },
      raw,
    });
    return Number(info.response.slice(0, 3));
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    if (code === undefined) throw error;
    return code;
  } finally {
    transport.close();
  }
}

describe.each(databases)("SMTP limits on $name", (database) => {
  let sink: SmtpSink;
  let t: TestApp;
  let jobs: JobRunner;
  let store: TestStore;
  const listeners: SmtpListener[] = [];
  const others: Store[] = [];
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(async () => {
      store = await database.open();
      return store;
    });
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    for (const listener of listeners.splice(0)) await listener.close();
    for (const other of others.splice(0)) await other.close();
    await t.close();
  });

  /** A listener on the app's store, or on another store of the same database (another instance). */
  async function listen(
    options: {
      perHostPerHour?: number;
      perProgramPerHour?: number;
      maxBytes?: number;
      memoryBytes?: number;
      answerLimits?: AnswerLimits;
      store?: Store;
    } = {},
  ): Promise<SmtpListener> {
    const deps = mailIntakeDeps({
      config: t.config,
      store: options.store ?? t.store,
      keyring: t.keyring,
      programs: t.programs,
      logger: t.logger,
      clock: t.clock.now,
      mailKey: t.mailKey,
    });
    const listener = await startSmtpListener(
      { ...deps, ...(options.answerLimits === undefined ? {} : { answerLimits: options.answerLimits }) },
      {
        host: "127.0.0.1",
        port: 0,
        hostname: "security.example.org",
        maxBytes: options.maxBytes ?? 1_000_000,
        perHostPerHour: options.perHostPerHour ?? 1000,
        perProgramPerHour: options.perProgramPerHour ?? 10_000,
        ...(options.memoryBytes === undefined ? {} : { memoryBytes: options.memoryBytes }),
      },
    );
    listeners.push(listener);
    return listener;
  }

  const rows = () =>
    t.store.db
      .selectFrom("inbound_mail")
      .select(["id", "status", "problem", "case_id"])
      .orderBy("received_at")
      .execute();

  it("counts per sending host: rotating MAIL FROM stops at the limit, another host has its own", async () => {
    const listener = await listen({ perHostPerHour: 3 });
    for (let i = 0; i < 3; i++) {
      const from = `rotating-${i}@example.net`;
      expect(await sendFrom(listener, await compose({ from }), { from })).toBe(250);
    }
    const fresh = "never-seen-before@example.org";
    expect(await sendFrom(listener, await compose({ from: fresh }), { from: fresh })).toBe(450);
    // Told at RCPT, before the message is sent.
    const early = await rawSession(listener.port);
    await early.command("EHLO test.example");
    await early.command(`MAIL FROM:<${fresh}>`);
    expect(await early.command(`RCPT TO:<${PROGRAM}>`)).toMatch(/^450 4\.7\.1 /);
    early.quit();
    // Another host (127.0.0.2 on the loopback) is not held back by the first one's count.
    expect(await sendFrom(listener, await compose({ from: fresh }), { from: fresh }, "127.0.0.2")).toBe(250);
    expect(await rows()).toHaveLength(4);
  });

  it("shares one count between two listeners on the same database", async () => {
    const second = await store.reopen();
    others.push(second);
    const one = await listen({ perHostPerHour: 4 });
    const two = await listen({ perHostPerHour: 4, store: second });
    const from = "ada@example.org";
    for (const listener of [one, two, one, two]) {
      expect(await sendFrom(listener, await compose({ from }), { from })).toBe(250);
    }
    expect(await sendFrom(two, await compose({ from }), { from })).toBe(450);
    expect(await sendFrom(one, await compose({ from }), { from })).toBe(450);
    expect(await rows()).toHaveLength(4);
  });

  it("cannot be beaten by concurrent sessions: exactly the limit is stored", async () => {
    const listener = await listen({ perHostPerHour: 5 });
    const from = "burst@example.net";
    const codes = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        sendFrom(listener, await compose({ from, subject: `burst ${i}` }), { from }),
      ),
    );
    expect(codes.filter((code) => code === 250)).toHaveLength(5);
    expect(codes.filter((code) => code === 450)).toHaveLength(7);
    expect(await rows()).toHaveLength(5);
  });

  it("limits the program's mail from every host together", async () => {
    const listener = await listen({ perHostPerHour: 10, perProgramPerHour: 2 });
    const from = "someone@example.net";
    expect(await sendFrom(listener, await compose({ from }), { from }, "127.0.0.1")).toBe(250);
    expect(await sendFrom(listener, await compose({ from }), { from }, "127.0.0.2")).toBe(250);
    expect(await sendFrom(listener, await compose({ from }), { from }, "127.0.0.3")).toBe(450);
    expect(await rows()).toHaveLength(2);
  });

  it("answers a forged MAIL FROM a few times an hour at most, and takes every report in", async () => {
    const listener = await listen();
    const victim = "victim@example.com";
    for (let i = 0; i < 10; i++) {
      // The +tag reaches the same mailbox: counted as the same address.
      const from = i % 2 === 0 ? victim : `victim+${i}@example.com`;
      expect(await sendFrom(listener, await compose({ from, subject: `spam ${i}` }), { from })).toBe(250);
    }
    const taken = await rows();
    expect(taken).toHaveLength(10);
    expect(taken.every((row) => row.status === "case-opened")).toBe(true);
    await jobs.drain();
    const answered = sink.mails.filter((mail) =>
      mail.to.some((to) => /^victim(\+\d+)?@example\.com$/.test(to)),
    );
    expect(answered).toHaveLength(3);
    // The case of a message left unanswered says so.
    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const last = textOf((await staff.browser.get(`/cases/${taken[9]!.case_id}`)).body);
    expect(last).toContain(
      "no receipt was sent: the hourly limit of automatic answers to this address was reached",
    );
  });

  it("answers one sending host a limited number of times, whatever addresses it gives", async () => {
    const listener = await listen({ answerLimits: { perAddressPerHour: 3, perHostPerHour: 4 } });
    for (let i = 0; i < 6; i++) {
      const from = `victim-${i}@example.com`;
      expect(await sendFrom(listener, await compose({ from }), { from })).toBe(250);
    }
    const other = "someone@example.org";
    expect(await sendFrom(listener, await compose({ from: other }), { from: other }, "127.0.0.2")).toBe(250);
    await jobs.drain();
    expect(sink.mails.filter((mail) => mail.to[0]!.startsWith("victim-"))).toHaveLength(4);
    expect(sink.to(other)).toHaveLength(1);
  });

  it("limits arrival notices too, and the queue says which were not answered", async () => {
    const listener = await listen();
    const victim = "victim@example.com";
    const many = Array.from({ length: 25 }, (_, i) => ({
      filename: `f${i}.txt`,
      content: Buffer.from(`${i}`),
    }));
    for (let i = 0; i < 4; i++) {
      expect(
        await sendFrom(listener, await compose({ from: victim, attachments: many }), { from: victim }),
      ).toBe(250);
    }
    const queued = await rows();
    expect(queued.map((row) => row.status)).toEqual(Array(4).fill("needs-attention"));
    expect(queued[3]!.problem).toMatch(
      /^too-many-attachments: .*; not answered: the hourly limit of automatic answers to this address was reached$/,
    );
    await jobs.drain();
    expect(sink.to(victim)).toHaveLength(3);
  });

  it("holds at most its memory budget: past it a message gets 452 and is not kept; accepted ones are stored whole", async () => {
    const listener = await listen({ maxBytes: 100_000, memoryBytes: 150_000 });
    const body = (mark: string) => Buffer.from(`${mark.repeat(75)}\r\n`.repeat(1200)); // ~92 kB
    const first = await openSession(listener.port, "first@example.net");
    const firstRaw = Buffer.concat([
      Buffer.from(`From: first@example.net\r\nSubject: first\r\n\r\n`),
      body("a"),
    ]);
    first.write(firstRaw);
    await waitFor(() => listener.bytesHeld() >= 90_000, 10_000, "the first message to be held");

    // A sender that declares its size (SIZE, RFC 1870) is told before it sends anything.
    const declaring = await rawSession(listener.port);
    expect(await declaring.command("EHLO test.example")).toMatch(/^250 /);
    expect(await declaring.command("MAIL FROM:<declared@example.net> SIZE=90000")).toMatch(/^452 4\.3\.1 /);
    declaring.quit();
    // One that does not is told at the end of its message, which is not kept.
    const second = await openSession(listener.port, "second@example.net");
    second.write(Buffer.concat([Buffer.from("Subject: second\r\n\r\n"), body("b")]));
    expect(await second.end()).toMatch(/^452 4\.3\.1 /);
    expect(listener.bytesHeld()).toBeLessThan(100_000);

    expect(await first.end()).toMatch(/^250 /);
    const third = await openSession(listener.port, "third@example.net");
    const thirdRaw = Buffer.concat([Buffer.from("Subject: third\r\n\r\n"), body("c")]);
    third.write(thirdRaw);
    expect(await third.end()).toMatch(/^250 /);

    const stored = await rows();
    expect(stored).toHaveLength(2);
    expect((await inboundMailRaw(t.store, t.keyring, stored[0]!.id))?.equals(firstRaw)).toBe(true);
    expect((await inboundMailRaw(t.store, t.keyring, stored[1]!.id))?.equals(thirdRaw)).toBe(true);
    await waitFor(() => listener.bytesHeld() === 0, 10_000, "the budget to be given back");

    // A sender that goes away in the middle of its message gives its share back too.
    const dropped = await openSession(listener.port, "gone@example.net");
    dropped.write(Buffer.concat([Buffer.from("Subject: gone\r\n\r\n"), body("d")]));
    await waitFor(() => listener.bytesHeld() >= 90_000, 10_000, "the dropped message to be held");
    dropped.drop();
    await waitFor(() => listener.bytesHeld() === 0, 10_000, "the dropped message's budget to be given back");
    expect(await rows()).toHaveLength(2);
  });

  it("never shows mail from someone else as the reporter's, though it names the reporter's Message-ID", async () => {
    const listener = await listen();
    const ada = "ada@example.org";
    const report = await compose({
      from: ada,
      messageId: "<ada-1@example.org>",
      subject: "XSS in search",
      text: "Ada's report.",
    });
    expect(await sendFrom(listener, report, { from: ada })).toBe(250);
    // Mallory, from her own address, "answers" Ada's report by its Message-ID.
    const mallory = "mallory@example.net";
    const forged = await compose({
      from: mallory,
      subject: "Re: XSS in search",
      text: "Please send the bounty to my account instead.",
      inReplyTo: "<ada-1@example.org>",
    });
    expect(await sendFrom(listener, forged, { from: mallory })).toBe(250);
    // And with Ada's From, from her own envelope sender: still not Ada's envelope.
    const forgedFrom = await compose({
      from: ada,
      subject: "Re: XSS in search",
      text: "Ignore my report, it was wrong.",
      inReplyTo: "<ada-1@example.org>",
    });
    expect(await sendFrom(listener, forgedFrom, { from: mallory })).toBe(250);
    // Ada's own follow-up to her own message still joins her case.
    const followUp = await compose({
      from: ada,
      subject: "Re: XSS in search",
      text: "Also the login page.",
      inReplyTo: "<ada-1@example.org>",
    });
    expect(await sendFrom(listener, followUp, { from: ada })).toBe(250);

    const [opened, byMallory, byForgedFrom, byAda] = await rows();
    const caseId = opened!.case_id!;
    for (const row of [byMallory!, byForgedFrom!]) {
      expect(row).toMatchObject({ status: "needs-attention", case_id: caseId });
      expect(row.problem).toMatch(/^other-sender: answers a message of case /);
    }
    expect(byAda).toMatchObject({ status: "case-reply", case_id: caseId });
    const events = await t.store.db
      .selectFrom("case_events")
      .select(["type", "actor"])
      .where("case_id", "=", caseId)
      .orderBy("seq")
      .execute();
    expect(events.filter((event) => event.type === "reporter.message")).toHaveLength(1); // Ada's only

    // The reporter's page and the staff case page show Ada's words, never Mallory's; the queue has them.
    await jobs.drain();
    const receipt = sink.to(ada)[0];
    expect(receipt).toBeDefined();
    const reporterPage = textOf((await t.app.inject({ url: `/r/${tokenFrom(receipt!.text)}` })).body);
    expect(reporterPage).toContain("Also the login page.");
    expect(reporterPage).not.toContain("bounty");
    expect(reporterPage).not.toContain("Ignore my report");
    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const casePage = textOf((await staff.browser.get(`/cases/${caseId}`)).body);
    expect(casePage).not.toContain("bounty");
    expect(casePage).not.toContain("Ignore my report");
    expect(textOf((await staff.browser.get("/mail/queue")).body)).toContain(
      `other-sender: answers a message of case ${caseId}`,
    );
    // Nobody is told anything about it: no answer goes to the other sender.
    expect(sink.to(mallory)).toHaveLength(0);
  });
});

/** A raw SMTP session: each command's final reply line, for tests that control every step. */
async function rawSession(port: number): Promise<{
  command(line: string): Promise<string>;
  write(data: Buffer): void;
  quit(): void;
  drop(): void;
}> {
  const socket: Socket = connect(port, "127.0.0.1");
  let buffered = "";
  const waiting: ((line: string) => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("latin1");
    for (;;) {
      const end = buffered.indexOf("\r\n");
      if (end === -1) break;
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      // Multi-line replies ("250-…") end with their "250 " line.
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const greeting = reply();
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  await greeting;
  return {
    command(line) {
      const answer = reply();
      socket.write(`${line}\r\n`);
      return answer;
    },
    write: (data) => socket.write(data),
    quit: () => socket.end("QUIT\r\n"),
    drop: () => socket.destroy(),
  };
}

/** A raw SMTP session up to the message body; `end` sends the final dot and returns the reply. */
async function openSession(
  port: number,
  from: string,
): Promise<{ write(data: Buffer): void; end(): Promise<string>; drop(): void }> {
  const session = await rawSession(port);
  for (const [line, expected] of [
    ["EHLO test.example", /^250 /],
    [`MAIL FROM:<${from}>`, /^250 /],
    [`RCPT TO:<${PROGRAM}>`, /^250 /],
    ["DATA", /^354 /],
  ] as const) {
    const text = await session.command(line);
    if (!expected.test(text)) throw new Error(`${line}: ${text}`);
  }
  return {
    write: (data) => session.write(data),
    drop: () => session.drop(),
    async end() {
      // What was written ends with a line break: the dot on its own line ends the message.
      const text = await session.command(".");
      session.quit();
      return text;
    },
  };
}
