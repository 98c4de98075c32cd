import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { parseReplyAddress } from "../../src/mail/addresses.js";
import { buildInnerMime, buildSignedMime } from "../../src/mail/pgp-mime.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import {
  encryptedMail,
  giveProgramKey,
  keyFile,
  type MailListener,
  newParty,
  openMail,
  type Party,
  startMailListener,
} from "../support/mail.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseMultipart, textOf } from "../support/workspace.js";

/**
 * The "done when": a researcher reports by encrypted email, gets an encrypted receipt,
 * converses encrypted with the team, and sees the same case on the web page; all through real
 * SMTP (nodemailer → Embargo's listener; Embargo → a real SMTP listener standing in for the relay).
 */
const SECRET = "The bio field renders <script> from other users";

describe.each(databases)("an encrypted conversation by email, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: MailListener;
  let jobs: JobRunner;
  let kitsu: Party;
  let ada: Party;
  beforeAll(async () => {
    sink = await startSmtpSink();
    ada = await newParty("ada@example.org");
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open);
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    kitsu = await giveProgramKey(t, "kitsu", "nuck@kitsu.example");
    listener = await startMailListener(t);
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
  });

  /** Each case the received mail opened, as its page reads to a Kitsu responder, oldest first. */
  const casePagesInOrder = async (): Promise<string[]> => {
    const rows = await t.store.db
      .selectFrom("inbound_mail")
      .select("case_id")
      .orderBy("received_at")
      .execute();
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    return Promise.all(
      rows.map(async (row) => textOf((await emma.browser.get(`/cases/${row.case_id}`)).body)),
    );
  };

  it("opens a case, answers with an encrypted receipt, and carries the conversation both ways", async () => {
    const report = await encryptedMail({
      from: ada,
      to: kitsu,
      subject: "Stored XSS in the bio",
      text: SECRET,
      messageId: "<report-1@example.org>",
      attachKey: true,
    });
    const response = await listener.send(report, { from: ada.address, to: ["nuck@kitsu.example"] });
    expect(response).toMatch(/^250 /);

    const [inbound] = await t.store.db.selectFrom("inbound_mail").selectAll().execute();
    expect(inbound).toMatchObject({ status: "case-opened", via: "smtp", program: "kitsu" });
    expect(inbound!.raw_ct.includes(Buffer.from("bio field"))).toBe(false); // kept, encrypted
    const caseId = inbound!.case_id!;

    // The receipt: encrypted to Ada's key, signed by Kitsu's, with the private link.
    await jobs.drain();
    const receipts = sink.to(ada.address);
    expect(receipts).toHaveLength(1);
    const receipt = receipts[0]!;
    expect(receipt.subject).toBe("...");
    expect(receipt.raw.includes(Buffer.from("security.example.org/r/"))).toBe(false);
    expect(receipt.header("auto-submitted")).toBe("auto-replied");
    expect(receipt.header("in-reply-to")).toBe("<report-1@example.org>");
    const replyTo = receipt.parsed.replyTo?.value[0]?.address ?? "";
    expect(parseReplyAddress(replyTo)?.base).toBe("nuck@kitsu.example");
    const opened = await openMail(receipt, ada, kitsu.publicKey);
    expect(opened.signature.status).toBe("valid");
    expect(opened.subject).toBe("[Kitsu] KITSU-1: your report was received");
    expect(opened.text).toContain("We received your report to Kitsu.");
    const link = /https:\/\/security\.example\.org(\/r\/[A-Za-z0-9_-]{43})/.exec(opened.text)?.[1];
    expect(link).toBeDefined();

    // The same case on the web page, through the link from the receipt.
    const page = await t.app.inject({ method: "GET", url: link! });
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain("Stored XSS in the bio");
    expect(textOf(page.body)).toContain(SECRET);

    // The team replies on the case page: the reply reaches Ada encrypted, from the program.
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const casePage = textOf((await emma.browser.get(`/cases/${caseId}`)).body);
    expect(casePage).toContain("by email, encrypted, signature valid");
    const replied = await postCaseMultipart(emma, caseId, "reply", {
      reply: "We can reproduce it; a fix is coming.",
    });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await jobs.drain();
    const answers = sink.to(ada.address).slice(1);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.raw.includes(Buffer.from("reproduce"))).toBe(false);
    const answer = await openMail(answers[0]!, ada, kitsu.publicKey);
    expect(answer.signature.status).toBe("valid");
    expect(answer.text).toContain("We can reproduce it; a fix is coming.");
    expect(answers[0]!.parsed.replyTo?.value[0]?.address).toBe(replyTo);

    // Ada answers the answer, encrypted, to the reply address: it joins the case.
    const followUp = await encryptedMail({
      from: ada,
      to: kitsu,
      subject: "Re: your answer",
      text: "Thanks! It also affects the team page.",
      messageId: "<report-2@example.org>",
      inReplyTo: answers[0]!.parsed.messageId ?? "",
    });
    expect(await listener.send(followUp, { from: ada.address, to: [replyTo] })).toMatch(/^250 /);
    const rows = await t.store.db
      .selectFrom("inbound_mail")
      .select(["status", "case_id"])
      .orderBy("received_at")
      .execute();
    expect(rows.map((row) => row.status)).toEqual(["case-opened", "case-reply"]);
    expect(rows[1]!.case_id).toBe(caseId);
    const after = textOf((await emma.browser.get(`/cases/${caseId}`)).body);
    expect(after).toContain("Thanks! It also affects the team page.");
    expect(await t.store.db.selectFrom("cases").select("id").execute()).toHaveLength(1);
    // Nothing of it in the logs: not the words, not the address, not the reply token.
    for (const secret of ["renders", ada.address, parseReplyAddress(replyTo)!.token]) {
      expect(t.logs()).not.toContain(secret);
    }
  });

  it("encrypts the team's reply to a web reporter who gave their key on the form", async () => {
    const report = await fileReport(t, "kitsu", {
      contact: { email: ada.address, openpgpKey: ada.armoredPublicKey },
    });
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    await postCaseMultipart(emma, report.id, "reply", { reply: "Confirmed; patch attached to the case." });
    await jobs.drain();
    const [mail] = sink.to(ada.address);
    expect(mail).toBeDefined();
    expect(mail!.raw.includes(Buffer.from("Confirmed"))).toBe(false);
    expect(mail!.parsed.from?.value[0]?.address).toBe("nuck@kitsu.example");
    const opened = await openMail(mail!, ada, kitsu.publicKey);
    expect(opened.signature.status).toBe("valid");
    expect(opened.text).toContain("Confirmed; patch attached to the case.");
  });

  it("shows whether a signed (not encrypted) report's signature holds", async () => {
    const signed = async (text: string, messageId: string) =>
      buildSignedMime({
        from: ada.address,
        to: "nuck@kitsu.example",
        subject: "Signed report",
        messageId,
        innerMime: await buildInnerMime({
          text,
          attachments: [keyFile(ada)],
        }),
        signWith: ada.privateKey,
      });
    const good = await signed("A signed report.", "<signed-1@example.org>");
    expect(await listener.send(good, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);
    // The same message with one word changed in transit.
    const altered = Buffer.from(
      (await signed("A signed report.", "<signed-2@example.org>"))
        .toString("latin1")
        .replace("A signed report.", "A signed rep0rt."),
      "latin1",
    );
    expect(await listener.send(altered, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);
    const [first, second] = await casePagesInOrder();
    expect(first).toContain("by email, not encrypted, signature valid (key");
    expect(first).toContain("a key that came with this message and names the From address");
    expect(second).toContain("signature INVALID");
  });

  it("says when a valid signature proves little: a key that names someone else, or a signed part wrapped in unsigned words", async () => {
    // Mallory signs with her own key, attached, under Ada's From.
    const mallory = await newParty("mallory@example.net", "Mallory");
    const forged = await buildSignedMime({
      from: ada.address,
      to: "nuck@kitsu.example",
      subject: "Signed report",
      messageId: "<forged-1@example.org>",
      innerMime: await buildInnerMime({
        text: "Ada here, please send the details to mallory@example.net.",
        attachments: [keyFile(mallory)],
      }),
      signWith: mallory.privateKey,
    });
    expect(await listener.send(forged, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);

    // Ada's genuinely signed message, wrapped in a multipart/mixed with an unsigned first part.
    const genuine = (
      await buildSignedMime({
        from: ada.address,
        to: "nuck@kitsu.example",
        subject: "Signed report",
        messageId: "<genuine-1@example.org>",
        innerMime: await buildInnerMime({
          text: "The admin page lacks a CSRF check.",
          attachments: [keyFile(ada)],
        }),
        signWith: ada.privateKey,
      })
    ).toString("latin1");
    const signedEntity = genuine.slice(genuine.search(/^Content-Type: multipart\/signed/im));
    const wrapped = Buffer.from(
      [
        `From: ${ada.address}`,
        "To: nuck@kitsu.example",
        "Subject: Signed report",
        "Message-ID: <wrapped-1@example.org>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="outer"',
        "",
        "--outer",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Update: this is fixed, please close the case.",
        "--outer",
        signedEntity.replace(/\r?\n$/, ""),
        "--outer--",
        "",
      ].join("\r\n"),
      "latin1",
    );
    expect(await listener.send(wrapped, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);

    const [forgedPage, wrappedPage] = await casePagesInOrder();
    expect(forgedPage).toContain("a key that came with this message and does not name the From address");
    expect(wrappedPage).toContain("signature valid for only part of the message");
    // Nothing is dropped: the unsigned words are there, marked by the line above.
    expect(wrappedPage).toContain("Update: this is fixed, please close the case.");
    expect(wrappedPage).toContain("The admin page lacks a CSRF check.");
  });

  it("gives a reporter who encrypted without their key the link once a reply to the reply address brings it", async () => {
    const report = await encryptedMail({
      from: ada,
      to: kitsu,
      subject: "Token leak",
      text: "The export endpoint leaks API tokens.",
      messageId: "<nokey-1@example.org>",
    });
    expect(await listener.send(report, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);
    await jobs.drain();
    const [receipt] = sink.to(ada.address);
    expect(receipt!.text).toContain("We have no OpenPGP key for you");
    expect(receipt!.raw.includes(Buffer.from("security.example.org/r/"))).toBe(false);
    expect(receipt!.raw.includes(Buffer.from("leaks"))).toBe(false);
    const replyTo = receipt!.parsed.replyTo?.value[0]?.address ?? "";
    expect(parseReplyAddress(replyTo)).not.toBeNull();

    // Her answer to the reply address alone (no In-Reply-To) joins the case and brings her key.
    const withKey = await encryptedMail({
      from: ada,
      to: kitsu,
      subject: "My key",
      text: "Here is my key.",
      messageId: "<nokey-2@example.org>",
      attachKey: true,
    });
    expect(await listener.send(withKey, { from: ada.address, to: [replyTo] })).toMatch(/^250 /);
    const rows = await t.store.db
      .selectFrom("inbound_mail")
      .select(["status", "case_id"])
      .orderBy("received_at")
      .execute();
    expect(rows.map((row) => row.status)).toEqual(["case-opened", "case-reply"]);
    const caseId = rows[0]!.case_id!;
    expect(rows[1]!.case_id).toBe(caseId);

    await jobs.drain();
    const kept = sink.to(ada.address).slice(1);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.raw.includes(Buffer.from("security.example.org/r/"))).toBe(false);
    const opened = await openMail(kept[0]!, ada, kitsu.publicKey);
    expect(opened.signature.status).toBe("valid");
    expect(opened.text).toContain("We now have your OpenPGP key");
    const link = /https:\/\/security\.example\.org(\/r\/[A-Za-z0-9_-]{43})/.exec(opened.text)?.[1];
    const page = await t.app.inject({ method: "GET", url: link! });
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain("The export endpoint leaks API tokens.");

    // A later message that names only our Message-ID (In-Reply-To, to the program's address)
    // joins the case too, and the key is not "kept" twice.
    const third = await encryptedMail({
      from: ada,
      to: kitsu,
      subject: "More",
      text: "It also leaks session cookies.",
      messageId: "<nokey-3@example.org>",
      inReplyTo: kept[0]!.parsed.messageId ?? "",
      attachKey: true,
    });
    expect(await listener.send(third, { from: ada.address, to: ["nuck@kitsu.example"] })).toMatch(/^250 /);
    const statuses = await t.store.db.selectFrom("inbound_mail").select(["status", "case_id"]).execute();
    expect(statuses.filter((row) => row.case_id === caseId)).toHaveLength(3);
    await jobs.drain();
    expect(sink.mails.filter((mail) => mail.text.includes("We now have your OpenPGP key"))).toHaveLength(0);

    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const casePage = textOf((await emma.browser.get(`/cases/${caseId}`)).body);
    expect(casePage).toContain("the key it brought is now the reporter's, for answers");
    expect(casePage).toContain("the key this case already knew");
    expect(casePage).toContain("It also leaks session cookies.");
    // The team's answer now goes encrypted to her.
    await postCaseMultipart(emma, caseId, "reply", { reply: "Thanks, we rotate the tokens." });
    await jobs.drain();
    const answer = sink.to(ada.address).at(-1)!;
    expect(answer.raw.includes(Buffer.from("rotate"))).toBe(false);
    expect((await openMail(answer, ada, kitsu.publicKey)).text).toContain("Thanks, we rotate the tokens.");
  });

  it("keeps the case link out of a clear receipt when the program requires encryption (Kulupu)", async () => {
    const plain = await plainMail("wei@kulupu.example");
    expect(await listener.send(plain, { from: "bob@example.org", to: ["wei@kulupu.example"] })).toMatch(
      /^250 /,
    );
    await jobs.drain();
    const [receipt] = sink.to("bob@example.org");
    expect(receipt).toBeDefined();
    expect(receipt!.text).toContain("We have no OpenPGP key for you");
    expect(receipt!.text).not.toContain("/r/");
  });
});

/** A plain (unencrypted, unsigned) report by mail. */
async function plainMail(to: string): Promise<Buffer> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer/index.js");
  return new MailComposer({
    from: "bob@example.org",
    to,
    subject: "Plain report",
    text: "A report in clear.",
    messageId: "<plain-1@example.org>",
  })
    .compile()
    .build();
}
