import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Issue 15's smaller items, through the doors people use: closing without an outcome names only
 * the outcomes the menu offers and the refused form's URL leads back to the case; a fix release
 * before the report was received is refused; the dashboard says "2 min", not "0.0 h".
 */
const T0 = Date.parse("2026-12-08T18:00:00Z"); // 10:00 in Los Angeles (Kitsu's time zone)
const MINUTE = 60_000;

describe.each(databases)("issue 15's smaller fixes on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(new Date(T0));
    lead = await createStaff(t, { email: "lead@example.org", role: "admin" });
  });
  afterEach(async () => {
    await t.close();
  });

  /** The values of a select of the case page, without the empty "choose" option. */
  const optionsOf = (html: string, id: string) =>
    [
      ...(new RegExp(`<select id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? "").matchAll(
        /value="([^"]*)"/g,
      ),
    ]
      .map((m) => m[1])
      .filter((value) => value !== "");

  it("names only the outcomes the menu offers when a case is closed without one", async () => {
    const report = await fileReport(t, "privacytools");
    const offered = optionsOf((await lead.browser.get(`/cases/${report.id}`)).body, "outcome");
    expect(offered).toEqual([
      "duplicate",
      "informative",
      "not-applicable",
      "out-of-scope",
      "third-party",
      "spam",
    ]);

    const refused = await postCaseForm(lead, report.id, "transition", { to: "closed", outcome: "" });
    expect(refused.statusCode).toBe(400);
    const message = /id="outcome-error">([^<]*)</.exec(refused.body)?.[1];
    expect(message).toBe(`Closing a case requires an outcome: ${offered.join(", ")}.`);
    expect(message).not.toMatch(/resolved|no-incident/);
    // The page comes back with what was chosen, and the same menu.
    expect(optionsOf(refused.body, "outcome")).toEqual(offered);
    expect(refused.body).toMatch(/<option value="closed" selected/);
    expect((await getCaseForStaff(t.store, t.keyring, report.id))?.state).toBe("new");

    // Rocket.Chat's register allows "no-incident": its menu and its refusal both name it.
    const rocket = await fileReport(t, "rocketchat");
    const rocketOffered = optionsOf((await lead.browser.get(`/cases/${rocket.id}`)).body, "outcome");
    expect(rocketOffered).toContain("no-incident");
    const rocketRefused = await postCaseForm(lead, rocket.id, "transition", { to: "closed" });
    expect(rocketRefused.statusCode).toBe(400);
    expect(/id="outcome-error">([^<]*)</.exec(rocketRefused.body)?.[1]).toBe(
      `Closing a case requires an outcome: ${rocketOffered.join(", ")}.`,
    );

    // The API says the same.
    const token = await createApiToken(lead, "privacytools", "responder");
    const api = await t.app.inject({
      method: "POST",
      url: `/api/v1/cases/${report.id}/transitions`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify({ to: "closed" }),
    });
    expect(api.statusCode).toBe(400);
    expect(api.json()).toMatchObject({
      message: `Closing a case requires an outcome: ${offered.join(", ")}.`,
    });
  });

  it("sends the address a refused form leaves in the browser back to the case", async () => {
    const report = await fileReport(t, "privacytools");
    const refused = await postCaseForm(lead, report.id, "transition", { to: "closed", outcome: "" });
    expect(refused.statusCode).toBe(400);
    // Opened again (reloaded from the address bar, a copied link), the form's URL is the case page.
    for (const action of ["transition", "reply", "fix-release", "problem-open"]) {
      const again = await lead.browser.get(`/cases/${report.id}/${action}`);
      expect(again.statusCode, action).toBe(303);
      expect(again.headers.location, action).toBe(`/cases/${report.id}`);
    }
    // Not a form of the case: not found; a case the member may not read: not found either.
    expect((await lead.browser.get(`/cases/${report.id}/nothing-here`)).statusCode).toBe(404);
    const outsider = await createStaff(t, { email: "dev@kafe.example", role: "responder", program: "kafe" });
    expect((await outsider.browser.get(`/cases/${report.id}/transition`)).statusCode).toBe(404);
    expect((await outsider.browser.get(`/cases/${"x".repeat(65)}/transition`)).statusCode).toBe(400);
    // Signed out: the sign-in page first, as for the case page itself.
    const anonymous = await t.app.inject({ method: "GET", url: `/cases/${report.id}/transition` });
    expect(anonymous.statusCode).toBe(303);
    expect(String(anonymous.headers.location)).toMatch(/^\/login\b/);
  });

  it("refuses a fix release before the report was received, naming when it was received", async () => {
    const report = await fileReport(t, "kitsu");
    t.clock.set(new Date(T0 + 20 * MINUTE));
    const early = await postCaseForm(lead, report.id, "fix-release", { "released-at": "2026-12-07T09:00" });
    expect(early.statusCode).toBe(400);
    expect(/id="released-at-error">([^<]*)</.exec(early.body)?.[1]).toBe(
      "A fix release cannot come before the report was received (2026-12-08 10:00 America/Los_Angeles).",
    );
    // The form keeps what was typed.
    expect(early.body).toContain('value="2026-12-07T09:00"');
    expect((await getCaseForStaff(t.store, t.keyring, report.id))?.fixReleasedAt).toBeNull();

    // Through the API too, named by its field.
    const token = await createApiToken(lead, "kitsu", "responder");
    const post = (releasedAt: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/cases/${report.id}/fix-release`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify({ releasedAt }),
      });
    const refused = await post(new Date(T0 - 1000).toISOString());
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      fields: [
        {
          field: "releasedAt",
          message:
            "A fix release cannot come before the report was received (2026-12-08 10:00 America/Los_Angeles).",
        },
      ],
    });

    // At the instant of receipt or after: recorded.
    expect((await post(new Date(T0).toISOString())).json()).toMatchObject({ changed: true });
    const later = await postCaseForm(lead, report.id, "fix-release", { "released-at": "2026-12-08T10:10" });
    expect(later.statusCode).toBe(303);
    expect((await getCaseForStaff(t.store, t.keyring, report.id))?.fixReleasedAt?.toISOString()).toBe(
      new Date(T0 + 10 * MINUTE).toISOString(),
    );
  });

  it("gives the dashboard's times under an hour in minutes", async () => {
    // Received 3 h 30 min before the others (the member's session, made at T0, sees none of it).
    t.clock.set(new Date(T0 - 210 * MINUTE));
    const slow = await fileReport(t, "kitsu");
    t.clock.set(new Date(T0));
    const quick = await fileReport(t, "kafe");
    const instant = await fileReport(t, "privacytools");
    expect((await postCaseForm(lead, slow.id, "acknowledge", {})).statusCode).toBe(303);
    t.clock.set(new Date(T0 + 20_000));
    expect((await postCaseForm(lead, instant.id, "acknowledge", {})).statusCode).toBe(303);
    t.clock.set(new Date(T0 + 2 * MINUTE));
    expect((await postCaseForm(lead, quick.id, "acknowledge", {})).statusCode).toBe(303);

    const page = await lead.browser.get("/dashboard");
    expect(page.statusCode).toBe(200);
    // One program's part of the page: from its section to the next program's.
    const section = (slug: string) =>
      textOf(
        page.body
          .split(`<section aria-labelledby="program-${slug}">`)[1]
          ?.split('<section aria-labelledby="program-')[0] ?? "",
      );
    expect(section("kafe")).toContain("Time to acknowledge 1 2 min 2 min");
    expect(section("privacytools")).toContain("Time to acknowledge 1 under a minute under a minute");
    expect(section("kitsu")).toContain("Time to acknowledge 1 3.5 h 3.5 h");
    expect(textOf(page.body)).not.toContain("0.0 h");
    // The chart of a program whose times are all under an hour counts in minutes.
    expect(section("kafe")).toMatch(/Acknowledge \(minutes\) .*\b2\b/);
    expect(section("kitsu")).toContain("Acknowledge (hours)");
  });
});
