import { ImapFlow } from "imapflow";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mailIntakeDeps, startMailIntake } from "../../src/mail/from-config.js";
import {
  envelopeOf,
  type ImapPoller,
  startImapPoller,
  TAKEN_IN,
  TOO_LARGE,
} from "../../src/mail/imap-poller.js";
import type { MailIntakeDeps } from "../../src/mail/ingest.js";
import { databases } from "../support/databases.js";
import { type Dovecot, type DovecotUser, dovecotAvailable, startDovecot } from "../support/dovecot.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * IMAP polling (EMBARGO_IMAP_URL) against a real Dovecot (test/support/dovecot.ts): mail appended
 * to the mailbox is taken in like mail to the SMTP listener, marked $Embargo and \Seen once
 * stored, never deleted, never taken twice; a broken server or a wrong password is logged
 * (without the password) and the next poll tries again.
 */
const PROGRAM = "nuck@kitsu.example";
const SECRET = "The avatar upload accepts SVG with script";

function compose(options: {
  messageId: string;
  subject?: string;
  text?: string;
  headers?: Record<string, string>;
}) {
  return new MailComposer({
    from: "ada@example.org",
    to: PROGRAM,
    subject: options.subject ?? "A report",
    text: options.text ?? "Something is wrong.",
    messageId: options.messageId,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  })
    .compile()
    .build();
}

/** A separate IMAP session, as the mail server's other clients (or its delivery) would have. */
async function withMailbox<T>(
  user: DovecotUser,
  dovecot: Dovecot,
  fn: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: user.user, pass: user.password },
    logger: false,
  });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } catch (error) {
    // imapflow says "Command failed"; the server's words say which and why.
    const response = (error as { response?: unknown }).response;
    throw typeof response === "string" ? new Error(`IMAP: ${response}`, { cause: error }) : error;
  } finally {
    await client.logout();
  }
}

