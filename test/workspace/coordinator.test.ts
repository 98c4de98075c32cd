import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * privacytools' coordinator (`incident.coordinator`: the assignee coordinates the fix, the
 * release and the announcement): the case page names them and keeps their duties as a checklist.
 */
describe.each(databases)("privacytools' coordinator on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    lead = await createStaff(t, { email: "lead@example.org", role: "responder", program: "privacytools" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("names the assignee as the coordinator and keeps their duties as a checklist", async () => {
    const report = await fileReport(t, "privacytools");
    const page = async () => textOf((await lead.browser.get(`/cases/${report.id}`)).body);
    expect(await page()).toContain("The assignee coordinates this case; nobody is assigned yet.");

    const form = await lead.browser.get(`/cases/${report.id}`);
    const self = /<option value="([a-z2-7]{16})"[^>]*>lead@example\.org/.exec(form.body)?.[1] ?? "";
    expect((await postCaseForm(lead, report.id, "assign", { assignee: self })).statusCode).toBe(303);
    expect(await page()).toContain("lead@example.org coordinates this case, as its assignee.");

    const checked = await postCaseForm(lead, report.id, "checklist", {
      list: "coordinator",
      key: "coordinate-the-fix",
      done: "yes",
      note: "PR 42",
    });
    expect(checked.headers.location).toBe(`/cases/${report.id}?notice=checklist`);
    const after = await page();
    expect(after).toContain("coordinate the fix done (lead@example.org");
    expect(after).toContain("release not done");

    const refused = await postCaseForm(lead, report.id, "checklist", {
      list: "coordinator",
      key: "deploy-on-friday",
      done: "yes",
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.match(/<p class="error" role="alert">/g)).toHaveLength(1);
  });

  it("has no coordinator where the policy names none (Kafe)", async () => {
    const report = await fileReport(t, "kafe");
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    const page = textOf((await admin.browser.get(`/cases/${report.id}`)).body);
    expect(page).not.toContain("Coordinator");
    const refused = await postCaseForm(admin, report.id, "checklist", {
      list: "coordinator",
      key: "coordinate-the-fix",
      done: "yes",
    });
    expect(refused.statusCode).toBe(400);
  });
});
