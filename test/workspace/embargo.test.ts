import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kafe: "keep information about any vulnerabilities you've discovered confidential … until we've
 * had 60 days to resolve the issue". The case page shows when the embargo ends; it does not miss,
 * it ends, and then the reporter may disclose.
 */
const T0 = Date.parse("2026-12-02T10:00:00Z");
const DAY = 86_400_000;

describe.each(databases)("Kafe's 60-day embargo on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(new Date(T0));
  });
  afterEach(async () => {
    await t.close();
  });

  it("shows when the embargo ends beside the clocks, and that the reporter may disclose after it", async () => {
    const report = await fileReport(t, "kafe");
    const admin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
    const token = await createApiToken(admin, "kafe", "viewer");

    await later(t, { at: new Date(T0 + 10 * DAY) }, admin);
    const running = textOf((await admin.browser.get(`/cases/${report.id}`)).body);
    expect(running).toContain(
      "Embargo ends Keep information about any vulnerabilities you've discovered confidential between yourself and Kafe developers until we've had 60 days to resolve the issue. 2027-01-31 10:00 UTC ends in 50 d: until then the reporter keeps the issue confidential",
    );
    // Kafe has no disclosure phases; the fix release can still be recorded.
    expect(running).not.toContain("Disclosure phases");
    expect(running).toContain("Record the fix release");
    // A release in the future is refused beside its field; nothing is written.
    const future = await postCaseForm(admin, report.id, "fix-release", { "released-at": "2099-01-01T00:00" });
    expect(future.statusCode).toBe(400);
    expect(textOf(future.body)).toContain("A fix release cannot be in the future.");
    expect(future.body).toContain('aria-describedby="released-at-help released-at-error"');

    await later(t, { at: new Date(T0 + 63 * DAY) }, admin);
    const ended = textOf((await admin.browser.get(`/cases/${report.id}`)).body);
    expect(ended).toContain("2027-01-31 10:00 UTC ended 3 d ago: the reporter may disclose");

    const detail = await t.app.inject({
      method: "GET",
      url: `/api/v1/cases/${report.id}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(detail.json()).toMatchObject({
      embargo: { endsAt: "2027-01-31T10:00:00.000Z", state: "ended" },
      disclosurePhases: [],
      fixReleasedAt: null,
    });
  });
});
