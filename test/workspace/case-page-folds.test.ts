import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * The page's folds (<details>): class, whether open, and the summary's text. The calculators'
 * optional metric groups, folds of their own inside, are left out.
 */
function folds(html: string): { kind: string; open: boolean; summary: string }[] {
  return [...html.matchAll(/<details class="([^"]+)"( open)?[^>]*><summary>([^<]*)<\/summary>/g)]
    .map((m) => ({ kind: m[1] ?? "", open: m[2] !== undefined, summary: m[3] ?? "" }))
    .filter((fold) => fold.kind !== "cvss-group");
}

const openOnes = (html: string) =>
  folds(html)
    .filter((fold) => fold.open)
    .map((fold) => fold.summary);

describe.each(databases)("the case page's folded panels on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  it("folds the triage form, its calculators and the other work; only those who work the case get the live score", async () => {
    const report = await fileReport(t, "kafe");
    const responder = await createStaff(t, { email: "r@example.org", role: "responder", program: "kafe" });
    const page = await responder.browser.get(`/cases/${report.id}`);
    expect(page.statusCode).toBe(200);
    expect(folds(page.body)).toEqual([
      { kind: "fold", open: false, summary: "Disclosure" },
      { kind: "fold", open: false, summary: "Affected releases" },
      { kind: "fold", open: false, summary: "Advisory" },
      { kind: "fold", open: false, summary: "Credit" },
      { kind: "fold", open: false, summary: "Confidential" },
      { kind: "edit-triage", open: false, summary: "Edit triage" },
      { kind: "cvss-calculator", open: false, summary: "CVSS 3.1 calculator" },
      { kind: "cvss-calculator", open: false, summary: "CVSS 4.0 calculator" },
    ]);
    expect(page.body).toContain('<script src="/assets/cvss-live.js" defer></script>');
    // The live score's place, hidden until the script shows it.
    expect(page.body).toMatch(/<p class="cvss-live" hidden>With these choices: <output id="cvss31-live">/);
    // The sidebar: a labelled landmark after the report and conversation.
    expect(page.body).toMatch(/<aside class="case-side" aria-label="Triage, assignee and clocks">/);
    expect(page.body.indexOf('id="actions-heading"')).toBeLessThan(page.body.indexOf('class="case-side"'));

    const viewer = await createStaff(t, { email: "v@example.org", role: "viewer", program: "kafe" });
    const seen = await viewer.browser.get(`/cases/${report.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).not.toContain("cvss-live");
    expect(folds(seen.body).map((fold) => fold.summary)).not.toContain("Edit triage");
  });

  it("opens the fold whose form comes back with an error, and a panel once something is recorded in it", async () => {
    const report = await fileReport(t, "kafe");
    const responder = await createStaff(t, { email: "r@example.org", role: "responder", program: "kafe" });

    // A 4.0 metric without the rest: the triage form and that calculator open, with the message.
    const triage = await postCaseForm(responder, report.id, "triage", { "cvss40-AV": "N" });
    expect(triage.statusCode).toBe(400);
    expect(openOnes(triage.body)).toEqual(["Edit triage", "CVSS 4.0 calculator"]);
    expect(triage.body).toMatch(/id="cvss40-AC-error">[^<]*Attack Complexity \(AC\)/);
    const vector = await postCaseForm(responder, report.id, "triage", { "cvss-vector": "CVSS:3.1/AV:Q" });
    expect(vector.statusCode).toBe(400);
    expect(openOnes(vector.body)).toEqual(["Edit triage"]);

    // A fix release that is not a date: the disclosure panel opens on its error.
    const bad = await postCaseForm(responder, report.id, "fix-release", { "released-at": "yesterday-ish" });
    expect(bad.statusCode).toBe(400);
    expect(openOnes(bad.body)).toEqual(["Disclosure"]);
    expect(bad.body).toMatch(/id="released-at-error"/);

    // Recorded: the panel stays open from now on; the others stay folded.
    const good = await postCaseForm(responder, report.id, "fix-release", { "released-at": "" });
    expect(good.statusCode).toBe(303);
    const page = await responder.browser.get(`/cases/${report.id}`);
    expect(openOnes(page.body)).toEqual(["Disclosure"]);
    expect(textOf(page.body)).toMatch(/Disclosure Disclosure Fix released \d{4}-\d{2}-\d{2}/);
  });
});
