import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { advance, createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

describe.each(databases)("the inbox on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  const titlesOn = (html: string) =>
    [...html.matchAll(/<a href="\/cases\/[a-z2-7]{16}">([^<]+)<\/a>/g)].map((m) => m[1]);

  it("sends a visitor without a session to sign in", async () => {
    const response = await t.app.inject({ method: "GET", url: "/inbox?state=any" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/login?next=${encodeURIComponent("/inbox?state=any")}`);
  });

  it("lists only the cases of the programs the user may see", async () => {
    await fileReport(t, "privacytools", { title: "Privacytools open redirect" });
    await fileReport(t, "kitsu", { title: "Kitsu account takeover" });
    await fileReport(t, "rocketchat", { title: "Rocket.Chat message leak" });
    const viewer = await createStaff(t, { email: "viewer@kitsu.example", role: "viewer", program: "kitsu" });
    const everyone = await createStaff(t, { email: "lead@example.org", role: "responder" });

    const page = await viewer.browser.get("/inbox");
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(titlesOn(page.body)).toEqual(["Kitsu account takeover"]);
    // The program filter offers only what the user may see, and asking for another shows nothing.
    expect(page.body).not.toContain('value="privacytools"');
    const sneaky = await viewer.browser.get("/inbox?program=privacytools");
    expect(titlesOn(sneaky.body)).toEqual([]);

    const all = await everyone.browser.get("/inbox");
    expect(titlesOn(all.body).sort()).toEqual([
      "Kitsu account takeover",
      "Privacytools open redirect",
      "Rocket.Chat message leak",
    ]);
  });

  it("filters by program, state, overdue, words in the title and tag", async () => {
    const lead = await createStaff(t, { email: "lead@example.org", role: "responder" });
    const xss = await fileReport(t, "privacytools", { title: "Stored XSS in the profile page" });
    const sqli = await fileReport(t, "privacytools", { title: "SQL injection in search" });
    const kitsu = await fileReport(t, "kitsu", { title: "Kitsu password reset flaw" });
    // No promise at all: never overdue.
    await fileReport(t, "rocketchat", { title: "Rocket.Chat message leak" });

    await postCaseForm(lead, sqli.id, "transition", { to: "triaged" });
    await postCaseForm(lead, xss.id, "triage", { tags: "web, needs-cve" });

    const titles = async (query: string) => titlesOn((await lead.browser.get(`/inbox?${query}`)).body).sort();
    expect(await titles("program=privacytools")).toEqual([
      "SQL injection in search",
      "Stored XSS in the profile page",
    ]);
    expect(await titles("state=triaged")).toEqual(["SQL injection in search"]);
    expect(await titles("state=new&program=privacytools")).toEqual(["Stored XSS in the profile page"]);
    expect(await titles("q=profile%20XSS")).toEqual(["Stored XSS in the profile page"]);
    expect(await titles("q=password")).toEqual(["Kitsu password reset flaw"]);
    expect(await titles("tag=needs-cve")).toEqual(["Stored XSS in the profile page"]);
    expect(await titles("tag=nothing")).toEqual([]);
    expect(await titles("overdue=yes")).toEqual([]);

    // Two days later the privacytools acknowledgements (48 h) are overdue; Kitsu's (one business
    // day, US west coast) too; Rocket.Chat promises nothing.
    await later(t, { hours: 49 }, lead);
    expect(await titles("overdue=yes")).toEqual([
      "Kitsu password reset flaw",
      "SQL injection in search",
      "Stored XSS in the profile page",
    ]);
    expect(await titles("overdue=no")).toEqual(["Rocket.Chat message leak"]);
    // Acknowledging stops that clock: no longer overdue.
    await postCaseForm(lead, kitsu.id, "acknowledge", {});
    expect(await titles("overdue=yes")).not.toContain("Kitsu password reset flaw");
    // The filter form keeps what was asked.
    const page = await lead.browser.get("/inbox?state=triaged&q=search");
    expect(page.body).toMatch(/<option value="triaged" selected/);
    expect(page.body).toContain('value="search"');
  });

  it("shows each row's clock, moving with the injected clock", async () => {
    const lead = await createStaff(t, {
      email: "lead@example.org",
      role: "responder",
      program: "privacytools",
    });
    const report = await fileReport(t, "privacytools", { title: "Stored XSS in the profile page" });
    // Received at 10:00; privacytools acknowledges within 48 hours.
    await later(t, { hours: 45 }, lead);
    let text = textOf((await lead.browser.get("/inbox")).body);
    expect(text).toContain("acknowledge within 3 h");

    await later(t, { hours: 5 }, lead);
    text = textOf((await lead.browser.get("/inbox")).body);
    expect(text).toContain("acknowledge overdue by 2 h");

    // Acknowledged, with a due date of its own: "due in", then "overdue by".
    await postCaseForm(lead, report.id, "acknowledge", {});
    await postCaseForm(lead, report.id, "triage", { "due-date": "2026-11-30" });
    text = textOf((await lead.browser.get("/inbox")).body);
    // Now 2026-11-27T12:00Z; due at the end of 2026-11-30 (UTC): 3 days and 12 hours.
    expect(text).toContain("due in 3 d");
    await later(t, { at: new Date("2026-12-01T02:00:00Z") }, lead);
    text = textOf((await lead.browser.get("/inbox")).body);
    expect(text).toContain("overdue by 2 h");
  });

  it("shows every clock that still asks something of the team, on the page and in the API", async () => {
    const lead = await createStaff(t, { email: "lead@example.org", role: "admin", program: "privacytools" });
    const report = await fileReport(t, "privacytools", { title: "Stored XSS in the profile page" });
    // privacytools: acknowledge within 48 h, a detailed response within 72 h.
    await later(t, { hours: 50 }, lead);
    let text = textOf((await lead.browser.get("/inbox")).body);
    expect(text).toContain("Acknowledge the report: overdue by 2 h");
    expect(text).toContain("Detailed response: due in 22 h");

    // The acknowledgement stops its clock; the detailed response's goes on, alone.
    await postCaseForm(lead, report.id, "acknowledge", {});
    text = textOf((await lead.browser.get("/inbox")).body);
    expect(text).not.toContain("Acknowledge the report:");
    const token = await createApiToken(lead, "privacytools", "viewer");
    const api = await t.app.inject({
      method: "GET",
      url: "/api/v1/cases",
      headers: { authorization: `Bearer ${token}` },
    });
    const [row] = (api.json() as { cases: { clocks: unknown[] }[] }).cases;
    expect(row?.clocks).toEqual([{ label: "Detailed response", text: "due in 22 h", overdue: false }]);
  });

  it("pages with a next link that keeps the filters", async () => {
    const lead = await createStaff(t, { email: "lead@example.org", role: "viewer", program: "privacytools" });
    for (let i = 0; i < 3; i++) {
      await fileReport(t, "privacytools", { title: `Report number ${i}` });
      advance(t, 0.1);
    }
    const first = await lead.browser.get("/inbox?limit=2&q=report");
    expect(titlesOn(first.body)).toEqual(["Report number 0", "Report number 1"]);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toContain("q=report");
    const second = await lead.browser.get(next ?? "");
    expect(titlesOn(second.body)).toEqual(["Report number 2"]);
    expect(second.body).not.toContain('rel="next"');

    const bad = await lead.browser.get("/inbox?after=not-a-cursor");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("invalid inbox cursor".replace("i", "I"));
  });
});