async function flagsIn(user: DovecotUser, dovecot: Dovecot, mailbox = "INBOX"): Promise<string[][]> {
  return withMailbox(user, dovecot, async (client) => {
    const lock = await client.getMailboxLock(mailbox);
    try {
      if (client.mailbox === false || client.mailbox.exists === 0) return [];
      const messages = await client.fetchAll("1:*", { uid: true, flags: true });
      return messages.map((m) => [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort());
    } finally {
      lock.release();
    }
  });
}

describe("the envelope an IMAP message carries", () => {
  it("reads Return-Path and Delivered-To / X-Original-To, and leaves absent ones out", () => {
    const raw = (head: string) =>
      Buffer.from(`${head}\r\nSubject: x\r\n\r\nDelivered-To: body@example.org\r\n`);
    expect(
      envelopeOf(
        raw(
          "Return-Path: <ada@example.org>\r\nDelivered-To: nuck@kitsu.example\r\nX-Original-To: security@kitsu.io",
        ),
      ),
    ).toEqual({
      via: "imap",
      mailFrom: "ada@example.org",
      rcptTo: ["nuck@kitsu.example", "security@kitsu.io"],
    });
    expect(envelopeOf(raw("Return-Path: <>"))).toEqual({ via: "imap", mailFrom: null, rcptTo: [] });
    expect(envelopeOf(raw("From: ada@example.org"))).toEqual({ via: "imap", rcptTo: [] });
  });
});

(dovecotAvailable ? describe : describe.skip).each(databases)(
  "IMAP polling of Dovecot on $name",
  (database) => {
    let dovecot: Dovecot;
    let t: TestApp;
    let deps: MailIntakeDeps;
    let user: DovecotUser;
    let poller: ImapPoller | undefined;
    beforeAll(async () => {
      dovecot = await startDovecot();
    });
    afterAll(async () => {
      await dovecot?.stop();
    });
    beforeEach(async () => {
      t = await startTestApp(database.open);
      deps = mailIntakeDeps({
        config: t.config,
        store: t.store,
        keyring: t.keyring,
        programs: t.programs,
        logger: t.logger,
        clock: t.clock.now,
        mailKey: t.mailKey,
      });
      user = await dovecot.addUser();
    });
    afterEach(async () => {
      await poller?.stop();
      poller = undefined;
      await t.close();
    });

    const rows = () =>
      t.store.db
        .selectFrom("inbound_mail")
        .select(["id", "status", "via", "program", "problem", "case_id"])
        .orderBy("received_at")
        .orderBy("id")
        .execute();
    const append = (raw: Buffer | string, mailbox = "INBOX") =>
      withMailbox(user, dovecot, async (client) => {
        if (mailbox !== "INBOX") await client.mailboxCreate(mailbox).catch(() => undefined);
        expect(await client.append(mailbox, raw)).toBeTruthy();
      });

    it("takes reports in, keeps a repeated one as a duplicate, queues a broken one, and marks each", async () => {
      const report = await compose({
        messageId: "<imap-1@example.org>",
        subject: "SVG avatars",
        text: SECRET,
        headers: { "Return-Path": "<ada@example.org>", "Delivered-To": PROGRAM },
      });
      await append(report);
      await append(report);
      await append("this is not an email at all\r\njust bytes\r\n");
      poller = startImapPoller(deps, { url: user.url(), pollSeconds: 3600 });
      expect(await poller.pollOnce()).toBe(3);

      const all = await rows();
      const opened = all.find((row) => row.status === "case-opened");
      const duplicate = all.find((row) => row.status === "duplicate");
      const broken = all.find((row) => row.status === "needs-attention");
      expect(all).toHaveLength(3);
      expect(opened).toMatchObject({ via: "imap", program: "kitsu" });
      expect(duplicate).toMatchObject({ via: "imap", case_id: opened!.case_id });
      expect(broken).toMatchObject({ via: "imap", case_id: null });
      expect(broken!.problem).toMatch(/^not-for-a-program: /);
      expect(await t.store.db.selectFrom("cases").select("id").execute()).toHaveLength(1);

      const staff = await createStaff(t, {
        email: "emma@kitsu.example",
        role: "responder",
        program: "kitsu",
      });
      const page = await staff.browser.get(`/cases/${opened!.case_id}`);
      expect(page.statusCode).toBe(200);
      expect(textOf(page.body)).toContain(SECRET);

      // Marked, not deleted; and not fetched again.
      expect(await flagsIn(user, dovecot)).toEqual([
        [TAKEN_IN, "\\Seen"],
        [TAKEN_IN, "\\Seen"],
        [TAKEN_IN, "\\Seen"],
      ]);
      expect(await poller.pollOnce()).toBe(0);
      expect(await rows()).toHaveLength(3);
      expect(t.logs()).not.toContain(user.password);
      expect(t.logs()).not.toContain(SECRET);
    });

    it("fetches again what was not marked (a crash after storing) and keeps it once", async () => {
      await append(await compose({ messageId: "<imap-2@example.org>", text: SECRET }), "Embargo reports");
      await append(await compose({ messageId: "<inbox-only@example.org>" }));
      poller = startImapPoller(deps, { url: user.url("Embargo reports"), pollSeconds: 3600 });
      expect(await poller.pollOnce()).toBe(1);
      expect(await flagsIn(user, dovecot)).toEqual([[]]); // INBOX is not this poller's mailbox

      // As if the process had died between storing the message and marking it.
      await withMailbox(user, dovecot, async (client) => {
        const lock = await client.getMailboxLock("Embargo reports");
        try {
          await client.messageFlagsRemove("1:*", [TAKEN_IN]);
        } finally {
          lock.release();
        }
      });
      t.clock.set(new Date(t.clock.now().getTime() + 1000));
      expect(await poller.pollOnce()).toBe(1);
      const statuses = (await rows()).map((row) => row.status);
      expect(statuses).toEqual(["case-opened", "duplicate"]);
      expect(await t.store.db.selectFrom("cases").select("id").execute()).toHaveLength(1);
      expect(await flagsIn(user, dovecot, "Embargo reports")).toEqual([[TAKEN_IN, "\\Seen"]]);
    });

    it("leaves a message over the size limit unread in the mailbox and takes the next", async () => {
      const small = await startTestApp(database.open, {
        smtpListener: { ...t.config.smtpListener, maxBytes: 20_000 },
      });
      try {
        const smallDeps = mailIntakeDeps({
          config: small.config,
          store: small.store,
          keyring: small.keyring,
          programs: small.programs,
          logger: small.logger,
          clock: small.clock.now,
          mailKey: small.mailKey,
        });
        await append(await compose({ messageId: "<huge@example.org>", text: "x".repeat(30_000) }));
        await append(await compose({ messageId: "<fine@example.org>" }));
        poller = startImapPoller(smallDeps, { url: user.url(), pollSeconds: 3600 });
        expect(await poller.pollOnce()).toBe(1);
        expect(await flagsIn(user, dovecot)).toEqual([
          [TAKEN_IN, TOO_LARGE],
          [TAKEN_IN, "\\Seen"],
        ]);
        expect(await small.store.db.selectFrom("inbound_mail").select("status").execute()).toEqual([
          { status: "case-opened" },
        ]);
        expect(small.logs()).toContain("imap message too large");
      } finally {
        await small.close();
      }
    });

    it("logs a wrong password or a server that is down, without the password, and goes on", async () => {
      await append(await compose({ messageId: "<later@example.org>" }));
      const wrong = `${user.password}-wrong`;
      const bad = startImapPoller(deps, {
        url: user.url().replace(encodeURIComponent(user.password), wrong),
        pollSeconds: 3600,
      });
      expect(await bad.pollOnce()).toBe(0);
      await bad.stop();
      const down = startImapPoller(deps, {
        url: `imap://${user.user}:${wrong}@127.0.0.1:1/INBOX`,
        pollSeconds: 3600,
      });
      expect(await down.pollOnce()).toBe(0);
      await down.stop();

      const logs = t.logs();
      expect(logs).toContain("imap poll failed");
      expect(logs).toMatch(/AUTHENTICATIONFAILED|Authentication failed/);
      expect(logs).toContain("ECONNREFUSED");
      expect(logs).not.toContain(wrong);
      expect(logs).not.toContain(user.password);
      expect(await rows()).toHaveLength(0);
      expect(await flagsIn(user, dovecot)).toEqual([[]]);

      // The right password, through the setting `embargo serve` reads: the first poll at start.
      const intake = await startMailIntake(deps, {
        ...t.config,
        imap: { url: user.url(), pollSeconds: 3600 },
      });
      try {
        await expect
          .poll(async () => (await rows()).map((row) => row.status), { timeout: 5000 })
          .toEqual(["case-opened"]);
      } finally {
        await intake.stop();
      }
      expect(await flagsIn(user, dovecot)).toEqual([[TAKEN_IN, "\\Seen"]]);
    });
  },
);
