import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kafe: "an initial confirmation of your report within 72 hours of submission" (plain hours),
 * stopped by the acknowledgement. Escalation: a warning at 75 % (54 h) and the breach (72 h), both
 * to the maintainer, who is also the point of contact. T0 is Wednesday 2 December 2026, 10:00 UTC.
 */
const MAINTAINER = "mrtreinis@kafe.example";
const REPORTER = "ada@example.org";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(databases)("Kafe's confirmation clock, driven by a fake clock, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  const at = async (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);

  async function fileAtT0(): Promise<{ id: string; ref: string }> {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "kafe", {
      contact: { email: REPORTER },
      fields: { "location-impact": "The admin page leaks tokens.", steps: "Open /admin twice." },
    });
    await at(0);
    return { id: report.id, ref: report.reference };
  }

  it("warns the maintainer at exactly 54 h; acknowledging at 60 h means no breach at 72 h", async () => {
    const { id, ref } = await fileAtT0();
    expect(subjects(MAINTAINER)).toEqual([`[Kafe] New report (${ref})`]);
    expect(sink.to(MAINTAINER)[0]!.text).not.toContain("leaks tokens");
    expect(sink.to(MAINTAINER)[0]!.text).not.toContain("Stored XSS");

    await at(54 * HOUR - MINUTE);
    expect(sink.mails).toHaveLength(1);
    await at(54 * HOUR);
    expect(subjects(MAINTAINER)).toEqual([
      `[Kafe] New report (${ref})`,
      `[Kafe] Confirm the report: due in 18 h (${ref})`,
    ]);
    expect(sink.to(MAINTAINER)[1]!.text).toContain("Due: 2026-12-05 10:00 UTC (due in 18 h)");
    expect(sink.mails).toHaveLength(2);

    // Acknowledged at 60 h: the reporter hears of it; the clock stops.
    t.clock.set(new Date(T0 + 60 * HOUR));
    const maintainer = await createStaff(t, {
      email: "maintainer@kafe.example",
      role: "responder",
      program: "kafe",
    });
    const done = await postCaseForm(maintainer, id, "acknowledge", {});
    expect(done.headers.location).toMatch(/notice=acknowledged/);
    await at(60 * HOUR);
    expect(subjects(REPORTER)).toEqual([`[Kafe] ${ref}: news on your report`]);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team acknowledged your report.");

    await at(72 * HOUR);
    await at(60 * 24 * HOUR);
    expect(sink.to(MAINTAINER)).toHaveLength(2);
    // On day 60 the reporter hears that the embargo ended (test/jobs/disclosure-plan.test.ts).
    expect(subjects(REPORTER).at(-1)).toBe(`[Kafe] ${ref}: the embargo on your report has ended`);
    expect(sink.mails).toHaveLength(4);

    await later(t, { at: new Date(T0 + 60 * 24 * HOUR) }, maintainer);
    const page = textOf((await maintainer.browser.get(`/cases/${id}`)).body);
    expect(page).toContain("Warning: the clock is running out (confirmation); told: contact:maintainer");
    expect(page).not.toContain("Breach: the promise was not kept");
    expect(page).toMatch(/Confirm the report .*met/);
  });

  it("tells the maintainer of the breach at exactly 72 h, once, when nobody confirms", async () => {
    const { ref } = await fileAtT0();
    await at(54 * HOUR);
    await at(72 * HOUR - MINUTE);
    expect(sink.mails).toHaveLength(2);
    await at(72 * HOUR);
    expect(sink.mails).toHaveLength(3);
    expect(sink.to(MAINTAINER)[2]!.subject).toBe(`[Kafe] Confirm the report: overdue (breach) (${ref})`);
    expect(sink.to(MAINTAINER)[2]!.text).toContain("the deadline has passed");
    // No repeat in the policy: nothing more for the maintainer, even after the 60-day embargo;
    // the reporter hears only that it ended (test/jobs/disclosure-plan.test.ts).
    await at(90 * 24 * HOUR);
    expect(sink.to(MAINTAINER)).toHaveLength(3);
    expect(subjects(REPORTER)).toEqual([`[Kafe] ${ref}: the embargo on your report has ended`]);
    expect(sink.mails).toHaveLength(4);
    for (const mail of sink.mails) expect(mail.text).not.toMatch(/Stored XSS|leaks tokens|Open \/admin/);
  });

  it("a worker that was down from before the warning until after the due instant sends only the breach", async () => {
    const { id, ref } = await fileAtT0();
    await at(80 * HOUR);
    expect(subjects(MAINTAINER)).toEqual([
      `[Kafe] New report (${ref})`,
      `[Kafe] Confirm the report: overdue (breach) (${ref})`,
    ]);
    const steps = await t.store.db
      .selectFrom("case_escalations")
      .select("step_key")
      .where("case_id", "=", id)
      .orderBy("step_key")
      .execute();
    expect(steps.map((row) => row.step_key)).toEqual([
      `${id}:confirmation:breach:0`,
      `${id}:confirmation:warn:0`,
    ]);
  });

  it("shows the confirmation clock on the case page, and when the 60-day embargo ends (it ends, it never misses)", async () => {
    const { id } = await fileAtT0();
    t.clock.set(new Date(T0 + HOUR));
    const staff = await createStaff(t, { email: "viewer@kafe.example", role: "viewer", program: "kafe" });
    const page = textOf((await staff.browser.get(`/cases/${id}`)).body);
    expect(page).toMatch(/Confirm the report .* 2026-12-05 10:00 UTC due in 2 d /);
    // 60 days after receipt: 2027-01-31 10:00 UTC, a row of its own that says what it means.
    expect(page).toMatch(
      /Embargo ends .* 2027-01-31 10:00 UTC ends in 59 d: until then the reporter keeps the issue confidential/,
    );
    // Only the confirmation clock escalates (its breach; the warning is superseded); the embargo
    // sends nothing, before or after it ends.
    expect(await at(70 * 24 * HOUR)).toMatchObject({ escalations: 1 });
    expect(subjects(MAINTAINER).filter((subject) => /[Ee]mbargo/.test(subject))).toEqual([]);
  });
});
