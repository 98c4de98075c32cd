import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type MailListener, startMailListener } from "../support/mail.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { postCaseMultipart } from "../support/workspace.js";

/**
 * The case number (issue 15) in the mail a reporter gets: the receipt's subject leads with it
 * (`[Kitsu] KITSU-1: your report was received`), its text says it, and the team's later mail
 * carries the same; the threading (In-Reply-To, References, the reply address) is as before, so
 * the reporter's answer still joins the case. Real SMTP both ways: nodemailer into Embargo's
 * listener, Embargo's relay into the sink.
 */
const PROGRAM = "nuck@kitsu.example";

function compose(options: {
  from: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
}) {
  return new MailComposer({
    from: options.from,
    to: PROGRAM,
    subject: options.subject,
    text: options.text,
    messageId: options.messageId,
    ...(options.inReplyTo === undefined
      ? {}
      : { inReplyTo: options.inReplyTo, references: [options.inReplyTo] }),
  })
    .compile()
    .build();
}

describe.each(databases)("the case number in mail to the reporter, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: MailListener;
  let jobs: JobRunner;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open);
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    listener = await startMailListener(t);
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
  });

  it("leads the receipt's subject with the case number, the next report taking the next, threading as before", async () => {
    const first = await compose({
      from: "ada@example.org",
      subject: "Open redirect on the login page",
      text: "The next parameter accepts any host.",
      messageId: "<number-1@example.org>",
    });
    expect(await listener.send(first, { from: "ada@example.org", to: [PROGRAM] })).toMatch(/^250 /);
    const second = await compose({
      from: "bo@example.net",
      subject: "Session fixation",
      text: "The session id survives the sign-in.",
      messageId: "<number-2@example.net>",
    });
    expect(await listener.send(second, { from: "bo@example.net", to: [PROGRAM] })).toMatch(/^250 /);
    await jobs.drain();

    const [receipt] = sink.to("ada@example.org");
    expect(receipt?.subject).toBe("[Kitsu] KITSU-1: your report was received");
    expect(receipt!.text).toContain(
      "Your case number is KITSU-1: quote it when you write about this report.",
    );
    expect(receipt!.header("in-reply-to")).toBe("<number-1@example.org>");
    expect(receipt!.header("references")).toBe("<number-1@example.org>");
    expect(receipt!.header("auto-submitted")).toBe("auto-replied");
    expect(sink.to("bo@example.net").map((mail) => mail.subject)).toEqual([
      "[Kitsu] KITSU-2: your report was received",
    ]);

    // Ada answers the receipt: the answer joins KITSU-1 by its headers and reply address, whatever the subject.
    const replyTo = receipt!.parsed.replyTo?.value[0]?.address ?? "";
    const answer = await compose({
      from: "ada@example.org",
      subject: "Re: something else entirely",
      text: "It also works with a data: URL.",
      messageId: "<number-3@example.org>",
      inReplyTo: receipt!.parsed.messageId ?? "",
    });
    expect(await listener.send(answer, { from: "ada@example.org", to: [replyTo] })).toMatch(/^250 /);
    const rows = await t.store.db
      .selectFrom("inbound_mail")
      .innerJoin("cases", "cases.id", "inbound_mail.case_id")
      .select(["inbound_mail.status", "cases.number"])
      .orderBy("inbound_mail.received_at")
      .execute();
    expect(rows).toEqual([
      { status: "case-opened", number: 1 },
      { status: "case-opened", number: 2 },
      { status: "case-reply", number: 1 },
    ]);

    // The team's reply carries the number too, in the same thread.
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const caseId = (
      await t.store.db.selectFrom("cases").select("id").where("number", "=", 1).executeTakeFirstOrThrow()
    ).id;
    await postCaseMultipart(emma, caseId, "reply", { reply: "Thanks, we can reproduce it." });
    await jobs.drain();
    const reply = sink.to("ada@example.org").at(-1)!;
    expect(reply.subject).toBe("[Kitsu] KITSU-1: news on your report");
    expect(reply.parsed.replyTo?.value[0]?.address).toBe(replyTo);
    expect(reply.header("in-reply-to")).toBe(receipt!.parsed.messageId);
    expect(reply.header("references")).toBe(receipt!.parsed.messageId);
  });
});
