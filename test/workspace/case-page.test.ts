import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scoreCvss } from "../../src/domain/cvss/index.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import {
  fileReport,
  later,
  postCaseForm,
  postCaseFormEntries,
  postCaseMultipart,
  textOf,
} from "../support/workspace.js";

const PUBLIC_KEY = readFileSync("test/fixtures/keys/test-public.asc", "utf8");

describe.each(databases)("the case page on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };

  it("shows what the reporter sent, their contact and key fingerprint, with no forms for a viewer", async () => {
    const report = await fileReport(t, "privacytools", {
      title: "Stored XSS in the <b>profile</b> page",
      asset: "mastodon",
      fields: { description: "The bio renders <img src=x onerror=alert(1)>.", reproduction: "Set the bio." },
      contact: { email: "ada@example.org", openpgpKey: PUBLIC_KEY },
    });
    const viewer = await createStaff(t, {
      email: "viewer@example.org",
      role: "viewer",
      program: "privacytools",
    });
    const page = await viewer.browser.get(`/cases/${report.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    // Escaped, never markup.
    expect(page.body).toContain("Stored XSS in the &lt;b>profile&lt;/b> page");
    expect(page.body).toContain("The bio renders &lt;img src=x onerror=alert(1)>.");
    const text = textOf(page.body);
    expect(text).toContain("Steps to reproduce Set the bio.");
    expect(text).toContain("ada@example.org");
    expect(text).toMatch(/OpenPGP key [0-9A-F]{40}/);
    expect(text).toContain("Asset Mastodon");
    // The acknowledgement promise (48 h) is on the page.
    expect(text).toMatch(
      /Acknowledge the report The administrative team will acknowledge[^.]*\. 2026-11-27 10:00 UTC due in 2 d/,
    );

    // A viewer gets no action forms, and a POST is forbidden.
    for (const action of ["acknowledge", "reply", "note", "assign", "follow", "triage", "transition"])
      expect(page.body).not.toContain(`action="/cases/${report.id}/${action}"`);
    const refused = await viewer.browser.post(`/cases/${report.id}/acknowledge`, {});
    expect(refused.statusCode).toBe(403);
    expect(textOf(refused.body)).toContain("lets you read its cases, not work on them");
  });

  it("answers 404, not 403, to a member of another program, and for unknown cases", async () => {
    const report = await fileReport(t, "privacytools");
    const other = await createStaff(t, { email: "kitsu@example.org", role: "responder", program: "kitsu" });
    const page = await other.browser.get(`/cases/${report.id}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain("Stored XSS");
    // The CSRF token of some other page of theirs; the case stays unknown to them.
    await other.browser.get("/inbox");
    for (const action of ["acknowledge", "transition", "reply"]) {
      const post = await other.browser.post(`/cases/${report.id}/${action}`, { to: "triaged", reply: "hi" });
      expect(post.statusCode).toBe(404);
    }
    expect((await other.browser.get("/cases/aaaaaaaaaaaaaaaa")).statusCode).toBe(404);
    expect((await other.browser.get("/cases/not-an-id")).statusCode).toBe(404);
    const file = await other.browser.get(`/cases/${report.id}/attachments/aaaaaaaaaaaaaaaa`);
    expect(file.statusCode).toBe(404);
  });

  it("sends replies to the reporter's page and keeps internal notes and their files off it", async () => {
    const report = await fileReport(t, "privacytools");
    const responder = await createStaff(t, {
      email: "responder@example.org",
      role: "responder",
      program: "privacytools",
    });
    const replied = await postCaseMultipart(
      responder,
      report.id,
      "reply",
      { reply: "Thank you, we can reproduce it.", "detailed-response": "yes" },
      [
        {
          name: "attachments",
          filename: "patch.diff",
          type: "text/plain",
          data: Buffer.from("--- a\n+++ b\n"),
        },
      ],
    );
    expect(replied.statusCode).toBe(303);
    expect(replied.headers.location).toBe(`/cases/${report.id}?notice=replied-unsent`);
    const noted = await postCaseMultipart(
      responder,
      report.id,
      "note",
      { note: "Internal: this is the payments cluster, keep it quiet." },
      [
        {
          name: "attachments",
          filename: "internal-log.txt",
          type: "text/plain",
          data: Buffer.from("secret log"),
        },
      ],
    );
    expect(noted.statusCode).toBe(303);

    const staffPage = await responder.browser.get(`/cases/${report.id}?notice=noted`);
    expect(staffPage.body).toContain('role="status"');
    expect(textOf(staffPage.body)).toContain("Internal note added. The reporter does not see it.");
    expect(staffPage.body).toContain("Internal: this is the payments cluster");
    expect(staffPage.body).toMatch(/class="internal"[\s\S]*Internal note[\s\S]*>Internal</);
    expect(staffPage.body).toContain("internal-log.txt");

    const reporter = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(reporter.statusCode).toBe(200);
    const reporterText = textOf(reporter.body);
    expect(reporterText).toContain("The team wrote");
    expect(reporterText).toContain("Thank you, we can reproduce it.");
    expect(reporterText).toContain("The team acknowledged your report");
    expect(reporter.body).toContain("patch.diff");
    expect(reporter.body).not.toContain("payments cluster");
    expect(reporter.body).not.toContain("internal-log.txt");

    // The note's file: downloadable by the team, not through the reporter's link.
    const found = await stored(report.id);
    const internal = found.attachments.find((a) => a.filename === "internal-log.txt");
    expect(internal?.reporterVisible).toBe(false);
    const asReporter = await t.app.inject({
      method: "GET",
      url: `/r/${report.token}/attachments/${internal?.id}`,
    });
    expect(asReporter.statusCode).toBe(404);
    const asTeam = await responder.browser.get(`/cases/${report.id}/attachments/${internal?.id}`);
    expect(asTeam.statusCode).toBe(200);
    expect(asTeam.body).toBe("secret log");
    expect(asTeam.headers["content-type"]).toBe("application/octet-stream");
    expect(asTeam.headers["content-disposition"]).toMatch(/^attachment; filename="internal-log.txt"/);
    expect(asTeam.headers["x-content-type-options"]).toBe("nosniff");
    expect(asTeam.headers["content-security-policy"]).toContain("sandbox");

    // An empty reply is shown again with the error beside the field.
    const empty = await postCaseForm(responder, report.id, "reply", { reply: "  " });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatch(/id="reply-error">Write something, or attach a file\./);
    expect(empty.body).toContain('aria-describedby="reply-error"');
  });

  it("acknowledging stops the acknowledge clock on the page", async () => {
    const report = await fileReport(t, "privacytools");
    const responder = await createStaff(t, {
      email: "r@example.org",
      role: "responder",
      program: "privacytools",
    });
    await later(t, { hours: 50 }, responder);
    let text = textOf((await responder.browser.get(`/cases/${report.id}`)).body);
    expect(text).toMatch(/Acknowledge the report.*overdue by 2 h/);

    const done = await postCaseForm(responder, report.id, "acknowledge", {});
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/cases/${report.id}?notice=acknowledged`);
    text = textOf((await responder.browser.get(`/cases/${report.id}`)).body);
    expect(text).toMatch(/Acknowledge the report.*missed by 2 h/);
    expect(text).not.toMatch(/Acknowledge the report[^.]*overdue by/);
    // The detailed response (72 h) still runs.
    expect(text).toContain("due in 22 h");
    expect((await stored(report.id)).acknowledgedAt).toEqual(t.clock.now());
  });

  it("triages with the CVSS 3.1 radio groups, a pasted 4.0 vector, tags, asset and a CWE", async () => {
    const report = await fileReport(t, "rocketchat");
    const responder = await createStaff(t, {
      email: "r@example.org",
      role: "responder",
      program: "rocketchat",
    });
    const v31 = { AV: "N", AC: "L", PR: "N", UI: "R", S: "C", C: "L", I: "L", A: "N" };
    const entries: [string, string][] = [
      ["priority", "high"],
      ["due-date", "2026-12-04"],
      ["asset", "rocketchat-cloud"],
      ["tags", "xss, Web"],
      ["source-tag", "hackerone"],
      ["source-tag", "customer-complaint"],
      ["cwe", "79"],
      ["cvss-vector", ""],
      ...Object.entries(v31).map(([metric, value]): [string, string] => [`cvss31-${metric}`, value]),
    ];
    const saved = await postCaseFormEntries(responder, report.id, "triage", entries);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/cases/${report.id}?notice=triaged`);

    const vector31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N";
    let found = await stored(report.id);
    expect(found.triage).toMatchObject({
      priority: "high",
      cwe: "CWE-79",
      cvss31: { vector: vector31, score: scoreCvss(vector31).score },
      severity: "medium",
      dueAt: new Date("2026-12-04T23:59:59.000Z"),
    });
    expect(found.assetId).toBe("rocketchat-cloud");
    expect(found.tags).toEqual(["customer-complaint", "hackerone", "web", "xss"]);
    let page = await responder.browser.get(`/cases/${report.id}`);
    expect(textOf(page.body)).toContain(`6.1 Medium · ${vector31}`);
    // The calculator comes back pre-filled with the saved choices.
    expect(page.body).toMatch(/id="cvss31-S-C" name="cvss31-S" value="C" checked/);

    // A pasted 4.0 vector wins; the 3.1 calculator (still pre-filled) stays as it was.
    const vector40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    const pasted = await postCaseFormEntries(responder, report.id, "triage", [
      ...entries.filter(([name]) => name !== "cvss-vector"),
      ["cvss-vector", ` ${vector40} `],
    ]);
    expect(pasted.statusCode).toBe(303);
    found = await stored(report.id);
    expect(found.triage.cvss40).toEqual({ vector: vector40, score: scoreCvss(vector40).score });
    expect(found.triage.cvss31?.vector).toBe(vector31);
    // The 4.0 score decides the severity.
    expect(found.triage.severity).toBe("critical");
    page = await responder.browser.get(`/cases/${report.id}`);
    expect(textOf(page.body)).toContain(`9.3 Critical · ${vector40}`);
    const events = found.events.filter((e) => e.type === "case.triage_updated");
    expect(events).toHaveLength(2);
    expect(events[1]?.reporterVisible).toBe(false);
  });

  it("re-renders invalid triage with the message naming the bad metric or field", async () => {
    const report = await fileReport(t, "privacytools");
    const responder = await createStaff(t, {
      email: "r@example.org",
      role: "responder",
      program: "privacytools",
    });

    const badVector = await postCaseForm(responder, report.id, "triage", {
      "cvss-vector": "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    });
    expect(badVector.statusCode).toBe(400);
    expect(badVector.body).toMatch(/id="cvss-vector-error">[^<]*\bAV\b/);
    // What was typed is kept.
    expect(badVector.body).toContain('value="CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"');

    const missing = await postCaseForm(responder, report.id, "triage", { "cvss40-AV": "N" });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toMatch(/id="cvss40-AC-error">[^<]*Attack Complexity \(AC\)/);

    const unknownCwe = await postCaseForm(responder, report.id, "triage", { cwe: "CWE-999999" });
    expect(unknownCwe.statusCode).toBe(400);
    expect(unknownCwe.body).toMatch(/id="cwe-error">CWE-999999 is not in the CWE catalogue/);
    const malformed = await postCaseForm(responder, report.id, "triage", { cwe: "cross-site" });
    expect(malformed.body).toMatch(/id="cwe-error">A CWE id looks like CWE-79 or 79/);

    const asset = await postCaseForm(responder, report.id, "triage", { asset: "rocketchat-cloud" });
    expect(asset.statusCode).toBe(400);
    expect(textOf(asset.body)).toContain("Not one of this program's in-scope assets.");

    const found = await stored(report.id);
    expect(found.events.some((e) => e.type === "case.triage_updated")).toBe(false);

    // The CWE lookup works without JavaScript.
    const lookup = await responder.browser.get("/cwe?q=cross-site+scripting");
    expect(lookup.statusCode).toBe(200);
    expect(textOf(lookup.body)).toContain("CWE-79");
  });

  it("assigns to a member of the team and follows, each with a notice", async () => {
    const report = await fileReport(t, "privacytools");
    const responder = await createStaff(t, {
      email: "r@example.org",
      role: "responder",
      program: "privacytools",
    });
    await createStaff(t, { email: "colleague@example.org", role: "responder" });
    await createStaff(t, { email: "watcher@example.org", role: "viewer", program: "privacytools" });
    await createStaff(t, { email: "stranger@example.org", role: "responder", program: "kitsu" });

    const page = await responder.browser.get(`/cases/${report.id}`);
    // The assignee's choices (other member lists on the page, such as action item owners, aside).
    const select = /<select[^>]*name="assignee"[\s\S]*?<\/select>/.exec(page.body)?.[0] ?? "";
    const options = [...select.matchAll(/<option value="[a-z2-7]{16}"[^>]*>([^<]+)/g)].map((m) => m[1]);
    expect(options).toEqual(["colleague@example.org", "r@example.org (me)"]);

    const colleague = /<option value="([a-z2-7]{16})"[^>]*>colleague@example.org/.exec(page.body)?.[1] ?? "";
    const assigned = await postCaseForm(responder, report.id, "assign", { assignee: colleague });
    expect(assigned.headers.location).toBe(`/cases/${report.id}?notice=assigned`);
    expect((await stored(report.id)).assignee).toBe(colleague);

    const followed = await postCaseForm(responder, report.id, "follow", {});
    expect(followed.headers.location).toBe(`/cases/${report.id}?notice=followed`);
    const after = textOf((await responder.browser.get(`/cases/${report.id}`)).body);
    expect(after).toContain("Assignee colleague@example.org");
    expect(after).toContain("Followers r@example.org");
    expect(after).toContain("You follow this case.");
    await postCaseForm(responder, report.id, "unfollow", {});
    expect((await stored(report.id)).followers).toEqual([]);

    const bad = await postCaseForm(responder, report.id, "assign", { assignee: "aaaaaaaaaaaaaaaa" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/id="assignee-error">Choose a member of the team/);
  });
});
