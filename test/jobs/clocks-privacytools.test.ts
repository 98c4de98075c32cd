import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, postCaseMultipart, textOf } from "../support/workspace.js";

/**
 * privacytools.io: "The administrative team will acknowledge your message within 48 hours and will
 * provide a detailed response within 72 hours". Plain hours. Escalation: acknowledge warns the
 * assignee and admin@ at 75 % (36 h) and tells admin@ at the breach; the detailed response warns the
 * assignee at 75 % (54 h) and tells admin@ at the breach (72 h).
 * Wednesday 2 December 2026, 10:00 UTC is T0.
 */
const ADMIN = "admin@privacytools.example";
const ALICE = "alice@privacytools.example";
const LEAD = "lead@privacytools.example";
const REPORTER = "ada@example.org";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(databases)("privacytools.io's two clocks, driven by a fake clock, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  /** Moves the clock to T0 + `ms` and runs the jobs. */
  const at = async (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);

  /** Files a report at T0, has the lead assign it to Alice, and delivers what that owes. */
  async function reportAssignedToAlice(): Promise<{ id: string; ref: string; alice: CreatedStaff }> {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "privacytools", { contact: { email: REPORTER } });
    expect(report.acknowledgeBy).toBe(new Date(T0 + 48 * HOUR).toISOString());
    const lead = await createStaff(t, { email: LEAD, role: "admin", program: "privacytools" });
    const alice = await createStaff(t, { email: ALICE, role: "responder", program: "privacytools" });
    const page = await lead.browser.get(`/cases/${report.id}`);
    const aliceId = new RegExp(`<option value="([a-z2-7]{16})"[^>]*>${ALICE}`).exec(page.body)?.[1] ?? "";
    const assigned = await postCaseForm(lead, report.id, "assign", { assignee: aliceId });
    expect(assigned.headers.location).toMatch(/notice=assigned/);
    await at(0);
    return { id: report.id, ref: report.reference, alice };
  }

  it("warns Alice and admin@ at 36 h; a reply at 40 h stops the acknowledge clock, not the detailed response", async () => {
    const { id, ref, alice } = await reportAssignedToAlice();

    // At T0: admin@ (the point of contact) hears of the new report, Alice of her assignment.
    expect(subjects(ADMIN)).toEqual([`[privacytools.io] New report (${ref})`]);
    expect(subjects(ALICE)).toEqual([`[privacytools.io] Case ${ref} changed`]);
    expect(sink.to(ALICE)[0]!.text).toContain(`${LEAD} assigned the case to ${ALICE}.`);
    expect(sink.to(LEAD)).toHaveLength(0); // not told of their own doing
    expect(sink.to(REPORTER)).toHaveLength(0); // an assignment is not news for the reporter

    // The acknowledge warning: exactly 36 h in, to Alice and admin@.
    await at(36 * HOUR - MINUTE);
    expect(sink.mails).toHaveLength(2);
    await at(36 * HOUR);
    const warn = `[privacytools.io] Acknowledge the report: due in 12 h (${ref})`;
    expect(subjects(ALICE)).toEqual([`[privacytools.io] Case ${ref} changed`, warn]);
    expect(subjects(ADMIN)).toEqual([`[privacytools.io] New report (${ref})`, warn]);
    expect(sink.mails).toHaveLength(4);

    // Alice replies at 40 h (not the detailed response): the reporter is told, without the words.
    await later(t, { at: new Date(T0 + 40 * HOUR) }, alice);
    const replied = await postCaseMultipart(alice, id, "reply", { reply: "Thanks, we are looking into it." });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at(40 * HOUR);
    expect(subjects(REPORTER)).toEqual([`[privacytools.io] ${ref}: news on your report`]);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team replied to your report.");
    expect(sink.to(REPORTER)[0]!.text).not.toContain("looking into it");
    expect(sink.mails).toHaveLength(5); // nobody else follows the case

    // No acknowledge breach at 48 h: the reply stopped that clock.
    await at(48 * HOUR);
    await at(53 * HOUR + 59 * MINUTE);
    expect(sink.mails).toHaveLength(5);

    // The detailed-response clock still runs: its warning goes to Alice at 54 h, and only to her.
    await at(54 * HOUR);
    expect(sink.to(ALICE).at(-1)!.subject).toBe(`[privacytools.io] Detailed response: due in 18 h (${ref})`);
    expect(sink.mails).toHaveLength(6);

    // Its breach goes to admin@ at 72 h, and only to admin@.
    await at(72 * HOUR - MINUTE);
    expect(sink.mails).toHaveLength(6);
    await at(72 * HOUR);
    expect(sink.mails).toHaveLength(7);
    expect(sink.to(ADMIN).at(-1)!.subject).toBe(
      `[privacytools.io] Detailed response: overdue (breach) (${ref})`,
    );
    expect(sink.to(ADMIN).at(-1)!.text).toContain(`Due: 2026-12-05 10:00 UTC`);

    // No repeat is configured: nothing more, weeks later.
    await at(30 * 24 * HOUR);
    expect(sink.to(ADMIN)).toHaveLength(3);
    expect(sink.to(ALICE)).toHaveLength(3);
    expect(sink.to(REPORTER)).toHaveLength(1);
    expect(sink.mails).toHaveLength(7);
    for (const mail of sink.mails) expect(mail.text).not.toContain("Stored XSS");

    // The steps are on the timeline; the acknowledge clock reads "met" on the case page.
    await later(t, { at: new Date(T0 + 30 * 24 * HOUR) }, alice);
    const page = textOf((await alice.browser.get(`/cases/${id}`)).body);
    expect(page).toMatch(
      /Warning: the clock is running out \(acknowledge\); told: user:[a-z2-7]{16}, contact:admin/,
    );
    expect(page).toMatch(/Warning: the clock is running out \(detailed-response\); told: user:[a-z2-7]{16} /);
    expect(page).toContain("Breach: the promise was not kept (detailed-response); told: contact:admin");
    expect(page).not.toContain("Breach: the promise was not kept (acknowledge)");
    expect(page).toMatch(/Acknowledge the report.*met/);
    expect(await verifyAuditChains(t.store, t.keyring)).toMatchObject({ ok: true });
  });

  it("a detailed response just before 54 h stops both clocks (after the acknowledge breach went to admin@)", async () => {
    const { id, ref, alice } = await reportAssignedToAlice();
    await at(36 * HOUR);
    expect(sink.mails).toHaveLength(4); // new report, assignment, two warnings

    // Nobody acknowledged: the breach goes to admin@ only, at exactly 48 h.
    await at(48 * HOUR - MINUTE);
    expect(sink.mails).toHaveLength(4);
    await at(48 * HOUR);
    expect(sink.mails).toHaveLength(5);
    expect(sink.to(ADMIN).at(-1)!.subject).toBe(
      `[privacytools.io] Acknowledge the report: overdue (breach) (${ref})`,
    );

    // A detailed response at 53 h 59 min: no detailed-response warning at 54 h, no breach at 72 h.
    await later(t, { at: new Date(T0 + 54 * HOUR - MINUTE) }, alice);
    const replied = await postCaseMultipart(alice, id, "reply", {
      reply: "Here is what we found and what happens next.",
      "detailed-response": "yes",
    });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at(54 * HOUR - MINUTE);
    expect(subjects(REPORTER)).toEqual([`[privacytools.io] ${ref}: news on your report`]);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team acknowledged your report.");
    expect(sink.to(REPORTER)[0]!.text).toContain("The team replied to your report.");
    expect(sink.to(REPORTER)[0]!.text).not.toContain("what we found");

    await at(54 * HOUR);
    await at(72 * HOUR);
    await at(30 * 24 * HOUR);
    expect(subjects(ALICE)).toEqual([
      `[privacytools.io] Case ${ref} changed`,
      `[privacytools.io] Acknowledge the report: due in 12 h (${ref})`,
    ]);
    expect(subjects(ADMIN)).toEqual([
      `[privacytools.io] New report (${ref})`,
      `[privacytools.io] Acknowledge the report: due in 12 h (${ref})`,
      `[privacytools.io] Acknowledge the report: overdue (breach) (${ref})`,
    ]);
    expect(sink.mails).toHaveLength(6);
  });

  it("a detailed response before the first warning sends nothing but the reporter's notice", async () => {
    const { id, alice } = await reportAssignedToAlice();
    await later(t, { at: new Date(T0 + 2 * HOUR) }, alice);
    const replied = await postCaseMultipart(alice, id, "reply", {
      reply: "Confirmed; details follow.",
      "detailed-response": "yes",
    });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at(2 * HOUR);
    for (const hours of [36, 48, 54, 72, 24 * 30]) await at(hours * HOUR);
    expect(sink.to(ADMIN)).toHaveLength(1); // the new-report notice only
    expect(sink.to(ALICE)).toHaveLength(1); // the assignment only
    expect(sink.to(REPORTER)).toHaveLength(1);
    const escalations = await t.store.db
      .selectFrom("case_escalations")
      .select("step_key")
      .where("case_id", "=", id)
      .execute();
    expect(escalations).toEqual([]);
  });

  // With both clocks stopped the case's timer waits far in the future but keeps `processed_seq`:
  // a later change is told of once, and nothing earlier is told again.
  it("a change after both clocks stopped does not re-announce the report or repeat old notices", async () => {
    const { id, ref, alice } = await reportAssignedToAlice();
    await later(t, { at: new Date(T0 + 2 * HOUR) }, alice);
    const replied = await postCaseMultipart(alice, id, "reply", {
      reply: "Confirmed; details follow.",
      "detailed-response": "yes",
    });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at(2 * HOUR);
    expect(sink.mails).toHaveLength(3); // new report (admin@), assignment (Alice), reply (reporter)

    // An internal note an hour later: Alice wrote it, nobody else follows, the reporter cannot see it.
    await later(t, { at: new Date(T0 + 3 * HOUR) }, alice);
    const noted = await postCaseMultipart(alice, id, "note", { note: "Patch is in review." });
    expect(noted.headers.location).toMatch(/notice=noted/);
    await at(3 * HOUR);
    expect(subjects(ADMIN)).toEqual([`[privacytools.io] New report (${ref})`]);
    expect(subjects(ALICE)).toEqual([`[privacytools.io] Case ${ref} changed`]);
    expect(subjects(REPORTER)).toEqual([`[privacytools.io] ${ref}: news on your report`]);
  });
});
