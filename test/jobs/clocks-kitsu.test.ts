import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { messageIdFor } from "../../src/mail/addresses.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, postCaseMultipart, textOf } from "../support/workspace.js";

/**
 * Kitsu: "Emma responds within one business day at the latest"; "if Emma does not respond, write
 * to help@kitsu.example so somebody can nag her". Business days in Los Angeles, 09:00–17:00.
 * Wednesday 2 December 2026, 10:00 PST is 18:00 UTC.
 */
const EMMA = "nuck@kitsu.example";
const HELP = "help@kitsu.example";
const REPORTER = "ada@example.org";

describe.each(databases)("Kitsu's clock, driven by a fake clock, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  const at = async (iso: string) => {
    t.clock.set(new Date(iso));
    return jobs.drain();
  };
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);

  it("tells Emma of the report, warns her at 75 %, tells help@ at the breach, nags every 4 business hours until someone acts", async () => {
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    const report = await fileReport(t, "kitsu", { contact: { email: REPORTER } });
    expect(report.acknowledgeBy).toBe("2026-12-03T18:00:00.000Z"); // Thursday 10:00 PST
    expect(report.reference).toBe("KITSU-1"); // the program's first case: every subject names it

    await at("2026-12-02T18:00:00Z");
    expect(subjects(EMMA)).toEqual([`[Kitsu] New report (${report.reference})`]);
    expect(sink.to(EMMA)[0]!.text).not.toContain("Stored XSS"); // no report content by email
    expect(sink.to(HELP)).toHaveLength(0);

    // 75 % of 8 business hours is 6: Wednesday 16:00 PST = Thursday 00:00 UTC.
    await at("2026-12-02T23:59:00Z");
    expect(sink.to(EMMA)).toHaveLength(1);
    await at("2026-12-03T00:00:00Z");
    expect(sink.to(EMMA)).toHaveLength(2);
    expect(sink.to(EMMA)[1]!.subject).toBe(
      `[Kitsu] Acknowledge the report: due in 18 h (${report.reference})`,
    );
    expect(sink.to(HELP)).toHaveLength(0);

    // Nothing more overnight.
    await at("2026-12-03T17:59:00Z");
    expect(sink.mails).toHaveLength(2);

    // The breach: help@ is told, with the policy's message.
    await at("2026-12-03T18:00:00Z");
    expect(sink.to(HELP)).toHaveLength(1);
    expect(sink.to(HELP)[0]!.text).toContain(
      "Emma has not responded within one business day; somebody please nag her.",
    );
    expect(sink.to(EMMA)).toHaveLength(2);

    // Four business hours later (Thursday 14:00 PST): a reminder to help@ and Emma.
    await at("2026-12-03T21:59:00Z");
    expect(sink.mails).toHaveLength(3);
    await at("2026-12-03T22:00:00Z");
    expect(sink.to(HELP)).toHaveLength(2);
    expect(sink.to(EMMA)).toHaveLength(3);
    expect(sink.to(HELP)[1]!.subject).toContain("reminder 1");

    // Emma acknowledges: the chain stops. The reporter hears of it.
    t.clock.set(new Date("2026-12-03T23:00:00Z"));
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const done = await postCaseForm(emma, report.id, "acknowledge", {});
    expect(done.headers.location).toMatch(/notice=acknowledged/);
    await at("2026-12-03T23:00:00Z");
    expect(sink.to(REPORTER).map((mail) => mail.subject)).toEqual(["[Kitsu] KITSU-1: news on your report"]);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team acknowledged your report.");

    await at("2026-12-10T23:00:00Z");
    expect(sink.to(HELP)).toHaveLength(2);
    expect(sink.to(EMMA)).toHaveLength(3);

    // Each step is a case event on the timeline, and the chain still verifies.
    await later(t, { at: new Date("2026-12-10T23:00:00Z") }, emma);
    const page = textOf((await emma.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Warning: the clock is running out (acknowledge); told: contact:emma");
    expect(page).toContain("Breach: the promise was not kept (acknowledge); told: contact:kitsu-help");
    expect(page).toContain(
      "Reminder: still overdue (acknowledge #1); told: contact:kitsu-help, contact:emma",
    );
    expect(await verifyAuditChains(t.store, t.keyring)).toMatchObject({ ok: true });

    // Every mail carries its idempotency key and a Message-ID derived from it, and says it is automatic.
    for (const mail of sink.mails) {
      const key = mail.header("x-embargo-idempotency-key") ?? "";
      expect(key.startsWith(`${report.id}:`)).toBe(true);
      expect(mail.parsed.messageId).toBe(messageIdFor(t.mailKey, key, "security.example.org"));
      expect(mail.header("auto-submitted")).toBe("auto-generated");
    }
  });

  it("sends nothing when Emma answers before the warning", async () => {
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    const report = await fileReport(t, "kitsu", { contact: { email: REPORTER } });
    await at("2026-12-02T18:00:00Z");
    t.clock.set(new Date("2026-12-02T19:00:00Z"));
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const replied = await postCaseMultipart(emma, report.id, "reply", { reply: "Thanks, looking into it." });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at("2026-12-02T19:00:00Z");
    await at("2026-12-09T19:00:00Z");
    expect(subjects(HELP)).toEqual([]);
    expect(subjects(EMMA)).toHaveLength(1); // the new-report notice only
    // The reporter is told there is a reply, but not what it says (mail is not encrypted).
    expect(sink.to(REPORTER)).toHaveLength(1);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team replied to your report.");
    expect(sink.to(REPORTER)[0]!.text).not.toContain("looking into it");
  });
  it("tells the reporter by email of each incident phase Kitsu shares, skips included", async () => {
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    const report = await fileReport(t, "kitsu", { contact: { email: REPORTER } });
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    await at("2026-12-02T18:00:00Z");
    expect(sink.to(REPORTER)).toHaveLength(0);

    for (const [phase, action] of [
      ["assessment", "start"],
      ["containment", "skip"],
    ] as const) {
      const done = await postCaseForm(emma, report.id, "incident-phase", { phase, action });
      expect(done.headers.location).toBe(`/cases/${report.id}?notice=phase`);
      await jobs.drain();
    }
    const told = sink.to(REPORTER);
    expect(told).toHaveLength(2);
    for (const mail of told) {
      expect(mail.text).toContain("There is news on the incident response.");
      expect(mail.parsed.from?.value[0]?.address).toBe(EMMA); // as the program, threaded to the case
      // Their page says what happened; its link is never re-sent (only its hash is stored).
      expect(mail.text).toContain("use the private link from your receipt");
      expect(mail.text).not.toContain(report.token);
    }
    // Their page shows both steps.
    const page = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(page).toMatch(/Assessment/);
    expect(page).toMatch(/Containment/);
  });
});
