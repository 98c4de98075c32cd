import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, keepRocketChatRegister, postCaseForm, textOf } from "../support/workspace.js";

describe.each(databases)("moving cases through the lifecycle on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    lead = await createStaff(t, { email: "lead@example.org", role: "responder" });
  });
  afterEach(async () => {
    await t.close();
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const reporterPage = (token: string) => t.app.inject({ method: "GET", url: `/r/${token}` });
  const move = (id: string, fields: Record<string, string>) => postCaseForm(lead, id, "transition", fields);

  it("offers exactly the allowed moves, and the reporter reads what happened", async () => {
    const report = await fileReport(t, "privacytools");
    const page = await lead.browser.get(`/cases/${report.id}`);
    const targets = [
      ...(/<select id="to" name="to"[^>]*>([\s\S]*?)<\/select>/.exec(page.body)?.[1] ?? "").matchAll(
        /value="([^"]+)"/g,
      ),
    ].map((m) => m[1]);
    expect(targets).toEqual(["triaged", "needs-info", "closed"]);
    // Closing as "resolved" needs a fix first; privacytools has no "no-incident" outcome.
    const outcomes = [
      ...(/<select id="outcome"[^>]*>([\s\S]*?)<\/select>/.exec(page.body)?.[1] ?? "").matchAll(
        /value="([^"]*)"/g,
      ),
    ].map((m) => m[1]);
    expect(outcomes.filter((o) => o !== "")).toEqual([
      "duplicate",
      "informative",
      "not-applicable",
      "out-of-scope",
      "third-party",
      "spam",
    ]);

    const moved = await move(report.id, { to: "needs-info" });
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe(`/cases/${report.id}?notice=moved`);
    expect((await stored(report.id)).state).toBe("needs-info");
    const reporter = textOf((await reporterPage(report.token)).body);
    expect(reporter).toContain("Waiting for more information from you");
    expect(reporter).toContain(
      "Status changed The team needs more information from you. Please reply on this page.",
    );
  });

  it("refuses a move the lifecycle does not allow with 409, listing the allowed targets", async () => {
    const report = await fileReport(t, "privacytools");
    const refused = await move(report.id, { to: "fixed" });
    expect(refused.statusCode).toBe(409);
    const text = textOf(refused.body);
    expect(text).toContain('Cannot move a case from "new" to "fixed"; allowed: triaged, needs-info, closed.');
    expect((await stored(report.id)).state).toBe("new");

    const unknown = await move(report.id, { to: "sideways" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toMatch(/id="to-error">/);
  });

  it("closes a report about another project as third-party with the policy's words for the reporter", async () => {
    const report = await fileReport(t, "privacytools");
    expect((await move(report.id, { to: "closed", outcome: "third-party" })).statusCode).toBe(303);
    expect(textOf((await reporterPage(report.token)).body)).toContain(
      "Please report any security bugs in third-party projects to the person or team maintaining that project.",
    );
  });

  it("refuses to close without an outcome, and says why beside the field", async () => {
    const report = await fileReport(t, "privacytools");
    const refused = await move(report.id, { to: "closed", outcome: "" });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/id="outcome-error">Closing a case requires an outcome/);
    expect((await stored(report.id)).state).toBe("new");

    const noIncident = await move(report.id, { to: "closed", outcome: "no-incident" });
    expect(noIncident.statusCode).toBe(400);
    expect(noIncident.body).toMatch(/id="outcome-error">[^<]*no-incident/);

    const closed = await move(report.id, { to: "closed", outcome: "informative" });
    expect(closed.statusCode).toBe(303);
    expect(await stored(report.id)).toMatchObject({ state: "closed", outcome: "informative" });
    // Closed: nothing is due any more.
    expect((await stored(report.id)).nextDueAt).toBeNull();
  });

  it("closes a duplicate of a suggested original; the reporter is not told the original's title", async () => {
    const original = await fileReport(t, "privacytools", {
      title: "Secret original: XSS in the Mastodon profile bio",
      asset: "mastodon",
      fields: { description: "Stored cross-site scripting in the profile bio field." },
    });
    const dup = await fileReport(t, "privacytools", {
      title: "XSS in profile bio",
      asset: "mastodon",
      fields: { description: "The profile bio field allows stored XSS." },
    });
    const page = await lead.browser.get(`/cases/${dup.id}`);
    // Suggested as a likely duplicate, and offered as the original.
    expect(textOf(page.body)).toMatch(/Likely duplicates Secret original: XSS in the Mastodon profile bio/);
    expect(page.body).toContain(`<option value="${original.id}">`);

    const noOriginal = await move(dup.id, { to: "closed", outcome: "duplicate" });
    expect(noOriginal.statusCode).toBe(400);
    expect(noOriginal.body).toMatch(/id="duplicate-of-error">Closing a case as a duplicate requires the id/);

    const unknown = await move(dup.id, {
      to: "closed",
      outcome: "duplicate",
      "duplicate-of-other": "aaaaaaaaaaaaaaaa",
    });
    expect(unknown.statusCode).toBe(400);

    const closed = await move(dup.id, { to: "closed", outcome: "duplicate", "duplicate-of": original.id });
    expect(closed.statusCode).toBe(303);
    expect(await stored(dup.id)).toMatchObject({
      state: "closed",
      outcome: "duplicate",
      duplicateOf: original.id,
    });

    const reporter = await reporterPage(dup.token);
    const text = textOf(reporter.body);
    expect(text).toContain("This issue was already reported by someone else");
    expect(reporter.body).not.toContain("Secret original");
    expect(reporter.body).not.toContain(original.id);
    // The team sees the link to the original.
    const staff = await lead.browser.get(`/cases/${dup.id}`);
    expect(staff.body).toContain(`href="/cases/${original.id}"`);
  });

  it("asks a Rocket.Chat reporter to agree to the fix, and takes their answer on their page", async () => {
    const report = await fileReport(t, "rocketchat");
    await keepRocketChatRegister(lead, report.id);
    for (const to of ["triaged", "in-progress", "fixed"])
      expect((await move(report.id, { to })).statusCode).toBe(303);
    const found = await stored(report.id);
    // The policy waits 14 days for the agreement.
    expect(found.agreementDueAt).toEqual(new Date(t.clock.now().getTime() + 14 * 86_400_000));
    expect(textOf((await lead.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Reporter's agreement asked, due",
    );

    const form = await openForm(t.app, `/r/${report.token}`);
    const asked = textOf(form.html);
    expect(asked).toContain("Please confirm on this page that the fix resolves it.");
    expect(asked).toContain("The team asks whether the fix resolves your report");
    expect(form.html).toContain(`action="/r/${report.token}/agreement"`);
    expect(form.html).toMatch(/<fieldset[^>]*><legend>Is the issue you reported resolved\?<\/legend>/);

    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/r/${report.token}/agreement`,
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
        payload: new URLSearchParams({ _csrf: form.csrf, ...fields }).toString(),
      });
    const noChoice = await post({ comment: "hm" });
    expect(noChoice.statusCode).toBe(400);
    expect(noChoice.body).toContain("Choose yes or no.");
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/r/${report.token}/agreement`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "agree=yes",
    });
    expect(noCsrf.statusCode).toBe(403);

    const agreed = await post({ agree: "yes", comment: "Confirmed on my instance." });
    expect(agreed.statusCode).toBe(303);
    expect(agreed.headers.location).toBe(`/r/${report.token}`);
    const after = await reporterPage(report.token);
    expect(textOf(after.body)).toContain(
      "You agreed that the fix resolves your report Confirmed on my instance.",
    );
    expect(after.body).not.toContain(`action="/r/${report.token}/agreement"`);
    expect((await stored(report.id)).agreementDueAt).toBeNull();
    expect(textOf((await lead.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Agrees that the fix resolves the report.",
    );

    // Answering twice: nothing is pending any more.
    const again = await post({ agree: "no" });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("not waiting for an answer");
  });

  it("asks no agreement where the policy does not (privacytools)", async () => {
    const report = await fileReport(t, "privacytools");
    for (const to of ["triaged", "in-progress"]) await move(report.id, { to });
    // privacytools fixes every release in production first (test/workspace/affected-releases.test.ts).
    for (const [asset, version] of [
      ["privacytools-code", "main"],
      ["mastodon", "live"],
      ["matrix", "live"],
      ["riot", "live"],
    ] as const)
      await postCaseForm(lead, report.id, "affected", { asset, version, status: "not-affected" });
    expect((await move(report.id, { to: "fixed" })).statusCode).toBe(303);
    expect((await stored(report.id)).agreementDueAt).toBeNull();
    expect((await reporterPage(report.token)).body).not.toContain("/agreement");
    expect(textOf((await reporterPage(report.token)).body)).toContain(
      "The team has fixed the issue you reported.",
    );
  });
});
