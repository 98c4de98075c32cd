import { beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import { startMailListener } from "../support/mail.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Rocket.Chat's incident register (`incident.register`), kept through the case page's forms: the
 * default assignee at intake, the due date to leave triage (and its clock, which reaches the CTO
 * after the assignee), the resolution checklist before `fixed`, the classification to close as
 * resolved. The policy is the example's, with example.org addresses for the lead and the CTO.
 */
const POLICIES = "test/fixtures/policies/register";
const T0 = new Date("2026-12-07T10:00:00Z"); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The triage form as the page sends it: every field, every time. */
const triage = (fields: Record<string, string>) => ({
  priority: "",
  "due-date": "",
  severity: "",
  cwe: "",
  asset: "",
  ...fields,
});

describe.each(databases)("Rocket.Chat's incident register on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let markus: CreatedStaff;
  useJobsHarness(
    database.open,
    (parts) => {
      ({ t, sink, jobs } = parts);
    },
    { policies: POLICIES },
  );
  beforeEach(async () => {
    t.clock.set(T0);
    markus = await createStaff(t, { email: "markus@example.org", role: "responder", program: "rocketchat" });
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const userId = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;
  const move = (id: string, fields: Record<string, string>) => postCaseForm(markus, id, "transition", fields);

  it("assigns new cases to the register's default assignee, a member with the contact's address", async () => {
    const report = await fileReport(t, "rocketchat");
    const found = await stored(report.id);
    expect(found.assignee).toBe(await userId("markus@example.org"));
    const assigned = found.events.find((event) => event.type === "case.assigned");
    expect(assigned).toMatchObject({ actor: "system", payload: { from: null, to: found.assignee } });
    // A viewer with the address would not be matched: only members who may work cases are.
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("markus@example.org");
  });

  it("assigns a report that came by mail to the default assignee too", async () => {
    const listener = await startMailListener(t);
    try {
      const raw = Buffer.from(
        [
          "From: Ada <ada@example.org>",
          "To: security@rocketchat.example",
          "Subject: Messages leak between rooms",
          "Message-ID: <leak-1@example.org>",
          "Content-Type: text/plain; charset=utf-8",
          "",
          "Moving a thread leaks its messages.",
          "",
        ].join("\r\n"),
      );
      expect(
        await listener.send(raw, { from: "ada@example.org", to: ["security@rocketchat.example"] }),
      ).toMatch(/^250 /);
    } finally {
      await listener.close();
    }
    const row = await t.store.db
      .selectFrom("cases")
      .select(["id", "source", "assignee"])
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: "email", assignee: await userId("markus@example.org") });
  });

  it("leaves the case unassigned when the default assignee has no account that may work cases", async () => {
    await t.store.db.deleteFrom("memberships").execute();
    await createStaff(t, { email: "markus-viewer@example.org", role: "viewer", program: "rocketchat" });
    const report = await fileReport(t, "rocketchat");
    expect((await stored(report.id)).assignee).toBeNull();
  });

  it("refuses to leave triage without a due date, to fix with the checklist open, to close unclassified", async () => {
    const report = await fileReport(t, "rocketchat");
    expect((await move(report.id, { to: "triaged" })).statusCode).toBe(303);

    const noDueDate = await move(report.id, { to: "in-progress" });
    expect(noDueDate.statusCode).toBe(409);
    expect(textOf(noDueDate.body)).toContain("This program requires a due date before a case leaves triage");
    expect((await stored(report.id)).state).toBe("triaged");
    // Closing stays possible: triage may find that no incident exists.
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Due date: required before the case leaves triage; not set yet.");

    const dated = await postCaseForm(markus, report.id, "triage", triage({ "due-date": "2026-12-09" }));
    expect(dated.statusCode).toBe(303);
    expect((await move(report.id, { to: "in-progress" })).statusCode).toBe(303);

    const unchecked = await move(report.id, { to: "fixed" });
    expect(unchecked.statusCode).toBe(409);
    expect(textOf(unchecked.body)).toContain(
      "Before a case is fixed, this program requires: implementation; testing; reaching out to other parties necessary",
    );
    for (const key of ["implementation", "testing"]) {
      const checked = await postCaseForm(markus, report.id, "checklist", {
        list: "resolution",
        key,
        done: "yes",
        note: key === "testing" ? "regression test in PR 123" : "",
      });
      expect(checked.headers.location).toBe(`/cases/${report.id}?notice=checklist`);
    }
    const stillOne = await move(report.id, { to: "fixed" });
    expect(stillOne.statusCode).toBe(409);
    expect(textOf(stillOne.body)).toContain("this program requires: reaching out to other parties");
    expect(textOf(stillOne.body)).not.toContain("implementation;");

    const checklistPage = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(checklistPage).toContain(
      "testing done (markus@example.org, 2026-12-07): regression test in PR 123",
    );
    const key = /name="key" value="(reaching-out[^"]+)"/.exec(
      (await markus.browser.get(`/cases/${report.id}`)).body,
    )?.[1];
    expect(key).toBeDefined();
    await postCaseForm(markus, report.id, "checklist", { list: "resolution", key: key ?? "", done: "yes" });
    // The agreement the register also requires is asked for on the way to fixed.
    expect((await move(report.id, { to: "fixed" })).statusCode).toBe(303);

    const unclassified = await move(report.id, { to: "closed", outcome: "resolved" });
    expect(unclassified.statusCode).toBe(409);
    expect(textOf(unclassified.body)).toContain(
      "Closing a case as resolved requires its classification; missing: priority, severity, CWE",
    );
    const partly = await postCaseForm(
      markus,
      report.id,
      "triage",
      triage({ "due-date": "2026-12-09", priority: "high", severity: "high" }),
    );
    expect(partly.statusCode).toBe(303);
    expect(textOf((await move(report.id, { to: "closed", outcome: "resolved" })).body)).toContain(
      "missing: CWE",
    );
    await postCaseForm(
      markus,
      report.id,
      "triage",
      triage({ "due-date": "2026-12-09", priority: "high", severity: "high", cwe: "CWE-79" }),
    );
    // The agreement the register requires (test/workspace/agreement-gate.test.ts), given by phone.
    const agreed = await postCaseForm(markus, report.id, "agreement", {
      "agreement-note": "The reporter confirmed the fix on a call.",
    });
    expect(agreed.statusCode).toBe(303);
    expect((await move(report.id, { to: "closed", outcome: "resolved" })).statusCode).toBe(303);
    const closed = await stored(report.id);
    expect(closed).toMatchObject({ state: "closed", outcome: "resolved" });
    const marks = closed.events.filter((event) => event.type === "case.checklist_marked");
    expect(marks).toHaveLength(3);
    expect(marks.every((event) => !event.reporterVisible)).toBe(true);
  });

  it("closes as no incident without a due date or a classification", async () => {
    const report = await fileReport(t, "rocketchat");
    await move(report.id, { to: "triaged" });
    const closed = await move(report.id, { to: "closed", outcome: "no-incident" });
    expect(closed.statusCode).toBe(303);
    expect((await stored(report.id)).state).toBe("closed");
  });

  it("completes a phase only once its tasks are checked", async () => {
    const report = await fileReport(t, "rocketchat");
    const phase = (id: string, action: string) =>
      postCaseForm(markus, report.id, "incident-phase", { phase: id, action });
    for (const id of ["log", "assign", "triage", "escalate", "resolve", "close"]) {
      expect((await phase(id, "start")).statusCode).toBe(303);
    }
    const open = await phase("close", "complete");
    expect(open.statusCode).toBe(409);
    expect(textOf(open.body)).toContain(
      'Close cannot be completed yet: check "Check that the classification details are accurate"',
    );
    const checked = await postCaseForm(markus, report.id, "checklist", {
      list: "phase:close",
      key: "check-that-the-classification-details-are-accurate",
      done: "yes",
    });
    expect(checked.statusCode).toBe(303);
    expect((await phase("close", "complete")).statusCode).toBe(303);
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Close (completed)");
    expect(page).toContain("Check that the classification details are accurate done (markus@example.org");
  });

  it("refuses a checklist item the policy does not have, and writes nothing", async () => {
    const report = await fileReport(t, "rocketchat");
    const before = (await stored(report.id)).events.length;
    const attempts: Record<string, string>[] = [
      { list: "resolution", key: "deploy-on-friday", done: "yes" },
      { list: "phase:log", key: "implementation", done: "yes" },
      { list: "../../etc", key: "implementation", done: "yes" },
      { list: "resolution", key: "testing", done: "yes", note: "x".repeat(2_001) },
    ];
    for (const fields of attempts) {
      const refused = await postCaseForm(markus, report.id, "checklist", fields);
      expect(refused.statusCode).toBe(400);
      expect(refused.body.match(/<p class="error" role="alert">/g)).toHaveLength(1);
    }
    expect((await stored(report.id)).events).toHaveLength(before);
  });

  it("runs the due date as a clock: warns and tells the assignee, then escalates to the CTO", async () => {
    const report = await fileReport(t, "rocketchat");
    await move(report.id, { to: "triaged" });
    // Due at the end of Wednesday 9 December in the program's time zone (UTC).
    await postCaseForm(markus, report.id, "triage", triage({ "due-date": "2026-12-09" }));
    await jobs.drain();
    const due = (await stored(report.id)).triage.dueAt;
    expect(due?.toISOString()).toBe("2026-12-09T23:59:59.000Z");
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Due date");

    const toMarkus = () => sink.to("markus@example.org").filter((mail) => /Due date/.test(mail.text));
    const toCto = () => sink.to("cto@example.org");
    // 75% of the time from triage to the due date (Wednesday 9:00): the assignee is warned.
    t.clock.set(new Date(T0.getTime() + 1.9 * DAY));
    await jobs.drain();
    expect(toMarkus()).toHaveLength(0);
    t.clock.set(new Date(T0.getTime() + 2 * DAY));
    await jobs.drain();
    expect(toMarkus()).toHaveLength(1);
    expect(toCto()).toHaveLength(0);
    // The due date passes: the assignee is told.
    t.clock.set(new Date(due!.getTime() + HOUR));
    await jobs.drain();
    expect(toMarkus()).toHaveLength(2);
    expect(toCto()).toHaveLength(0);
    // A business day later, still open: the emergency contact (the CTO) hears of it.
    t.clock.set(new Date(due!.getTime() + 1.5 * DAY));
    await jobs.drain();
    expect(toCto()).toHaveLength(1);
    expect(toCto()[0]!.text).not.toContain("Stored XSS");
    expect(toMarkus()).toHaveLength(3);
    // Once is enough: nothing more on the next tick.
    t.clock.set(new Date(due!.getTime() + 5 * DAY));
    await jobs.drain();
    expect(toCto()).toHaveLength(1);
  });

  it("owes nothing on the due date of a case fixed or closed in time", async () => {
    const report = await fileReport(t, "rocketchat");
    await move(report.id, { to: "triaged" });
    await postCaseForm(markus, report.id, "triage", triage({ "due-date": "2026-12-09" }));
    await move(report.id, { to: "closed", outcome: "no-incident" });
    await later(t, { at: new Date("2026-12-20T10:00:00Z") }, markus);
    await jobs.drain();
    expect(sink.mails.filter((mail) => /Due date/.test(mail.text))).toHaveLength(0);
  });
});
