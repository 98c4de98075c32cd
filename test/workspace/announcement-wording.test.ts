import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicies } from "../../src/policy/loader.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * `disclosure.wording.appliesTo: all`: the words the policy forbids in public fixes are kept out
 * of the team's own public announcement too. Approving or publishing a revision that uses one is
 * refused, naming the words and showing the policy's guidance; the draft form says so before.
 * Herald (test/fixtures/policies/wording-all/herald.yaml) forbids XSS, hacker and exploit, except
 * in "exploit mitigation".
 */

const POLICIES = "test/fixtures/policies/wording-all";
const GUIDANCE = "Say what changed and what readers should do; leave out how an attack works.";

describe.each(databases)("announcement wording on $name", (database) => {
  let t: TestApp;
  let alice: CreatedStaff;
  let bob: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open, {}, { policies: POLICIES });
    t.clock.set(new Date("2026-12-08T10:00:00Z"));
    alice = await createStaff(t, { email: "alice@herald.example", role: "responder", program: "herald" });
    bob = await createStaff(t, { email: "bob@herald.example", role: "responder", program: "herald" });
  });
  afterEach(async () => {
    await t.close();
  });

  const draft = (who: CreatedStaff, id: string, title: string, body: string) =>
    postCaseForm(who, id, "announcement-draft", {
      "announcement-title": title,
      "announcement-slug": "preview-markup",
      "announcement-body": body,
    });
  const step = async (who: CreatedStaff, id: string, action: "approve" | "publish") => {
    const page = (await who.browser.get(`/cases/${id}`)).body;
    const form = page
      .split('action="')
      .find((part) => part.startsWith(`/cases/${id}/announcement-${action}`));
    const revision = /name="revision" value="(\d+)"/.exec(form ?? "")?.[1];
    if (revision === undefined) throw new Error(`no ${action} form on the page`);
    return who.browser.post(`/cases/${id}/announcement-${action}`, { revision });
  };
  const move = async (id: string, ...states: string[]) => {
    for (const to of states) {
      const moved = await postCaseForm(alice, id, "transition", { to, outcome: "" });
      expect(moved.statusCode, `to ${to}`).toBe(303);
    }
  };

  it("refuses to approve or publish an announcement with a forbidden word, naming it with the guidance, where the wording applies to all", async () => {
    const report = await fileReport(t, "herald", { fields: { description: "The preview runs scripts." } });
    const form = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(form).toContain(
      "Approving and publishing check the title and text for the words the policy keeps out of public texts: XSS, hacker, exploit (allowed within: exploit mitigation).",
    );
    expect(form).toContain(`Guidance: ${GUIDANCE}`);

    const body = "We fixed the preview.\n\nNo (xss) is possible now, and no exploit mitigation was needed.";
    expect((await draft(alice, report.id, "Fix XSS in the preview", body)).statusCode).toBe(303);
    const page = textOf((await bob.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("This revision cannot be approved or published as it is.");
    const refused = await step(bob, report.id, "approve");
    expect(refused.statusCode).toBe(400);
    const message = textOf(refused.body);
    expect(message).toContain(
      `The policy keeps these words out of public texts: "XSS" (title), "XSS" (text, line 3, column 5). ${GUIDANCE}`,
    );
    expect(message).not.toContain('"exploit"');
    expect(textOf((await alice.browser.get(`/cases/${report.id}`)).body)).toContain("Not approved");

    // A reload that tightens the policy after an approval: publishing checks again.
    const strict = t.programs.all();
    const relaxed = strict.map((loaded) => {
      const { wording: _dropped, ...disclosure } = loaded.policy.disclosure;
      return { ...loaded, policy: { ...loaded.policy, disclosure } };
    });
    t.programs.replace(relaxed);
    expect((await step(bob, report.id, "approve")).statusCode).toBe(303);
    t.programs.replace(strict);
    await move(report.id, "triaged", "in-progress", "fixed", "disclosed");
    const unpublished = await step(bob, report.id, "publish");
    expect(unpublished.statusCode).toBe(400);
    expect(textOf(unpublished.body)).toContain(`"XSS" (title)`);
    expect(textOf(unpublished.body)).toContain(GUIDANCE);
    expect((await t.app.inject({ url: "/p/herald/announcements/preview-markup" })).statusCode).toBe(404);

    // Reworded: approved by the other member, published.
    const clean = "We fixed the preview.\n\nScripts in markup are no longer run; exploit mitigation is on.";
    expect((await draft(alice, report.id, "Sanitise the preview markup", clean)).statusCode).toBe(303);
    expect(textOf((await bob.browser.get(`/cases/${report.id}`)).body)).not.toContain(
      "This revision cannot be approved",
    );
    expect((await step(bob, report.id, "approve")).statusCode).toBe(303);
    expect((await step(bob, report.id, "publish")).statusCode).toBe(303);
    const published = await t.app.inject({ url: "/p/herald/announcements/preview-markup" });
    expect(published.statusCode).toBe(200);
    expect(published.body).toContain("Sanitise the preview markup");
  });

  it("leaves announcements alone where the wording is for open-source fixes only", async () => {
    const { policies } = await loadPolicies(POLICIES);
    t.programs.replace(
      policies.map((loaded) => {
        const wording = loaded.policy.disclosure.wording;
        if (wording === undefined) throw new Error("herald has wording");
        const disclosure = {
          ...loaded.policy.disclosure,
          wording: { ...wording, appliesTo: "open-source" as const },
        };
        return { ...loaded, policy: { ...loaded.policy, disclosure } };
      }),
    );
    const report = await fileReport(t, "herald", { fields: { description: "The preview runs scripts." } });
    expect((await draft(alice, report.id, "Fix XSS in the preview", "A hacker's exploit.")).statusCode).toBe(
      303,
    );
    const page = textOf((await bob.browser.get(`/cases/${report.id}`)).body);
    expect(page).not.toContain("Approving and publishing check");
    expect(page).not.toContain("cannot be approved");
    expect((await step(bob, report.id, "approve")).statusCode).toBe(303);
  });
});
