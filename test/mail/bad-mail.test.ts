import MailComposer from "nodemailer/lib/mail-composer/index.js";
import * as openpgp from "openpgp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { inboundMailRaw } from "../../src/store/inbound-mail.js";
import { saveProgramKey } from "../../src/store/program-keys.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import {
  encryptedMail,
  giveProgramKey,
  type MailListener,
  newParty,
  type Party,
  startMailListener,
} from "../support/mail.js";
import { PGP_MIME_ENCRYPTED_TYPE, pgpMimeEncryptedBody } from "../support/pgp-mime-body.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * Strangers' mail: each kind of bad message is kept (or refused at the door with a clear SMTP
 * reply), never crashes the listener, never joins a case it does not belong to, and lands where
 * a person sees it.
 */
const PROGRAM = "nuck@kitsu.example";

function compose(options: {
  from?: string;
  messageId?: string;
  subject?: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
}): Promise<Buffer> {
  return new MailComposer({
    from: options.from ?? "mallory@example.net",
    to: PROGRAM,
    subject: options.subject ?? "A report",
    ...(options.html === undefined
      ? { text: options.text ?? "Something is wrong." }
      : { html: options.html }),
    messageId: options.messageId ?? `<${Math.random().toString(36).slice(2)}@example.net>`,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.attachments === undefined ? {} : { attachments: options.attachments }),
  })
    .compile()
    .build();
}

