import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson } from "../support/staff.js";
import { multipart, openForm, PUBLIC_URL, startTestApp, type TestApp, tokenFrom } from "../support/web.js";
import { fileReport, textOf } from "../support/workspace.js";

const CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N";
const CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N";

/** The reporter's own pages: the receipt after sending, and the severity the team assigned. */
describe.each(databases)("the reporter's pages on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeAll(async () => {
    t = await startTestApp(database.open);
    lead = await createStaff(t, { email: "lead@kafe.example", role: "responder", program: "kafe" });
  });
  afterAll(async () => {
    await t.close();
  });

  const ok = async (response: Promise<{ statusCode: number; body: string }>) => {
    const done = await response;
    expect(done.statusCode, done.body).toBe(200);
  };
  const reporterPage = async (token: string) => {
    const page = await t.app.inject({ method: "GET", url: `/r/${token}` });
    expect(page.statusCode).toBe(200);
    return { html: page.body, text: textOf(page.body) };
  };

  it("words the receipt honestly: the link is the only way back, it is not mailed, and a reload shows it again", async () => {
    const form = await openForm(t.app, "/p/kafe/report");
    const body = await multipart({
      _csrf: form.csrf,
      title: "Heap overflow in the deploy task parser",
      "fields.location-impact": "src/parser.c:120",
      "fields.steps": "Run kafe deploy.",
      "credit.mode": "anonymous",
      "contact.email": "ada@example.net",
    });
    const sent = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(sent.statusCode).toBe(303);
    const location = String(sent.headers.location);
    const token = tokenFrom(location);
    // The receipt's own address holds the link: a reload shows it again, so the page never says otherwise.
    for (const view of ["first view", "reload"]) {
      const receipt = await t.app.inject({ method: "GET", url: location });
      expect(receipt.statusCode, view).toBe(200);
      expect(receipt.headers["cache-control"]).toBe("no-store");
      const text = textOf(receipt.body);
      expect(receipt.body).toContain(`href="${PUBLIC_URL}/r/${token}"`);
      expect(text).toContain("it is the only way back to your report");
      expect(text).toContain("We do not send it by email");
      expect(text).not.toMatch(/cannot show it again/i);
    }
    const unknown = await t.app.inject({ method: "GET", url: `/r/${"A".repeat(43)}/receipt` });
    expect(unknown.statusCode).toBe(404);
    const malformed = await t.app.inject({ method: "GET", url: "/r/not-a-token/receipt" });
    expect(malformed.statusCode).toBe(404);
  });

  it("shows the reporter the severity and CVSS scores the team assigned once the case is triaged, and not before", async () => {
    const report = await fileReport(t, "kafe");
    const before = await reporterPage(report.token);
    expect(before.html).toContain('<dl class="facts reporter-facts">');
    expect(before.text).not.toContain("Severity");

    // Scored while still new: a first look, not yet shown.
    await ok(
      staffJson(t, lead, "PATCH", `/api/v1/cases/${report.id}/triage`, {
        cvss: [CVSS31, CVSS40],
        priority: "high",
        cwe: "CWE-787",
      }),
    );
    expect((await reporterPage(report.token)).text).not.toContain("Severity");

    await ok(staffJson(t, lead, "POST", `/api/v1/cases/${report.id}/transitions`, { to: "triaged" }));
    const case_ = await staffJson(t, lead, "GET", `/api/v1/cases/${report.id}`);
    const triage = (
      case_.json() as { triage: { severity: string; cvss31: { score: number }; cvss40: { score: number } } }
    ).triage;
    const after = await reporterPage(report.token);
    const severityName = triage.severity.charAt(0).toUpperCase() + triage.severity.slice(1);
    expect(after.text).toContain(`Severity ${severityName}`);
    expect(after.text).toContain(`CVSS 3.1 ${triage.cvss31.score.toFixed(1)} ${CVSS31}`);
    expect(after.text).toContain(`CVSS 4.0 ${triage.cvss40.score.toFixed(1)} ${CVSS40}`);
    // The team's own working fields stay the team's.
    expect(after.text).not.toContain("CWE-787");
    expect(after.text).not.toMatch(/Priority/i);

    // Still shown once the case moves on, and follows a later change of the score.
    await ok(
      staffJson(t, lead, "PATCH", `/api/v1/cases/${report.id}/triage`, { cvss: null, severity: "low" }),
    );
    await ok(staffJson(t, lead, "POST", `/api/v1/cases/${report.id}/transitions`, { to: "in-progress" }));
    const later = await reporterPage(report.token);
    expect(later.text).toContain("Severity Low");
    expect(later.text).not.toContain("CVSS 3.1");
  });
});
