import { beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { databases } from "../support/databases.js";
import { jobsFor, useJobsHarness } from "../support/jobs.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, postCaseForm } from "../support/workspace.js";

/**
 * A policy's `retention`, kept by the job runner: Keep's closed cases lose the reporter's contact
 * details after 30 days, their files after 60 and everything they say after 90, each recorded on
 * the case, with the audit chain still verifying. Through HTTP and the runner, on a fake clock.
 */
const POLICIES = "test/fixtures/policies/retention";
const T0 = new Date("2026-12-07T10:00:00Z");
const DAY = 86_400_000;
const SECRET = "wombatcipher leaks the session key";

describe.each(databases)("the policy's retention, kept by the job runner on $name", (database) => {
  let t: TestApp;
  let jobs: JobRunner;
  let lead: CreatedStaff;
  useJobsHarness(
    database.open,
    (parts) => {
      ({ t, jobs } = parts);
    },
    { policies: POLICIES },
  );
  beforeEach(async () => {
    t.clock.set(T0);
    lead = await createStaff(t, { email: "lead@keep.example", role: "responder", program: "keep" });
  });

  const erasures = async (id: string) =>
    (await t.store.db
      .selectFrom("cases")
      .select(["contact_erased_at", "files_erased_at", "erased_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow()) as Record<string, string | null>;
  const at = (days: number) => new Date(T0.getTime() + days * DAY).toISOString();
  let visits = 0;
  /** The case page, seen by a member signed in now (a session from weeks ago has expired). */
  const casePage = async (id: string) => {
    visits += 1;
    const viewer = await createStaff(t, {
      email: `viewer${visits}@keep.example`,
      role: "viewer",
      program: "keep",
    });
    const page = await viewer.browser.get(`/cases/${id}`);
    expect(page.statusCode).toBe(200);
    return page.body;
  };

  it("erases the contact details, then the files, then the content of a closed case, each on its day", async () => {
    // Reporters are told on the policy page before they send anything.
    const policyPage = await t.app.inject({ method: "GET", url: "/p/keep" });
    expect(policyPage.body).toContain("Your contact details are erased 30 days after your report is closed.");
    expect(policyPage.body).toContain(">Data retention</h2>");
    const open = await fileReport(t, "keep", { title: "Open case", fields: { description: "Still open" } });
    const filed = await fileReport(t, "keep", { title: SECRET, fields: { description: SECRET } });
    const closed = await postCaseForm(lead, filed.id, "transition", { to: "closed", outcome: "informative" });
    expect(closed.statusCode).toBe(303);

    const erasedAfter = async (days: number) => {
      t.clock.set(new Date(T0.getTime() + days * DAY));
      await jobs.drain();
      return erasures(filed.id);
    };
    expect(await erasedAfter(29)).toEqual({
      contact_erased_at: null,
      files_erased_at: null,
      erased_at: null,
    });
    expect(await erasedAfter(30)).toEqual({
      contact_erased_at: at(30),
      files_erased_at: null,
      erased_at: null,
    });
    expect(await casePage(filed.id)).toContain(SECRET);
    expect(await erasedAfter(60)).toEqual({
      contact_erased_at: at(30),
      files_erased_at: at(60),
      erased_at: null,
    });
    expect(await erasedAfter(90)).toEqual({
      contact_erased_at: at(30),
      files_erased_at: at(60),
      erased_at: at(90),
    });

    const page = await casePage(filed.id);
    expect(page).not.toContain(SECRET);
    expect(page).toContain("Everything this case said was erased on");
    // The reporter's link still opens, and shows none of it; the case takes no more changes.
    const reporterPage = await t.app.inject({ method: "GET", url: `/r/${filed.token}` });
    expect(reporterPage.statusCode).toBe(200);
    expect(reporterPage.body).not.toContain(SECRET);
    const responder = await createStaff(t, {
      email: "late@keep.example",
      role: "responder",
      program: "keep",
    });
    expect((await postCaseForm(responder, filed.id, "reply", { reply: "Anything new?" })).statusCode).toBe(
      410,
    );
    expect(page).toContain("retention.caseAfterClose");
    // The open case is never touched, however long it waits.
    expect(await erasures(open.id)).toEqual({
      contact_erased_at: null,
      files_erased_at: null,
      erased_at: null,
    });
    expect(await casePage(open.id)).toContain("Still open");
    expect(await verifyAuditChains(t.store, t.keyring)).toMatchObject({ ok: true, cases: 2 });
    const events = await t.store.db
      .selectFrom("case_events")
      .select("type")
      .where("case_id", "=", filed.id)
      .where("type", "=", "case.erased")
      .execute();
    expect(events).toHaveLength(3);
  });

  it("erases each case once when two runners (instances) apply the retention at the same moment", async () => {
    const filed = await Promise.all(
      [1, 2, 3].map((n) => fileReport(t, "keep", { title: `Case ${n}`, fields: { description: SECRET } })),
    );
    for (const { id } of filed) {
      expect(
        (await postCaseForm(lead, id, "transition", { to: "closed", outcome: "informative" })).statusCode,
      ).toBe(303);
    }
    t.clock.set(new Date(T0.getTime() + 31 * DAY));
    const second = jobsFor(t, undefined);
    try {
      await Promise.all([jobs.drain(), second.drain()]);
    } finally {
      await second.stop();
    }
    const erasedEvents = await t.store.db
      .selectFrom("case_events")
      .select("case_id")
      .where("type", "=", "case.erased")
      .execute();
    expect(erasedEvents.map((event) => event.case_id).sort()).toEqual(filed.map(({ id }) => id).sort());
    expect(await verifyAuditChains(t.store, t.keyring)).toMatchObject({ ok: true, cases: 3 });
  });
});