describe.each(databases)("bad mail on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: MailListener;
  let jobs: JobRunner;
  let stranger: Party;
  beforeAll(async () => {
    sink = await startSmtpSink();
    stranger = await newParty("eve@example.net", "Eve");
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open, {
      limits: { attachmentBytes: 20_000, attachmentsTotalBytes: 100_000 },
    });
    listener = await startMailListener(t, { maxBytes: 200_000, perSenderPerHour: 30 });
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
  });

  const rows = () =>
    t.store.db
      .selectFrom("inbound_mail")
      .select(["id", "status", "problem", "case_id"])
      .orderBy("received_at")
      .execute();
  const send = (raw: Buffer, from = "mallory@example.net", to = [PROGRAM]) =>
    listener.send(raw, { from, to });

  it("keeps malformed MIME, byte for byte, and the listener goes on", async () => {
    const broken = Buffer.from(
      [
        "From: mallory@example.net",
        `To: ${PROGRAM}`,
        "Subject: broken",
        "Message-ID: <broken-1@example.net>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="never-closed"',
        "",
        "--never-closed",
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: base64",
        "",
        "!!!not base64 at all \u0000\u0001\u00ff",
        "--never-closed",
        "Content-Type: application/octet-stream; name=",
        "",
      ].join("\r\n"),
      "latin1",
    );
    expect(await send(broken)).toMatch(/^250 /);
    const [row] = await rows();
    expect(row).toBeDefined();
    expect(row!.status).toBe("case-opened"); // mailparser reads what it can; nothing is refused
    expect((await inboundMailRaw(t.store, t.keyring, row!.id))?.equals(broken)).toBe(true);
    expect(await send(await compose({ subject: "after the broken one" }))).toMatch(/^250 /);
    expect(await rows()).toHaveLength(2);
  });

  it("refuses oversized mail at the door with 552 and takes the next", async () => {
    const huge = await compose({ text: "x".repeat(300_000) });
    await expect(send(huge)).rejects.toMatchObject({ responseCode: 552 });
    expect(await rows()).toHaveLength(0);
    expect(await send(await compose({}))).toMatch(/^250 /);
  });

  it("refuses mail for addresses that are not a program's (550), and too many from one sender (450)", async () => {
    await expect(send(await compose({}), "mallory@example.net", ["someone@kitsu.io"])).rejects.toMatchObject({
      responseCode: 550,
    });
    for (let i = 0; i < 30; i++) await send(await compose({}));
    await expect(send(await compose({}))).rejects.toMatchObject({ responseCode: 450 });
    expect(await rows()).toHaveLength(30);
  });

  it("queues mail with too many or too large attachments, and tells the sender it arrived", async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      filename: `f${i}.txt`,
      content: Buffer.from(`file ${i}`),
    }));
    expect(await send(await compose({ attachments: many }))).toMatch(/^250 /);
    const big = [{ filename: "dump.bin", content: Buffer.alloc(50_000, 7) }];
    expect(await send(await compose({ attachments: big }))).toMatch(/^250 /);
    const [first, second] = await rows();
    expect(first).toMatchObject({ status: "needs-attention", case_id: null });
    expect(first!.problem).toMatch(/^too-many-attachments: /);
    expect(second!.problem).toMatch(/^attachment-too-large: /);
    await jobs.drain();
    const told = sink.to("mallory@example.net");
    expect(told).toHaveLength(2);
    expect(told[0]!.text).toContain("We could not read it automatically");
    expect(told[0]!.header("auto-submitted")).toBe("auto-replied");
  });

  it("keeps an archive inside an archive as one opaque file", async () => {
    // A zip whose only member is another zip: stored as sent, never unpacked.
    const inner = Buffer.from("504b0506000000000000000000000000000000000000", "hex");
    const outer = Buffer.concat([Buffer.from("504b0304", "hex"), inner, Buffer.from("nested.zip")]);
    expect(
      await send(
        await compose({
          attachments: [{ filename: "../../etc/poc.zip", content: outer, contentType: "application/zip" }],
        }),
      ),
    ).toMatch(/^250 /);
    const [row] = await rows();
    expect(row!.status).toBe("case-opened");
    const files = await t.store.db
      .selectFrom("attachments")
      .select(["id", "size"])
      .where("case_id", "=", row!.case_id!)
      .execute();
    expect(files).toEqual([{ id: expect.any(String), size: outer.length }]);
    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const page = await staff.browser.get(`/cases/${row!.case_id}`);
    expect(textOf(page.body)).toContain("poc.zip");
    expect(page.body).not.toContain("../");
    const download = await staff.browser.get(`/cases/${row!.case_id}/attachments/${files[0]!.id}`);
    expect(Buffer.from(download.rawPayload).equals(outer)).toBe(true);
  });

  it("never lets a From join someone else's case: only the reply address or our Message-IDs do", async () => {
    expect(
      await send(
        await compose({ from: "ada@example.org", messageId: "<ada-1@example.org>", subject: "Ada's report" }),
        "ada@example.org",
      ),
    ).toMatch(/^250 /);
    // Mallory writes "From: ada@example.org", quoting Ada's subject and even her Message-ID as a
    // reference she could have guessed: a Message-ID we never sent does not thread.
    const forged = await compose({
      from: "ada@example.org",
      subject: "Re: Ada's report",
      headers: { "In-Reply-To": "<not-ours@example.org>" },
    });
    expect(await send(forged, "mallory@example.net")).toMatch(/^250 /);
    const [a, b] = await rows();
    expect(a!.status).toBe("case-opened");
    expect(b!.status).toBe("case-opened");
    expect(b!.case_id).not.toBe(a!.case_id);
  });

  it("keeps a replayed Message-ID once, and never answers automatic mail", async () => {
    const original = await compose({ messageId: "<same@example.net>" });
    expect(await send(original)).toMatch(/^250 /);
    expect(await send(original)).toMatch(/^250 /);
    const bounce = await compose({ headers: { "Auto-Submitted": "auto-replied" }, subject: "Out of office" });
    expect(await send(bounce)).toMatch(/^250 /);
    const [first, replay, auto] = await rows();
    expect(first!.status).toBe("case-opened");
    expect(replay).toMatchObject({ status: "duplicate", case_id: first!.case_id });
    expect(auto!.status).toBe("auto-reply");
    expect(await t.store.db.selectFrom("cases").select("id").execute()).toHaveLength(1);
    await jobs.drain();
    expect(sink.to("mallory@example.net")).toHaveLength(1); // the first one's receipt only
    // The automatic one is listed on the queue page (a bounce of our answer is worth seeing).
    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const queue = textOf((await staff.browser.get("/mail/queue")).body);
    expect(queue).toContain("Automatic mail");
    expect(queue).toContain("automatic message (Auto-Submitted: auto-replied); not answered");
    expect((await staff.browser.get(`/mail/queue/${auto!.id}/raw`)).statusCode).toBe(200);
  });

  it("queues mail encrypted to a key the program lacks; after the key is imported, Try again takes it in", async () => {
    const other = await newParty("someone-else@example.org", "Other");
    const sealed = await encryptedMail({
      from: stranger,
      to: { address: PROGRAM, publicKey: other.publicKey },
      subject: "secret",
      text: "Only for the other key",
      messageId: "<sealed@example.net>",
    });
    expect(await send(sealed, stranger.address)).toMatch(/^250 /);
    const [row] = await rows();
    expect(row!.problem).toMatch(/^no-program-key: /);

    // The queue page: why, the raw message to download, and Try again once Kitsu has its key.
    const kitsu = await giveProgramKey(t, "kitsu", PROGRAM);
    const admin = await createStaff(t, { email: "admin@kitsu.example", role: "responder", program: "kitsu" });
    const queue = await admin.browser.get("/mail/queue");
    expect(textOf(queue.body)).toContain("no-program-key");
    expect(queue.body).not.toContain("Only for the other key");
    const raw = await admin.browser.get(`/mail/queue/${row!.id}/raw`);
    expect(raw.headers["content-disposition"]).toMatch(/^attachment;/);
    expect(Buffer.from(raw.rawPayload).equals(sealed)).toBe(true);
    const again = await admin.browser.post(`/mail/queue/${row!.id}/retry`, {});
    expect(again.headers.location).toBe("/mail/queue?notice=still"); // still the wrong key
    expect((await rows())[0]!.problem).toMatch(/^no-matching-key: /);

    const toKitsu = await encryptedMail({
      from: stranger,
      to: kitsu,
      subject: "secret",
      text: "Readable by Kitsu",
      messageId: "<sealed-2@example.net>",
    });
    expect(await send(toKitsu, stranger.address)).toMatch(/^250 /);
    expect((await rows())[1]!.status).toBe("case-opened");
    const dismissed = await admin.browser.post(`/mail/queue/${row!.id}/dismiss`, {});
    expect(dismissed.headers.location).toBe("/mail/queue?notice=dismissed");
    expect(textOf((await admin.browser.get("/mail/queue")).body)).toContain(
      "Every message that arrived was taken in.",
    );
    // Another program's responder does not see it at all.
    const other2 = await createStaff(t, { email: "kafe@kafe.example", role: "responder", program: "kafe" });
    expect((await other2.browser.get(`/mail/queue/${row!.id}/raw`)).statusCode).toBe(404);
  });
  it("counts every message against the program's hourly limit, whoever sends it (450 beyond)", async () => {
    const limited = await startMailListener(t, { maxBytes: 200_000, perProgramPerHour: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const from = `sender-${i}@example.net`;
        expect(await limited.send(await compose({ from }), { from, to: [PROGRAM] })).toMatch(/^250 /);
      }
      await expect(
        limited.send(await compose({ from: "sender-4@example.net" }), {
          from: "sender-4@example.net",
          to: [PROGRAM],
        }),
      ).rejects.toMatchObject({ responseCode: 450 });
      expect(await rows()).toHaveLength(3);
    } finally {
      await limited.close();
    }
  });

  it("does not open encrypted content that expands past the message limit (a compression bomb)", async () => {
    const kitsu = await giveProgramKey(t, "kitsu", PROGRAM);
    // 20 MB of zeros compress to a few kilobytes: the listener's limit here is 200 kB.
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: new Uint8Array(20_000_000) }),
      encryptionKeys: kitsu.publicKey,
      config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
    });
    const bomb = Buffer.from(
      [
        "From: eve@example.net",
        `To: ${PROGRAM}`,
        "Subject: ...",
        "Message-ID: <bomb@example.net>",
        "MIME-Version: 1.0",
        `Content-Type: ${PGP_MIME_ENCRYPTED_TYPE}`,
        "",
        pgpMimeEncryptedBody(armored),
      ].join("\r\n"),
    );
    expect(bomb.length).toBeLessThan(200_000);
    expect(await send(bomb, "eve@example.net")).toMatch(/^250 /);
    const [row] = await rows();
    expect(row).toMatchObject({ status: "needs-attention", case_id: null });
    expect(row!.problem).toMatch(/^too-large: /);
    expect((await inboundMailRaw(t.store, t.keyring, row!.id))?.equals(bomb)).toBe(true);
  });

  it("takes in a person's mail through a mailing list, and never answers it", async () => {
    const viaList = await compose({
      from: "ada@example.org",
      subject: "Report through the list",
      headers: { "List-Id": "<security.lists.kitsu.io>", Precedence: "list" },
    });
    expect(await send(viaList, "security-bounces@lists.kitsu.io")).toMatch(/^250 /);
    const [row] = await rows();
    expect(row!.status).toBe("case-opened");
    await jobs.drain();
    expect(sink.to("ada@example.org")).toHaveLength(0);
    expect(sink.to("security-bounces@lists.kitsu.io")).toHaveLength(0);
  });

  it("answers the envelope sender (Return-Path), not a From anyone can write", async () => {
    const mail = await compose({ from: "ada@example.org", subject: "From says Ada" });
    expect(await send(mail, "mallory@example.net")).toMatch(/^250 /);
    await jobs.drain();
    expect(sink.to("ada@example.org")).toHaveLength(0);
    const [receipt] = sink.to("mallory@example.net");
    expect(receipt?.text).toContain("We received your report to Kitsu.");
  });
  it("keeps our own mail that comes back (a forward loop) and never answers it", async () => {
    // A reporter's mailbox forwards our notification back to the program's address.
    const returned = await compose({
      from: PROGRAM,
      subject: "[Kitsu] New reply on your report",
      headers: { "X-Embargo-Idempotency-Key": "abc:events:2-2:team.reply:reporter" },
    });
    expect(await send(returned, "ada@example.org")).toMatch(/^250 /);
    // The same without our header, but "from" our own address.
    expect(await send(await compose({ from: PROGRAM, subject: "Forwarded" }), "ada@example.org")).toMatch(
      /^250 /,
    );
    const [first, second] = await rows();
    expect(first).toMatchObject({ status: "auto-reply", case_id: null });
    expect(first!.problem).toContain("a mail loop");
    expect(second).toMatchObject({ status: "auto-reply", case_id: null });
    expect(second!.problem).toContain("our own addresses");
    await jobs.drain();
    expect(sink.mails).toHaveLength(0);
  });
  it("routes a queued message Bcc'd to the program by the program it was stored for, when tried again", async () => {
    // Encrypted before Kitsu had a key; addressed (in its headers) to someone else, Bcc to Kitsu.
    const future = await newParty(PROGRAM, "Kitsu to be");
    const sealed = await encryptedMail({
      from: stranger,
      to: { address: "someone@example.org", publicKey: future.publicKey },
      subject: "secret",
      text: "Sent in Bcc",
      messageId: "<bcc-1@example.net>",
    });
    expect(await send(sealed, stranger.address, [PROGRAM])).toMatch(/^250 /);
    const [row] = await rows();
    expect(row!.problem).toMatch(/^no-program-key: /);

    // The key the sender used is imported as Kitsu's; the envelope is gone, the headers name
    // someone else, and Try again still takes it in for Kitsu.
    await saveProgramKey(
      t.store,
      t.keyring,
      {
        program: "kitsu",
        armoredPrivateKey: future.privateKey.armor(),
        armoredPublicKey: future.armoredPublicKey,
        fingerprint: future.publicKey.getFingerprint().toUpperCase(),
      },
      t.clock.now(),
    );
    const admin = await createStaff(t, { email: "admin@kitsu.example", role: "responder", program: "kitsu" });
    const again = await admin.browser.post(`/mail/queue/${row!.id}/retry`, {});
    expect(again.headers.location).toBe("/mail/queue?notice=retried");
    const [after] = await rows();
    expect(after).toMatchObject({ status: "case-opened" });
    const page = textOf((await admin.browser.get(`/cases/${after!.case_id}`)).body);
    expect(page).toContain("Sent in Bcc");
  });
  it("reduces HTML-only mail to text: no markup, no script, kept and shown as words", async () => {
    const html =
      '<p>The <b>search</b> page reflects <code>q</code>.</p><script>alert("mail")</script>' +
      '<img src="x" onerror="alert(2)"><style>p { color: red }</style>';
    expect(await send(await compose({ html, subject: "HTML only" }))).toMatch(/^250 /);
    const [row] = await rows();
    expect(row!.status).toBe("case-opened");
    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const page = await staff.browser.get(`/cases/${row!.case_id}`);
    expect(textOf(page.body)).toContain("The search page reflects q.");
    expect(page.body).not.toContain("alert(");
    expect(page.body).not.toContain("onerror");
    expect(page.body).not.toContain("color: red");
  });
});
