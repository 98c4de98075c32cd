import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAuditChains } from "../../src/store/audit.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

describe.each(databases)("incident phases on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  it("records Kitsu's steps in order, tells the reporter, and refuses what the policy does not allow", async () => {
    const report = await fileReport(t, "kitsu");
    const responder = await createStaff(t, {
      email: "responder@example.org",
      role: "responder",
      program: "kitsu",
    });

    const page = await responder.browser.get(`/cases/${report.id}`);
    expect(page.statusCode).toBe(200);
    const before = textOf(page.body);
    expect(before).toContain("Incident response");
    expect(before).toContain("Assessment (not started)");
    expect(page.body).toContain(`action="/cases/${report.id}/incident-phase"`);

    const steps: [string, string][] = [
      ["assessment", "start"],
      ["containment", "skip"],
      ["remediation", "start"],
    ];
    for (const [phase, action] of steps) {
      const done = await postCaseForm(responder, report.id, "incident-phase", { phase, action });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe(`/cases/${report.id}?notice=phase`);
    }

    // Remediation may not be skipped; assessment may not start twice.
    const notSkippable = await postCaseForm(responder, report.id, "incident-phase", {
      phase: "remediation",
      action: "skip",
    });
    expect(notSkippable.statusCode).toBe(409);
    expect(textOf(notSkippable.body)).toContain("Remediation is already started");
    const postmortemSkip = await postCaseForm(responder, report.id, "incident-phase", {
      phase: "postmortem",
      action: "skip",
    });
    expect(postmortemSkip.statusCode).toBe(409);
    expect(textOf(postmortemSkip.body)).toContain("Postmortem may not be skipped.");
    const twice = await postCaseForm(responder, report.id, "incident-phase", {
      phase: "assessment",
      action: "start",
    });
    expect(twice.statusCode).toBe(409);
    const unknown = await postCaseForm(responder, report.id, "incident-phase", {
      phase: "nope",
      action: "start",
    });
    expect(unknown.statusCode).toBe(400);
    const badAction = await postCaseForm(responder, report.id, "incident-phase", {
      phase: "postmortem",
      action: "explode",
    });
    expect(badAction.statusCode).toBe(400);

    const after = textOf((await responder.browser.get(`/cases/${report.id}`)).body);
    expect(after).toContain("Assessment (in progress)");
    expect(after).toContain("Containment (skipped)");
    expect(after).toContain("Remediation (in progress)");
    expect(after).toContain("Postmortem (not started)");

    const reporter = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    const told = textOf(reporter.body);
    expect(told).toContain("We started: Assessment — Find the root cause, nature and scope of the issue.");
    expect(told).toContain("We skipped Containment and went on to Remediation.");
    expect(told).toContain(
      "We started: Remediation — The long-term fix, which may involve larger changes than containment.",
    );
    expect(told).toContain("Incident response update");

    // One hash-chained event per step, and the refusals wrote nothing.
    const found = await getCaseForStaff(t.store, t.keyring, report.id);
    const phaseEvents = found?.events.filter((event) => event.type.startsWith("incident.")) ?? [];
    expect(phaseEvents.map((event) => [event.type, event.reporterVisible])).toEqual([
      ["incident.phase_shared", true],
      ["incident.phase_shared", true],
      ["incident.phase_shared", true],
    ]);
    expect((await verifyAuditChains(t.store, t.keyring)).ok).toBe(true);
  });

  it("forbids a viewer (403), and shows them no buttons", async () => {
    const report = await fileReport(t, "kitsu");
    const viewer = await createStaff(t, { email: "viewer@example.org", role: "viewer", program: "kitsu" });
    const page = await viewer.browser.get(`/cases/${report.id}`);
    expect(textOf(page.body)).toContain("Assessment (not started)");
    expect(page.body).not.toContain(`action="/cases/${report.id}/incident-phase"`);
    const refused = await viewer.browser.post(`/cases/${report.id}/incident-phase`, {
      phase: "assessment",
      action: "start",
    });
    expect(refused.statusCode).toBe(403);
  });
});

describe.each(databases)("first-reporter credit on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  it("names the case that keeps the credit when a Kafe case is closed as a duplicate", async () => {
    const original = await fileReport(t, "kafe", { title: "Admin page open to all" });
    await later(t, { hours: 1 });
    const dup = await fileReport(t, "kafe", { title: "Admin page open to everyone" });
    const responder = await createStaff(t, {
      email: "responder@example.org",
      role: "responder",
      program: "kafe",
    });
    const before = textOf((await responder.browser.get(`/cases/${dup.id}`)).body);
    expect(before).not.toContain("Only the first reporter is credited");

    const closed = await postCaseForm(responder, dup.id, "transition", {
      to: "closed",
      outcome: "duplicate",
      "duplicate-of": original.id,
    });
    expect(closed.statusCode).toBe(303);
    const page = await responder.browser.get(`/cases/${dup.id}`);
    expect(textOf(page.body)).toContain(
      `Only the first reporter is credited: the original, ${original.id} , received first, keeps the credit.`,
    );
    // The original itself is not a duplicate: nothing to say there.
    const originalPage = textOf((await responder.browser.get(`/cases/${original.id}`)).body);
    expect(originalPage).not.toContain("Only the first reporter is credited");
  });

  it("says nothing about it under a policy that credits every reporter", async () => {
    const original = await fileReport(t, "kitsu");
    const dup = await fileReport(t, "kitsu");
    const responder = await createStaff(t, {
      email: "responder@example.org",
      role: "responder",
      program: "kitsu",
    });
    await postCaseForm(responder, dup.id, "transition", {
      to: "closed",
      outcome: "duplicate",
      "duplicate-of": original.id,
    });
    const page = textOf((await responder.browser.get(`/cases/${dup.id}`)).body);
    expect(page).toContain("Duplicate");
    expect(page).not.toContain("Only the first reporter is credited");
  });

  it("takes the same steps through the staff API with a bearer token", async () => {
    const report = await fileReport(t, "kitsu");
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    const token = await createApiToken(admin, "kitsu", "responder");
    const step = (body: object) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/cases/${report.id}/incident-phases`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    expect((await step({ phase: "assessment", action: "start" })).statusCode).toBe(200);
    expect((await step({ phase: "containment", action: "skip" })).statusCode).toBe(200);
    const refused = await step({ phase: "postmortem", action: "skip" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: "phase_not_allowed" });
    expect((await step({ phase: "assessment", action: "dance" })).statusCode).toBe(400);
    const reporterPage = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(textOf(reporterPage.body)).toContain("We skipped Containment and went on to Remediation.");
  });
});
