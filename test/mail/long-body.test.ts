import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { FULL_TEXT_FILENAME, MAIL_TEXT_MAX_CHARS } from "../../src/mail/body-text.js";
import { findCaseForReporter } from "../../src/store/cases.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type MailListener, startMailListener } from "../support/mail.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { startTestApp, type TestApp, tokenFrom } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * A mail body longer than the web form lets a field be (issue 14, finding 4: a 25 MB body went
 * whole into the report's encrypted JSON): the field holds its beginning and says where the
 * rest is; the whole text is an attachment, byte for byte, for the reporter and the team alike.
 * Through real SMTP, for a new case and for a reply on it.
 */
const PROGRAM = "nuck@kitsu.example";
const ADA = "ada@example.org";

/** Lines of text with two- and four-byte characters, so a cut in the wrong place would show. */
function longText(chars: number, tag: string): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < chars; i++) {
    const line = `${tag} line ${i}: the token leaks in the log — ünïcödé 🦊 and more words here.`;
    lines.push(line);
    length += line.length + 1;
  }
  // Ending with a line break, as mailparser reads a text body (it ends its last line).
  return `${lines.join("\n")}\n`;
}

function compose(text: string, headers: Record<string, string> = {}): Promise<Buffer> {
  return new MailComposer({
    from: ADA,
    to: PROGRAM,
    subject: "Token in the logs",
    text,
    messageId: `<${Math.random().toString(36).slice(2)}@example.org>`,
    headers,
  })
    .compile()
    .build();
}

describe.each(databases)("a long mail body on $name", (database) => {
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
    listener = await startMailListener(t);
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
  });

  it("keeps the field within the form's limit and the whole text as message.txt", async () => {
    const report = longText(MAIL_TEXT_MAX_CHARS * 2.5, "report");
    expect(await listener.send(await compose(report), { from: ADA, to: [PROGRAM] })).toMatch(/^250 /);
    await jobs.drain();
    const receipt = sink.to(ADA)[0];
    expect(receipt).toBeDefined();
    const token = tokenFrom(receipt!.text);

    const opened = await findCaseForReporter(t.store, t.keyring, token);
    const field = opened!.report.fields.description ?? "";
    expect(field.length).toBeLessThanOrEqual(MAIL_TEXT_MAX_CHARS);
    expect(field.length).toBeGreaterThan(MAIL_TEXT_MAX_CHARS - 200);
    expect(field).toMatch(/the whole text is attached as message\.txt\.\]$/);
    const kept = field.slice(0, field.lastIndexOf("\n\n["));
    expect(report.startsWith(kept)).toBe(true);

    const [file] = opened!.attachments;
    expect(file).toMatchObject({ filename: FULL_TEXT_FILENAME, contentType: "text/plain" });
    const download = await t.app.inject({ url: `/r/${token}/attachments/${file!.id}` });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(Buffer.from(report, "utf8"))).toBe(true);
    const page = textOf((await t.app.inject({ url: `/r/${token}` })).body);
    expect(page).toContain("the whole text is attached as message.txt");
    expect(page).toContain(FULL_TEXT_FILENAME);

    // A reply on the case, as long: the same, on its message.
    const reply = longText(MAIL_TEXT_MAX_CHARS * 1.5, "reply");
    const inReplyTo = receipt!.header("message-id") ?? "";
    expect(
      await listener.send(await compose(reply, { "In-Reply-To": inReplyTo }), { from: ADA, to: [PROGRAM] }),
    ).toMatch(/^250 /);
    const after = await findCaseForReporter(t.store, t.keyring, token);
    const message = after!.timeline.find((entry) => entry.type === "reporter.message");
    expect(message?.text?.length).toBeLessThanOrEqual(MAIL_TEXT_MAX_CHARS);
    expect(message?.text).toMatch(/the whole text is attached as message\.txt\.\]$/);
    const [replyFile] = message?.attachmentIds ?? [];
    const replyDownload = await t.app.inject({ url: `/r/${token}/attachments/${replyFile}` });
    expect(replyDownload.rawPayload.equals(Buffer.from(reply, "utf8"))).toBe(true);
  });

  it("leaves a body within the limit as it was, with no extra file", async () => {
    const report = longText(MAIL_TEXT_MAX_CHARS - 100, "short");
    expect(await listener.send(await compose(report), { from: ADA, to: [PROGRAM] })).toMatch(/^250 /);
    await jobs.drain();
    const opened = await findCaseForReporter(t.store, t.keyring, tokenFrom(sink.to(ADA)[0]!.text));
    expect(opened!.report.fields.description).toBe(report);
    expect(opened!.attachments).toEqual([]);
  });
});
