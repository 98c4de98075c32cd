import { afterEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Without EMBARGO_SMTP_URL nothing can be mailed (issue 15: "Mail fails silently"): every staff
 * page tells a program's administrators so, with a link to the deliveries that wait, and no page
 * claims a reply was sent when its mail was only queued. With a relay configured the banner goes.
 */
const BANNER = "Mail is not configured (EMBARGO_SMTP_URL is not set)";

describe.each(databases)("mail not configured on $name", (database) => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it("shows administrators a banner on every staff page and says a reply is only queued", async () => {
    t = await startTestApp(database.open);
    const admin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
    const responder = await createStaff(t, { email: "dev@kafe.example", role: "responder", program: "kafe" });
    const report = await fileReport(t, "kafe", {
      fields: { "location-impact": "The admin page.", steps: "Open it." },
    });
    for (const url of [
      "/inbox",
      `/cases/${report.id}`,
      "/dashboard",
      "/mail/queue",
      "/account",
      "/admin/deliveries",
    ]) {
      const page = await admin.browser.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(textOf(page.body), url).toContain(BANNER);
      expect(page.body, url).toContain('<a href="/admin/deliveries">Deliveries</a>');
    }
    // A responder cannot change the configuration: no banner, no link to a page they may not open.
    const inbox = await responder.browser.get("/inbox");
    expect(textOf(inbox.body)).not.toContain(BANNER);
    expect(inbox.body).not.toContain('href="/admin/deliveries"');

    const replied = await postCaseForm(responder, report.id, "reply", { reply: "Thanks, we are on it." });
    expect(replied.statusCode).toBe(303);
    expect(replied.headers.location).toBe(`/cases/${report.id}?notice=replied-unsent`);
    const casePage = textOf((await responder.browser.get(String(replied.headers.location))).body);
    expect(casePage).toContain("Mail is not configured, so no mail tells them: it waits in the queue");
    expect(casePage).not.toMatch(/was sent to the reporter/);
  });

  it("shows no banner once a relay is configured, and the reply is queued, not sent", async () => {
    t = await startTestApp(database.open, { smtpUrl: "smtp://127.0.0.1:2525" });
    const admin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
    const report = await fileReport(t, "kafe", {
      fields: { "location-impact": "The admin page.", steps: "Open it." },
    });
    const inbox = await admin.browser.get("/inbox");
    expect(textOf(inbox.body)).not.toContain(BANNER);
    expect(inbox.body).toContain('<a href="/admin/deliveries">Deliveries</a>');
    const replied = await postCaseForm(admin, report.id, "reply", { reply: "Thanks, we are on it." });
    expect(replied.headers.location).toBe(`/cases/${report.id}?notice=replied`);
    const casePage = textOf((await admin.browser.get(String(replied.headers.location))).body);
    expect(casePage).toContain("A mail telling them is queued.");
  });
});
