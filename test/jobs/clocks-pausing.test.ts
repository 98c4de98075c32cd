import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * A confirmation clock of 72 h (warning at 75 %) that pauses while the case waits for the reporter
 * (test/fixtures/policies/clocks/pausing.yaml). The case goes to needs-info at 10 h and back at
 * 80 h: the 70 h it waited do not count, so the warning moves from 54 h to 124 h and the breach
 * from 72 h to 142 h; the inbox and the case page show the moved deadline. T0 is Wednesday
 * 2 December 2026, 10:00 UTC.
 */
const LEAD = "lead@pausa.example";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(databases)("a clock that pauses while waiting for the reporter, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(
    database.open,
    (parts) => {
      ({ t, sink, jobs } = parts);
    },
    { policies: "test/fixtures/policies/clocks/pausing.yaml" },
  );

  const at = async (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const subjects = () => sink.to(LEAD).map((mail) => mail.subject);
  const inboxText = async (staff: CreatedStaff) => textOf((await staff.browser.get("/inbox")).body);
  const caseText = async (staff: CreatedStaff, id: string) =>
    textOf((await staff.browser.get(`/cases/${id}`)).body);

  it("does not warn or breach while waiting, and moves the deadline by the time waited", async () => {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "pausa", { fields: { description: "The export leaks tokens." } });
    const ref = report.reference;
    await at(0);
    expect(subjects()).toEqual([`[Pausa] New report (${ref})`]);

    t.clock.set(new Date(T0 + 10 * HOUR));
    const responder = await createStaff(t, { email: "r@pausa.example", role: "responder", program: "pausa" });
    expect(await inboxText(responder)).toContain("acknowledge within 2 d"); // 62 h left
    const asked = await postCaseForm(responder, report.id, "transition", { to: "needs-info" });
    expect(asked.headers.location).toMatch(/notice=moved/);
    await at(10 * HOUR);

    // Waiting: the case page says so (the earliest due date: 62 h after now, if the reporter
    // answered now); the inbox shows no acknowledgement deadline for the case.
    await later(t, { at: new Date(T0 + 30 * HOUR) }, responder);
    expect(await caseText(responder, report.id)).toContain(
      "Confirm the report 2026-12-06 06:00 UTC paused while waiting for the reporter (2 d left)",
    );
    expect(await inboxText(responder)).not.toMatch(/acknowledge (within|overdue)/);
    expect(await inboxText(responder)).toContain(
      "Confirm the report: paused while waiting for the reporter (2 d left)",
    );

    // Unpaused, the warning was due at 54 h and the breach at 72 h: both fall in the wait.
    await at(54 * HOUR);
    await at(72 * HOUR);
    await at(79 * HOUR);
    expect(subjects()).toEqual([`[Pausa] New report (${ref})`]);

    await later(t, { at: new Date(T0 + 80 * HOUR) }, responder);
    const back = await postCaseForm(responder, report.id, "transition", { to: "triaged" });
    expect(back.headers.location).toMatch(/notice=moved/);
    await at(80 * HOUR);
    // 62 h of the promise were left when the wait began: due at 142 h (2026-12-08 08:00 UTC).
    expect(await inboxText(responder)).toContain("acknowledge within 2 d");
    expect(await caseText(responder, report.id)).toMatch(
      /Confirm the report .*2026-12-08 08:00 UTC due in 2 d/,
    );

    await at(124 * HOUR - MINUTE);
    expect(subjects()).toHaveLength(1);
    await at(124 * HOUR);
    expect(subjects()).toEqual([
      `[Pausa] New report (${ref})`,
      `[Pausa] Confirm the report: due in 18 h (${ref})`,
    ]);
    expect(sink.to(LEAD)[1]!.text).toContain("Due: 2026-12-08 08:00 UTC (due in 18 h)");
    await at(142 * HOUR - MINUTE);
    expect(subjects()).toHaveLength(2);
    await at(142 * HOUR);
    expect(subjects().at(-1)).toBe(`[Pausa] Confirm the report: overdue (breach) (${ref})`);
  });
});
