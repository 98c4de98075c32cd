import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * `incident.keepReporterInformed`: what the reporter hears by mail. Kitsu promises to keep them
 * informed: every step is mailed. Kafe does not: only what asks something of them, answers them
 * or closes the case. The case page shows every step to both.
 */
describe.each(databases)("what the reporter hears by mail on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  async function steps(program: "kitsu" | "kafe", reporter: string) {
    const report = await fileReport(t, program, { contact: { email: reporter } });
    const lead = await createStaff(t, { email: `lead-${program}@example.org`, role: "responder", program });
    await jobs.drain();
    const mails = () => sink.to(reporter).map((mail) => mail.text);
    const move = async (to: string, outcome?: string) => {
      const moved = await postCaseForm(
        lead,
        report.id,
        "transition",
        outcome === undefined ? { to } : { to, outcome },
      );
      expect(moved.statusCode).toBe(303);
      await jobs.drain();
    };
    return { report, mails, move };
  }

  it("mails every step to a reporter the policy promises to keep informed (Kitsu)", async () => {
    const { report, mails, move } = await steps("kitsu", "ada@example.org");
    const before = mails().length;
    await move("triaged");
    expect(mails()).toHaveLength(before + 1);
    expect(mails().at(-1)).toContain("Your report is now triaged.");
    await move("in-progress");
    expect(mails()).toHaveLength(before + 2);
    const page = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(page).toContain("The team is working on a fix.");
  });

  it("mails only what asks something of the reporter or closes the case otherwise (Kafe)", async () => {
    const { report, mails, move } = await steps("kafe", "bob@example.org");
    const before = mails().length;
    await move("triaged");
    await move("in-progress");
    expect(mails()).toHaveLength(before);
    // Their page still shows each step.
    const page = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(page).toContain("Your report has been triaged.");
    expect(page).toContain("The team is working on a fix.");
    await move("needs-info");
    expect(mails()).toHaveLength(before + 1);
    expect(mails().at(-1)).toContain("Your report is now needs-info.");
    await move("closed", "informative");
    expect(mails()).toHaveLength(before + 2);
  });
});
